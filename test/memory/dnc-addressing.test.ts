import { tf } from '../fixtures/tf-cpu.ts';
/**
 * DNC addressing and access (Graves et al. 2016; docs/cores.md §5.5 tests 1–9, invariants from
 * deepmind/dnc `addressing_test.py`): allocation, usage, linkage, directional and read weights,
 * gradients against finite differences, and one access step against a naive JS loop.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../envs/rng.ts';
import {
  allocation, directionalReadWeights, linkageUpdate, rankMask, usageUpdate, writeAllocationWeights, type LinkageState,
} from '../../memory/dnc/addressing.ts';
import {
  accessStep, initialAccessState, interfaceSize, parseInterface, writeWeighting, type AccessState, type DncInterface,
} from '../../memory/dnc/access.ts';

const close = (got: number[], want: number[], tol = 1e-5, what = '') =>
  want.forEach((w, i) => assert.ok(Math.abs((got[i] as number) - w) <= tol, `${what}[${i}]: ${got[i]} vs ${w}`));
const vec = (t: tf.Tensor) => Array.from(t.dataSync());
const t2 = (rows: number[][]) => tf.tensor2d(rows);
const t3 = (x: number[][][]) => tf.tensor3d(x);

/** Central differences of a scalar f at x (float32, δ = 1e-3) against tf.grad. */
function checkGradient(f: (x: tf.Tensor) => tf.Scalar, x0: tf.Tensor, tol = 1e-2, what = ''): void {
  const analytic = vec(tf.grad(f)(x0));
  const base = vec(x0);
  const delta = 1e-3;
  base.forEach((_, i) => {
    const at = (d: number) => tf.tidy(() => {
      const v = [...base];
      v[i] = (v[i] as number) + d;
      return f(tf.tensor(v, x0.shape)).dataSync()[0] as number;
    });
    const numeric = (at(delta) - at(-delta)) / (2 * delta);
    const a = analytic[i] as number;
    assert.ok(Math.abs(numeric - a) <= tol * Math.max(1, Math.abs(numeric)), `${what} d/dx[${i}]: numeric ${numeric} vs analytic ${a}`);
  });
}

// ---------------------------------------------------------------------------------------------
// Allocation (§5.5 tests 1–3, 8)

test('allocation of u = [0.2, 0.5, 0.1, 0.9]: the spec vector, Σa = 1 − Πu, argmax a = argmin u', () => {
  const a = vec(allocation(t2([[0.2, 0.5, 0.1, 0.9]])));
  close(a, [0.080001, 0.010000, 0.899999, 0.001000]);
  close([a.reduce((s, x) => s + x, 0)], [1 - 0.2 * 0.5 * 0.1 * 0.9]);
  assert.equal(a.indexOf(Math.max(...a)), 2);
  assert.equal(a.indexOf(Math.min(...a)), 3);
});

test('allocation picks the free slot: u = [1, 1, 0, 1] gives one-hot(2); ties go to the lower index', () => {
  close(vec(allocation(t2([[1, 1, 0, 1]]))), [0, 0, 1, 0], 1e-5);
  // Equal usages: sorted order is by index, so a = [(1−u), (1−u)u, (1−u)u², ...].
  close(vec(allocation(t2([[0.5, 0.5, 0.5]]))), [0.5, 0.25, 0.125], 1e-5);
  // All used: nothing to allocate; all free: everything on slot 0.
  close(vec(allocation(t2([[1, 1, 1]]))), [0, 0, 0], 1e-5);
  close(vec(allocation(t2([[0, 0, 0]]))), [1, 0, 0], 1e-5);
});

test('allocation matches the sorted definition on random usages (ties included)', () => {
  const rng = new Rng(3);
  const rows = Array.from({ length: 20 }, (_, b) => Array.from({ length: 6 }, () => (b % 4 === 0 ? Math.round(rng.uniform() * 3) / 3 : rng.uniform())));
  const got = allocation(t2(rows)).arraySync();
  rows.forEach((u, b) => close(got[b] as number[], naiveAllocation(u), 1e-5, `row ${b}`));
});

