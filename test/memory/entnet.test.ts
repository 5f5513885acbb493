import { tf } from '../fixtures/tf-cpu.ts';
import { tensorCounts } from '../fixtures/leak-check.ts';
/**
 * Recurrent Entity Network (Henaff et al. 2017; docs/cores.md §6.5): the seven spec tests, reference tests
 * of one step and of the readout (2 hops) against naive loops, PReLU sharing, resets to the keys with
 * gradient through them (§1.3), queryChannel, the §6.4 parameter count, finite differences for the
 * 'memory' readout, inspect, leaks, error text, and a tiny learning check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../envs/errors.ts';
import { Rng } from '../../envs/rng.ts';
import {
  ENTNET_DEFAULTS, entnetEncode, entnetParamCount, entnetReadout, entnetStep, makeEntNet, resolveEntNetConfig, type EntNet, type EntNetState,
} from '../../memory/entnet.ts';
import { disposeState } from '../../memory/state.ts';
import { unroll } from '../../memory/unroll.ts';

const B = 2, N = 3, W = 4;
const make = (opts: Record<string, unknown> = {}, inputSize = W): EntNet => makeEntNet({ inputSize, seed: 7, numSlots: N, ...opts });
const input = (seed: number, D = W, batch = B): tf.Tensor2D => tf.randomNormal([batch, D], 0, 1, 'float32', seed);
/** [B, W] inputs with flag columns appended. */
const withFlags = (x: tf.Tensor2D, ...flags: number[][]): tf.Tensor2D => tf.tidy(() => tf.concat([x, ...flags.map((f) => tf.tensor2d(f, [f.length, 1]))], 1) as tf.Tensor2D);
const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
const arr = (t: tf.Tensor) => t.arraySync() as number[][];
const arr3 = (t: tf.Tensor) => t.arraySync() as number[][][];

/** One step from the keys, so the slots are unit vectors. */
function stepOnce(core: EntNet, state: EntNetState, x: tf.Tensor2D): EntNetState {
  const r = core.step(x, state);
  r.output.dispose();
  return r.state;
}

// ----- naive references (plain JS loops) -----
const prelu = (x: number, a: number) => (x > 0 ? x : a * x);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const vecMat = (v: number[], m: number[][]) => m[0]!.map((_, k) => v.reduce((acc, vi, i) => acc + vi * m[i]![k]!, 0));
const dot = (a: number[], b: number[]) => a.reduce((acc, x, i) => acc + x * b[i]!, 0);

interface Plain { keys: number[][]; U: number[][]; bU: number[]; V: number[][]; Wm: number[][]; gateBias?: number[]; alpha: number[]; Hm?: number[][] }
function plainWeights(core: EntNet): Plain {
  const w = core.weights;
  return {
    keys: arr(w.keys), U: arr(w.U), bU: w.bU.arraySync(), V: arr(w.V), Wm: arr(w.Wm), alpha: w.alpha.arraySync(),
    ...(w.gateBias ? { gateBias: w.gateBias.arraySync() } : {}), ...(core.readoutWeights ? { Hm: arr(core.readoutWeights.Hm) } : {}),
  };
}
function naiveStep(s: number[][], h: number[][][], p: Plain) {
  const gates: number[][] = [], memory: number[][][] = [];
  s.forEach((sb, b) => {
    gates.push([]); memory.push([]);
    h[b]!.forEach((hj, j) => {
      const g = sigmoid(dot(sb, hj) + dot(sb, p.keys[j]!) + (p.gateBias?.[j] ?? 0));
      const hU = vecMat(hj, p.U), wV = vecMat(p.keys[j]!, p.V), sWm = vecMat(sb, p.Wm);
      const upd = hj.map((x, k) => x + g * prelu(hU[k]! + p.bU[k]! + wV[k]! + sWm[k]!, p.alpha[k]!));
      const norm = Math.sqrt(dot(upd, upd) + 1e-12);
      gates[b]!.push(g); memory[b]!.push(upd.map((x) => x / norm));
    });
  });
  return { gates, memory };
}
function naiveReadout(h: number[][][], q: number[][], Hm: number[][], alpha: number[], hops: number, R?: number[][]) {
  return q.map((qb, b) => {
    let query = qb;
    for (let hop = 0; hop < hops; hop++) {
      const scores = h[b]!.map((hj) => dot(query, hj));
      const m = Math.max(...scores), e = scores.map((x) => Math.exp(x - m)), z = e.reduce((a, x) => a + x, 0);
      const u = query.map((_, k) => h[b]!.reduce((acc, hj, j) => acc + (e[j]! / z) * hj[k]!, 0));
      const uH = vecMat(u, Hm);
      query = query.map((x, k) => prelu(x + uH[k]!, alpha[k]!));
    }
    return R ? vecMat(query, R) : query;
  });
}
function assertClose(a: number[][] | number[][][], b: number[][] | number[][][], tol: number, what: string) {
  const fa = (a as number[][]).flat(2) as number[], fb = (b as number[][]).flat(2) as number[];
  assert.equal(fa.length, fb.length, what);
  fa.forEach((x, i) => assert.ok(Math.abs(x - fb[i]!) <= tol, `${what}[${i}]: ${x} vs ${fb[i]}`));
}
/** α away from 1 so the PReLU's negative side is exercised. */
const assignVar = (t: tf.Tensor, value: tf.Tensor) => { (t as tf.Variable).assign(value); value.dispose(); };
const setAlpha = (core: EntNet) => assignVar(core.weights.alpha, tf.tensor1d(Array.from({ length: W }, (_, k) => 0.2 + 0.2 * k)));

