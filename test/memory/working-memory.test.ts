import { tf } from '../fixtures/tf-cpu.ts';
import { tensorCounts } from '../fixtures/leak-check.ts';
/**
 * Working Memory Network core (Pavez et al. 2018; docs/cores.md §7.3–7.4): the six spec tests (masked
 * attention, one valid slot, permutation invariance, P² pairs, gradient reach, queryChannel), the
 * attention against a naive tanh loop, FIFO writes, empty storage, exact resets, leaks, inspect,
 * error text, the parameter count, and a small learning check (store 3 facts, answer about one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../envs/rng.ts';
import { relationPairHidden } from '../../memory/relation-network.ts';
import { disposeState } from '../../memory/state.ts';
import { unroll } from '../../memory/unroll.ts';
import {
  attendHops, makeWorkingMemory, sigmoidScores, resolveWorkingMemoryConfig, withAges, workingMemoryParamCount, workingMemoryStep, WORKING_MEMORY_DEFAULTS,
  type WorkingMemory, type WorkingMemoryState,
} from '../../memory/working-memory.ts';

const D = 4, B = 2;
const TINY = { wordSize: 3, capacity: 5, numHops: 3, numHeads: 2, gHidden: 6, gLayers: 2 };
const make = (opts: Record<string, unknown> = {}, inputSize = D): WorkingMemory => makeWorkingMemory({ inputSize, seed: 7, ...TINY, ...opts });
const input = (seed: number, inputSize = D, batch = B): tf.Tensor2D => tf.randomNormal([batch, inputSize], 0, 1, 'float32', seed);
/** Inputs whose last channel is the question flag: features random, flag[b] as given. */
const flagged = (seed: number, flags: number[]): tf.Tensor2D => tf.tidy(() =>
  tf.concat([tf.randomNormal([flags.length, D - 1], 0, 1, 'float32', seed), tf.tensor2d(flags, [flags.length, 1])], 1));

/** Runs `steps` steps from the initial state and returns the state (outputs disposed). */
function runSteps(core: WorkingMemory, xs: tf.Tensor2D[], from?: WorkingMemoryState): WorkingMemoryState {
  let s = from ?? core.initialState(xs[0]!.shape[0]);
  for (const x of xs) {
    const r = core.step(x, s);
    r.output.dispose();
    if (s !== from) disposeState(s);
    s = r.state;
  }
  return s;
}

/** A state with random storage and the given valid mask (count = number of valid slots). */
function stateWith(valid: number[][], d: number, seed: number): WorkingMemoryState {
  const S = valid[0]!.length;
  return {
    storage: tf.randomNormal([valid.length, S, d], 0, 1, 'float32', seed) as tf.Tensor3D,
    valid: tf.tensor2d(valid),
    count: tf.tensor1d(valid.map((v) => v.reduce((a, b) => a + b, 0)), 'int32'),
  };
}

/** m_t = tanh(x'·W_m + b_m) of element b, computed in JS (x' = the features without the flag). */
function encodeFact(core: WorkingMemory, x: tf.Tensor2D, b: number): number[] {
  const d = core.config.wordSize, w = core.weights.encoder.w.arraySync(), bias = core.weights.encoder.b.arraySync();
  const xb = (x.arraySync()[b] as number[]).slice(0, core.config.featureSize);
  return Array.from({ length: d }, (_, e) => Math.tanh(xb.reduce((s, xi, i) => s + xi * w[i]![e]!, bias[e]!)));
}

