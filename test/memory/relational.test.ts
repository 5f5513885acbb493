import { tf } from '../fixtures/tf-cpu.ts';
/**
 * Relational Memory Core (Santoro et al. 2018; docs/cores.md §4.6): the ten spec tests, plus a leak
 * test, reference tests of one attention block and of the gates against naive loops, matrix
 * input and inspect.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../envs/errors.ts';
import { Rng } from '../../envs/rng.ts';
import { layerNorm } from '../../memory/ops.ts';
import type { LinearWeights } from '../../memory/params.ts';
import { disposeState } from '../../memory/state.ts';
import { unroll } from '../../memory/unroll.ts';
import {
  attentionBlock, fusedLayerNorm, gateMemory, makeRelationalMemory, relationalMemoryParamCount, relationalStep, resolveRelationalMemoryConfig,
  RMC_GATE_STYLES, type AttentionBlockWeights, type RelationalMemory, type RmcState,
} from '../../memory/relational.ts';

const D = 4;
const B = 2;
const TINY = { numSlots: 3, headSize: 2, numHeads: 2, numBlocks: 2 };

const make = (opts: Record<string, unknown> = {}, inputSize = D): RelationalMemory =>
  makeRelationalMemory({ inputSize, seed: 7, ...TINY, ...opts });
const input = (seed: number, inputSize = D, batch = B): tf.Tensor2D => tf.randomNormal([batch, inputSize], 0, 1, 'float32', seed);

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).arraySync() as number);
}

/** One step from the identity: a memory that is no longer special. */
function warmState(core: RelationalMemory, seed = 1): RmcState {
  const s0 = core.initialState(B);
  const x = input(seed, core.inputSize);
  const { output, state } = core.step(x, s0);
  tf.dispose([s0, output, x]);
  return state;
}

test('initial memory is the identity, padded or truncated (§4.2)', () => {
  const wide = make({ numSlots: 3, headSize: 5, numHeads: 1 });
  const s = wide.initialState(B);
  for (let b = 0; b < B; b++) {
    assert.deepEqual((s.memory.arraySync() as number[][][])[b], [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0]]);
  }
  const narrow = make({ numSlots: 4, headSize: 1, numHeads: 2 });
  const t = narrow.initialState(1);
  assert.deepEqual(t.memory.arraySync(), [[[1, 0], [0, 1], [0, 0], [0, 0]]]);
  // resetWhere restores the identity (not zeros) where resets = 1, bitwise, and keeps the rest.
  const warm = warmState(wide);
  const resets = tf.tensor1d([1, 0]);
  const r = wide.resetWhere(warm, resets);
  const [r0, r1] = r.memory.arraySync() as number[][][];
  const [s0] = s.memory.arraySync() as number[][][];
  assert.deepEqual(r0, s0);
  assert.deepEqual(r1, (warm.memory.arraySync() as number[][][])[1]);
  tf.dispose([resets]);
  [s, t, warm, r].forEach(disposeState);
  wide.dispose();
  narrow.dispose();
});

test('output is [B, N·Dm] and the state shape is unchanged after 1 and 2 steps (Sonnet testRecurrence)', () => {
  for (const headSize of [2, 4, 8, 16]) {
    for (const numHeads of [1, 2, 3, 4]) {
      const core = make({ numSlots: headSize, headSize, numHeads, numBlocks: 5 });
      const Dm = headSize * numHeads;
      assert.equal(core.outputSize, headSize * Dm);
      let state = core.initialState(B);
      for (let t = 0; t < 2; t++) {
        const x = input(t);
        const r = core.step(x, state);
        assert.deepEqual(r.output.shape, [B, headSize * Dm]);
        assert.deepEqual(r.state.memory.shape, [B, headSize, Dm]);
        tf.dispose([x, r.output]);
        disposeState(state);
        state = r.state;
      }
      disposeState(state);
      core.dispose();
    }
  }
});