test('two write heads with gates 1 (§5.5 test 3); gate 0 on head 1 gives a₂ = a₁ exactly', () => {
  const u = t2([[0.2, 0.5, 0.1, 0.9]]);
  const [a1, a2] = writeAllocationWeights(u, t2([[1, 1]])).arraySync()[0] as number[][];
  close(a1 as number[], [0.080001, 0.010000, 0.899999, 0.001000]);
  close(a2 as number[], [0.736, 0.13068, 0.0108, 0.013319]);
  const [b1, b2] = writeAllocationWeights(u, t2([[0, 1]])).arraySync()[0] as number[][];
  assert.deepEqual(b2, b1);
});

test('allocation gradient: the spec values, and finite differences at distinct usages', () => {
  const weights = tf.tensor2d([[1, 2, 3, 4]]);
  const f = (u: tf.Tensor) => tf.sum(tf.mul(allocation(u as tf.Tensor2D), weights)) as tf.Scalar;
  close(vec(tf.grad(f)(t2([[0.2, 0.5, 0.1, 0.9]]))), [0.0200, -0.0320, -1.9600, -0.0400], 1e-4);
  checkGradient(f, t2([[0.2, 0.5, 0.1, 0.9]]), 1e-2, 'allocation');
  checkGradient(f, t2([[0.7, 0.05, 0.45, 0.3]]), 1e-2, 'allocation');
});

test('the rank mask carries no gradient and never puts a comparison on the tape', () => {
  const u = tf.variable(t2([[0.3, 0.1, 0.6]]));
  const { grads } = tf.variableGrads(() => tf.sum(rankMask(u as tf.Tensor as tf.Tensor2D)) as tf.Scalar, [u]);
  assert.deepEqual(vec(grads[u.name] as tf.Tensor), [0, 0, 0]);
  // mask[i][k] = 1 where k comes before i: order is slot 1, 0, 2.
  assert.deepEqual(rankMask(t2([[0.3, 0.1, 0.6]])).arraySync(), [[[0, 1, 0], [0, 0, 0], [1, 1, 0]]]);
  u.dispose();
});

test('write allocation weights: gradients with respect to usage and gates match finite differences (two heads)', () => {
  const usage = t2([[0.2, 0.65, 0.1, 0.9, 0.4]]);
  const gates = t2([[0.7, 0.4]]);
  const w = tf.tensor3d([[[1, -2, 3, 0.5, 1], [2, 1, -1, 0.3, 4]]]);
  checkGradient((u) => tf.sum(tf.mul(writeAllocationWeights(u as tf.Tensor2D, gates), w)) as tf.Scalar, usage, 1e-2, 'usage');
  checkGradient((g) => tf.sum(tf.mul(writeAllocationWeights(usage, g as tf.Tensor2D), w)) as tf.Scalar, gates, 1e-2, 'gates');
  // And the full write weighting with respect to its gates.
  const content = tf.softmax(tf.tensor3d([[[0.1, 2, -1, 0, 0.5], [1, 0, 0, 0.2, -0.3]]])) as tf.Tensor3D;
  const alloc = writeAllocationWeights(usage, tf.mul(gates, t2([[0.9, 0.6]])) as tf.Tensor2D);
  checkGradient((g) => tf.sum(tf.mul(writeWeighting(alloc, content, g as tf.Tensor2D, t2([[0.9, 0.6]])), w)) as tf.Scalar, gates, 1e-2, 'g^a');
  checkGradient((g) => tf.sum(tf.mul(writeWeighting(alloc, content, t2([[0.7, 0.4]]), g as tf.Tensor2D), w)) as tf.Scalar, gates, 1e-2, 'g^w');
});

// ---------------------------------------------------------------------------------------------
// Usage (§5.5 test 4)

