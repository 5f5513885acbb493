/** The wasm Slice/Unpack/SplitV replacements give exactly what the cpu backend gives. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initBackend, tf } from '../../memory/tf.ts';
import { copyBox } from '../../memory/kernels/slice.ts';

test('copyBox copies any box of a row-major array', () => {
  const src = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
  const dst = new Float32Array(1 * 2 * 2);
  copyBox(src, [2, 3, 4], dst, [1, 1, 2], [1, 2, 2]);
  assert.deepEqual([...dst], [18, 19, 22, 23]);
});

test('on wasm, slice, unstack, split and their gradients match the cpu backend', async () => {
  const cases = (x: tf.Tensor3D) => ({
    slice: tf.slice(x, [1, 0, 2], [2, 3, 3]).arraySync(),
    unstack: tf.unstack(x, 1).map((t) => t.arraySync()),
    split: tf.split(x, [1, 3, 2], 2).map((t) => t.arraySync()),
    int: tf.slice(x.toInt(), [0, 1, 1], [-1, 1, -1]).arraySync(),
    grad: tf.grad((y: tf.Tensor) => tf.sum(tf.mul(tf.stack(tf.unstack(y).map((r, i) => tf.mul(r, i + 1))), y)))(x).arraySync(),
  });
  const data = Array.from({ length: 4 * 3 * 6 }, (_, i) => Math.sin(i));
  assert.equal(await tf.setBackend('cpu'), true);
  const want = cases(tf.tensor3d(data, [4, 3, 6]));
  assert.equal(await initBackend('wasm'), 'wasm');
  const got = cases(tf.tensor3d(data, [4, 3, 6]));
  assert.deepEqual(got, want);
  await tf.setBackend('cpu');
});
