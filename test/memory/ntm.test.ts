import { tf } from '../fixtures/tf-cpu.ts';
import { tensorCounts } from '../fixtures/leak-check.ts';
/**
 * Neural Turing Machine (Graves et al. 2014; docs/cores.md §5.2): the spec's numeric vectors for shift,
 * sharpening, interpolation and content addressing, a naive-loop reference of whole steps (every
 * config branch), parameter count, exact resets, gradient reach to every variable and ξ field,
 * finite differences on the addressing pipeline, leaks, error text, inspect, and a tiny copy task.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../envs/errors.ts';
import { Rng } from '../../envs/rng.ts';
import {
  NTM_DEFAULTS, circularShift, headParams, interpolate, makeNtm, ntmAddress, ntmInterfaceSize, ntmParamCount, sharpen, shiftOperator,
  type HeadParams, type Ntm,
} from '../../memory/ntm.ts';
import { contentWeights, eraseAndWrite } from '../../memory/ops.ts';
import { disposeState, stateLeaves } from '../../memory/state.ts';
import { unroll } from '../../memory/unroll.ts';

const D = 3, B = 2;
const TINY = { hiddenSize: 4, numSlots: 5, wordSize: 3 };
const make = (opts: Record<string, unknown> = {}, seed = 7): Ntm => makeNtm({ inputSize: D, seed, ...TINY, ...opts });
const data = (t: tf.Tensor) => Array.from(t.dataSync());
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5, what = '') => {
  assert.equal(a.length, b.length, `${what} length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs((a[i] as number) - (b[i] as number)) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
const w3 = (rows: number[][]) => tf.tensor3d([rows]);   // one batch element: [1, h, N]
/** Head parameters given directly (already activated). */
const head = (key: number[][], strength: number[], gate: number[], shift: number[][], gamma: number[]): HeadParams => ({
  key: tf.tensor3d([key]), strength: tf.tensor2d([strength]), gate: tf.tensor2d([gate]), shift: tf.tensor3d([shift]), gamma: tf.tensor2d([gamma]),
});

test('circular shift: +1 moves mass to i+1 and wraps, −1 moves it back, [.25,.5,.25] blurs (§5.2)', () => {
  const w = w3([[0, 1, 0, 0, 0], [0, 0, 0, 0, 1], [1, 0, 0, 0, 0], [0, 1, 0, 0, 0]]);
  const s = w3([[0, 0, 1], [0, 0, 1], [1, 0, 0], [0.25, 0.5, 0.25]]);
  const expected = [[0, 0, 1, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 0, 1], [0.25, 0.5, 0.25, 0, 0]];
  assert.deepEqual(circularShift(w, s, [-1, 0, 1]).arraySync(), [expected]);
  const op = shiftOperator(5, [-1, 0, 1]);
  assert.deepEqual(circularShift(w, s, op).arraySync(), [expected]);
  // Any offsets, against the definition w̃[i] = Σ_δ s_δ·w[(i − δ) mod N], batched over B and heads.
  const shifts = [0, 2, -3], N = 5;
  const wr = tf.randomUniform([2, 3, N], 0, 1, 'float32', 1) as tf.Tensor3D, sr = tf.softmax(tf.randomNormal([2, 3, 3], 0, 1, 'float32', 2)) as tf.Tensor3D;
  const wa = wr.arraySync(), sa = sr.arraySync();
  const naive = wa.map((rows, b) => rows.map((row, k) => row.map((_, i) =>
    shifts.reduce((acc, d, j) => acc + sa[b]![k]![j]! * row[(((i - d) % N) + N) % N]!, 0))));
  close(data(circularShift(wr, sr, shifts)), naive.flat(2), 1e-6);
  // The kept operator's hand-written gradient (dy·adjoint) equals tfjs's matMul gradient.
  const op2 = shiftOperator(N, shifts), c = tf.randomNormal([2, 3, N], 0, 1, 'float32', 3);
  const grads = (sh: readonly number[] | typeof op2) =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(circularShift(a as tf.Tensor3D, b as tf.Tensor3D, sh), c)))([wr, sr]);
  const [gw, gs] = grads(op2), [hw, hs] = grads(shifts);
  close(data(gw!), data(hw!), 1e-6, 'd/dw');
  close(data(gs!), data(hs!), 1e-6, 'd/ds');
  tf.dispose([w, s, op.forward, op.adjoint, op2.forward, op2.adjoint, wr, sr, c]);
});