test('every attention row sums to 1, for every head and block', () => {
  const core = make({ numHeads: 3, numBlocks: 3, recordDiagnostics: true });
  const state = warmState(core);
  const x = input(5);
  tf.tidy(() => {
    const r = relationalStep(x, state.memory, core.weights, core.config);
    assert.equal(r.attention.length, 3);
    for (const a of r.attention) {
      assert.deepEqual(a.shape, [B, 3, 4, 4]);
      const dev = tf.max(tf.abs(tf.sub(tf.sum(a, -1), 1))).arraySync() as number;
      assert.ok(dev < 1e-5, `row sums deviate from 1 by ${dev}`);
      assert.ok((tf.min(a).arraySync() as number) >= 0);
    }
    // diag.attention is the last block's.
    const { state: next } = core.step(x, state);
    assert.equal(maxAbsDiff(next.diag?.attention as tf.Tensor, r.attention[2] as tf.Tensor), 0);
  });
  disposeState(state);
  x.dispose();
  core.dispose();
});

test("gate shapes: [B, N, Dm] for 'unit', [B, N, 1] for 'memory', no gate variables for 'none'", () => {
  const expected = { unit: 4, memory: 1, none: 0 } as const;
  const counts: Record<string, number> = {};
  for (const gateStyle of RMC_GATE_STYLES) {
    const core = make({ gateStyle, recordDiagnostics: true });
    counts[gateStyle] = core.variables.length;
    const state = warmState(core);
    const G = expected[gateStyle];
    if (G === 0) {
      assert.equal(state.diag?.inputGate, undefined);
      assert.equal(core.weights.gateInput, undefined);
      assert.deepEqual(Object.keys((core.stateSpec().diag ?? {}) as object), ['attention']);
    } else {
      assert.deepEqual(state.diag?.inputGate?.shape, [B, 3, G]);
      assert.deepEqual(state.diag?.forgetGate?.shape, [B, 3, G]);
      assert.deepEqual(core.weights.gateMemory?.w.shape, [4, 2 * G]);
    }
    disposeState(state);
    core.dispose();
  }
  assert.equal(counts.unit, (counts.none ?? 0) + 4);
});

test('known gate values with zeroed gate weights: M_t = σ(ib)·tanh(M̂) + σ(fb)·M_{t−1}', () => {
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  const cases: Record<string, unknown>[] = [{ gateStyle: 'unit' }, { gateStyle: 'memory', forgetBias: 2, inputBias: -1 }];
  for (const opts of cases) {
    const core = make({ ...opts, recordDiagnostics: true });
    const i = sigmoid((opts.inputBias as number | undefined) ?? 0);
    const f = sigmoid((opts.forgetBias as number | undefined) ?? 1);
    if (opts.gateStyle === 'unit') assert.ok(Math.abs(f - 0.7310586) < 1e-7 && i === 0.5);
    const prev = warmState(core);
    for (const lin of [core.weights.gateInput, core.weights.gateMemory] as LinearWeights[]) {
      (lin.w as unknown as tf.Variable).assign(tf.zerosLike(lin.w));
    }
    const x = input(9);
    tf.tidy(() => {
      const { state } = core.step(x, prev);
      const { candidate } = relationalStep(x, prev.memory, core.weights, core.config);
      const want = tf.add(tf.mul(i, tf.tanh(candidate)), tf.mul(f, prev.memory));
      assert.ok(maxAbsDiff(state.memory, want) < 1e-6);
      assert.ok(maxAbsDiff(state.diag?.inputGate as tf.Tensor, tf.fill([B, 3, 1], i)) < 1e-7);
      assert.ok(maxAbsDiff(state.diag?.forgetGate as tf.Tensor, tf.fill([B, 3, 1], f)) < 1e-7);
    });
    disposeState(prev);
    x.dispose();
    core.dispose();
  }
});