/** Attention weights and buffer of every hop for one element, with tanh, in plain JS loops. */
const tanhAttentionRef = (storage: number[][], valid: number[], u: number[], core: WorkingMemory) => {
  const { numHops: P, numHeads: K, wordSize: d } = core.config;
  const w = core.weights;
  const lin = (x: number[], m: number[][], b?: number[]) => m[0]!.map((_, j) => x.reduce((s, xi, i) => s + xi * m[i]![j]!, b ? b[j]! : 0));
  const T = (x: number[]) => w.transition.reduce((h, l) => lin(h, l.w.arraySync(), l.b.arraySync()), x);
  let up = T(u);
  const alphas: number[][][] = [], buffer: number[][] = [];
  for (let p = 0; p < P; p++) {
    const A = w.hops[p]!.heads.arraySync(), reads: number[] = [];
    const alpha = Array.from({ length: K }, (_, a) => {
      const Aa = A.map((row) => row.slice(a * d, (a + 1) * d));   // A_{p,a}: [d, d]
      const logits = storage.map((m, i) => (valid[i] ? lin(m, Aa).reduce((s, k, e) => s + Math.tanh(k) * up[e]!, 0) / Math.sqrt(d) : -Infinity));
      const mx = Math.max(...logits);
      const ex = logits.map((l) => (Number.isFinite(l) ? Math.exp(l - mx) : 0));
      const z = ex.reduce((s, x) => s + x, 0);
      const al = ex.map((x) => (z > 0 ? x / z : 0));
      reads.push(...Array.from({ length: d }, (_, e) => al.reduce((s, x, i) => s + x * storage[i]![e]!, 0)));
      return al;
    });
    const o = lin(reads, w.hops[p]!.out.arraySync());
    alphas.push(alpha); buffer.push(o);
    up = T(o);
  }
  return { alphas, buffer };
};

test('attention matches a naive tanh loop, sums to 1 over valid slots and is exactly 0 elsewhere (§7.4.1)', () => {
  const core = make();
  const valid = [[1, 1, 0, 1, 0], [0, 0, 0, 0, 0]];
  const s = stateWith(valid, 3, 3);
  const u = tf.randomNormal([B, 3], 0, 1, 'float32', 4) as tf.Tensor2D;
  const r = attendHops(s.storage, s.valid, u, core.weights, core.config);
  const storage = s.storage.arraySync(), uu = u.arraySync();
  for (let b = 0; b < B; b++) {
    const ref = tanhAttentionRef(storage[b]!, valid[b]!, uu[b]!, core);
    for (let p = 0; p < core.config.numHops; p++) {
      const alpha = (r.attention[p]!.arraySync())[b]!;
      alpha.forEach((row, a) => {
        row.forEach((x, i) => {
          if (!valid[b]![i]) assert.equal(x, 0, `hop ${p} head ${a} slot ${i} is invalid`);
          assert.ok(Math.abs(x - ref.alphas[p]![a]![i]!) < 1e-5, `α[${b},${p},${a},${i}] = ${x} vs ${ref.alphas[p]![a]![i]}`);
        });
        const sum = row.reduce((t, x) => t + x, 0);
        assert.ok(b === 1 ? sum === 0 : Math.abs(sum - 1) < 1e-6, `hop ${p} head ${a} sums to ${sum}`);
      });
      const o = (r.buffer.arraySync())[b]![p]!;
      o.forEach((x, e) => assert.ok(Math.abs(x - ref.buffer[p]![e]!) < 1e-5, `o_${p}[${e}]`));
    }
  }
  assert.ok((r.buffer.arraySync())[1]!.flat().every((x) => x === 0), 'empty storage reads 0, not NaN');
  tf.dispose([u, r.buffer, ...r.attention, ...r.reads]); disposeState(s); core.dispose();
});

test('sigmoidScores: value and hand-written gradient match autodiff of σ(pre)·v', () => {
  const pre = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 1) as tf.Tensor3D, v = tf.randomNormal([2, 3], 0, 1, 'float32', 2) as tf.Tensor2D;
  const w = tf.randomNormal([2, 5], 0, 1, 'float32', 3);
  const plain = (p: tf.Tensor, u: tf.Tensor) => tf.sum(tf.mul(tf.matMul(tf.sigmoid(p), u.reshape([2, 3, 1])).reshape([2, 5]), w));   // [2, 5, 3]·[2, 3, 1] -> [2, 5]
  const fused = (p: tf.Tensor, u: tf.Tensor) => tf.sum(tf.mul(sigmoidScores(p as tf.Tensor3D, u as tf.Tensor2D), w));
  const [a, b] = [tf.grads(plain)([pre, v]), tf.grads(fused)([pre, v])];
  for (let i = 0; i < 2; i++) {
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a[i]!, b[i]!))).dataSync()[0]!);
    assert.ok(diff < 1e-6, `gradient ${i}: max difference ${diff}`);
  }
  assert.ok(Math.abs(plain(pre, v).dataSync()[0]! - fused(pre, v).dataSync()[0]!) < 1e-5);
});

