import { tf } from '../fixtures/tf-cpu.ts';
import { tensorCounts } from '../fixtures/leak-check.ts';
/**
 * The DNC core (Graves et al. 2016; docs/cores.md §5.3–5.5): config validation and error text, the
 * parameter-count formula, state spec and exact resets, gradient reach, leaks, every option
 * branch (output Linear, clip, strength op, diagnostics, two write heads), inspect, and a tiny
 * copy task that must learn. Addressing and access tests are in dnc-addressing.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../envs/errors.ts';
import { Rng } from '../../envs/rng.ts';
import { isLeafSpec, type CoreState, type SpecTree } from '../../memory/core.ts';
import { DNC_DEFAULTS, dncParamCount, makeDnc, resolveDncConfig, type Dnc } from '../../memory/dnc/dnc.ts';
import { disposeState, mapState, stateLeaves } from '../../memory/state.ts';
import { initBackend } from '../../memory/tf.ts';
import { unroll } from '../../memory/unroll.ts';
import { runSteps } from '../fixtures/core-steps.ts';

const D = 3, B = 3;
/** The conformance SMALL config: N = 5, W = 3, R = 2, H = 4. */
const SMALL = { hiddenSize: 4, numSlots: 5, wordSize: 3, numReads: 2 };
const make = (opts: Record<string, unknown> = {}, seed = 7): Dnc => makeDnc({ inputSize: D, seed, ...SMALL, ...opts });
const inputs = (T: number, seed = 1) => tf.randomNormal([T, B, D], 0, 1, 'float32', seed) as tf.Tensor3D;
const arrays = (s: CoreState) => stateLeaves(s).map((t) => Array.from(t.dataSync()));

function specShapes(spec: SpecTree, prefix = ''): Map<string, readonly number[]> {
  const out = new Map<string, readonly number[]>();
  for (const [k, v] of Object.entries(spec)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (isLeafSpec(v)) out.set(p, v.shape);
    else for (const [q, s] of specShapes(v, p)) out.set(q, s);
  }
  return out;
}

test('defaults are the deepmind/dnc train.py sizes; bad options fail with the documented text', () => {
  assert.deepEqual({ H: DNC_DEFAULTS.hiddenSize, N: DNC_DEFAULTS.numSlots, W: DNC_DEFAULTS.wordSize, R: DNC_DEFAULTS.numReads,
    Hw: DNC_DEFAULTS.numWrites, clip: DNC_DEFAULTS.clipValue }, { H: 64, N: 16, W: 16, R: 4, Hw: 1, clip: 20 });
  const bad = (opts: Record<string, unknown>, re: RegExp) =>
    assert.throws(() => resolveDncConfig({ inputSize: D, seed: 0, ...opts }), (e: unknown) => e instanceof ConfigError && re.test(e.message));
  bad({ numReads: 0 }, /^DNC: numReads must be >= 1, got 0$/);
  bad({ numSlots: 2.5 }, /^DNC: numSlots must be an integer, got 2.5$/);
  bad({ numWrites: 0 }, /^DNC: numWrites must be >= 1, got 0$/);
  bad({ outputSize: -1 }, /^DNC: outputSize must be an integer >= 0/);
  bad({ clipValue: -1 }, /^DNC: clipValue must be >= 0 \(0 disables clipping\), got -1$/);
  bad({ strengthOp: 'tanh' }, /^DNC: strengthOp must be one of oneplus, softplus, got "tanh"$/);
  bad({ numRead: 2 }, /^DNC: unknown option "numRead"; did you mean "numReads"\?/);
  bad({ hiddenSize: '8' }, /^DNC: hiddenSize must be a number, got "8"$/);
  bad({ inputSize: 0 }, /^DNC: inputSize must be an integer >= 1, got 0$/);
});

test('parameter count: LSTM on D + R·W inputs, plus H·|ξ| + |ξ|, plus the optional output Linear', () => {
  const count = (c: Dnc) => c.variables.reduce((s, v) => s + v.size, 0);
  const def = makeDnc({ inputSize: 5, seed: 0 });
  assert.equal(def.config.interfaceSize, 135);
  assert.equal(count(def), 4 * 64 * (5 + 64 + 64 + 1) + 64 * 135 + 135);   // 43,079
  assert.equal(dncParamCount(def.config), 43079);
  const two = make({ numWrites: 2, outputSize: 6 });
  const X = 2 * (3 + 3 + 4) + 2 * (9 + 3);
  assert.equal(two.config.interfaceSize, X);
  assert.equal(count(two), 4 * 4 * (D + 6 + 4 + 1) + 4 * X + X + (4 + 6) * 6 + 6);
  assert.equal(dncParamCount(two.config), count(two));
  assert.equal(two.outputSize, 6);
  assert.equal(make().outputSize, 4 + 2 * 3);
  [def, two].forEach((c) => c.dispose());
});

