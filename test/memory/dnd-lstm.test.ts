import { tf } from '../fixtures/tf-cpu.ts';
/**
 * DND and DND-LSTM (docs/cores.md §3.8): exact recall, nearest, FIFO, empty / retrieval off, the
 * episode-end write, persistence and flush, no gradient through memory, the r-gate, the write
 * mask; plus kNN weights against a naive loop, write policies, config errors and leaks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DND_LSTM_DEFAULTS, DndLstm, dndLstmStep, makeDndLstm, type DndLstmState } from '../../memory/dnd-lstm.ts';
import {
  dndKnnWeights, dndMaskedSimilarity, dndRead, dndSimilarity, dndWrite, emptyDnd, type DndState, type Similarity,
} from '../../memory/dnd.ts';
import { disposeState } from '../../memory/state.ts';
import { unroll } from '../../memory/unroll.ts';

const data = (t: tf.Tensor) => Array.from(t.dataSync());
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs((a[i] as number) - (b[i] as number)) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};
const READ = { similarity: 'l2', retrieval: '1nn', neighbours: 50, delta: 1e-3 } as const;
/** Writes rows of keys/values one at a time into a fresh B = 1 dictionary. */
const filled = (C: number, keys: number[][], values: number[][]): DndState => {
  let d = emptyDnd(1, C, (keys[0] as number[]).length, (values[0] as number[]).length);
  keys.forEach((k, j) => {
    const next = tf.tidy(() => dndWrite(d, tf.tensor2d([k]), tf.tensor2d([values[j] as number[]]), tf.ones([1])));
    disposeState(d);
    d = next;
  });
  return d;
};
const run = (core: DndLstm, xs: number[][][], s0: DndLstmState, write?: number[][]) => {
  let s = s0;
  const out: tf.Tensor2D[] = [];
  xs.forEach((x, t) => {
    const w = write ? tf.tensor1d(write[t] as number[]) : undefined;
    const xt = tf.tensor2d(x);
    const r = core.step(xt, s, w ? { write: w } : undefined);
    if (s !== s0) disposeState(s);
    tf.dispose([xt, w]);
    out.push(r.output);
    s = r.state;
  });
  return { state: s, outputs: out };
};

test('exact recall: after one write, querying with its key returns v exactly (l2, l1, cosine), so m = tanh(v)', () => {
  for (const similarity of ['l2', 'l1', 'cosine'] as const) {
    const d = filled(4, [[0.5, -2, 3]], [[1.25, -7, 0.1, 4]]);
    const v = tf.tidy(() => dndRead(tf.tensor2d([[0.5, -2, 3]]), d, { ...READ, similarity }));
    assert.deepEqual(data(v), data(tf.tensor1d([1.25, -7, 0.1, 4])), similarity);
    close(data(tf.tanh(v)), [1.25, -7, 0.1, 4].map(Math.tanh), 1e-7);
    v.dispose();
    disposeState(d);
  }
});

test('nearest: keys [[1,0],[0,1],[1,1]], query [0.9, 0.1], l2 similarities [−0.141421, −1.272792, −0.905539], v* = [10, 0]', () => {
  const d = filled(3, [[1, 0], [0, 1], [1, 1]], [[10, 0], [0, 10], [5, 5]]);
  const q = tf.tensor2d([[0.9, 0.1]]);
  const s = dndSimilarity(q, d.keys, 'l2');
  close(data(s), [-0.141421, -1.272792, -0.905539], 1e-6);
  const v = dndRead(q, d, READ);
  assert.deepEqual(data(v), [10, 0]);
  tf.dispose([q, s, v]);
  disposeState(d);
});

test('FIFO: with C = 3, four writes evict the first; valid = [1,1,1], count = 4, slot 0 holds the 4th item', () => {
  const d = filled(3, [[1], [2], [3], [4]], [[10], [20], [30], [40]]);
  assert.deepEqual(data(d.valid), [1, 1, 1]);
  assert.deepEqual(data(d.count), [4]);
  assert.deepEqual(data(d.keys), [4, 2, 3]);
  assert.deepEqual(data(d.values), [40, 20, 30]);
  const v = tf.tidy(() => dndRead(tf.tensor2d([[1]]), d, READ));
  assert.deepEqual(data(v), [20]);   // the nearest surviving key to 1 is 2
  v.dispose();
  disposeState(d);
});