test('with one valid slot every head of every hop returns that slot’s memory (§7.4.1)', () => {
  const core = make();
  const s = stateWith([[0, 0, 1, 0, 0], [1, 0, 0, 0, 0]], 3, 5);
  const u = tf.randomNormal([B, 3], 0, 1, 'float32', 6) as tf.Tensor2D;
  const r = attendHops(s.storage, s.valid, u, core.weights, core.config);
  const storage = s.storage.arraySync();
  for (const [b, slot] of [[0, 2], [1, 0]] as const) {
    for (const read of r.reads) for (const head of read.arraySync()[b]!) assert.deepEqual(head, storage[b]![slot]);
  }
  tf.dispose([u, r.buffer, ...r.attention, ...r.reads]); disposeState(s); core.dispose();
});

test('without temporal encoding, permuting the stored slots leaves the output unchanged (§7.4.2)', () => {
  const core = make({ queryChannel: true, capacity: 4, temporalEncoding: false });
  const s = stateWith([[1, 0, 1, 1], [1, 1, 1, 1]], 3, 8);
  const perm = [2, 0, 3, 1];
  const permuted: WorkingMemoryState = tf.tidy(() => ({
    storage: tf.stack(perm.map((i) => s.storage.slice([0, i, 0], [B, 1, 3]).reshape([B, 3])), 1) as tf.Tensor3D,   // [B, 1, d] -> [B, d] -> [B, S, d]
    valid: tf.stack(perm.map((i) => s.valid.slice([0, i], [B, 1]).reshape([B])), 1) as tf.Tensor2D,               // [B, 1] -> [B] -> [B, S]
    count: s.count.clone(),
  }));
  const q = flagged(9, [1, 1]);   // questions: nothing is written, so only the set of slots matters
  const a = core.step(q, s), b = core.step(q, permuted);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a.output, b.output))).dataSync()[0]!);
  assert.ok(diff < 1e-4, `max output difference ${diff}`);
  assert.ok(a.output.dataSync().some((x) => x !== 0));
  tf.dispose([q, a.output, b.output]); [s, permuted, a.state, b.state].forEach(disposeState); core.dispose();
});

test('temporal encoding adds E[age] to each slot, age 0 for the newest fact, FIFO wrap included', () => {
  const S = 4, d = 3;
  const storage = tf.zeros([2, S, d]) as tf.Tensor3D;
  const ages = tf.tensor2d(Array.from({ length: S * d }, (_, i) => Math.floor(i / d) + 1), [S, d]);   // row k is all k + 1
  const count = tf.tensor1d([2, 6], 'int32');   // element 0: slots 0, 1 filled (1 newest); element 1: wrapped, slot 1 newest
  const out = withAges(storage, count, ages).arraySync().map((rows) => rows.map((r) => r[0]! - 1));
  assert.deepEqual(out, [[1, 0, 3, 2], [1, 0, 3, 2]]);
  const shifted = withAges(storage, tf.tensor1d([3, 7], 'int32'), ages).arraySync().map((rows) => rows.map((r) => r[0]! - 1));
  assert.deepEqual(shifted, [[2, 1, 0, 3], [2, 1, 0, 3]]);
  // With it on, the same facts in another order give another answer: the core can tell the newest.
  const core = make({ queryChannel: true, capacity: 4 });
  const s = stateWith([[1, 1, 1, 1], [1, 1, 1, 1]], 3, 8);
  const swapped: WorkingMemoryState = tf.tidy(() => ({ ...s, storage: tf.reverse(s.storage, 1) as tf.Tensor3D }));
  const q = flagged(9, [1, 1]);
  const a1 = core.step(q, s), b1 = core.step(q, swapped);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a1.output, b1.output))).dataSync()[0]!);
  assert.ok(diff > 1e-4, `max output difference ${diff}`);
  tf.dispose([storage, ages, count, q, a1.output, b1.output, swapped.storage]); [s, a1.state, b1.state].forEach(disposeState); core.dispose();
});

test('the RN over the buffer sees P² pair rows per example, whatever the storage size (§7.4.3)', () => {
  for (const capacity of [1, 4, 12]) {
    const core = make({ capacity, numHops: 4 });
    const s0 = core.initialState(B);
    const x = input(1);
    const r = workingMemoryStep(x, s0, core.weights, core.config);
    assert.deepEqual(r.hops.buffer.shape, [B, 4, 3]);
    const pairs = relationPairHidden(r.hops.buffer, r.query, core.weights.relation.g[0]!);
    assert.deepEqual(pairs.shape, [B * 16, core.config.gHidden], `capacity ${capacity}`);
    tf.dispose([x, pairs, r.output, r.query, r.hops.buffer, ...r.hops.attention, ...r.hops.reads]); disposeState(r.memory); disposeState(s0); core.dispose();
  }
});