test('sharpening: γ = 2 on [0.1, 0.2, 0.7] gives [0.018519, 0.074074, 0.907407]; γ = 1 is the identity', () => {
  const w = w3([[0.1, 0.2, 0.7], [0.1, 0.2, 0.7]]);
  close(data(sharpen(w, tf.tensor2d([[2, 1]]))), [0.018519, 0.074074, 0.907407, 0.1, 0.2, 0.7], 2e-6);   // ε = 1e-6 moves the 6th digit
  w.dispose();
});

test('interpolation: g = 0 returns w_{t−1} and g = 1 returns w^c exactly; g = 0.25 blends', () => {
  const c = w3([[0.2, 0.3, 0.5], [0.2, 0.3, 0.5], [0.2, 0.3, 0.5]]), p = w3([[1, 0, 0], [1, 0, 0], [1, 0, 0]]);
  assert.deepEqual(data(interpolate(c, p, tf.tensor2d([[0, 1, 0.25]]))), [1, 0, 0, 0.2, 0.3, 0.5, 0.8, 0.075, 0.125].map(Math.fround));
  tf.dispose([c, p]);
});

const M3 = [[1, 0, 0], [0, 1, 0], [1, 1, 0]];

test('ntmAddress: g = 0, s = δ0, γ = 1 returns w_{t−1}; g = 1, γ = 1, no shift returns w^c', () => {
  const memory = tf.tensor3d([M3]);
  const prev = w3([[0, 1, 0], [0.2, 0.3, 0.5]]);
  const keep = ntmAddress(memory, prev, head([[1, 0, 0], [0, 1, 0]], [3, 3], [0, 0], [[0, 1, 0], [0, 1, 0]], [1, 1]), [-1, 0, 1]);
  close(data(keep.weights), data(prev), 1e-6);   // up to the sharpening ε = 1e-6
  const fresh = ntmAddress(memory, prev, head([[1, 0, 0], [0, 1, 0]], [3, 3], [1, 1], [[0, 1, 0], [0, 1, 0]], [1, 1]), [-1, 0, 1]);
  close(data(fresh.weights), data(fresh.content), 1e-6);
  close(data(fresh.content), data(contentWeights(memory, tf.tensor3d([[[1, 0, 0], [0, 1, 0]]]), tf.tensor2d([[3, 3]]))), 0);
  tf.dispose([memory, prev]);
});

test('content addressing end to end through ξ: β = 1, 10, 100 on M = [[1,0,0],[0,1,0],[1,1,0]], k = [1,0,0]', () => {
  const memory = tf.tensor3d([M3]);
  const prev = w3([[0, 0, 1], [0, 0, 1], [0, 0, 1]]);
  const invOneplus = (beta: number) => Math.log(Math.expm1(beta - 1));      // β̂ with oneplus(β̂) = β
  const raw = [1, 10, 100].map((beta) => [1, 0, 0, invOneplus(beta), 30, -30, 30, -30, -30]);   // k, β̂, ĝ ≈ σ⁻¹(1), ŝ → δ0, γ̂ → γ ≈ 1
  const params = headParams(tf.tensor3d([raw]), 3, { strengthOp: 'oneplus', keyActivation: 'none' });
  close(data(params.strength), [1, 10, 100], 1e-4);
  const w = ntmAddress(memory, prev, params, [-1, 0, 1]).weights.arraySync()[0]!;
  close(w[0]!, [0.473041, 0.174022, 0.352937], 1e-5);
  close(w[1]!, [0.949217, 0.000043, 0.050740], 1e-5);
  close(w[2]!, [1, 0, 0], 1e-5);
  tf.dispose([memory, prev]);
});