// ----- docs/cores.md §6.5 -----
test('§6.5.1 every slot has unit norm after every step', () => {
  const core = make();
  let s = core.initialState(B);
  for (let t = 0; t < 4; t++) {
    const x = input(t);
    const next = stepOnce(core, s, x);
    disposeState(s); x.dispose(); s = next;
    const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(s.memory), 2)).dataSync());
    norms.forEach((n) => assert.ok(Math.abs(n - 1) < 1e-5, `norm ${n}`));
  }
  disposeState(s); core.dispose();
});

test('§6.5.2 gates lie in (0,1) as [B,N]; a zero active channel leaves unit slots unchanged, but renormalises the keys at t=0', () => {
  const core = make({ activeChannel: true, recordDiagnostics: true }, W + 1);
  const s0 = core.initialState(B);
  const x = input(1);
  const idle = withFlags(x, [0, 0]), active = withFlags(x, [1, 1]);
  const s1 = stepOnce(core, s0, active);
  assert.deepEqual(s1.diag!.gates.shape, [B, N]);
  s1.diag!.gates.dataSync().forEach((g) => assert.ok(g > 0 && g < 1, `gate ${g}`));
  const s2 = stepOnce(core, s1, idle);
  assert.ok(maxAbsDiff(s2.memory, s1.memory) < 1e-6, 'inactive step: memory unchanged');
  assert.deepEqual(Array.from(s2.diag!.gates.dataSync()), new Array(B * N).fill(0));
  const s0Idle = stepOnce(core, s0, idle);
  assert.ok(maxAbsDiff(s0Idle.memory, s0.memory) > 0.1, 'keys (norm ≈ 0.1·√W) are moved onto the unit sphere');
  [s0, s1, s2, s0Idle].forEach(disposeState); tf.dispose([x, idle, active]); core.dispose();
});

test('§6.5.3 initialState is the keys broadcast over B; resetWhere restores them exactly', () => {
  const core = make();
  const s0 = core.initialState(3);
  const keys = arr(core.weights.keys);
  assert.deepEqual(arr3(s0.memory), [keys, keys, keys]);
  let s = s0;
  for (let t = 0; t < 2; t++) { const x = input(t, W, 3); const n = stepOnce(core, s, x); if (s !== s0) disposeState(s); x.dispose(); s = n; }
  const resets = tf.tensor1d([1, 0, 1]);
  const r = core.resetWhere(s, resets);
  const [r0, r1, r2] = arr3(r.memory);
  assert.deepEqual(r0, keys); assert.deepEqual(r2, keys);
  assert.deepEqual(r1, arr3(s.memory)[1]);
  [s0, s, r].forEach(disposeState); resets.dispose(); core.dispose();
});