test('state follows stateSpec, starts at 0 everywhere, and the forget bias is set', () => {
  const core = make({ recordDiagnostics: true, numWrites: 2 });
  const shapes = specShapes(core.stateSpec());
  assert.deepEqual([...shapes.keys()].sort(), ['access.linkage.link', 'access.linkage.precedence', 'access.memory', 'access.readWeights',
    'access.usage', 'access.writeWeights', 'controller.c', 'controller.h', 'diag.allocation', 'diag.readModes', 'readVectors']);
  assert.deepEqual(shapes.get('access.linkage.link'), [2, 5, 5]);
  assert.deepEqual(shapes.get('diag.readModes'), [2, 5]);
  const s0 = core.initialState(B);
  mapState(s0, (t, _l, p) => {
    assert.deepEqual(t.shape, [B, ...(shapes.get(p) ?? [])], p);
    assert.ok(t.dataSync().every((x) => x === 0), `${p} starts at 0`);
    return t;
  });
  const bias = Array.from(core.weights.controller.b.dataSync());
  assert.deepEqual(bias, [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  disposeState(s0);
  core.dispose();
});

test('resetWhere restores element 0 bitwise (diagnostics too) and leaves the others; resets = 0 is the identity', () => {
  const core = make({ recordDiagnostics: true });
  const s0 = core.initialState(B);
  const { outs, state } = runSteps(core, inputs(3), s0);
  assert.ok(arrays(state).every((a) => a.some((x) => x !== 0)), 'every leaf moved away from 0');
  const r = core.resetWhere(state, tf.tensor1d([1, 0, 0]));
  const [init, before, after] = [s0, state, r].map(arrays);
  after!.forEach((leaf, i) => {
    const n = leaf.length / B;
    assert.deepEqual(leaf.slice(0, n), init![i]!.slice(0, n), `leaf ${i} of element 0 is back to its initial value`);
    assert.deepEqual(leaf.slice(n), before![i]!.slice(n), `leaf ${i} of elements 1.. is unchanged`);
  });
  const same = core.resetWhere(state, tf.zeros([B]) as tf.Tensor1D);
  assert.deepEqual(arrays(same), arrays(state));
  tf.dispose(outs); [s0, state, r, same].forEach(disposeState); core.dispose();
});

test('output is [h_t; flat(r_t)] and never aliases the state', () => {
  const core = make();
  const s0 = core.initialState(B);
  const x = inputs(1).reshape([B, D]) as tf.Tensor2D;
  const { output, state } = core.step(x, s0);
  assert.deepEqual(output.shape, [B, 4 + 6]);
  const want = tf.concat([state.controller.h, state.readVectors.reshape([B, 6])], 1);
  assert.deepEqual(output.arraySync(), want.arraySync());
  output.dispose();
  const again = core.step(x, state);   // the state survives disposing the output
  assert.ok(again.output.dataSync().every(Number.isFinite));
  [s0, state, again.state].forEach(disposeState); tf.dispose([x, want, again.output]); core.dispose();
});

for (const opts of [{}, { outputSize: 2, numWrites: 2, strengthOp: 'softplus', recordDiagnostics: true }]) {
  test(`gradients reach every variable over a 3-step unroll (${JSON.stringify(opts)})`, () => {
    const core = make(opts);
    const xs = inputs(3);
    const s0 = core.initialState(B);
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(unroll(core, xs, s0, tf.zeros([3, B]) as tf.Tensor2D).outputs)) as tf.Scalar, [...core.variables]);
    assert.equal(core.variables.length, 'outputSize' in opts ? 6 : 4);
    for (const v of core.variables) {
      const g = grads[v.name];
      assert.ok(g, `${v.name} has a gradient`);
      const d = g.dataSync();
      assert.ok(d.every(Number.isFinite), `${v.name} gradient is finite`);
      assert.ok(d.some((x) => x !== 0), `${v.name} gradient is nonzero`);
    }
    // Every interface column gets a gradient: all ten fields of ξ feed the loss.
    const bXi = core.variables.find((v) => v.name.endsWith('/interface/b'))!;
    const gXi = tf.abs(grads[bXi.name] as tf.Tensor).dataSync();
    assert.ok(gXi.every((x) => x > 0), 'every field of ξ is used');
    tf.dispose(grads); disposeState(s0); core.dispose();
  });
}

