/**
 * The fused kernels under the threaded wasm backend (--threads 2): its memory is shared, so the
 * loader picks the shared-memory build; results equal tfjs's own ops, and nothing leaks.
 * A file of its own: the thread count is fixed for the process.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fusedKernelsActive, uninstallFusedKernels, installFusedKernels } from '../../memory/kernels/install.ts';
import { heapOf, type WasmBackendInternals } from '../../memory/kernels/module.ts';
import { makeCore } from '../../memory/registry.ts';
import { initBackend, tf } from '../../memory/tf.ts';
import { unroll } from '../../memory/unroll.ts';

test('with 2 threads: the shared-memory build loads, gives what tfjs\'s ops give, and leaks no tensor or heap', async () => {
  assert.equal(await initBackend('wasm', 2), 'wasm');
  const backend = tf.backend() as unknown as WasmBackendInternals;
  assert.ok(heapOf(backend).buffer instanceof SharedArrayBuffer, 'the threaded backend shares its memory');
  assert.ok(fusedKernelsActive());
  const core = makeCore('lstm', { hiddenSize: 48, inputSize: 9, seed: 2, trainableInitialState: true });
  const xs = tf.randomNormal([12, 6, 9], 0, 1, 'float32', 1) as tf.Tensor3D;
  const resets = tf.tensor2d(Float32Array.from({ length: 72 }, (_, i) => (i % 11 === 0 ? 1 : 0)), [12, 6]);
  const run = () => tf.tidy(() => {
    const f = () => tf.sum(tf.square(unroll(core, xs, core.initialState(6), resets).outputs)) as tf.Scalar;
    const { value, grads } = tf.variableGrads(f, [...core.variables]);
    return [value, ...Object.values(grads), tf.matMul(xs, tf.ones([9, 4]), false, false), tf.matMul(xs, xs, true, false)].map((t) => Array.from(t.dataSync()));
  });
  const fused = run();
  uninstallFusedKernels();
  const stock = run();
  assert.equal(installFusedKernels(), undefined);
  fused.forEach((f, i) => {
    const s = stock[i] as number[];
    const d = Math.sqrt(f.reduce((acc, v, j) => acc + (v - (s[j] as number)) ** 2, 0) / Math.max(s.reduce((acc, v) => acc + v * v, 0), 1e-30));
    assert.ok(d <= 1e-5, `output ${i}: relative L2 ${d}`);
  });
  const heap = () => heapOf(backend).buffer.byteLength;
  const opt = tf.train.adam(1e-3);
  const round = () => {
    opt.minimize(() => tf.sum(tf.square(unroll(core, xs, core.initialState(6), resets).outputs)) as tf.Scalar, false, [...core.variables]);
    let s = core.initialState(6);
    for (let i = 0; i < 20; i++) {
      const x = tf.tidy(() => tf.squeeze(tf.slice(xs, [i % 12, 0, 0], [1, -1, -1]), [0])) as tf.Tensor2D;
      const r = core.step(x, s);
      tf.dispose([x, r.output, ...Object.values(s)]);
      s = r.state;
    }
    tf.dispose(Object.values(s));
  };
  round();
  const first = { tensors: tf.memory().numTensors, heap: heap() };
  for (let i = 0; i < 50; i++) round();   // 50 updates, 1,000 acting steps
  assert.equal(tf.memory().numTensors, first.tensors);
  assert.equal(heap(), first.heap);
});