test("gateStyle 'none' at init: every memory row has mean 0 and variance ≈ 1 (the final LayerNorm)", () => {
  const core = make({ gateStyle: 'none' });
  const state = warmState(core);
  tf.tidy(() => {
    const { mean, variance } = tf.moments(state.memory, -1);
    assert.ok((tf.max(tf.abs(mean)).arraySync() as number) < 1e-5);
    assert.ok((tf.max(tf.abs(tf.sub(variance, 1))).arraySync() as number) < 1e-3);
  });
  disposeState(state);
  core.dispose();
});

test('permuting the memory slots permutes the next memory the same way, for every gate style', () => {
  const perm = tf.tensor1d([2, 0, 1], 'int32');
  for (const gateStyle of RMC_GATE_STYLES) {
    const core = make({ gateStyle });
    const prev = warmState(core);
    const x = input(11);
    tf.tidy(() => {
      const a = core.step(x, prev).state.memory;
      const b = core.step(x, { memory: tf.gather(prev.memory, perm, 1) }).state.memory;
      const dev = maxAbsDiff(tf.gather(a, perm, 1), b);
      assert.ok(dev < 1e-5, `${gateStyle}: equivariance off by ${dev}`);
    });
    disposeState(prev);
    x.dispose();
    core.dispose();
  }
  perm.dispose();
});

test('after one step every variable gets a finite, nonzero gradient (per-block qkv and LNs, MLP, gates)', () => {
  for (const gateStyle of RMC_GATE_STYLES) {
    const core = make({ gateStyle, numMlpLayers: 3 });
    const names = (core as unknown as { params: { names: string[] } }).params.names;
    const x = input(3);
    const s0 = core.initialState(B);
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(core.step(x, s0).output)) as tf.Scalar, [...core.variables]);
      core.variables.forEach((v, k) => {
        const g = grads[v.name] as tf.Tensor;
        const data = g.dataSync();
        assert.ok(data.every(Number.isFinite), `${names[k]}: non-finite gradient`);
        assert.ok(data.some((d) => d !== 0), `${gateStyle}: ${names[k]} gets no gradient`);
      });
    });
    disposeState(s0);
    x.dispose();
    core.dispose();
  }
});

test('parameter count matches §4.4: 605,184 for the check configuration, and the formula elsewhere', () => {
  const sizeOf = (core: RelationalMemory) => core.variables.reduce((n, v) => n + v.size, 0);
  const check = makeRelationalMemory({ inputSize: 40, seed: 0, numSlots: 8, numHeads: 8, headSize: 32, keySize: 32, numBlocks: 1, numMlpLayers: 2, gateStyle: 'unit' });
  assert.equal(sizeOf(check), 605_184);
  assert.equal(relationalMemoryParamCount(check.config), 605_184);
  check.dispose();
  for (const opts of [{ gateStyle: 'memory', numBlocks: 3 }, { gateStyle: 'none', keySize: 5 }, { inputRows: 2, numMlpLayers: 1 }]) {
    const core = make(opts);
    assert.equal(sizeOf(core), relationalMemoryParamCount(core.config), JSON.stringify(opts));
    core.dispose();
  }
});

test('error text names the option, the rule and the value', () => {
  const bad = (opts: Record<string, unknown>, re: RegExp) =>
    assert.throws(() => makeRelationalMemory({ inputSize: D, seed: 0, ...opts }), (e: unknown) => e instanceof ConfigError && re.test(e.message));
  bad({ numBlocks: 0 }, /^RelationalMemory: numBlocks must be >= 1, got 0$/);
  bad({ numMlpLayers: 0 }, /^RelationalMemory: numMlpLayers must be >= 1, got 0$/);
  bad({ gateStyle: 'bad' }, /gateStyle must be one of 'unit', 'memory', 'none', got "bad"/);
  bad({ numSlot: 4 }, /unknown option "numSlot"; did you mean "numSlots"/);
  bad({ inputRows: 3 }, /inputRows must divide inputSize \(4\), got 3/);
  bad({ keySize: -1 }, /keySize must be an integer >= 0/);
  const core = make();
  const s = core.initialState(B);
  const x = input(0, D + 1);
  assert.throws(() => core.step(x, s), /RelationalMemory: input must be \[B, 4\], got \[2,5\]/);
  assert.throws(() => core.inspect(s, 2), /batchIndex must be an integer in \[0, 1\], got 2/);
  tf.dispose([x]);
  disposeState(s);
  core.dispose();
});