test('§6.5.4 with α = 1 the candidate is the linear map h·U + b_U + w·V + s·Wm', () => {
  const core = make({ initStd: 0.5 });
  const s0 = core.initialState(B);
  const x = input(3);
  const r = entnetStep(x, s0.memory, core.weights);
  const w = core.weights;
  const linearCandidate = tf.tidy(() => tf.add(tf.add(tf.matMul(s0.memory.reshape([B * N, W]), w.U).reshape([B, N, W]),   // [B·N, W]·[W, W] -> [B, N, W]
    tf.add(tf.matMul(w.keys, w.V), w.bU)), tf.matMul(x, w.Wm).reshape([B, 1, W])));
  assert.ok(tf.tidy(() => tf.min(linearCandidate).dataSync()[0]!) < 0, 'some pre-activation is negative');
  assert.ok(maxAbsDiff(r.candidate, linearCandidate) < 1e-6);
  tf.dispose([r.memory, r.gates, r.candidate, linearCandidate, x]); disposeState(s0); core.dispose();
});

test('§6.5.5 permuting the keys, gate biases and initial memory permutes the memory; the self readout is invariant', () => {
  const a = make({ initStd: 0.5, readout: 'self' }), b = make({ initStd: 0.5, readout: 'self' });
  const perm = [2, 0, 1];
  const permRows = (t: tf.Tensor) => tf.tidy(() => tf.stack(perm.map((p) => tf.unstack(t)[p]!)));
  assignVar(b.weights.keys, permRows(a.weights.keys));
  assignVar(b.weights.gateBias!, permRows(a.weights.gateBias!));
  let sa = a.initialState(B), sb = b.initialState(B);
  for (let t = 0; t < 3; t++) {
    const x = input(10 + t);
    const ra = a.step(x, sa), rb = b.step(x, sb);
    assert.ok(maxAbsDiff(ra.output, rb.output) < 1e-6, 'readout unchanged');
    disposeState(sa); disposeState(sb); tf.dispose([x, ra.output, rb.output]);
    sa = ra.state; sb = rb.state;
    const ma = arr3(sa.memory), mb = arr3(sb.memory);
    assertClose(mb, ma.map((rows) => perm.map((p) => rows[p]!)), 1e-6, `t=${t} memory`);
  }
  disposeState(sa); disposeState(sb); a.dispose(); b.dispose();
});

test('§6.5.6 / §1.3 gradients reach every variable; the keys also get gradient through resets inside the closure', () => {
  for (const readout of ['memory', 'self'] as const) {
    const core = make({ readout });
    const xs = tf.randomNormal([3, B, W], 0, 1, 'float32', 4) as tf.Tensor3D;
    const s0 = core.initialState(B);
    const w = tf.linspace(0.5, 1.5, core.outputSize);   // Σ outputs² is constant for unit slots: weight the sum
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(unroll(core, xs, s0, tf.zeros([3, B]) as tf.Tensor2D).outputs, w)) as tf.Scalar, [...core.variables]);
    const names = core.variables.map((v) => v.name.split('/')[1]);
    assert.deepEqual(names, readout === 'self' ? ['keys', 'U', 'bU', 'V', 'Wm', 'gateBias', 'alpha', 'Hm'] : ['keys', 'U', 'bU', 'V', 'Wm', 'gateBias', 'alpha']);
    for (const v of core.variables) {
      const g = grads[v.name]!.dataSync();
      assert.ok(g.every(Number.isFinite) && g.some((z) => Math.abs(z) > 1e-6), `${readout}: ${v.name} gets a gradient`);
    }
    tf.dispose([xs, w, grads]); disposeState(s0); core.dispose();
  }
  // A reset computed inside the closure (from initialState) adds the initial-state path to the keys.
  const core = make();
  const warm = stepOnce(core, core.initialState(B), input(1));
  const ones = tf.ones([B]) as tf.Tensor1D;
  const resetOutside = core.resetWhere(warm, ones);   // data: no history on the tape
  const w = tf.linspace(0.5, 1.5, core.outputSize);
  const x = input(2);
  const keyGrad = (inside: boolean) => tf.tidy(() => tf.variableGrads(() => {
    const r = inside ? core.resetWhere(warm, ones) : resetOutside;
    return tf.sum(tf.mul(core.step(x, r).output, w)) as tf.Scalar;
  }, [core.weights.keys as tf.Variable]).grads[(core.weights.keys as tf.Variable).name]!);
  const gIn = keyGrad(true), gOut = keyGrad(false);
  assert.ok(maxAbsDiff(gIn, gOut) > 1e-3, 'the reset path carries gradient to the keys');
  tf.dispose([gIn, gOut, ones, w, x]); disposeState(warm); disposeState(resetOutside); core.dispose();
});