test('usage: the spec example, extremes, and bounds', () => {
  const u = usageUpdate(t2([[0.5, 0, 1, 0.3]]), t3([[[0.2, 0.8, 0, 0]]]), t2([[1]]), t3([[[0, 0, 1, 0]]]));
  close(vec(u), [0.6, 0.8, 0, 0.3]);
  // Without freeing: u' = [0.6, 0.8, 1, 0.3].
  close(vec(usageUpdate(t2([[0.5, 0, 1, 0.3]]), t3([[[0.2, 0.8, 0, 0]]]), t2([[0]]), t3([[[0, 0, 1, 0]]]))), [0.6, 0.8, 1, 0.3]);
  // A full write makes usage 1; a full free makes it exactly 0.
  close(vec(usageUpdate(t2([[0.3, 0.7]]), t3([[[1, 0]]]), t2([[0]]), t3([[[0, 0]]]))), [1, 0.7], 1e-7);
  const freed = vec(usageUpdate(t2([[0.3, 0.7]]), t3([[[0, 1]]]), t2([[1, 0.5]]), t3([[[0, 1], [0.5, 0.5]]])));
  assert.equal(freed[1], 0, 'fully freed slot');
  close(freed, [0.3 * (1 - 0.25), 0], 1e-7);
  // Random: stays in [0, 1] with two write and three read heads.
  const rng = new Rng(5);
  const r = (...shape: number[]) => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.uniform()), shape);
  const rand = usageUpdate(r(4, 6) as tf.Tensor2D, tf.div(r(4, 2, 6), 6) as tf.Tensor3D, r(4, 3) as tf.Tensor2D, tf.div(r(4, 3, 6), 6) as tf.Tensor3D);
  assert.ok(vec(rand).every((x) => x >= 0 && x <= 1));
});