test('no tensor leaks across step, resetWhere, inspect and unroll + minimize after a warm-up', () => {
  const core = make({ recordDiagnostics: true });
  const resets = tf.tensor1d([1, 0]);
  const xs = tf.randomNormal([3, B, D], 0, 1, 'float32', 4) as tf.Tensor3D;
  const rs = tf.tensor2d([[1, 1], [0, 1], [0, 0]]);
  const opt = tf.train.adam(1e-3);
  let state = core.initialState(B);
  const iteration = () => {
    const x = input(2);
    const r = core.step(x, state);
    const reset = core.resetWhere(r.state, resets);
    core.inspect(reset, 1);
    tf.dispose([x, r.output]);
    disposeState(state);
    disposeState(r.state);
    state = reset;
    const loss = tf.tidy(() => opt.minimize(() => tf.mean(tf.square(unroll(core, xs, state, rs).outputs)) as tf.Scalar, true, [...core.variables]) as tf.Scalar);
    loss.dispose();
  };
  iteration();
  const before = tf.memory().numTensors;
  for (let k = 0; k < 3; k++) iteration();
  assert.equal(tf.memory().numTensors, before);
  disposeState(state);
  tf.dispose([resets, xs, rs]);
  opt.dispose();
  core.dispose();
});

// ---- reference: one attention block against a naive loop -------------------------------------

type Mat = number[][];
const randMat = (rng: Rng, r: number, c: number, s = 1): Mat => Array.from({ length: r }, () => Array.from({ length: c }, () => rng.normal(0, s)));
const affine = (x: number[], w: Mat, b: number[]) => b.map((bj, j) => x.reduce((acc, xi, i) => acc + xi * (w[i]?.[j] as number), bj));
function norm(x: number[], g: number[], beta: number[]): number[] {
  const mu = x.reduce((a, v) => a + v, 0) / x.length;
  const v = x.reduce((a, y) => a + (y - mu) ** 2, 0) / x.length;
  return x.map((y, i) => ((y - mu) / Math.sqrt(v + 1e-5)) * (g[i] as number) + (beta[i] as number));
}