test('gradients reach every hop’s heads and output, T, g, the readout and both encoders through stored slots (§7.4.5)', () => {
  const core = make({ queryChannel: true, outputSize: 2, transitionLayers: 3 });
  const xs = tf.tidy(() => tf.stack([flagged(1, [0, 0]), flagged(2, [0, 0]), flagged(3, [0, 0]), flagged(4, [1, 1])])) as tf.Tensor3D;   // 3 facts, then a question
  const s0 = core.initialState(B);
  // Loss on the question step only: it stores nothing, so W_m is reached only through stored slots.
  const lastOutput = () => unroll(core, xs, s0, tf.zeros([4, B]) as tf.Tensor2D).outputs.slice([3, 0, 0], [1, B, 2]);   // [T, B, 2] -> [1, B, 2]
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(lastOutput())) as tf.Scalar, [...core.variables]);
  const { wordSize: d, numHeads: K } = core.config;
  const nonzero = (t: tf.Tensor, what: string) => assert.ok(t.dataSync().some((x) => x !== 0) && t.dataSync().every(Number.isFinite), `${what} has a finite nonzero gradient`);
  for (const v of core.variables) nonzero(grads[v.name]!, v.name);
  const enc = grads[(core.weights.encoder.w as tf.Tensor as tf.Variable).name]!;
  tf.tidy(() => {
    nonzero(enc.slice([0, 0], [-1, d]), 'W_m');
    nonzero(enc.slice([0, d], [-1, d]), 'W_q');
    core.weights.hops.forEach((h, p) => {
      for (let a = 0; a < K; a++) nonzero(grads[(h.heads as tf.Variable).name]!.slice([0, a * d], [d, d]), `A_{${p},${a}}`);
    });
  });
  tf.dispose([xs, value]); tf.dispose(grads); disposeState(s0); core.dispose();
});

test('queryChannel: a question leaves storage unchanged, a fact adds exactly one valid slot (§7.4.6)', () => {
  const core = make({ queryChannel: true, capacity: 3 });
  const s1 = runSteps(core, [flagged(1, [0, 0])]);
  const x = flagged(2, [1, 0]);   // element 0 asks, element 1 states a fact
  const r = core.step(x, s1);
  const before = { storage: s1.storage.arraySync(), valid: s1.valid.arraySync(), count: s1.count.arraySync() };
  const after = { storage: r.state.storage.arraySync(), valid: r.state.valid.arraySync(), count: r.state.count.arraySync() };
  assert.deepEqual(after.storage[0], before.storage[0]);
  assert.deepEqual(after.valid[0], [1, 0, 0]);
  assert.deepEqual(after.count, [1, 2]);
  assert.deepEqual(after.valid[1], [1, 1, 0]);
  assert.deepEqual(after.storage[1]![0], before.storage[1]![0]);
  // The new slot holds m_t = tanh(x'·W_m + b_m) of the features only (the flag is not encoded).
  const m = encodeFact(core, x, 1);
  after.storage[1]![1]!.forEach((v, e) => assert.ok(Math.abs(v - m[e]!) < 1e-6));
  // Without queryChannel the same input is stored: the flag is just a feature.
  const plain = make({ capacity: 3 });
  const p = runSteps(plain, [x]);
  assert.deepEqual(p.valid.arraySync(), [[1, 0, 0], [1, 0, 0]]);
  tf.dispose([x, r.output]); [s1, r.state, p].forEach(disposeState); core.dispose(); plain.dispose();
});

