import { tf } from '../fixtures/tf-cpu.ts';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentWeights, eraseAndWrite, oneplus, readMemory, stopGradient } from '../../memory/ops.ts';

const close = (a: number[], b: number[], tol = 1e-5) => a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) < tol, `${x} vs ${b[i]} at ${i}`));

test('contentWeights equals a naive softmax of β·cosine, and is finite at zero vectors', () => {
  const M = [[[1, 0, 0], [0, 2, 0], [1, 1, 0], [0, 0, 0]]];
  const k = [[[1, 1, 0]], [[0, 0, 0]]].slice(0, 1);
  const beta = [[3]];
  const w = contentWeights(tf.tensor3d(M), tf.tensor3d(k), tf.tensor2d(beta)).arraySync()[0]![0]!;
  const eps = 1e-6;
  const cos = M[0]!.map((row) => {
    const dot = row.reduce((s, v, i) => s + v * k[0]![0]![i]!, 0);
    return dot / (Math.sqrt(2 + eps) * Math.sqrt(row.reduce((s, v) => s + v * v, 0) + eps) + eps);
  });
  const ex = cos.map((c) => Math.exp(3 * c));
  close(w, ex.map((e) => e / ex.reduce((a, b) => a + b, 0)));
  const g = tf.grad((m: tf.Tensor) => tf.sum(contentWeights(m as tf.Tensor3D, tf.zeros([1, 1, 3]) as tf.Tensor3D, tf.ones([1, 1]) as tf.Tensor2D)))(tf.zeros([1, 4, 3]));
  assert.ok(g.dataSync().every(Number.isFinite));
});

test('eraseAndWrite: product of erases over heads, sum of adds (triple loop reference)', () => {
  const B = 1, N = 3, W = 2, H = 2;
  const M = tf.tensor3d([[[1, 2], [3, 4], [5, 6]]]);
  const w = tf.tensor3d([[[0.5, 0.5, 0], [0, 1, 0]]]);
  const e = tf.tensor3d([[[1, 0], [0.5, 0.5]]]);
  const a = tf.tensor3d([[[10, 0], [0, 1]]]);
  const got = eraseAndWrite(M, w, e, a).arraySync()[0]!;
  const m = M.arraySync()[0]!, ww = w.arraySync()[0]!, ee = e.arraySync()[0]!, aa = a.arraySync()[0]!;
  for (let i = 0; i < N; i++) for (let j = 0; j < W; j++) {
    let keep = 1, add = 0;
    for (let h = 0; h < H; h++) { keep *= 1 - ww[h]![i]! * ee[h]![j]!; add += ww[h]![i]! * aa[h]![j]!; }
    assert.ok(Math.abs(got[i]![j]! - (m[i]![j]! * keep + add)) < 1e-5);
  }
  void B;
});

test('readMemory is a weighted sum of rows; oneplus >= 1; stopGradient blocks gradients', () => {
  close(readMemory(tf.tensor3d([[[1, 2], [3, 4]]]), tf.tensor3d([[[0.25, 0.75]]])).dataSync() as unknown as number[], [2.5, 3.5]);
  assert.ok((oneplus(tf.tensor1d([-30, 0, 5])).dataSync() as Float32Array).every((v) => v >= 1));
  const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(stopGradient(x), x)))(tf.tensor1d([2, 3]));
  close(Array.from(g.dataSync()), [2, 3]);
});