test('attentionBlock matches a naive loop (keySize ≠ headSize, non-trivial LayerNorm parameters)', () => {
  const rng = new Rng(3);
  const [Bn, S, K, dk, dv] = [2, 3, 2, 2, 3];
  const Dm = K * dv, P = 2 * dk + dv, F = K * P;
  const vec = (n: number, c = 0) => (randMat(rng, 1, n, 0.3)[0] as number[]).map((v) => v + c);
  const W = { qkv: randMat(rng, Dm, F, 0.5), bq: vec(F), gq: vec(F, 1), betaq: vec(F), g1: vec(Dm, 1), b1: vec(Dm), g2: vec(Dm, 1), b2: vec(Dm) };
  const mlpW = [0, 1].map(() => ({ w: randMat(rng, Dm, Dm, 0.5), b: vec(Dm) }));
  const rows = Array.from({ length: Bn }, () => randMat(rng, S, Dm));
  const t1 = (v: number[]) => tf.tensor1d(v);
  const block: AttentionBlockWeights = {
    qkv: { w: tf.tensor2d(W.qkv), b: t1(W.bq) }, lnQkv: { gamma: t1(W.gq), beta: t1(W.betaq) },
    ln1: { gamma: t1(W.g1), beta: t1(W.b1) }, ln2: { gamma: t1(W.g2), beta: t1(W.b2) },
  };
  const mlpT = mlpW.map((l) => ({ w: tf.tensor2d(l.w), b: t1(l.b) }));
  const x = tf.tensor3d(rows);
  const got = attentionBlock(x, block, mlpT, { numHeads: K, keySize: dk, headSize: dv });
  const gotRows = got.rows.arraySync(), gotAtt = got.attention.arraySync();
  for (let b = 0; b < Bn; b++) {
    const a = rows[b] as Mat;
    const qkv = a.map((r) => norm(affine(r, W.qkv, W.bq), W.gq, W.betaq));
    const o: Mat = a.map(() => new Array<number>(Dm).fill(0));
    for (let k = 0; k < K; k++) {
      const at = (i: number, off: number, len: number) => (qkv[i] as number[]).slice(k * P + off, k * P + off + len);
      for (let i = 0; i < S; i++) {
        const q = at(i, 0, dk).map((v) => v / Math.sqrt(dk));
        const logits = Array.from({ length: S }, (_, j) => q.reduce((acc, qv, c) => acc + qv * (at(j, dk, dk)[c] as number), 0));
        const mx = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - mx));
        const w = e.map((v) => v / e.reduce((s, y) => s + y, 0));
        w.forEach((wj, j) => assert.ok(Math.abs(wj - (gotAtt[b]?.[k]?.[i]?.[j] as number)) < 1e-5, 'attention weight'));
        for (let c = 0; c < dv; c++) (o[i] as number[])[k * dv + c] = w.reduce((acc, wj, j) => acc + wj * (at(j, 2 * dk, dv)[c] as number), 0);
      }
    }
    for (let i = 0; i < S; i++) {
      const a1 = norm((a[i] as number[]).map((v, c) => v + ((o[i] as number[])[c] as number)), W.g1, W.b1);
      const h = affine(affine(a1, mlpW[0]!.w, mlpW[0]!.b).map((v) => Math.max(0, v)), mlpW[1]!.w, mlpW[1]!.b);
      const want = norm(a1.map((v, c) => v + (h[c] as number)), W.g2, W.b2);
      want.forEach((v, c) => assert.ok(Math.abs(v - (gotRows[b]?.[i]?.[c] as number)) < 1e-4, `row ${b},${i},${c}: ${v} vs ${gotRows[b]?.[i]?.[c]}`));
    }
  }
  tf.dispose([x, got.rows, got.attention, ...mlpT.flatMap((l) => [l.w, l.b]),
    block.qkv.w, block.qkv.b, block.lnQkv.gamma, block.lnQkv.beta, block.ln1.gamma, block.ln1.beta, block.ln2.gamma, block.ln2.beta]);
});

test('gateMemory matches a naive loop (gates read tanh(M_{t−1}) and the projected input)', () => {
  const rng = new Rng(5);
  const [N, Dm, nDm] = [2, 3, 6];
  for (const G of [Dm, 1]) {
    const prev = randMat(rng, N, Dm), cand = randMat(rng, N, Dm), xin = randMat(rng, 1, nDm)[0] as number[];
    const wx = randMat(rng, nDm, 2 * G), bx = randMat(rng, 1, 2 * G)[0] as number[];
    const wm = randMat(rng, Dm, 2 * G), bm = randMat(rng, 1, 2 * G)[0] as number[];
    const got = tf.tidy(() => gateMemory(tf.tensor3d([prev]), tf.tensor3d([cand]), tf.tensor2d([xin]),
      { w: tf.tensor2d(wx), b: tf.tensor1d(bx) }, { w: tf.tensor2d(wm), b: tf.tensor1d(bm) }, -0.5, 1.5).memory.arraySync()[0] as Mat);
    const gx = affine(xin, wx, bx);
    const sig = (z: number) => 1 / (1 + Math.exp(-z));
    prev.forEach((row, n) => {
      const g = affine(row.map(Math.tanh), wm, bm).map((v, j) => v + (gx[j] as number));
      row.forEach((m, d) => {
        const e = G === 1 ? 0 : d;
        const want = sig((g[e] as number) - 0.5) * Math.tanh(cand[n]?.[d] as number) + sig((g[G + e] as number) + 1.5) * m;
        assert.ok(Math.abs(want - (got[n]?.[d] as number)) < 1e-5, `G=${G} slot ${n} feature ${d}`);
      });
    });
  }
});