test('usage: gradient reaches the free gates and read weights, not the previous write weights', () => {
  const f = (fg: tf.Tensor, wr: tf.Tensor, ww: tf.Tensor) => tf.sum(usageUpdate(t2([[0.5, 0.2, 0.9]]), ww as tf.Tensor3D, fg as tf.Tensor2D, wr as tf.Tensor3D));
  const [gf, gr, gw] = tf.grads(f)([t2([[0.3, 0.8]]), t3([[[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]]), t3([[[0.1, 0.6, 0.2], [0.3, 0.3, 0.4]]])]);
  assert.ok(vec(gf as tf.Tensor).every((x) => x !== 0 && Number.isFinite(x)));
  assert.ok(vec(gr as tf.Tensor).every((x) => x !== 0 && Number.isFinite(x)));
  assert.deepEqual(vec(gw as tf.Tensor), [0, 0, 0, 0, 0, 0]);
  checkGradient((fg) => tf.sum(tf.mul(usageUpdate(t2([[0.5, 0.2, 0.9]]), t3([[[0.1, 0.6, 0.2], [0.3, 0.3, 0.4]]]), fg as tf.Tensor2D,
    t3([[[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]])), tf.tensor2d([[1, -2, 3]]))) as tf.Scalar, t2([[0.3, 0.8]]), 1e-2, 'free gates');
});

// ---------------------------------------------------------------------------------------------
// Linkage (§5.5 tests 5–6)

const zeroLinkage = (B: number, Hw: number, N: number): LinkageState =>
  ({ link: tf.zeros([B, Hw, N, N]) as tf.Tensor4D, precedence: tf.zeros([B, Hw, N]) as tf.Tensor3D });

test('link after writing slots 0, 1, 2 in turn; forward and backward reads follow the write order', () => {
  let s = zeroLinkage(1, 1, 3);
  for (const i of [0, 1, 2]) s = linkageUpdate(s, t3([[[0, 1, 2].map((k) => (k === i ? 1 : 0))]]));
  assert.deepEqual(s.link.arraySync(), [[[[0, 0, 0], [1, 0, 0], [0, 1, 0]]]]);
  assert.deepEqual(vec(s.precedence), [0, 0, 1]);
  // Two read heads: head 0 reads slot 0, head 1 reads slot 2. Modes: [backward, forward].
  const d = directionalReadWeights(s.link, t3([[[1, 0, 0], [0, 0, 1]]])).arraySync()[0] as number[][][];
  assert.deepEqual(d[0]?.[1], [0, 1, 0], 'forward from slot 0 is slot 1');
  assert.deepEqual(d[1]?.[0], [0, 1, 0], 'backward from slot 2 is slot 1');
  assert.deepEqual(d[0]?.[0], [0, 0, 0], 'nothing was written before slot 0');
  assert.deepEqual(d[1]?.[1], [0, 0, 0], 'nothing was written after slot 2');
});

test('link invariants after random partial writes (two heads): bounds, zero diagonal, row and column sums', () => {
  const rng = new Rng(11);
  const B = 3, Hw = 2, N = 5;
  let s = zeroLinkage(B, Hw, N);
  for (let t = 0; t < 6; t++) {
    const w = Array.from({ length: B * Hw }, () => {
      const raw = Array.from({ length: N }, () => rng.uniform());
      const total = raw.reduce((a, b) => a + b, 0) / rng.uniform();   // Σw = uniform ≤ 1
      return raw.map((x) => x / total);
    }).flat();
    s = linkageUpdate(s, tf.tensor3d(w, [B, Hw, N]));
    const L = s.link.arraySync();
    for (const mats of L) for (const m of mats) {
      m.forEach((row, i) => {
        assert.equal(row[i], 0, 'diagonal is 0');
        assert.ok(row.every((x) => x >= 0 && x <= 1), 'L in [0, 1]');
        assert.ok(row.reduce((a, b) => a + b, 0) <= 1 + 1e-5, 'row sum <= 1');
        assert.ok(m.reduce((a, r) => a + (r[i] as number), 0) <= 1 + 1e-5, 'column sum <= 1');
      });
    }
    for (const p of s.precedence.arraySync().flat()) {
      assert.ok(p.every((x) => x >= 0 && x <= 1) && p.reduce((a, b) => a + b, 0) <= 1 + 1e-5, 'p in [0, 1], Σp <= 1');
    }
  }
  // No write leaves p unchanged; a full write gives p = w.
  const still = linkageUpdate(s, tf.zeros([B, Hw, N]) as tf.Tensor3D);
  assert.deepEqual(vec(still.precedence), vec(s.precedence));
  const full = tf.tensor3d(Array.from({ length: B * Hw }, () => [0.1, 0.2, 0.3, 0.4, 0]).flat(), [B, Hw, N]);
  close(vec(linkageUpdate(s, full).precedence), vec(full), 1e-6);
});

// ---------------------------------------------------------------------------------------------
// Interface and the access step (§5.5 tests 2, 7, 9, 10)

const SIZES = { numSlots: 4, wordSize: 3, numReads: 2, numWrites: 2 };

test('interface width: 135 at (W, R, Hw) = (16, 4, 1), 471 at the bAbI sizes', () => {
  assert.equal(interfaceSize({ numSlots: 16, wordSize: 16, numReads: 4, numWrites: 1 }), 135);
  assert.equal(interfaceSize({ numSlots: 256, wordSize: 64, numReads: 4, numWrites: 1 }), 471);
  assert.equal(interfaceSize(SIZES), 2 * (3 + 3 + 4) + 2 * (9 + 3));
});

test('parseInterface: the paper layout, activations, and both strength ops', () => {
  const X = interfaceSize(SIZES);
  const xi = tf.range(0, X).div(X).sub(0.5).reshape([1, X]) as tf.Tensor2D;   // distinct values
  const raw = vec(xi);
  const p = parseInterface(xi, SIZES, 'oneplus');
  const softplus = (x: number) => Math.log1p(Math.exp(x));
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  const at = (from: number, n: number) => raw.slice(from, from + n);
  close(vec(p.readKeys), at(0, 6));
  close(vec(p.readStrengths), at(6, 2).map((x) => 1 + softplus(x)));
  close(vec(p.writeKeys), at(8, 6));
  close(vec(p.writeStrengths), at(14, 2).map((x) => 1 + softplus(x)));
  close(vec(p.eraseVectors), at(16, 6).map(sigmoid));
  close(vec(p.writeVectors), at(22, 6));
  close(vec(p.freeGates), at(28, 2).map(sigmoid));
  close(vec(p.allocationGates), at(30, 2).map(sigmoid));
  close(vec(p.writeGates), at(32, 2).map(sigmoid));
  const modes = at(34, 10);
  const head0 = modes.slice(0, 5).map(Math.exp);
  close(vec(p.readModes).slice(0, 5), head0.map((e) => e / head0.reduce((a, b) => a + b, 0)));
  assert.deepEqual(p.readModes.shape, [1, 2, 5]);
  const s = parseInterface(xi, SIZES, 'softplus');
  close(vec(s.readStrengths), at(6, 2).map(softplus));
  close(vec(s.writeStrengths), at(14, 2).map(softplus));
});

test('write to the free slot, then read it back by content (one access step)', () => {
  const prev: AccessState = {
    ...initialAccessState(1, { ...SIZES, numWrites: 1, numReads: 1 }),
    memory: t3([[[-0.5, 1, 2], [1, 1, 1], [-3, 0.2, 0.1], [0, 2, -1]]]),
    usage: t2([[1, 1, 0, 1]]),
  };
  const v = [0.3, -0.7, 0.9];
  const iface: DncInterface = {
    readKeys: t3([[v]]), readStrengths: t2([[100]]), writeKeys: t3([[[1, 0, 0]]]), writeStrengths: t2([[1]]),
    eraseVectors: t3([[[1, 1, 1]]]), writeVectors: t3([[v]]), freeGates: t2([[0]]), allocationGates: t2([[1]]),
    writeGates: t2([[1]]), readModes: t3([[[0, 0, 1]]]),
  };
  const r = accessStep(iface, prev);
  close(vec(r.allocation), [0, 0, 1, 0], 1e-5);
  close((r.state.memory.arraySync()[0] as number[][])[2] as number[], v, 1e-5);
  close((r.state.memory.arraySync()[0] as number[][])[0] as number[], [-0.5, 1, 2], 1e-5, 'other rows unchanged');
  close(vec(r.reads), v, 1e-3);
  close(vec(r.state.usage), [1, 1, 0, 1]);
  close(vec(r.state.linkage.precedence), [0, 0, 1, 0], 1e-5);
});

for (const sizes of [SIZES, { numSlots: 5, wordSize: 2, numReads: 3, numWrites: 1 }]) {
  const { numSlots: N, wordSize: W, numReads: R, numWrites: Hw } = sizes;
  test(`one access step equals a naive JS loop (B = 2, N = ${N}, W = ${W}, R = ${R}, Hw = ${Hw}); read weights are sub-stochastic`, () => {
    const rng = new Rng(21);
    const { prev, iface, arrays } = randomAccess(rng, 2, sizes);
    const r = accessStep(iface, prev);
    for (let b = 0; b < 2; b++) {
      const want = naiveAccess(arrays, b, sizes);
      close(vec(r.state.usage.slice([b], [1])), want.usage, 1e-5, 'usage');
      close(vec(r.allocation.slice([b], [1])), want.allocation.flat(), 1e-5, 'allocation');
      close(vec(r.state.writeWeights.slice([b], [1])), want.writeWeights.flat(), 1e-5, 'write weights');
      close(vec(r.state.memory.slice([b], [1])), want.memory.flat(), 1e-5, 'memory');
      close(vec(r.state.linkage.link.slice([b], [1])), want.link.flat(2), 1e-5, 'link');
      close(vec(r.state.linkage.precedence.slice([b], [1])), want.precedence.flat(), 1e-5, 'precedence');
      close(vec(r.state.readWeights.slice([b], [1])), want.readWeights.flat(), 1e-5, 'read weights');
      close(vec(r.reads.slice([b], [1])), want.reads.flat(), 1e-5, 'reads');
    }
    for (const row of r.state.readWeights.arraySync().flat()) {
      assert.ok(row.every((x) => x >= 0) && row.reduce((a, c) => a + c, 0) <= 1 + 1e-5, 'read weights >= 0, sum <= 1');
    }
    for (const row of iface.readModes.arraySync().flat()) close([row.reduce((a, c) => a + c, 0)], [1], 1e-6, 'modes sum');
  });
}

test('zero memory: uniform content weights and finite gradients through the access step', () => {
  const rng = new Rng(2);
  const { iface } = randomAccess(rng, 1, SIZES);
  const zero = initialAccessState(1, SIZES);
  const g = tf.grad((k: tf.Tensor) => tf.sum(accessStep({ ...iface, readKeys: k as tf.Tensor3D, readModes: t3([[[0, 0, 0, 0, 1], [0, 0, 0, 0, 1]]]) }, zero).reads))(iface.readKeys);
  assert.ok(vec(g).every(Number.isFinite));
  const w = accessStep({ ...iface, writeGates: t2([[0, 0]]), readModes: t3([[[0, 0, 0, 0, 1], [0, 0, 0, 0, 1]]]) }, zero);
  close(vec(w.state.readWeights), new Array<number>(8).fill(0.25), 1e-6);
});

// ---------------------------------------------------------------------------------------------
// Naive references (plain loops, sorted allocation)

function naiveAllocation(u: number[]): number[] {
  const eps = 1e-6;
  const ub = u.map((x) => eps + (1 - eps) * x);
  const order = ub.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i);
  const a = new Array<number>(u.length).fill(0);
  let prod = 1;
  for (const i of order) { a[i] = (1 - (ub[i] as number)) * prod; prod *= ub[i] as number; }
  return a;
}

function naiveContent(M: number[][], k: number[], beta: number): number[] {
  const eps = 1e-6;
  const norm = (x: number[]) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) + eps);
  const logits = M.map((row) => beta * row.reduce((s, v, i) => s + v * (k[i] as number), 0) / (norm(k) * norm(row) + eps));
  const mx = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - mx));
  return e.map((x) => x / e.reduce((a, b) => a + b, 0));
}