test('no tensor leaks across step, resetWhere, inspect and unroll + minimize', () => {
  const core = make({ recordDiagnostics: true, outputSize: 2 });
  const xs = inputs(3);
  const resets = tf.tensor2d([[1, 1, 1], [0, 1, 0], [0, 0, 1]]);
  const mask = tf.tensor1d([1, 0, 1]);
  const x = xs.slice([0, 0, 0], [1, B, D]).reshape([B, D]) as tf.Tensor2D;
  const { first, last } = tensorCounts(core, { xs, x, resets, mask }, { rounds: 3, inspect: true });
  assert.equal(last, first);
  core.dispose();
});

test('clipValue bounds h, c and the projected output; 0 turns clipping off', () => {
  const xs = tf.mul(inputs(3), 50) as tf.Tensor3D;
  const clipped = make({ clipValue: 0.05, outputSize: 2 });
  const a = runSteps(clipped, xs, clipped.initialState(B));
  const limit = Math.fround(0.05);
  for (const t of [a.state.controller.h, a.state.controller.c, ...a.outs]) assert.ok(t.dataSync().every((v) => Math.abs(v) <= limit));
  assert.ok(a.state.controller.c.dataSync().some((v) => Math.abs(v) === limit), 'the clip is active');
  const off = make({ clipValue: 0 }), big = make({ clipValue: 1e30 });
  assert.deepEqual(runSteps(off, xs, off.initialState(B)).outs.map((o) => o.arraySync()), runSteps(big, xs, big.initialState(B)).outs.map((o) => o.arraySync()));
  assert.ok(runSteps(off, xs, off.initialState(B)).state.controller.c.dataSync().some((v) => Math.abs(v) > 1), 'c grows past 1 unclipped');
  [clipped, off, big].forEach((c) => c.dispose());
});

test('strengthOp changes the strengths: softplus and oneplus give different outputs from step 2', () => {
  const one = make(), soft = make({ strengthOp: 'softplus' });
  const xs = inputs(2);
  const [a, b] = [one, soft].map((c) => runSteps(c, xs, c.initialState(B)).outs.map((o) => o.arraySync()));
  assert.notDeepEqual(a![1], b![1]);
  [one, soft].forEach((c) => c.dispose());
});

test('inspect: read/write weights, usage, precedence, memory norms; read modes and allocation only with diagnostics', () => {
  const plain = make({ numWrites: 2 }), diag = make({ numWrites: 2, recordDiagnostics: true });
  const xs = inputs(3);
  const p = runSteps(plain, xs, plain.initialState(B)).state, d = runSteps(diag, xs, diag.initialState(B)).state;
  assert.equal(p.diag, undefined);
  const rp = plain.inspect(p, 1), rd = diag.inspect(d, 1);
  assert.deepEqual(Object.keys(rp).sort(), ['memoryNorms', 'precedence', 'readWeights', 'usage', 'writeWeights']);
  assert.deepEqual(Object.keys(rd).sort(), ['allocation', 'memoryNorms', 'precedence', 'readModes', 'readWeights', 'usage', 'writeWeights']);
  const rw = rd.readWeights as number[][], modes = rd.readModes as number[][];
  assert.deepEqual([rw.length, rw[0]!.length], [2, 5]);
  assert.deepEqual([(rd.writeWeights as number[][]).length, (rd.allocation as number[][])[1]!.length], [2, 5]);
  assert.deepEqual([modes.length, modes[0]!.length], [2, 5]);
  modes.forEach((m) => assert.ok(Math.abs(m.reduce((a, b) => a + b, 0) - 1) < 1e-5));
  assert.equal((rd.usage as number[]).length, 5);
  assert.deepEqual(rd.readWeights, (d.access.readWeights.arraySync() as number[][][])[1]);
  const m = (d.access.memory.arraySync() as number[][][])[1]!;
  (rd.memoryNorms as number[]).forEach((n, i) => assert.ok(Math.abs(n - Math.hypot(...m[i]!)) < 1e-5));
  assert.deepEqual(rp.readWeights, rd.readWeights, 'diagnostics do not change the computation');
  assert.throws(() => diag.inspect(d, 3), /DNC: batchIndex must be an integer in \[0, 2\], got 3/);
  [p, d].forEach(disposeState); [plain, diag].forEach((c) => c.dispose());
});