test('zero memory: content weights are uniform and their gradient is finite (0 for the key)', () => {
  const memory = tf.zeros([1, 4, 3]) as tf.Tensor3D, key = tf.tensor3d([[[0.3, -1, 2]]]);
  close(data(contentWeights(memory, key, tf.tensor2d([[5]]))), [0.25, 0.25, 0.25, 0.25], 1e-7);
  const f = (m: tf.Tensor, k: tf.Tensor) => tf.sum(tf.mul(contentWeights(m as tf.Tensor3D, k as tf.Tensor3D, tf.tensor2d([[5]])), tf.tensor1d([1, 2, 3, 4])));
  const [gm, gk] = tf.grads(f)([memory, key]);
  assert.ok(data(gm!).every(Number.isFinite));
  assert.deepEqual(data(gk!), [0, 0, 0]);
});

test('write: w = one-hot(i), e = 1, a = v puts M[i] = v; e = 0 adds v; other rows unchanged', () => {
  const m = tf.tensor3d([[[1, 2], [3, 4], [5, 6]]]), w = w3([[0, 1, 0]]), v = w3([[7, -8]]);
  assert.deepEqual(eraseAndWrite(m, w, w3([[1, 1]]), v).arraySync(), [[[1, 2], [7, -8], [5, 6]]]);
  assert.deepEqual(eraseAndWrite(m, w, w3([[0, 0]]), v).arraySync(), [[[1, 2], [10, -4], [5, 6]]]);
});

// ---------------------------------------------------------------------------------------------
// A naive JS reference of one whole step (float64), read straight from docs/cores.md §5.2.

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number) => Math.log1p(Math.exp(x));
const softmax = (v: number[]) => { const m = Math.max(...v), e = v.map((x) => Math.exp(x - m)), s = e.reduce((a, b) => a + b); return e.map((x) => x / s); };
const matVec = (x: number[], w: number[], cols: number, bias: number[]) =>
  bias.map((b0, j) => x.reduce((acc, v, k) => acc + v * w[k * cols + j]!, b0));
type Opts = typeof NTM_DEFAULTS;

function naiveAddress(M: number[][], prev: number[], block: number[], o: Opts): number[] {
  const W = M[0]!.length, N = M.length, S = o.shifts.length, eps = 1e-6;
  const k = block.slice(0, W).map((x) => (o.keyActivation === 'tanh' ? Math.tanh(x) : x));
  const beta = o.strengthOp === 'oneplus' ? 1 + softplus(block[W]!) : softplus(block[W]!);
  const g = sig(block[W + 1]!), s = softmax(block.slice(W + 2, W + 2 + S)), gamma = 1 + softplus(block[W + 2 + S]!);
  const kn = Math.sqrt(k.reduce((a, x) => a + x * x, 0) + eps);
  const wc = softmax(M.map((row) => beta * row.reduce((a, x, i) => a + x * k[i]!, 0) / (kn * Math.sqrt(row.reduce((a, x) => a + x * x, 0) + eps) + eps)));
  const wg = wc.map((c, i) => g * c + (1 - g) * prev[i]!);
  const ws = wg.map((_, i) => o.shifts.reduce((a, d, j) => a + s[j]! * wg[(((i - d) % N) + N) % N]!, 0));
  const p = ws.map((x) => x ** gamma), z = p.reduce((a, b) => a + b, 0) + eps;
  return p.map((x) => x / z);
}