test('§6.5.7 readout attention sums to 1; with one slot u = h₁', () => {
  const core = make({ readout: 'self', initStd: 0.5 });
  const s = stepOnce(core, core.initialState(B), input(1));
  const q = input(2);
  const r = entnetReadout(s.memory, q, core.readoutWeights!, 2);
  tf.tidy(() => tf.sum(r.attention, 1).dataSync()).forEach((z) => assert.ok(Math.abs(z - 1) < 1e-6));
  const one = tf.tidy(() => s.memory.slice([0, 0, 0], [B, 1, W])) as tf.Tensor3D;   // [B, 1, W]
  const r1 = entnetReadout(one, q, core.readoutWeights!);
  const expected = tf.tidy(() => tf.prelu(tf.add(q, tf.matMul(one.reshape([B, W]), core.readoutWeights!.Hm)), core.weights.alpha as tf.Tensor));  // u = h₁
  assert.deepEqual(Array.from(r1.attention.dataSync()), [1, 1]);
  assert.ok(maxAbsDiff(r1.output, expected) < 1e-6);
  tf.dispose([q, r.output, r.attention, one, r1.output, r1.attention, expected]); disposeState(s); core.dispose();
});

// ----- reference tests -----
test('one step matches a naive loop (gate bias, α ≠ 1)', () => {
  const core = make({ initStd: 0.5 });
  setAlpha(core);
  const warm = stepOnce(core, core.initialState(B), input(1));
  const x = input(2);
  const r = entnetStep(x, warm.memory, core.weights);
  const ref = naiveStep(arr(x), arr3(warm.memory), plainWeights(core));
  assertClose(arr(r.gates), ref.gates, 1e-5, 'gates');
  assertClose(arr3(r.memory), ref.memory, 1e-5, 'memory');
  const noBias = make({ initStd: 0.5, gateBias: false });
  const r2 = entnetStep(x, warm.memory, noBias.weights);
  assertClose(arr3(r2.memory), naiveStep(arr(x), arr3(warm.memory), plainWeights(noBias)).memory, 1e-5, 'memory without gate bias');
  tf.dispose([x, r.memory, r.gates, r.candidate, r2.memory, r2.gates, r2.candidate]); disposeState(warm); core.dispose(); noBias.dispose();
});

test('the readout matches a naive loop for 1 and 2 hops, with and without R', () => {
  const core = make({ readout: 'self', initStd: 0.5 });
  setAlpha(core);
  const s = stepOnce(core, core.initialState(B), input(1));
  const q = input(5);
  const R = tf.randomNormal([W, 3], 0, 1, 'float32', 6) as tf.Tensor2D;
  const p = plainWeights(core);
  for (const hops of [1, 2]) {
    for (const withR of [false, true]) {
      const r = entnetReadout(s.memory, q, { ...core.readoutWeights!, ...(withR ? { R } : {}) }, hops);
      assertClose(arr(r.output), naiveReadout(arr3(s.memory), arr(q), p.Hm!, p.alpha, hops, withR ? arr(R) : undefined), 1e-5, `hops=${hops} R=${withR}`);
      tf.dispose([r.output, r.attention]);
    }
  }
  // The core's own output is the readout with q = s_t over the updated memory.
  const x = input(7);
  const out = core.step(x, s);
  const ref = naiveReadout(naiveStep(arr(x), arr3(s.memory), p).memory, arr(x), p.Hm!, p.alpha, 1);
  assertClose(arr(out.output), ref, 1e-5, 'core output');
  tf.dispose([q, R, x, out.output]); disposeState(s); disposeState(out.state); core.dispose();
});

