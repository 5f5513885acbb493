import { tf } from '../fixtures/tf-cpu.ts';
/**
 * Relation Network (Santoro et al. 2017; docs/cores.md §7.1, §7.4.3–4): the batched function against a
 * naive double loop over ordered pairs (with and without f_φ), the pair count n², and the error text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../envs/rng.ts';
import { relationNetwork, relationPairHidden, type RelationNetworkWeights } from '../../memory/relation-network.ts';
import type { LinearWeights } from '../../memory/params.ts';

const rng = new Rng(11);
const rand = (shape: number[], scale = 0.5): number[] => Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal(0, scale));
const layer = (din: number, dout: number): LinearWeights => ({
  w: tf.tensor2d(rand([din, dout]), [din, dout]), b: tf.tensor1d(rand([dout], 0.1)),
});

/** y = x·W + b, then ReLU if asked, in plain JS. */
function dense(x: number[], l: LinearWeights, relu: boolean): number[] {
  const w = l.w.arraySync(), b = l.b.arraySync();
  return b.map((bj, j) => {
    const y = x.reduce((s, xi, i) => s + xi * (w[i] as number[])[j]!, bj);
    return relu ? Math.max(0, y) : y;
  });
}

/** RN(O, q) for one element with two nested loops over (i, j). */
function naiveRelation(objects: number[][], q: number[], weights: RelationNetworkWeights): number[] {
  let sum: number[] | undefined;
  for (const oi of objects) {
    for (const oj of objects) {
      let h = [...oi, ...oj, ...q];
      for (const l of weights.g) h = dense(h, l, true);
      sum = sum ? sum.map((s, k) => s + h[k]!) : h;
    }
  }
  let out = sum as number[];
  weights.f?.forEach((l, k) => { out = dense(out, l, k < (weights.f as LinearWeights[]).length - 1); });
  return out;
}

function maxAbs(a: number[][], b: number[][]): number {
  return Math.max(...a.flatMap((row, i) => row.map((x, j) => Math.abs(x - (b[i] as number[])[j]!))));
}

test('relationNetwork equals a naive double loop over ordered pairs (n = 3), with and without f', () => {
  const B = 2, n = 3, d = 4, dq = 2, G = 5;
  const objects = tf.tensor3d(rand([B, n, d], 1), [B, n, d]);
  const q = tf.tensor2d(rand([B, dq], 1), [B, dq]);
  const g = [layer(2 * d + dq, G), layer(G, G), layer(G, G)];
  for (const weights of [{ g }, { g, f: [layer(G, 6), layer(6, 3)] }] as RelationNetworkWeights[]) {
    const out = relationNetwork(objects, q, weights);
    const o = objects.arraySync(), qq = q.arraySync();
    const expected = o.map((objs, b) => naiveRelation(objs, qq[b] as number[], weights));
    assert.deepEqual(out.shape, [B, weights.f ? 3 : G]);
    assert.ok(maxAbs(out.arraySync(), expected) < 1e-4, `max |batched − naive| = ${maxAbs(out.arraySync(), expected)}`);
    out.dispose();
  }
});

test('the pair rows fed to g are n² per example, in (i, j) order, i = j included', () => {
  const B = 2, d = 3, dq = 2, G = 4;
  const first = layer(2 * d + dq, G);
  for (const n of [1, 3, 5]) {
    const objects = tf.tensor3d(rand([B, n, d], 1), [B, n, d]);
    const q = tf.tensor2d(rand([B, dq], 1), [B, dq]);
    const h = relationPairHidden(objects, q, first);
    assert.deepEqual(h.shape, [B * n * n, G]);
    // Row b·n² + i·n + j is g₁([o_i; o_j; q]) of element b.
    const o = objects.arraySync(), qq = q.arraySync(), rows = h.arraySync();
    const b = B - 1, i = n - 1, j = 0;
    const expected = dense([...(o[b]![i] as number[]), ...(o[b]![j] as number[]), ...(qq[b] as number[])], first, true);
    assert.ok(maxAbs([rows[b * n * n + i * n + j] as number[]], [expected]) < 1e-5);
    tf.dispose([objects, q, h]);
  }
});

test('relationNetwork rejects a first layer of the wrong width and an empty g', () => {
  const objects = tf.zeros([1, 2, 3]) as tf.Tensor3D, q = tf.zeros([1, 2]) as tf.Tensor2D;
  assert.throws(() => relationNetwork(objects, q, { g: [layer(7, 4)] }), /g's first layer must take 2d\+dq = 8 inputs, got \[7,4\]/);
  assert.throws(() => relationNetwork(objects, q, { g: [] }), /g must have at least one layer, got 0/);
  assert.throws(() => relationNetwork(objects, tf.zeros([2, 2]) as tf.Tensor2D, { g: [layer(8, 4)] }), /q must be \[1, dq\], got \[2,2\]/);
});

test('relationNetwork has no leaks and gradients reach every g and f weight', () => {
  const objects = tf.tensor3d(rand([2, 3, 2], 1), [2, 3, 2]), q = tf.tensor2d(rand([2, 2], 1), [2, 2]);
  const mk = (din: number, dout: number) => ({ w: tf.variable(tf.tensor2d(rand([din, dout]), [din, dout])), b: tf.variable(tf.tensor1d(rand([dout], 0.1))) });
  const weights = { g: [mk(6, 4), mk(4, 4)], f: [mk(4, 3), mk(3, 2)] };
  const vars = [...weights.g, ...weights.f].flatMap((l) => [l.w, l.b]);
  const f = () => tf.sum(tf.square(relationNetwork(objects, q, weights as unknown as RelationNetworkWeights))) as tf.Scalar;
  tf.tidy(f);
  const n = tf.memory().numTensors;
  const { value, grads } = tf.variableGrads(f, vars);
  for (const v of vars) assert.ok(grads[v.name]!.dataSync().some((x) => x !== 0), `${v.name} has a nonzero gradient`);
  tf.dispose([value, ...Object.values(grads)]);
  assert.equal(tf.memory().numTensors, n);
});