function naiveStep(core: Ntm, x: number[], s: { h: number[]; c: number[]; M: number[][]; wr: number[][]; ww: number[][]; r: number[][] }) {
  const o = core.config, { hiddenSize: H, wordSize: W, numReads: R, numWrites: Hw, clipValue: clip } = o;
  const A = W + o.shifts.length + 3, wt = core.weights;
  const z = matVec([...x, ...s.r.flat(), ...s.h], data(wt.controller.w), 4 * H, data(wt.controller.b));
  const c = s.c.map((c0, u) => sig(z[H + u]!) * c0 + sig(z[u]!) * Math.tanh(z[2 * H + u]!));
  const h = c.map((cu, u) => Math.min(clip, Math.max(-clip, sig(z[3 * H + u]!) * Math.tanh(cu))));
  const xi = matVec(h, data(wt.interface.w), o.interfaceSize, data(wt.interface.b));
  const ww = s.ww.map((prev, j) => naiveAddress(s.M, prev, xi.slice((R + j) * A, (R + j + 1) * A), o));
  const e = ww.map((_, j) => xi.slice((R + Hw) * A + j * W, (R + Hw) * A + (j + 1) * W).map(sig));
  const a = ww.map((_, j) => xi.slice((R + Hw) * A + (Hw + j) * W, (R + Hw) * A + (Hw + j + 1) * W)
    .map((v) => (o.addActivation === 'tanh' ? Math.tanh(v) : v)));
  const M = s.M.map((row, i) => row.map((m, k) =>                                  // M ⊙ Π_j (1 − w_j e_j) + Σ_j w_j a_j
    ww.reduce((acc, w, j) => acc * (1 - w[i]! * e[j]![k]!), m) + ww.reduce((acc, w, j) => acc + w[i]! * a[j]![k]!, 0)));
  const wr = s.wr.map((prev, r) => naiveAddress(M, prev, xi.slice(r * A, (r + 1) * A), o));
  const r = wr.map((w) => Array.from({ length: W }, (_, k) => M.reduce((acc, row, i) => acc + w[i]! * row[k]!, 0)));
  let out = [...h, ...r.flat()];
  if (wt.output) out = matVec(out, data(wt.output.w), o.outputSize, data(wt.output.b)).map((v) => Math.min(clip, Math.max(-clip, v)));
  return { out, h, c, M, wr, ww, r };
}

const rowsOf = (t: tf.Tensor) => t.arraySync() as number[][][];

for (const [label, opts] of [
  ['defaults (R = Hw = 1)', {}],
  ['R = 2, Hw = 2, shifts [0, 2], tanh key and add, softplus β, output Linear, clip 0.1, diagnostics',
    { numReads: 2, numWrites: 2, shifts: [0, 2], keyActivation: 'tanh', addActivation: 'tanh', strengthOp: 'softplus', outputSize: 3, clipValue: 0.1,
      recordDiagnostics: true }],
] as const) {
  test(`one step matches a naive JS loop from a warm state: ${label}`, () => {
    const core = make(opts);
    (core.weights.interface.b as tf.Variable).assign(tf.randomNormal(core.weights.interface.b.shape, 0, 1, 'float32', 9));
    let state = core.initialState(B);
    for (let t = 0; t < 3; t++) {                         // steps 1 and 2 warm the state; step 3 is compared
      const x = tf.randomNormal([B, D], 0, 1, 'float32', 20 + t) as tf.Tensor2D;
      const hs = rowsOf(state.controller.h.expandDims(1)), cs = rowsOf(state.controller.c.expandDims(1));
      const Ms = rowsOf(state.memory), wrs = rowsOf(state.readWeights), wws = rowsOf(state.writeWeights), rs = rowsOf(state.readVectors);
      const xs = x.arraySync();
      const r = core.step(x, state);
      for (let b = 0; b < B; b++) {
        const n = naiveStep(core, xs[b]!, { h: hs[b]![0]!, c: cs[b]![0]!, M: Ms[b]!, wr: wrs[b]!, ww: wws[b]!, r: rs[b]! });
        close((r.output.arraySync() as number[][])[b]!, n.out, 2e-5, `t=${t} b=${b} output`);
        close(rowsOf(r.state.memory)[b]!.flat(), n.M.flat(), 2e-5, `t=${t} b=${b} memory`);
        close(rowsOf(r.state.writeWeights)[b]!.flat(), n.ww.flat(), 2e-5, `t=${t} b=${b} write weights`);
        close(rowsOf(r.state.readWeights)[b]!.flat(), n.wr.flat(), 2e-5, `t=${t} b=${b} read weights`);
        close((r.state.controller.c.arraySync() as number[][])[b]!, n.c, 2e-5, `t=${t} b=${b} c`);
      }
      tf.dispose([x, r.output]);
      disposeState(state);
      state = r.state;
    }
    disposeState(state);
    core.dispose();
  });
}