test('FIFO: a full storage overwrites the oldest slot; a question on empty storage gives a finite output', () => {
  const core = make({ capacity: 2, queryChannel: true, recordDiagnostics: true });
  const xs = [flagged(1, [0, 1]), flagged(2, [0, 1]), flagged(3, [0, 1])];
  const s = runSteps(core, xs);
  assert.deepEqual(s.count.arraySync(), [3, 0]);
  assert.deepEqual(s.valid.arraySync(), [[1, 1], [0, 0]]);
  const m3 = encodeFact(core, xs[2]!, 0);
  (s.storage.arraySync()[0]![0] as number[]).forEach((v, e) => assert.ok(Math.abs(v - m3[e]!) < 1e-6, 'slot 0 holds the third fact'));
  assert.deepEqual(s.storage.arraySync()[1], [[0, 0, 0], [0, 0, 0]]);
  const r = core.step(flagged(4, [1, 1]), s);
  assert.ok(r.output.dataSync().every(Number.isFinite));
  assert.ok(r.state.diag!.attention.arraySync()[1]!.flat(2).every((x) => x === 0), 'no attention on an empty storage');
  tf.dispose([...xs, r.output]); [s, r.state].forEach(disposeState); core.dispose();
});

test('resetWhere empties element 0 exactly (count via where) and leaves element 1; inspect is plain JSON', () => {
  const core = make({ recordDiagnostics: true, capacity: 3 });
  const warm = runSteps(core, [input(1), input(2)]);
  const init = core.initialState(B);
  const r = core.resetWhere(warm, tf.tensor1d([1, 0]));
  const rows = (t: tf.Tensor) => t.arraySync() as unknown[];
  for (const k of ['storage', 'valid', 'count'] as const) {
    assert.deepEqual(rows(r[k])[0], rows(init[k])[0], `${k} of element 0`);
    assert.deepEqual(rows(r[k])[1], rows(warm[k])[1], `${k} of element 1`);
  }
  assert.equal(r.count.dtype, 'int32');
  assert.deepEqual(r.diag!.attention.arraySync()[0], init.diag!.attention.arraySync()[0]);
  const j = core.inspect(warm, 1);
  assert.deepEqual({ valid: j.valid, count: j.count, nextSlot: j.nextSlot, numHops: j.numHops, numHeads: j.numHeads },
    { valid: [1, 1, 0], count: 2, nextSlot: 2, numHops: 3, numHeads: 2 });
  const att = j.attention as number[][];
  assert.equal(att.length, 3 * 2);
  for (const row of att) { assert.equal(row.length, 3); assert.equal(row[2], 0); assert.ok(Math.abs(row[0]! + row[1]! - 1) < 1e-6); }
  assert.equal((j.storageNorms as number[]).length, 3);
  assert.doesNotThrow(() => JSON.stringify(j));
  assert.throws(() => core.inspect(warm, 2), /batchIndex must be an integer in \[0, 1\], got 2/);
  [warm, init, r].forEach(disposeState); core.dispose();
});

test('no tensor leaks across step, resetWhere and unroll + minimize', () => {
  const core = make({ queryChannel: true, recordDiagnostics: true, outputSize: 2 });
  const xs = tf.tidy(() => tf.stack([flagged(1, [0, 0]), flagged(2, [0, 1]), flagged(3, [1, 0])])) as tf.Tensor3D;
  const resets = tf.tensor2d([[1, 1], [0, 1], [0, 0]]), mask = tf.tensor1d([1, 0]);
  const x = flagged(4, [0, 1]);
  const { first, last } = tensorCounts(core, { xs, x, resets, mask }, { rounds: 3 });
  assert.equal(last, first);
  core.dispose();
});

test('bad options and inputs throw with the option, the rule and the value', () => {
  const bad = (o: Record<string, unknown>, inputSize = D) => () => makeWorkingMemory({ inputSize, seed: 1, ...o });
  assert.throws(bad({ numHops: 0 }), /WorkingMemory: numHops must be an integer >= 1, got 0/);
  assert.throws(bad({ capacity: 2.5 }), /WorkingMemory: capacity must be an integer >= 1, got 2.5/);
  assert.throws(bad({ outputSize: -1 }), /WorkingMemory: outputSize must be an integer >= 0 \(0 means the g width\), got -1/);
  assert.throws(bad({ queryChannel: true }, 1), /WorkingMemory: inputSize must be >= 2 with queryChannel/);
  assert.throws(bad({ numHead: 2 }), /WorkingMemory: unknown option "numHead"; did you mean "numHeads"/);
  assert.throws(bad({ queryChannel: 1 }), /WorkingMemory: queryChannel must be a boolean, got 1/);
  assert.throws(bad({}, 0), /WorkingMemory: inputSize must be an integer >= 1, got 0/);
  const core = make();
  const s0 = core.initialState(B), x = tf.zeros([B, D + 1]) as tf.Tensor2D;
  assert.throws(() => core.step(x, s0), /WorkingMemory: input must be \[B, 4\], got shape \[2,5\]/);
  tf.dispose(x); disposeState(s0); core.dispose();
});