test('fusedLayerNorm matches ops.layerNorm in value and in its gradients for x, γ and β', () => {
  for (const shape of [[5, 7], [2, 3, 6]]) {
    tf.tidy(() => {
      const F = shape[shape.length - 1] as number;
      const x = tf.randomNormal(shape, 0.3, 2, 'float32', 1);
      const gamma = tf.randomNormal([F], 1, 0.3, 'float32', 2) as tf.Tensor1D;
      const beta = tf.randomNormal([F], 0, 0.3, 'float32', 3) as tf.Tensor1D;
      const dy = tf.randomNormal(shape, 0, 1, 'float32', 4);
      const loss = (f: (a: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor) =>
        tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, g as tf.Tensor1D, b as tf.Tensor1D), dy)))([x, gamma, beta]);
      assert.ok(maxAbsDiff(fusedLayerNorm(x, { gamma, beta }), layerNorm(x, gamma, beta)) < 1e-5);
      const want = loss((a, g, b) => layerNorm(a, g, b));
      const got = loss((a, g, b) => fusedLayerNorm(a, { gamma: g, beta: b }));
      want.forEach((w, i) => assert.ok(maxAbsDiff(w, got[i] as tf.Tensor) < 1e-4, `gradient ${i} of [${shape}]`));
    });
  }
});

test('matrix input (inputRows 2): each input row is its own attention row, projected by the shared W_in', () => {
  const core = make({ inputRows: 2, recordDiagnostics: true, numBlocks: 1 }, 6);
  assert.deepEqual(core.weights.input.w.shape, [3, 4]);
  assert.deepEqual(core.weights.gateInput?.w.shape, [8, 8]);
  const s0 = core.initialState(B);
  const x = tf.tensor2d([[1, -2, 0.5, 1, -2, 0.5], [0.3, 0.1, -1, 0.3, 0.1, -1]]);   // two equal rows per element
  const { output, state } = core.step(x, s0);
  const att = state.diag?.attention as tf.Tensor4D;
  assert.deepEqual(att.shape, [B, 2, 5, 5]);
  // Equal input rows give equal keys, so columns N and N+1 get the same weight in every row.
  tf.tidy(() => assert.ok(maxAbsDiff(att.slice([0, 0, 0, 3], [-1, -1, -1, 1]), att.slice([0, 0, 0, 4], [-1, -1, -1, 1])) < 1e-6));
  assert.equal(resolveRelationalMemoryConfig({ inputSize: 6, seed: 0, inputRows: 2 }).inputRows, 2);
  tf.dispose([x, output]);
  [s0, state].forEach(disposeState);
  core.dispose();
});

test('inspect returns plain JSON: slot norms, head-major attention rows, per-slot gate means', () => {
  const core = make({ recordDiagnostics: true, gateStyle: 'unit' });
  const state = warmState(core);
  const r = core.inspect(state, 1);
  const mem = (state.memory.arraySync() as number[][][])[1] as Mat;
  const norms = r.memoryNorms as number[];
  mem.forEach((row, n) => assert.ok(Math.abs(Math.hypot(...row) - (norms[n] as number)) < 1e-5));
  const att = r.attention as Mat;
  assert.equal(att.length, 2 * 4);
  att.forEach((row) => assert.ok(row.length === 4 && Math.abs(row.reduce((a, v) => a + v, 0) - 1) < 1e-5));
  assert.equal(r.numHeads, 2);
  assert.equal((r.inputGate as number[]).length, 3);
  assert.equal((r.forgetGate as number[]).length, 3);
  assert.doesNotThrow(() => JSON.stringify(r));
  disposeState(state);
  core.dispose();
  const plain = make();
  const s = plain.initialState(B);
  assert.deepEqual(Object.keys(plain.inspect(s, 0)), ['memoryNorms']);
  disposeState(s);
  plain.dispose();
});