test('one PReLU α is shared by the memory candidate and the readout', () => {
  const core = make({ readout: 'self', initStd: 0.5 });
  const alphas = core.variables.filter((v) => v.name.endsWith('/alpha'));
  assert.equal(alphas.length, 1);
  assert.deepEqual(alphas[0]!.shape, [W]);
  assert.deepEqual(Array.from(alphas[0]!.dataSync()), [1, 1, 1, 1], 'α starts at 1');
  assert.equal(core.readoutWeights!.alpha, core.weights.alpha);
  const s = stepOnce(core, core.initialState(B), input(1));
  const q = tf.mul(input(2), 3) as tf.Tensor2D;
  const alpha = alphas[0]!;
  // Each path on its own (memory as data for the readout; the memory output only) moves α.
  const gRead = tf.variableGrads(() => tf.sum(entnetReadout(s.memory, q, core.readoutWeights!).output) as tf.Scalar, [alpha]).grads[alpha.name]!;
  const gMem = tf.variableGrads(() => tf.sum(tf.mul(entnetStep(q, s.memory, core.weights).memory, tf.linspace(0.5, 1.5, W))) as tf.Scalar, [alpha]).grads[alpha.name]!;
  assert.ok(gRead.dataSync().some((z) => z !== 0) && gMem.dataSync().some((z) => z !== 0));
  tf.dispose([q, gRead, gMem]); disposeState(s); core.dispose();
});

test('queryChannel: a question step leaves memory bitwise unchanged and reads it with the question as query', () => {
  const core = make({ readout: 'self', queryChannel: true, recordDiagnostics: true }, W + 1);
  const x = input(1), fact = withFlags(x, [0, 0]);
  const warm = stepOnce(core, core.initialState(B), fact);
  const qx = input(2), question = withFlags(qx, [1, 1]);
  const r = core.step(question, warm);
  assert.deepEqual(arr3(r.state.memory), arr3(warm.memory));
  assert.deepEqual(Array.from(r.state.diag!.gates.dataSync()), new Array(B * N).fill(0));
  const expected = entnetReadout(warm.memory, qx, core.readoutWeights!);
  assert.deepEqual(arr(r.output), arr(expected.output));
  assert.deepEqual(arr(r.state.diag!.attention!), arr(expected.attention));
  // Mixed batch: element 0 asks, element 1 states a fact.
  const mixed = withFlags(qx, [1, 0]);
  const m = core.step(mixed, warm);
  const [m0, m1] = arr3(m.state.memory), [w0, w1] = arr3(warm.memory);
  assert.deepEqual(m0, w0);
  assert.notDeepEqual(m1, w1);
  // With both flags, queryChannel is the last channel: [s, active, query].
  const both = make({ queryChannel: true, activeChannel: true }, W + 2);
  const w2 = stepOnce(both, both.initialState(B), withFlags(x, [1, 1], [0, 0]));
  const asked = stepOnce(both, w2, withFlags(qx, [1, 1], [1, 1]));
  assert.deepEqual(arr3(asked.memory), arr3(w2.memory));
  [warm, r.state, m.state, w2, asked].forEach(disposeState);
  tf.dispose([x, fact, qx, question, r.output, expected.output, expected.attention, mixed, m.output]); core.dispose(); both.dispose();
});

test('the parameter count is N·W + 3W² + W + N + W (§6.4), 32,220 at the defaults', () => {
  const count = (c: EntNet) => c.variables.reduce((a, v) => a + v.size, 0);
  const def = makeEntNet({ inputSize: 100, seed: 1 });
  assert.equal(def.config.numSlots, ENTNET_DEFAULTS.numSlots);
  assert.equal(count(def), 32220);
  assert.equal(entnetParamCount(def.config), 32220);
  assert.equal(def.outputSize, 2000);
  def.dispose();
  const keys = Array.from({ length: N }, (_, j) => Array.from({ length: W }, (__, k) => (j === k ? 1 : 0)));
  for (const opts of [{}, { readout: 'self' }, { gateBias: false }, { keyMode: 'tied', tiedKeys: keys }, { readout: 'self', numHops: 3 }]) {
    const c = make(opts);
    assert.equal(count(c), entnetParamCount(c.config), JSON.stringify(opts));
    c.dispose();
  }
  // Tied keys: constant, not a variable, and the initial memory.
  const tied = make({ keyMode: 'tied', tiedKeys: keys });
  assert.ok(!tied.variables.some((v) => v.name.endsWith('/keys')));
  const s0 = tied.initialState(1);
  assert.deepEqual(arr3(s0.memory), [keys]);
  disposeState(s0); tied.dispose();
});