test('weightings stay non-negative and sum to 1 over an unroll', () => {
  const core = make({ numReads: 2, numWrites: 2 });
  const xs = tf.randomNormal([6, B, D], 0, 2, 'float32', 3) as tf.Tensor3D;
  let state = core.initialState(B);
  for (const x of tf.unstack(xs) as tf.Tensor2D[]) {
    const r = core.step(x, state);
    for (const w of [r.state.readWeights, r.state.writeWeights]) {
      assert.ok(data(w).every((v) => v >= 0));
      close(data(tf.sum(w, 2)), new Array(B * 2).fill(1), 1e-5);
    }
    disposeState(state);
    state = r.state;
  }
  core.dispose();
});

test('parameter count: 4H(D+RW+H+1) + (H+1)|ξ| (+ (H+RW+1)·O); |ξ| = 92 at the defaults', () => {
  assert.equal(ntmInterfaceSize(20, 3, 1, 1), 92);
  const count = (c: Ntm) => c.variables.reduce((a, v) => a + v.size, 0);
  for (const opts of [{}, { numReads: 2, numWrites: 3, shifts: [-2, -1, 0, 1, 2] }, { outputSize: 4 }]) {
    const core = make(opts);
    assert.equal(count(core), ntmParamCount(core.config));
    core.dispose();
  }
  const def = makeNtm({ inputSize: 10, seed: 0 });   // H = 100, N = 128, W = 20: 4·100·131 + 101·92
  assert.equal(count(def), 4 * 100 * (10 + 20 + 100 + 1) + 101 * 92);
  assert.equal(def.outputSize, 120);
  def.dispose();
});

test('gateBias and shiftBias set each head ĝ and ŝ in b_ξ (read heads, then write heads) and nothing else', () => {
  const core = make({ wordSize: 4, numReads: 2, shiftBias: [0, 0, 2], gateBias: -2 });
  const bias = Array.from(core.weights.interface.b.dataSync());
  const A = 4 + 3 + 3, expected = new Array(core.config.interfaceSize).fill(0);
  for (let j = 0; j < 3; j++) expected.splice(j * A + 5, 4, -2, 0, 0, 2);   // head j: k̂ 0..3, β̂ 4, ĝ 5, ŝ 6..8, γ̂ 9
  assert.deepEqual(bias, expected);
  // Through ξ at h = 0 the heads start with g = σ(−2) and s = softmax([0, 0, 2]).
  const raw = core.weights.interface.b.slice([0], [A]).reshape([1, 1, A]) as tf.Tensor3D;
  const head = headParams(raw, 3, core.config);
  assert.ok(Math.abs((head.gate.dataSync()[0] as number) - 1 / (1 + Math.exp(2))) < 1e-6);
  const e2 = Math.exp(2);
  Array.from(head.shift.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - [1, 1, e2][i]! / (2 + e2)) < 1e-6));
  tf.dispose([raw, ...Object.values(head)]);
  core.dispose();
});