test('parameter count equals the formula (106097 at the defaults with D = 32)', () => {
  assert.deepEqual({ ...WORKING_MEMORY_DEFAULTS }, {
    wordSize: 30, capacity: 30, numHops: 4, numHeads: 8, gHidden: 128, gLayers: 3, transitionLayers: 2, queryChannel: false, outputSize: 0, recordDiagnostics: false,
    temporalEncoding: true,
  });
  assert.equal(workingMemoryParamCount(resolveWorkingMemoryConfig({ inputSize: 32, seed: 0 })), 106097);
  for (const o of [{}, { queryChannel: true, outputSize: 3, transitionLayers: 1 }, { transitionLayers: 4, gLayers: 1, wordSize: 5, temporalEncoding: false }]) {
    const core = make(o);
    assert.equal(core.variables.reduce((a, v) => a + v.size, 0), workingMemoryParamCount(core.config), JSON.stringify(o));
    assert.equal(core.outputSize, (o as { outputSize?: number }).outputSize ?? 6);
    core.dispose();
  }
  assert.deepEqual(resolveWorkingMemoryConfig({ inputSize: 3, seed: 0, wordSize: 30, transitionLayers: 3 }).transitionSizes, [30, 15, 30, 30]);
});

test('learns to store 3 key-value facts and answer a question about one (100 Adam steps)', () => {
  const NK = 3, NV = 4, In = NK + NV + 1, Bt = 16, T = NK + 1;
  const batch = (rng: Rng) => {
    const x = new Float32Array(T * Bt * In), y = new Float32Array(Bt * NV);
    for (let b = 0; b < Bt; b++) {
      const keys = [0, 1, 2];
      for (let i = NK - 1; i > 0; i--) { const j = Math.floor(rng.uniform() * (i + 1)); [keys[i], keys[j]] = [keys[j]!, keys[i]!]; }
      const vals = keys.map(() => Math.floor(rng.uniform() * NV));
      for (let t = 0; t < NK; t++) { x[(t * Bt + b) * In + keys[t]!] = 1; x[(t * Bt + b) * In + NK + vals[t]!] = 1; }
      const ask = Math.floor(rng.uniform() * NK);
      x[(NK * Bt + b) * In + keys[ask]!] = 1; x[(NK * Bt + b) * In + In - 1] = 1;   // the question: key + flag
      y[b * NV + vals[ask]!] = 1;
    }
    return { xs: tf.tensor3d(x, [T, Bt, In]), labels: tf.tensor2d(y, [Bt, NV]) };
  };
  const core = makeWorkingMemory({ inputSize: In, seed: 1, queryChannel: true, outputSize: NV, wordSize: 6, capacity: 4, numHops: 1, numHeads: 2, gHidden: 8, gLayers: 2 });
  const s0 = core.initialState(Bt), resets = tf.zeros([T, Bt]) as tf.Tensor2D;
  const loss = (xs: tf.Tensor3D, labels: tf.Tensor2D) => tf.losses.softmaxCrossEntropy(labels,
    unroll(core, xs, s0, resets).outputs.slice([T - 1, 0, 0], [1, Bt, NV]).reshape([Bt, NV])) as tf.Scalar;   // [1, B, NV] -> [B, NV]
  const held = batch(new Rng(999));
  const evalLoss = () => tf.tidy(() => loss(held.xs, held.labels).dataSync()[0]!);
  const initial = evalLoss();
  const opt = tf.train.adam(1e-2), rng = new Rng(5);
  for (let i = 0; i < 100; i++) {
    const { xs, labels } = batch(rng);
    opt.minimize(() => loss(xs, labels), false, [...core.variables]);
    tf.dispose([xs, labels]);
  }
  const final = evalLoss();
  assert.ok(initial > 1.2 && final < 0.3, `held-out loss ${initial.toFixed(3)} -> ${final.toFixed(3)} (chance ln 4 = 1.386)`);
  tf.dispose([held.xs, held.labels, resets]); disposeState(s0); opt.dispose(); core.dispose();
});