test('the memory readout: input gradients match finite differences', () => {
  const core = make({}, W);
  const s0 = core.initialState(B);
  const x0 = tf.randomNormal([2, B, W], 0, 1, 'float32', 5) as tf.Tensor3D;
  const weights = tf.linspace(0.5, 1.5, core.outputSize);
  const f = (x: tf.Tensor) => tf.tidy(() => tf.sum(tf.mul(unroll(core, x as tf.Tensor3D, s0, tf.zeros([2, B]) as tf.Tensor2D).outputs.slice([1, 0, 0], [1, 1, core.outputSize]), weights)));
  const g = tf.grad(f)(x0).arraySync() as number[][][];
  const base = x0.arraySync();
  for (const [t, d] of [[0, 0], [0, 3], [1, 1]] as const) {
    const at = (delta: number) => { const c = base.map((r) => r.map((v) => [...v])); c[t]![0]![d]! += delta; const y = f(tf.tensor3d(c)); const v = y.dataSync()[0]!; y.dispose(); return v; };
    const num = (at(1e-3) - at(-1e-3)) / 2e-3, ana = g[t]![0]![d]!;
    assert.ok(Math.abs(num - ana) <= 2e-2 * Math.max(1e-2, Math.abs(num), Math.abs(ana)), `numeric ${num} vs analytic ${ana}`);
  }
  tf.dispose([x0, weights]); disposeState(s0); core.dispose();
});

test('inspect returns plain JSON: per-slot norms, key similarity, gates and attention', () => {
  const core = make({ readout: 'self', recordDiagnostics: true });
  const s0 = core.initialState(B);
  const i0 = core.inspect(s0, 1);
  (i0.keySimilarity as number[]).forEach((c) => assert.ok(Math.abs(c - 1) < 1e-5, 'memory = keys at start'));
  const keyNorms = arr(core.weights.keys).map((k) => Math.sqrt(dot(k, k)));
  assertClose([i0.memoryNorms as number[]], [keyNorms], 1e-6, 'norms');
  const s1 = stepOnce(core, s0, input(1));
  const i1 = JSON.parse(JSON.stringify(core.inspect(s1, 0))) as Record<string, number[]>;
  assert.deepEqual(Object.keys(i1).sort(), ['attention', 'gates', 'keySimilarity', 'memoryNorms']);
  for (const k of Object.keys(i1)) assert.equal(i1[k]!.length, N, k);
  assertClose([i1.gates!], [arr(s1.diag!.gates)[0]!], 1e-7, 'gates');
  assert.throws(() => core.inspect(s1, 2), /EntNet: batchIndex must be an integer in \[0, 1\], got 2/);
  const plain = make();
  const p0 = plain.initialState(B);
  assert.deepEqual(Object.keys(plain.inspect(p0, 0)).sort(), ['keySimilarity', 'memoryNorms']);
  [s0, s1, p0].forEach(disposeState); core.dispose(); plain.dispose();
});

test('entnetEncode sums position-masked embeddings (a bag of words with masks of 1)', () => {
  const e = tf.tensor3d([[[1, 2], [3, 4], [0, 0]]]);   // [B=1, T_w=3, W=2], last row PAD
  assert.deepEqual(entnetEncode(e, tf.ones([3, 2]) as tf.Tensor2D).arraySync(), [[4, 6]]);
  assert.deepEqual(entnetEncode(e, tf.tensor2d([[1, 0], [2, 1], [5, 5]])).arraySync(), [[7, 4]]);
});

test('no tensor leaks across step, resetWhere, inspect and unroll+minimize', () => {
  for (const opts of [{}, { readout: 'self', queryChannel: true, activeChannel: true, recordDiagnostics: true, numHops: 2 }]) {
    const flags = Number('queryChannel' in opts) * 2;
    const core = make(opts, W + flags);
    const xs = tf.randomNormal([3, B, W + flags], 0, 1, 'float32', 2) as tf.Tensor3D;
    const resets = tf.tensor2d([[1, 1], [0, 1], [1, 0]]);
    const mask = tf.tensor1d([1, 0]);
    const x = input(3, W + flags);
    const { first, last } = tensorCounts(core, { xs, x, resets, mask }, { rounds: 3, inspect: true });
    assert.equal(last, first, JSON.stringify(opts));
    tf.dispose([xs, resets, mask, x]); core.dispose();
  }
});