test('resetWhere restores the 1e-6 memory and one-hot weightings bitwise and leaves the others', () => {
  const core = make({ recordDiagnostics: true });
  const s0 = core.initialState(B);
  assert.deepEqual(rowsOf(s0.readWeights)[0], [[1, 0, 0, 0, 0]]);
  assert.ok(data(s0.memory).every((v) => v === Math.fround(1e-6)));
  const x = tf.randomNormal([B, D], 0, 1, 'float32', 4) as tf.Tensor2D;
  const { output, state } = core.step(x, s0);
  const r = core.resetWhere(state, tf.tensor1d([1, 0]));
  const init = stateLeaves(s0).map(data), before = stateLeaves(state).map(data);
  stateLeaves(r).forEach((leaf, i) => {
    const v = data(leaf), n = v.length / B;
    assert.deepEqual(v.slice(0, n), init[i]!.slice(0, n).map((u) => u), `leaf ${i}: element 0 back to initial`);
    assert.deepEqual(v.slice(n), before[i]!.slice(n), `leaf ${i}: element 1 unchanged`);
  });
  tf.dispose([x, output]);
  [s0, state, r].forEach(disposeState);
  core.dispose();
});

test('gradients reach every variable and every ξ field over a 3-step unroll', () => {
  for (const opts of [{ numReads: 2, numWrites: 2, outputSize: 2 }, {}]) {
    const core = make(opts);
    const { wordSize: W, numReads: R, numWrites: Hw, shifts } = core.config;
    const S = shifts.length, A = W + S + 3;
    const s0 = core.initialState(B);
    const xs = tf.randomNormal([3, B, D], 0, 1, 'float32', 5) as tf.Tensor3D;
    const loss = () => tf.sum(tf.square(unroll(core, xs, s0, tf.zeros([3, B]) as tf.Tensor2D).outputs)) as tf.Scalar;
    const { grads } = tf.variableGrads(loss, [...core.variables]);
    for (const v of core.variables) {
      const g = data(grads[v.name]!);
      assert.ok(g.every(Number.isFinite) && g.some((u) => u !== 0), `${v.name} gets a finite nonzero gradient`);
    }
    const gi = grads[(core.weights.interface.w as tf.Variable).name]!.arraySync() as number[][];   // [H, |ξ|]
    const fields: [string, number, number][] = [];
    for (let k = 0; k < R + Hw; k++) {
      const o = k * A, who = k < R ? `read ${k}` : `write ${k - R}`;
      fields.push([`${who} key`, o, W], [`${who} β`, o + W, 1], [`${who} g`, o + W + 1, 1], [`${who} s`, o + W + 2, S], [`${who} γ`, o + W + 2 + S, 1]);
    }
    for (let j = 0; j < Hw; j++) fields.push([`erase ${j}`, (R + Hw) * A + j * W, W], [`add ${j}`, (R + Hw) * A + (Hw + j) * W, W]);
    for (const [name, start, width] of fields) {
      assert.ok(gi.some((row) => row.slice(start, start + width).some((u) => u !== 0)), `ξ field ${name} gets a gradient`);
    }
    tf.dispose(grads); disposeState(s0); core.dispose();
  }
});