test('the same seed gives the same variables and outputs; batch elements are independent', () => {
  const c1 = make({}, 3), c2 = make({}, 3);
  const xs = inputs(3);
  const o1 = runSteps(c1, xs, c1.initialState(B)).outs.map((o) => o.arraySync());
  assert.deepEqual(o1, runSteps(c2, xs, c2.initialState(B)).outs.map((o) => o.arraySync()));
  const bumped = tf.add(xs, tf.tensor3d([0, 0, 0, 0, 0, 0, 0, 0, 0, 5, -5, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [3, B, D])) as tf.Tensor3D;
  const o2 = runSteps(c1, bumped, c1.initialState(B)).outs.map((o) => o.arraySync());
  for (let t = 0; t < 3; t++) assert.deepEqual(o2[t]!.slice(1), o1[t]!.slice(1), `t=${t}: elements 1.. unchanged`);
  assert.notDeepEqual(o2[1]![0], o1[1]![0]);
  [c1, c2].forEach((c) => c.dispose());
});

/**
 * On wasm, the default backend: every op must have a wasm kernel and gradient there, and this
 * op-bound graph (~3,000 small kernels per update) runs about 1.5x faster than on cpu. The cpu
 * backend is restored after. About 5-10 s.
 */
test('learns a 3-bit copy of length 2 on wasm (masked BCE, Adam): loss falls well below its start', async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
  try {
    learnCopy();
  } finally {
    await initBackend('cpu');
  }
});

function learnCopy(): void {
  const BITS = 3, LEN = 2, T = 2 * LEN + 1, Bc = 16;
  const core = makeDnc({ inputSize: BITS + 1, seed: 1, hiddenSize: 16, numSlots: 4, wordSize: 4, numReads: 1, outputSize: BITS });
  const rng = new Rng(2);
  /** Bits at t < LEN, a delimiter at t = LEN, then the bits are the targets at t > LEN (mask 1 there). */
  const batch = () => {
    const x = new Float32Array(T * Bc * (BITS + 1)), y = new Float32Array(T * Bc * BITS), m = new Float32Array(T * Bc);
    for (let b = 0; b < Bc; b++) {
      for (let t = 0; t < LEN; t++) for (let k = 0; k < BITS; k++) {
        const bit = rng.uniform() < 0.5 ? 1 : 0;
        x[(t * Bc + b) * (BITS + 1) + k] = bit;
        y[((t + LEN + 1) * Bc + b) * BITS + k] = bit;
      }
      x[(LEN * Bc + b) * (BITS + 1) + BITS] = 1;
      for (let t = LEN + 1; t < T; t++) m[t * Bc + b] = 1;
    }
    return { x: tf.tensor3d(x, [T, Bc, BITS + 1]), y: tf.tensor3d(y, [T, Bc, BITS]), m: tf.tensor3d(m, [T, Bc, 1]) };
  };
  const opt = tf.train.adam(3e-2);
  const resets = tf.zeros([T, Bc]) as tf.Tensor2D;
  const s0 = core.initialState(Bc);
  const losses: number[] = [];
  for (let i = 0; i < 100; i++) {
    const { x, y, m } = batch();
    const loss = opt.minimize(() => {
      const z = unroll(core, x, s0, resets).outputs;                                  // logits [T, B, BITS]
      const bce = tf.sub(tf.softplus(z), tf.mul(y, z));                               // −log σ(z)^y (1 − σ(z))^(1−y)
      return tf.div(tf.sum(tf.mul(bce, m)), tf.mul(tf.sum(m), BITS)) as tf.Scalar;
    }, true, [...core.variables])!;
    losses.push(loss.dataSync()[0] as number);
    tf.dispose([loss, x, y, m]);
  }
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const first = mean(losses.slice(0, 10)), last = mean(losses.slice(-10));
  assert.ok(first > 0.6, `starts near log 2, got ${first}`);
  assert.ok(last < 0.5 * first, `loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  disposeState(s0); tf.dispose(resets); opt.dispose(); core.dispose();
}