test('error text names the option, the rule and the value', () => {
  const bad = (opts: Record<string, unknown>, re: RegExp, inputSize = W) =>
    assert.throws(() => makeEntNet({ inputSize, seed: 1, ...opts }), (e: unknown) => e instanceof ConfigError && re.test(e.message));
  bad({ numSlots: 0 }, /^EntNet: numSlots must be an integer >= 1, got 0$/);
  bad({ numSlot: 3 }, /EntNet: unknown option "numSlot"; did you mean "numSlots"/);
  bad({ readout: 'none' }, /EntNet: readout must be one of 'memory', 'self', got "none"/);
  bad({ keyMode: 'random' }, /EntNet: keyMode must be one of 'learned', 'tied', got "random"/);
  bad({ numHops: 0 }, /EntNet: numHops must be an integer >= 1, got 0/);
  bad({ gateBias: 1 }, /EntNet: gateBias must be a boolean, got 1/);
  bad({ activeChannel: true, queryChannel: true }, /EntNet: inputSize must be >= 3 \(W >= 1 plus 2 flag channel\(s\)\), got 2/, 2);
  bad({ keyMode: 'tied', numSlots: 2, tiedKeys: [[1, 0, 0]] }, /EntNet: tiedKeys must be 2 rows of 4 finite numbers for keyMode 'tied', got "1 rows"/);
  bad({ tiedKeys: [[1]] }, /EntNet: tiedKeys must be empty unless keyMode is 'tied'/);
  bad({ inputSize: 0 }, /EntNet: inputSize must be an integer >= 1, got 0/);
  assert.equal(resolveEntNetConfig({ inputSize: 5, seed: 1, queryChannel: true }).slotSize, 4);
  const core = make();
  const s = core.initialState(B);
  const x = input(1, W + 1);
  assert.throws(() => core.step(x, s), /EntNet: input must be \[B, 4\], got shape \[2,5\]/);
  const x3 = input(1, W, 3);
  assert.throws(() => core.step(x3, s), /EntNet: state.memory must be \[3, 3, 4\], got \[2,3,4\]/);
  tf.dispose([x, x3]); disposeState(s); core.dispose();
});

test('learns a 2-fact toy: which of two entities got which value, answered at a query step', () => {
  // Story: "A has v_A", "B has v_B" (either order), then the question "what has e?" (query flag 1).
  const Wt = 6;
  const rng = new Rng(11);
  const emb = Array.from({ length: 5 }, () => Array.from({ length: Wt }, () => rng.normal()));   // A, B, X, Y, "?"
  const plus = (a: number[], b: number[]) => a.map((z, i) => z + b[i]!);
  const stories: number[][][] = [], labels: number[] = [];
  for (const first of [0, 1]) for (const vA of [0, 1]) for (const vB of [0, 1]) for (const ask of [0, 1]) {
    const value = [vA, vB];
    const fact = (e: number) => [...plus(emb[e]!, emb[2 + value[e]!]!), 0];
    stories.push([fact(first), fact(1 - first), [...plus(emb[ask]!, emb[4]!), 1]]);
    labels.push(value[ask]!);
  }
  const Bt = stories.length;
  const xs = tf.tidy(() => tf.tensor3d(stories).transpose([1, 0, 2])) as tf.Tensor3D;   // [B, T, D] -> [T, B, D]
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 2));
  const core = makeEntNet({ inputSize: Wt + 1, seed: 5, numSlots: 2, readout: 'self', queryChannel: true });
  const R = tf.variable(tf.randomNormal([Wt, 2], 0, 0.1, 'float32', 9));   // the answer layer (outside the core)
  const s0 = core.initialState(Bt);
  const resets = tf.zeros([3, Bt]) as tf.Tensor2D;
  const opt = tf.train.adam(0.05);
  const loss = () => tf.tidy(() => {
    const answer = unroll(core, xs, s0, resets).outputs.slice([2, 0, 0], [1, Bt, Wt]).reshape([Bt, Wt]);   // [1, B, W] -> [B, W]
    return tf.losses.softmaxCrossEntropy(y, tf.matMul(answer, R)) as tf.Scalar;                          // [B, W]·[W, 2] -> [B, 2]
  });
  const read = (l: tf.Scalar) => { const v = l.dataSync()[0]!; l.dispose(); return v; };
  const initial = read(loss());
  for (let i = 0; i < 30; i++) opt.minimize(loss, false, [...core.variables, R]);
  const final = read(loss());
  assert.ok(initial > 0.6 && final < 0.05, `loss ${initial} -> ${final}`);
  tf.dispose([xs, y, R, resets]); disposeState(s0); opt.dispose(); core.dispose();
});