test('addressing pipeline gradients match finite differences (memory, w_{t−1} and every raw head field)', () => {
  const N = 5, W = 3, h = 2, shifts = [-1, 0, 1];
  const memory = tf.randomNormal([1, N, W], 0, 1, 'float32', 11) as tf.Tensor3D;
  const prev = tf.softmax(tf.randomNormal([1, h, N], 0, 1, 'float32', 12)) as tf.Tensor3D;
  const raw = tf.randomNormal([1, h, W + 6], 0, 1, 'float32', 13) as tf.Tensor3D;
  const weight = tf.randomNormal([1, h, N], 0, 1, 'float32', 14);
  const opts = { strengthOp: 'oneplus', keyActivation: 'tanh' } as const;
  const f = (m: tf.Tensor, p: tf.Tensor, r: tf.Tensor) => tf.tidy(() =>
    tf.sum(tf.mul(ntmAddress(m as tf.Tensor3D, p as tf.Tensor3D, headParams(r as tf.Tensor3D, 3, opts), shifts).weights, weight)) as tf.Scalar);
  const inputs = [memory, prev, raw];
  const grads = tf.grads(f)(inputs).map((g) => data(g));
  const delta = 1e-3;
  inputs.forEach((t, which) => {
    const base = data(t);
    for (let i = 0; i < base.length; i++) {
      const at = (d: number) => {
        const v = [...base]; v[i]! += d;
        const args = inputs.map((u, k) => (k === which ? tf.tensor(v, u.shape) : u));
        const y = f(args[0]!, args[1]!, args[2]!).dataSync()[0] as number;
        args[which]!.dispose();
        return y;
      };
      const num = (at(delta) - at(-delta)) / (2 * delta), ana = grads[which]![i]!;
      assert.ok(Math.abs(num - ana) <= 2e-2 * Math.max(Math.abs(num), Math.abs(ana)) + 5e-4, `input ${which}[${i}]: numeric ${num} vs analytic ${ana}`);
    }
  });
});

test('no tensor leaks across step, resetWhere and unroll+minimize', () => {
  const core = make({ recordDiagnostics: true, outputSize: 2 });
  const xs = tf.randomNormal([3, B, D], 0, 1, 'float32', 6) as tf.Tensor3D;
  const resets = tf.tensor2d([[1, 1], [0, 1], [0, 0]]), mask = tf.tensor1d([1, 0]);
  const x = tf.randomNormal([B, D], 0, 1, 'float32', 7) as tf.Tensor2D;
  const { first, last } = tensorCounts(core, { xs, x, resets, mask }, { rounds: 3, inspect: true });
  assert.equal(last, first);
  core.dispose();
});

test('bad options throw ConfigErrors that name the option, the rule and the value', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ numSlots: 0 }, /NTM: numSlots must be an integer >= 1, got 0/],
    [{ numReads: 1.5 }, /NTM: numReads must be an integer >= 1, got 1.5/],
    [{ shifts: [] }, /NTM: shifts must be a non-empty list of distinct integers in \(−5, 5\), got \[\]/],
    [{ shifts: [0, 0] }, /shifts must be a non-empty list of distinct integers/],
    [{ shifts: [-5, 0] }, /shifts must be .* in \(−5, 5\), got \[-5,0\]/],
    [{ shifts: 1 }, /NTM: shifts must be a list, got 1/],
    [{ clipValue: 0 }, /NTM: clipValue must be a number > 0, got 0/],
    [{ strengthOp: 'exp' }, /NTM: strengthOp must be one of 'oneplus', 'softplus', got "exp"/],
    [{ keyActivation: 'relu' }, /NTM: keyActivation must be one of 'none', 'tanh', got "relu"/],
    [{ addActivation: 'sigmoid' }, /NTM: addActivation must be one of 'none', 'tanh'/],
    [{ outputSize: -1 }, /NTM: outputSize must be an integer >= 0/],
    [{ shiftBias: [0, 2] }, /NTM: shiftBias must be \[\] or a list of 3 numbers \(one per shift\), got \[0,2\]/],
    [{ gateBias: 'low' }, /NTM: gateBias must be a number/],
    [{ numSlot: 4 }, /NTM: unknown option "numSlot"; did you mean "numSlots"\?/],
    [{ inputSize: 0 }, /NTM: inputSize must be an integer >= 1, got 0/],
  ];
  for (const [opts, re] of bad) assert.throws(() => make(opts), (e: unknown) => e instanceof ConfigError && re.test(e.message), JSON.stringify(opts));
  const core = make();
  const s = core.initialState(B), x = tf.zeros([B, D + 1]) as tf.Tensor2D;
  assert.throws(() => core.step(x, s), /NTM: input must be \[B, 3\], got shape \[2,4\]/);
  assert.throws(() => core.inspect(s, 2), /NTM: batchIndex must be an integer in \[0, 1\], got 2/);
  x.dispose(); disposeState(s); core.dispose();
});