type Arrays = { [K in keyof DncInterface]: number[][][] } & { [K in 'memory' | 'readWeights' | 'writeWeights' | 'usage' | 'link' | 'precedence']: number[][][] };

function randomAccess(rng: Rng, B: number, s: typeof SIZES): { prev: AccessState; iface: DncInterface; arrays: Arrays } {
  const { numSlots: N, wordSize: W, numReads: R, numWrites: Hw } = s;
  const u = () => rng.uniform();
  const n = () => rng.normal();
  const make = (shape: number[], gen: () => number) => tf.tidy(() => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b) }, gen), shape));
  const rows = (shape: number[], total: () => number) => tf.tidy(() => {   // non-negative rows summing to total()
    const t = make(shape, u);
    return tf.mul(tf.div(t, tf.sum(t, -1, true)), make([...shape.slice(0, -1), 1], total));
  });
  const link = tf.tidy(() => tf.mul(tf.div(make([B, Hw, N, N], u), N), tf.sub(1, tf.eye(N)))) as tf.Tensor4D;
  const prev: AccessState = {
    memory: make([B, N, W], n) as tf.Tensor3D, readWeights: rows([B, R, N], () => 1) as tf.Tensor3D,
    writeWeights: rows([B, Hw, N], u) as tf.Tensor3D, linkage: { link, precedence: rows([B, Hw, N], u) as tf.Tensor3D },
    usage: make([B, N], u) as tf.Tensor2D,
  };
  const iface: DncInterface = {
    readKeys: make([B, R, W], n) as tf.Tensor3D, readStrengths: make([B, R], () => 1 + 3 * u()) as tf.Tensor2D,
    writeKeys: make([B, Hw, W], n) as tf.Tensor3D, writeStrengths: make([B, Hw], () => 1 + 3 * u()) as tf.Tensor2D,
    eraseVectors: make([B, Hw, W], u) as tf.Tensor3D, writeVectors: make([B, Hw, W], n) as tf.Tensor3D,
    freeGates: make([B, R], u) as tf.Tensor2D, allocationGates: make([B, Hw], u) as tf.Tensor2D, writeGates: make([B, Hw], u) as tf.Tensor2D,
    readModes: tf.softmax(make([B, R, 2 * Hw + 1], n)) as tf.Tensor3D,
  };
  const arr = (t: tf.Tensor) => t.arraySync() as number[][][];
  const lift = (t: tf.Tensor) => (t.arraySync() as number[][]).map((r) => [r]);   // [B, k] -> [B][1][k]
  const arrays = {
    memory: arr(prev.memory), readWeights: arr(prev.readWeights), writeWeights: arr(prev.writeWeights), usage: lift(prev.usage),
    link: (link.arraySync() as number[][][][]).map((heads) => heads.map((m) => m.flat())), precedence: arr(prev.linkage.precedence),
    readKeys: arr(iface.readKeys), readStrengths: lift(iface.readStrengths), writeKeys: arr(iface.writeKeys),
    writeStrengths: lift(iface.writeStrengths), eraseVectors: arr(iface.eraseVectors), writeVectors: arr(iface.writeVectors),
    freeGates: lift(iface.freeGates), allocationGates: lift(iface.allocationGates), writeGates: lift(iface.writeGates),
    readModes: arr(iface.readModes),
  } as Arrays;
  return { prev, iface, arrays };
}