test('kNN weights match a naive loop (p nearest valid slots, w ∝ 1/(d + δ)) for l2, l1 and cosine', () => {
  const B = 2, C = 6, E = 3, p = 3, delta = 1e-3;
  const keys = tf.randomNormal([B, C, E], 0, 1, 'float32', 21) as tf.Tensor3D;
  const validRows = [[1, 1, 0, 1, 1, 1], [0, 1, 1, 0, 0, 0]];   // element 1 has fewer valid slots than p
  const dnd: DndState = { keys, values: tf.zeros([B, C, 1]), valid: tf.tensor2d(validRows), count: tf.tensor1d([5, 2], 'int32') };
  const q = tf.randomNormal([B, E], 0, 1, 'float32', 22) as tf.Tensor2D;
  const ks = keys.arraySync(), qs = q.arraySync();
  const dist = (a: number[], b: number[], kind: Similarity) => {
    if (kind === 'l2') return a.reduce((s, v, i) => s + (v - (b[i] as number)) ** 2, 0);
    if (kind === 'l1') return a.reduce((s, v, i) => s + Math.abs(v - (b[i] as number)), 0);
    const dot = a.reduce((s, v, i) => s + v * (b[i] as number), 0);
    const n = Math.hypot(...a) * Math.hypot(...b);
    return 1 - dot / Math.max(n, 1e-8);
  };
  for (const kind of ['l2', 'l1', 'cosine'] as const) {
    const got = dndKnnWeights(q, dnd, kind, p, delta);
    const expected: number[] = [];
    for (let b = 0; b < B; b++) {
      const d = (ks[b] as number[][]).map((k) => dist(qs[b] as number[], k, kind));
      const order = d.map((v, j) => [v, j] as const).filter(([, j]) => validRows[b]?.[j] === 1).sort((x, y) => x[0] - y[0]).slice(0, p);
      const w = new Array<number>(C).fill(0);
      for (const [v, j] of order) w[j] = 1 / (v + delta);
      const total = w.reduce((s, v) => s + v, 0);
      expected.push(...w.map((v) => v / total));
    }
    close(data(got), expected, 1e-5);
    got.dispose();
  }
  const none = dndKnnWeights(q, { ...dnd, valid: tf.zeros([B, C]) }, 'l2', p, delta);
  assert.deepEqual(data(none), new Array(B * C).fill(0));
  tf.dispose([none, q]);
  disposeState(dnd);
});

test('empty dictionary or retrieval off: m = 0, so c_t = c′ (the 5-gate LSTM without the r term)', () => {
  const core = makeDndLstm({ inputSize: 3, seed: 1, hiddenSize: 4 });
  const off = makeDndLstm({ inputSize: 3, seed: 1, hiddenSize: 4, retrieve: false, writePolicy: 'everyStep' });
  const x = tf.randomNormal([2, 3], 0, 1, 'float32', 3) as tf.Tensor2D;
  const s0 = core.initialState(2);
  const r = core.step(x, s0);
  const ref = dndLstmStep(x, s0.h, s0.c, core.weights.w as tf.Tensor2D, core.weights.b as tf.Tensor1D);
  assert.deepEqual(data(r.state.c), data(ref.c));
  assert.deepEqual(data(r.output), data(ref.h));
  // retrieval off with a non-empty dictionary (everyStep wrote at step 1)
  const s1 = off.initialState(2);
  const a = off.step(x, s1);
  assert.deepEqual(data(a.state.dnd.valid.sum()), [2]);
  const b = off.step(x, a.state);
  const ref2 = dndLstmStep(x, a.state.h, a.state.c, off.weights.w as tf.Tensor2D, off.weights.b as tf.Tensor1D);
  assert.deepEqual(data(b.state.c), data(ref2.c));
  tf.dispose([x, r.output, ref, a.output, b.output, ref2]);
  [s0, r.state, s1, a.state, b.state].forEach(disposeState);
  core.dispose();
  off.dispose();
});