test('inspect gives plain JSON weightings, memory and controller; diagnostics only when recorded', () => {
  const core = make({ numReads: 2, recordDiagnostics: true });
  const s0 = core.initialState(B);
  const x = tf.randomNormal([B, D], 0, 1, 'float32', 8) as tf.Tensor2D;
  const { output, state } = core.step(x, s0);
  const view = core.inspect(state, 1);
  assert.deepEqual(view.readWeights, rowsOf(state.readWeights)[1]);
  assert.deepEqual(view.writeWeights, rowsOf(state.writeWeights)[1]);
  assert.deepEqual(view.memory, rowsOf(state.memory)[1]);
  assert.equal((view.memoryNorms as number[]).length, 5);
  assert.equal((view.h as number[]).length, 4);
  assert.equal((view.shift as number[][]).length, 3);        // R + Hw heads
  assert.deepEqual(view.shifts, [-1, 0, 1]);
  assert.ok((view.gamma as number[]).every((g) => g >= 1));
  JSON.stringify(view);
  const plain = make();
  const p0 = plain.initialState(B);
  assert.equal(p0.diag, undefined);
  assert.equal(plain.inspect(p0, 0).gate, undefined);
  tf.dispose([x, output]);
  [s0, state, p0].forEach(disposeState);
  core.dispose(); plain.dispose();
});

test('learns a 3-bit copy of length 2 (masked BCE, Adam): the loss falls far below ln 2', () => {
  // Two input steps, then two recall steps flagged on channel 3; about 5 s on a loaded 2-core machine.
  const bits = 3, len = 2, T = 2 * len, batch = 16;
  const core = makeNtm({ inputSize: bits + 1, seed: 3, hiddenSize: 16, numSlots: 6, wordSize: 4, outputSize: bits });
  const rng = new Rng(5);
  const opt = tf.train.adam(0.03);
  const mask = tf.tensor3d(Array.from({ length: T }, (_, t) => Array.from({ length: batch }, () => new Array(bits).fill(t >= len ? 1 : 0))));
  const resets = tf.zeros([T, batch]) as tf.Tensor2D;
  const losses: number[] = [];
  for (let it = 0; it < 60; it++) {
    const seq = Array.from({ length: batch }, () => Array.from({ length: len }, () => Array.from({ length: bits }, () => (rng.uniform() < 0.5 ? 1 : 0))));
    const x = tf.tensor3d(Array.from({ length: T }, (_, t) => seq.map((s) => (t < len ? [...s[t]!, 0] : [0, 0, 0, 1]))));   // [T, B, bits+1]
    const y = tf.tensor3d(Array.from({ length: T }, (_, t) => seq.map((s) => (t >= len ? s[t - len]! : [0, 0, 0]))));       // [T, B, bits]
    const s0 = core.initialState(batch);
    const loss = opt.minimize(() => {
      const z = unroll(core, x, s0, resets).outputs;                                   // logits [T, B, bits]
      const bce = tf.sub(tf.softplus(z), tf.mul(y, z));                                // −log σ(z)^y (1−σ(z))^(1−y)
      return tf.div(tf.sum(tf.mul(bce, mask)), tf.sum(mask)) as tf.Scalar;
    }, true, [...core.variables])!;
    losses.push(loss.dataSync()[0] as number);
    tf.dispose([loss, x, y]); disposeState(s0);
  }
  const start = losses[0]!, end = losses.slice(-10).reduce((a, b) => a + b) / 10;   // ≈ 0.69 -> ≈ 0.2 (seeds 1-3)
  assert.ok(start > 0.6, `starts near ln 2, got ${start}`);
  assert.ok(end < 0.35, `loss falls from ${start.toFixed(3)} to ${end.toFixed(3)}`);
  tf.dispose([mask, resets]); opt.dispose(); core.dispose();
});