function naiveAccess(A: Arrays, b: number, s: typeof SIZES) {
  const { numSlots: N, wordSize: W, numReads: R, numWrites: Hw } = s;
  const g = (k: keyof Arrays) => A[k][b] as number[][];
  const v1 = (k: keyof Arrays) => (A[k][b] as number[][])[0] as number[];
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const wwPrev = g('writeWeights'), wrPrev = g('readWeights'), f = v1('freeGates');
  const usage = range(N).map((i) => {
    const written = 1 - wwPrev.reduce((p, w) => p * (1 - (w[i] as number)), 1);
    const u0 = v1('usage')[i] as number;
    const psi = range(R).reduce((p, r) => p * (1 - (f[r] as number) * (wrPrev[r]![i] as number)), 1);
    return (u0 + (1 - u0) * written) * psi;
  });
  const ga = v1('allocationGates'), gw = v1('writeGates');
  const allocation: number[][] = [];
  let sim = [...usage];
  for (let j = 0; j < Hw; j++) {
    const a = naiveAllocation(sim);
    allocation.push(a);
    sim = sim.map((x, i) => x + (1 - x) * (ga[j] as number) * (gw[j] as number) * (a[i] as number));
  }
  const M0 = g('memory');
  const writeWeights = range(Hw).map((j) => {
    const c = naiveContent(M0, g('writeKeys')[j] as number[], v1('writeStrengths')[j] as number);
    return range(N).map((i) => (gw[j] as number) * ((ga[j] as number) * (allocation[j]![i] as number) + (1 - (ga[j] as number)) * (c[i] as number)));
  });
  const e = g('eraseVectors'), v = g('writeVectors');
  const memory = range(N).map((i) => range(W).map((w) => {
    let keep = 1, add = 0;
    for (let j = 0; j < Hw; j++) { keep *= 1 - writeWeights[j]![i]! * e[j]![w]!; add += writeWeights[j]![i]! * v[j]![w]!; }
    return M0[i]![w]! * keep + add;
  }));
  const L0 = g('link'), p0 = g('precedence');   // link rows flattened as [Hw][N·N]
  const link = range(Hw).map((j) => range(N).map((i) => range(N).map((k) => (i === k ? 0
    : (1 - writeWeights[j]![i]! - writeWeights[j]![k]!) * L0[j]![i * N + k]! + writeWeights[j]![i]! * p0[j]![k]!))));
  const precedence = range(Hw).map((j) => {
    const sum = writeWeights[j]!.reduce((a, x) => a + x, 0);
    return range(N).map((i) => (1 - sum) * p0[j]![i]! + writeWeights[j]![i]!);
  });
  const pi = g('readModes');
  const readWeights = range(R).map((r) => {
    const c = naiveContent(memory, g('readKeys')[r] as number[], v1('readStrengths')[r] as number);
    return range(N).map((i) => {
      let w = pi[r]![2 * Hw]! * c[i]!;
      for (let j = 0; j < Hw; j++) {
        const fwd = range(N).reduce((a, k) => a + link[j]![i]![k]! * wrPrev[r]![k]!, 0);
        const bwd = range(N).reduce((a, k) => a + link[j]![k]![i]! * wrPrev[r]![k]!, 0);
        w += pi[r]![j]! * bwd + pi[r]![Hw + j]! * fwd;
      }
      return w;
    });
  });
  const reads = range(R).map((r) => range(W).map((w) => range(N).reduce((a, i) => a + readWeights[r]![i]! * memory[i]![w]!, 0)));
  return { usage, allocation, writeWeights, memory, link, precedence, readWeights, reads };
}