test('episode-end write: after 3 steps, resets = [1, 0] stores exactly (key(x_3), c_3) for element 0 only and restores h, c', () => {
  const core = makeDndLstm({ inputSize: 4, seed: 2, hiddenSize: 3, capacity: 5, keySource: { slice: [2, 4] } });
  const xs = [0, 1, 2].map((t) => (tf.randomNormal([2, 4], 0, 1, 'float32', 30 + t) as tf.Tensor2D).arraySync());
  const s0 = core.initialState(2);
  const { state, outputs } = run(core, xs, s0);
  assert.deepEqual(data(state.dnd.valid), new Array(10).fill(0));   // nothing written during the episode
  const reset = core.resetWhere(state, tf.tensor1d([1, 0]));
  assert.deepEqual(data(reset.dnd.valid), [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(data(reset.dnd.count), [1, 0]);
  const keys = reset.dnd.keys.arraySync(), values = reset.dnd.values.arraySync();
  assert.deepEqual(keys[0]?.[0], (xs[2]?.[0] as number[]).slice(2, 4).map(Math.fround));
  assert.deepEqual(values[0]?.[0], state.c.arraySync()[0]);
  assert.deepEqual(keys[1], new Array(5).fill([0, 0]));
  assert.deepEqual(reset.h.arraySync()[0], [0, 0, 0]);
  assert.deepEqual(reset.c.arraySync()[0], [0, 0, 0]);
  assert.deepEqual(reset.h.arraySync()[1], state.h.arraySync()[1]);
  assert.deepEqual(data(reset.pendingOk as tf.Tensor), [0, 1]);
  // a second reset commits nothing more: pendingOk was cleared
  const again = core.resetWhere(reset, tf.tensor1d([1, 0]));
  assert.deepEqual(data(again.dnd.count), [1, 0]);
  tf.dispose(outputs);
  [s0, state, reset, again].forEach(disposeState);
  core.dispose();
});

test('the write mask: write = 0 at the last step means the episode-end reset writes nothing for that element', () => {
  const core = makeDndLstm({ inputSize: 2, seed: 3, hiddenSize: 2 });
  const xs = [[[1, 2], [3, 4]], [[5, 6], [7, 8]]];
  const s0 = core.initialState(2);
  const { state, outputs } = run(core, xs, s0, [[1, 1], [0, 1]]);
  const reset = core.resetWhere(state, tf.tensor1d([1, 1]));
  assert.deepEqual(data(reset.dnd.count), [0, 1]);
  assert.deepEqual(data(reset.dnd.valid.sum(1)), [0, 1]);
  tf.dispose(outputs);
  [s0, state, reset].forEach(disposeState);
  core.dispose();
});

test('persistence: resetWhere keeps the dictionary; flush clears it back to the initial state', () => {
  const core = makeDndLstm({ inputSize: 2, seed: 4, hiddenSize: 2, capacity: 3, writePolicy: 'everyStep' });
  const s0 = core.initialState(2);
  const { state, outputs } = run(core, [[[1, -2], [3, 4]], [[-5, 6], [7, 8]]], s0);
  const reset = core.resetWhere(state, tf.tensor1d([1, 1]));
  for (const k of ['keys', 'values', 'valid', 'count'] as const) assert.deepEqual(data(reset.dnd[k]), data(state.dnd[k]));
  const flushed = core.resetWhere(state, tf.tensor1d([0, 0]), tf.tensor1d([1, 0]));
  const fresh = core.initialState(2);
  for (const k of ['keys', 'values', 'valid', 'count'] as const) {
    const got = flushed.dnd[k].arraySync() as unknown[], init = fresh.dnd[k].arraySync() as unknown[], old = state.dnd[k].arraySync() as unknown[];
    assert.deepStrictEqual(got[0], init[0], k);
    assert.deepStrictEqual(got[1], old[1], k);
  }
  assert.deepEqual(flushed.h.arraySync(), state.h.arraySync());   // flush alone does not reset h, c
  tf.dispose(outputs);
  [s0, state, reset, flushed, fresh].forEach(disposeState);
  core.dispose();
});

test('no gradient through memory: dL/dx with retrieval equals dL/dx with the same m fed in as a constant', () => {
  const core = makeDndLstm({ inputSize: 3, seed: 5, hiddenSize: 4, writePolicy: 'everyStep' });
  const s0 = core.initialState(2);
  const { state, outputs } = run(core, [[[1, 0, 2], [0, 1, 1]], [[0.5, 0.5, 0], [1, 1, 1]]], s0);
  const x = tf.tensor2d([[0.9, 0.1, 1.5], [0.2, 1, 1]]);
  const { w, b } = core.weights;
  const wT = tf.transpose(w) as tf.Tensor2D;
  const m = tf.tanh(dndRead(x, state.dnd, READ)) as tf.Tensor2D;
  assert.ok(data(m).some((v) => v !== 0));
  const viaCore = tf.grad((xx: tf.Tensor) => tf.tidy(() => {
    const r = core.step(xx as tf.Tensor2D, state);
    return tf.sum(tf.square(r.output));
  }))(x);
  const viaConst = tf.grad((xx: tf.Tensor) => tf.sum(tf.square(dndLstmStep(xx as tf.Tensor2D, state.h, state.c, w as tf.Tensor2D, b as tf.Tensor1D, m, wT).h)))(x);
  close(data(viaCore), data(viaConst), 0);
  const { grads, value } = tf.variableGrads(() => tf.tidy(() => tf.sum(core.step(x, state).output) as tf.Scalar));
  assert.deepEqual(Object.keys(grads).sort(), core.variables.map((v) => v.name).sort());
  assert.equal(core.variables.length, 2);
  tf.dispose([x, wT, m, viaCore, viaConst, grads, value, outputs]);
  [s0, state].forEach(disposeState);
  core.dispose();
});

test('the r-gate learns: dL/dW_r ≠ 0 with a non-empty dictionary and = 0 with an empty one', () => {
  const H = 3, D = 2;
  const core = makeDndLstm({ inputSize: D, seed: 6, hiddenSize: H, writePolicy: 'everyStep' });
  const empty = core.initialState(2);
  const { state: full, outputs } = run(core, [[[1, 2], [3, -1]]], empty);
  const x = tf.tensor2d([[1, 2], [3, -1]]);
  const rGrads = (s: DndLstmState) => tf.tidy(() => {
    const { grads } = tf.variableGrads(() => tf.tidy(() => tf.sum(tf.square(core.step(x, s).output)) as tf.Scalar));
    const gw = grads[core.weights.w.name] as tf.Tensor2D, gb = grads[core.weights.b.name] as tf.Tensor1D;
    return [...data(gw.slice([0, 4 * H], [D + H, H])), ...data(gb.slice([4 * H], [H]))];   // r columns of W and b
  });
  // h, c of `full` are nonzero, so the empty case uses them too: only the dictionary differs
  const emptyWithState: DndLstmState = { ...full, dnd: empty.dnd };
  assert.ok(rGrads(full).some((v) => Math.abs(v) > 1e-8));
  assert.ok(rGrads(emptyWithState).every((v) => v === 0));
  tf.dispose([x, outputs]);
  [empty, full].forEach(disposeState);
  core.dispose();
});

test('write policies: everyStep writes (q, c_t) inside step where write = 1; never writes nothing', () => {
  const every = makeDndLstm({ inputSize: 2, seed: 7, hiddenSize: 2, writePolicy: 'everyStep' });
  const s0 = every.initialState(2);
  const { state, outputs } = run(every, [[[1, 2], [3, 4]]], s0, [[1, 0]]);
  assert.deepEqual(data(state.dnd.count), [1, 0]);
  assert.deepEqual(state.dnd.keys.arraySync()[0]?.[0], [1, 2]);
  assert.deepEqual(state.dnd.values.arraySync()[0]?.[0], state.c.arraySync()[0]);
  assert.equal(state.pendingKey, undefined);
  const never = makeDndLstm({ inputSize: 2, seed: 7, hiddenSize: 2, writePolicy: 'never' });
  const n0 = never.initialState(2);
  const n = run(never, [[[1, 2], [3, 4]]], n0);
  const nr = never.resetWhere(n.state, tf.tensor1d([1, 1]));
  assert.deepEqual(data(nr.dnd.count), [0, 0]);
  tf.dispose([...outputs, ...n.outputs]);
  [s0, state, n0, n.state, nr].forEach(disposeState);
  every.dispose();
  never.dispose();
});

test('kNN retrieval inside the core averages values by the kernel', () => {
  const core = makeDndLstm({ inputSize: 1, seed: 8, hiddenSize: 1, retrieval: 'knn', knnNeighbours: 2, writePolicy: 'everyStep' });
  const d = filled(4, [[0], [1], [5]], [[2], [4], [100]]);
  const q = tf.tensor2d([[0.5]]);
  const v = dndRead(q, d, { ...READ, retrieval: 'knn', neighbours: 2 });
  close(data(v), [3], 1e-5);   // equal distances 0.25: the mean of 2 and 4
  tf.dispose([q, v]);
  disposeState(d);
  core.dispose();
});

test('diagnostics and inspect: r, similarities, the retrieved slot and the dictionary size, as plain JSON', () => {
  const core = makeDndLstm({ inputSize: 2, seed: 9, hiddenSize: 3, capacity: 4, writePolicy: 'everyStep', recordDiagnostics: true });
  const s0 = core.initialState(1);
  const { state, outputs } = run(core, [[[1, 0]], [[0, 1]], [[0.1, 0.9]]], s0);
  const view = core.inspect(state, 0);
  assert.equal(view.size, 3);
  assert.equal(view.count, 3);
  assert.equal(view.slot, 1);
  assert.equal(view.retrieved, 1);
  assert.deepEqual(view.topSlots, [1, 0]);   // best first; slot 2 was written after this step read
  close(view.topSimilarities as number[], [-Math.hypot(0.1, 0.1), -Math.hypot(0.9, 0.9)], 1e-6);
  assert.equal((view.r as number[]).length, 3);
  assert.doesNotThrow(() => JSON.stringify(view));
  const sim = tf.tidy(() => dndMaskedSimilarity(tf.tensor2d([[0.1, 0.9]]), { ...state.dnd, valid: tf.tensor2d([[1, 1, 0, 0]]) }, 'l2'));
  close(data(sim).slice(0, 2), data(state.diag?.sim as tf.Tensor).slice(0, 2), 0);
  const reset = core.resetWhere(state, tf.tensor1d([1]));
  assert.deepEqual(data(reset.diag?.sim as tf.Tensor), [0, 0, 0, 0]);
  tf.dispose([sim, ...outputs]);
  [s0, state, reset].forEach(disposeState);
  core.dispose();
});

test('presets: reference has orthogonal matrices and zero biases; start noise is seeded; parameter count 5H(D+H+1)', () => {
  const D = 4, H = 3;
  const eng = makeDndLstm({ inputSize: D, seed: 1, hiddenSize: H, forgetBias: 2 });
  assert.equal(eng.variables.reduce((a, v) => a + v.size, 0), 5 * H * (D + H + 1));
  assert.deepEqual(data(eng.weights.b), [0, 0, 0, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const ref = makeDndLstm({ inputSize: D, seed: 1, hiddenSize: H, preset: 'reference', initNoiseStd: 0.1 });
  assert.deepEqual(data(ref.weights.b), new Array(5 * H).fill(0));
  const gram = tf.tidy(() => { const wx = ref.weights.w.slice([0, 0], [D, 5 * H]); return tf.matMul(wx, wx, false, true); });   // [D, 5H]·[5H, D]
  close(data(gram), data(tf.eye(D)), 1e-5);
  const a = ref.initialState(2), b = makeDndLstm({ inputSize: D, seed: 1, hiddenSize: H, preset: 'reference', initNoiseStd: 0.1 }).initialState(2);
  assert.deepEqual(data(a.h), data(b.h));
  const std = Math.sqrt(data(a.h).reduce((s, v) => s + v * v, 0) / (2 * H));
  assert.ok(std > 0.02 && std < 0.3, `noise std ${std}`);
  tf.dispose(gram);
  [a, b].forEach(disposeState);
  eng.dispose();
  ref.dispose();
});

test('config errors name the option, the rule and the value', () => {
  assert.ok('keySource' in DND_LSTM_DEFAULTS && DND_LSTM_DEFAULTS.capacity === 100 && DND_LSTM_DEFAULTS.hiddenSize === 32);
  const mk = (o: Record<string, unknown>) => () => makeDndLstm({ inputSize: 4, seed: 0, ...o });
  assert.throws(mk({ capacity: 0 }), /^ConfigError: DND-LSTM: capacity must be an integer >= 1, got 0$/);
  assert.throws(mk({ similarity: 'dot' }), /DND-LSTM: similarity must be one of l2, l1, cosine, got "dot"/);
  assert.throws(mk({ retrieval: '2nn' }), /DND-LSTM: retrieval must be one of 1nn, knn/);
  assert.throws(mk({ writePolicy: 'always' }), /DND-LSTM: writePolicy must be one of episodeEnd, everyStep, never/);
  assert.throws(mk({ keySource: { slice: [2, 9] } }), /DND-LSTM: keySource must be "input" or \{slice: \[a, b\]\} with 0 <= a < b <= inputSize \(4\)/);
  assert.throws(mk({ knnDelta: 0 }), /DND-LSTM: knnDelta must be a number > 0, got 0/);
  assert.throws(mk({ capcity: 3 }), /DND-LSTM: unknown option "capcity"; did you mean "capacity"/);
  assert.throws(mk({ preset: 'reference', forgetBias: 1 }), /forgetBias must be 0 with preset "reference"/);
  const core = makeDndLstm({ inputSize: 4, seed: 0, hiddenSize: 2, capacity: 1 });
  const s = core.initialState(2);
  const x = tf.zeros([2, 4]) as tf.Tensor2D;
  assert.throws(() => core.step(x, s, { write: tf.ones([3]) as tf.Tensor1D }), /DND-LSTM: control.write must be \[2\], got shape \[3\]/);
  const r = core.step(x, s);   // capacity 1 works (oneHot needs depth >= 2)
  tf.dispose([x, r.output]);
  [s, r.state].forEach(disposeState);
  core.dispose();
});

test('no leaks: numTensors is flat across step + resetWhere + flush and across unroll + variableGrads + Adam', () => {
  for (const retrieval of ['1nn', 'knn'] as const) {
    const core = makeDndLstm({ inputSize: 3, seed: 10, hiddenSize: 4, capacity: 5, retrieval, recordDiagnostics: true });
    const x = tf.randomNormal([2, 3]) as tf.Tensor2D;
    const resets = tf.tensor1d([1, 0]), flush = tf.tensor1d([0, 1]);
    const cycle = () => {
      const s = core.initialState(2);
      const r = core.step(x, s);
      const z = core.resetWhere(r.state, resets, flush);
      const r2 = core.step(x, z);
      r.output.dispose(); r2.output.dispose();
      [s, r.state, z, r2.state].forEach(disposeState);
    };
    cycle();
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) cycle();
    assert.equal(tf.memory().numTensors, n0);

    const opt = tf.train.adam(1e-2);
    const inputs = tf.randomNormal([4, 2, 3]) as tf.Tensor3D;
    const rs = tf.tensor2d([[1, 1], [0, 0], [1, 0], [0, 1]]);
    const fl = tf.tensor2d([[0, 0], [0, 0], [0, 1], [0, 0]]);
    const s0 = core.initialState(2);
    const update = () => {
      const loss = opt.minimize(() => tf.tidy(() => {
        const u = unroll(core, inputs, s0, rs, { flush: fl });
        return tf.mean(tf.square(u.outputs)) as tf.Scalar;
      }), true, core.variables as tf.Variable[]);
      loss?.dispose();
    };
    update();
    const n1 = tf.memory().numTensors;
    update();
    update();
    assert.equal(tf.memory().numTensors, n1);
    tf.dispose([x, resets, flush, inputs, rs, fl]);
    disposeState(s0);
    opt.dispose();
    core.dispose();
  }
});

test('on the wasm backend too: exact 1-NN recall and kNN weights (wasm OneHot ignores its dtype), and an update trains', async () => {
  const { initBackend, setFastMatMulGrad } = await import('../../memory/tf.ts');
  assert.equal(await initBackend('wasm'), 'wasm');
  try {
    const d = filled(3, [[1, 0], [0, 1], [1, 1]], [[10, 0], [0, 10], [5, 5]]);
    const q = tf.tensor2d([[0.9, 0.1]]);
    const v = dndRead(q, d, READ);
    assert.deepEqual(data(v), [10, 0]);
    const w = dndKnnWeights(q, d, 'l2', 2, 1e-3);
    const [k0, k2] = [1 / (0.02 + 1e-3), 1 / (0.82 + 1e-3)];   // squared distances 0.02, 1.62, 0.82; p = 2
    close(data(w), [k0 / (k0 + k2), 0, k2 / (k0 + k2)], 1e-5);
    tf.dispose([q, v, w]);
    disposeState(d);
    const core = makeDndLstm({ inputSize: 2, seed: 1, hiddenSize: 3, writePolicy: 'everyStep' });
    const s0 = core.initialState(2);
    const { state, outputs } = run(core, [[[1, 0], [0, 1]]], s0);
    const inputs = tf.tensor3d([[[1, 0], [0, 1]], [[0.5, 0.5], [1, 1]]]);
    const resets = tf.zeros([2, 2]) as tf.Tensor2D;
    const before = data(core.weights.w);
    const opt = tf.train.adam(0.01);
    const loss = opt.minimize(() => tf.tidy(() => tf.sum(unroll(core, inputs, state, resets).outputs) as tf.Scalar), true, core.variables as tf.Variable[]) as tf.Scalar;
    assert.ok(Number.isFinite(data(loss)[0]) && data(core.weights.w).some((x, i) => x !== before[i]));
    tf.dispose([loss, inputs, resets, outputs]);
    [s0, state].forEach(disposeState);
    opt.dispose();
    core.dispose();
  } finally {
    await tf.setBackend('cpu');
    setFastMatMulGrad(false);
  }
});
