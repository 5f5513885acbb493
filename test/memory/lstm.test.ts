import { tf } from '../fixtures/tf-cpu.ts';
/**
 * LSTM (docs/cores.md §2.4): the zero-weight values, a naive-loop reference, initialisation, parameter
 * count, reset semantics, the cached-transpose gradient, diagnostics, error text and leaks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LSTM_DEFAULTS, Lstm, lstmStep, makeLstm, type LstmState } from '../../memory/lstm.ts';
import { disposeState } from '../../memory/state.ts';
import { unroll } from '../../memory/unroll.ts';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs((a[i] as number) - (b[i] as number)) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};
const data = (t: tf.Tensor) => Array.from(t.dataSync());

test('zero weights: i = o = 0.5, f = σ(1), g = 0, so c1 = h1 = 0; with c0 = 1, c1 = 0.7310586 and h1 = 0.3118563', () => {
  const core = makeLstm({ inputSize: 3, seed: 0, hiddenSize: 2, recordDiagnostics: true });
  core.weights.w.assign(tf.zerosLike(core.weights.w));
  const x = tf.tensor2d([[0.3, -1, 2], [1, 1, 1]]);
  const s0 = core.initialState(2);
  const r1 = core.step(x, s0);
  close(data(r1.state.c), [0, 0, 0, 0], 0);
  close(data(r1.state.h), [0, 0, 0, 0], 0);
  const gates = r1.state.diag?.gates as tf.Tensor3D;   // (i, f, o, |g|)
  close(data(gates).slice(0, 8), [0.5, 0.5, 0.7310586, 0.7310586, 0.5, 0.5, 0, 0], 1e-6);
  const s1: LstmState = { h: tf.zeros([2, 2]), c: tf.ones([2, 2]) };
  const r2 = core.step(x, s1);
  close(data(r2.state.c), [0.7310586, 0.7310586, 0.7310586, 0.7310586], 1e-6);
  close(data(r2.output), [0.3118563, 0.3118563, 0.3118563, 0.3118563], 1e-6);
  tf.dispose([x, r1.output, r2.output]);
  [s0, r1.state, s1, r2.state].forEach(disposeState);
  core.dispose();
});

test('one step matches a naive JS loop (D=3, H=2, B=2, gate order i, f, g, o)', () => {
  const D = 3, H = 2, B = 2;
  const core = makeLstm({ inputSize: D, seed: 7, hiddenSize: H });
  core.weights.b.assign(tf.randomNormal([4 * H], 0, 1, 'float32', 3));
  const w = data(core.weights.w), b = data(core.weights.b);      // w: [D+H, 4H] row-major
  const x = tf.randomNormal([B, D], 0, 1, 'float32', 1) as tf.Tensor2D;
  const state: LstmState = { h: tf.randomNormal([B, H], 0, 1, 'float32', 2), c: tf.randomNormal([B, H], 0, 1, 'float32', 4) };
  const xs = data(x), hs = data(state.h), cs = data(state.c);
  const expH: number[] = [], expC: number[] = [];
  for (let n = 0; n < B; n++) {
    const xh = [...xs.slice(n * D, n * D + D), ...hs.slice(n * H, n * H + H)];
    const z = Array.from({ length: 4 * H }, (_, j) => xh.reduce((acc, v, k) => acc + v * (w[k * 4 * H + j] as number), b[j] as number));
    for (let u = 0; u < H; u++) {
      const i = sigmoid(z[u] as number), f = sigmoid(z[H + u] as number), g = Math.tanh(z[2 * H + u] as number), o = sigmoid(z[3 * H + u] as number);
      const c = f * (cs[n * H + u] as number) + i * g;
      expC.push(c);
      expH.push(o * Math.tanh(c));
    }
  }
  const r = core.step(x, state);
  close(data(r.state.c), expC);
  close(data(r.output), expH);
  tf.dispose([x, r.output]);
  disposeState(state);
  disposeState(r.state);
  core.dispose();
});

test('parameter count is 4H(D+H+1), plus 2H with a trainable initial state', () => {
  const count = (c: Lstm) => c.variables.reduce((a, v) => a + v.size, 0);
  const a = makeLstm({ inputSize: 5, seed: 0, hiddenSize: 3 });
  assert.equal(count(a), 4 * 3 * (5 + 3 + 1));
  const b = makeLstm({ inputSize: 5, seed: 0, hiddenSize: 3, trainableInitialState: true });
  assert.equal(count(b), 4 * 3 * (5 + 3 + 1) + 2 * 3);
  a.dispose();
  b.dispose();
});

test('initialisation: W_x glorot-bounded, W_h orthogonal rows, b_f = forgetBias; sonnet init is truncated; same seed, same weights', () => {
  const D = 4, H = 3;
  const core = makeLstm({ inputSize: D, seed: 11, hiddenSize: H, forgetBias: 2 });
  const w = core.weights.w;
  const wx = data(w.slice([0, 0], [D, 4 * H]));
  const limit = Math.sqrt(6 / (D + 4 * H));
  assert.ok(wx.every((v) => Math.abs(v) <= limit) && wx.some((v) => v !== 0));
  const gram = tf.tidy(() => { const wh = w.slice([D, 0], [H, 4 * H]); return tf.matMul(wh, wh, false, true); });   // [H, 4H]·[4H, H]
  close(data(gram), data(tf.eye(H)), 1e-5);
  close(data(core.weights.b), [0, 0, 0, 2, 2, 2, 0, 0, 0, 0, 0, 0], 0);
  const same = makeLstm({ inputSize: D, seed: 11, hiddenSize: H, forgetBias: 2 });
  assert.deepEqual(data(same.weights.w), data(w));
  const son = makeLstm({ inputSize: D, seed: 11, hiddenSize: H, init: 'sonnet' });
  const sw = data(son.weights.w);
  assert.ok(sw.slice(0, D * 4 * H).every((v) => Math.abs(v) <= 2 / Math.sqrt(D)));
  assert.ok(sw.slice(D * 4 * H).every((v) => Math.abs(v) <= 2 / Math.sqrt(H)));
  assert.notDeepEqual(sw, data(w));
  gram.dispose();
  [core, same, son].forEach((c) => c.dispose());
});

test('resetWhere: resets = [1, 0] restores element 0 exactly and leaves element 1; resets = 0 is the identity', () => {
  const core = makeLstm({ inputSize: 2, seed: 1, hiddenSize: 4, recordDiagnostics: true });
  const x = tf.randomNormal([2, 2], 0, 1, 'float32', 5) as tf.Tensor2D;
  const s0 = core.initialState(2);
  const r = core.step(x, s0);
  const reset = core.resetWhere(r.state, tf.tensor1d([1, 0]));
  const same = core.resetWhere(r.state, tf.tensor1d([0, 0]));
  for (const k of ['h', 'c'] as const) {
    const before = r.state[k].arraySync(), after = reset[k].arraySync();
    assert.deepEqual(after[0], new Array(4).fill(0));
    assert.deepEqual(after[1], before[1]);
    assert.deepEqual(same[k].arraySync(), before);
  }
  assert.deepEqual((reset.diag?.gates as tf.Tensor3D).arraySync()[0], [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
  tf.dispose([x, r.output]);
  [s0, r.state, reset, same].forEach(disposeState);
  core.dispose();
});

test('the output is not an alias of state.h', () => {
  const core = makeLstm({ inputSize: 2, seed: 1, hiddenSize: 3 });
  const x = tf.ones([1, 2]) as tf.Tensor2D;
  const s = core.initialState(1);
  const r = core.step(x, s);
  const h = data(r.state.h);
  r.output.dispose();
  assert.deepEqual(data(r.state.h), h);
  x.dispose();
  disposeState(s);
  disposeState(r.state);
  core.dispose();
});

test('the cached-transpose gradient equals the built-in matMul gradient', () => {
  const core = makeLstm({ inputSize: 3, seed: 2, hiddenSize: 4 });
  const { w, b } = core.weights;
  const xs = tf.randomNormal([3, 2, 3], 0, 1, 'float32', 9);
  const wT = tf.transpose(w) as tf.Tensor2D;   // must outlive the backward pass
  const grads = (cached: boolean) => tf.tidy(() => tf.variableGrads(() => {
    let h = tf.zeros([2, 4]) as tf.Tensor2D, c = tf.zeros([2, 4]) as tf.Tensor2D, loss = tf.scalar(0);
    for (const x of tf.unstack(xs) as tf.Tensor2D[]) {
      const r = lstmStep(x, h, c, w as tf.Tensor2D, b as tf.Tensor1D, cached ? { wT } : {});
      h = r.h; c = r.c;
      loss = tf.add(loss, tf.sum(tf.square(h)));
    }
    return loss as tf.Scalar;
  }, [w, b]).grads);
  const a = grads(true), ref = grads(false);
  for (const k of Object.keys(ref)) close(data(a[k] as tf.Tensor), data(ref[k] as tf.Tensor), 1e-6);
  tf.dispose([xs, wT, a, ref]);
  core.dispose();
});

test('a trainable initial state gets gradients through resetWhere', () => {
  const core = makeLstm({ inputSize: 2, seed: 3, hiddenSize: 3, trainableInitialState: true });
  const s = core.initialState(2);
  const inputs = tf.randomNormal([3, 2, 2], 0, 1, 'float32', 4) as tf.Tensor3D;
  const resets = tf.tensor2d([[1, 1], [0, 0], [0, 1]]);
  const { grads, value } = tf.variableGrads(() => tf.tidy(() => {
    const u = unroll(core, inputs, s, resets);
    return tf.sum(tf.square(u.outputs)) as tf.Scalar;
  }), core.variables as tf.Variable[]);
  assert.equal(Object.keys(grads).length, 4);
  for (const g of Object.values(grads)) assert.ok(data(g).some((v) => v !== 0) && data(g).every(Number.isFinite));
  tf.dispose([inputs, resets, value, grads]);
  disposeState(s);
  core.dispose();
});

test('inspect returns plain JSON h, c and, with diagnostics, the four gate rows', () => {
  const core = makeLstm({ inputSize: 2, seed: 1, hiddenSize: 3, recordDiagnostics: true });
  const x = tf.ones([2, 2]) as tf.Tensor2D;
  const s = core.initialState(2);
  const r = core.step(x, s);
  const view = core.inspect(r.state, 1);
  assert.deepEqual(Object.keys(view), ['h', 'c', 'gates']);
  assert.equal((view.h as number[]).length, 3);
  assert.equal((view.gates as number[][]).length, 4);
  assert.doesNotThrow(() => JSON.stringify(view));
  tf.dispose([x, r.output]);
  disposeState(s);
  disposeState(r.state);
  core.dispose();
});

test('config errors name the option, the rule and the value', () => {
  assert.deepEqual(Object.keys(LSTM_DEFAULTS).sort(), ['forgetBias', 'hiddenSize', 'init', 'recordDiagnostics', 'trainableInitialState']);
  assert.throws(() => makeLstm({ inputSize: 3, seed: 0, hiddenSize: 0 }), /^ConfigError: LSTM: hiddenSize must be an integer >= 1, got 0$/);
  assert.throws(() => makeLstm({ inputSize: 0, seed: 0 }), /LSTM: inputSize must be an integer >= 1, got 0/);
  assert.throws(() => makeLstm({ inputSize: 3, seed: 0, hiddenSzie: 4 }), /LSTM: unknown option "hiddenSzie"; did you mean "hiddenSize"/);
  assert.throws(() => makeLstm({ inputSize: 3, seed: 0, init: 'xavier' }), /LSTM: init must be one of glorot, sonnet, got "xavier"/);
  assert.throws(() => makeLstm({ inputSize: 3, seed: 0, forgetBias: '1' }), /LSTM: forgetBias must be a number/);
  const core = makeLstm({ inputSize: 3, seed: 0, hiddenSize: 2 });
  const s = core.initialState(1);
  const bad = tf.zeros([1, 4]) as tf.Tensor2D;
  assert.throws(() => core.step(bad, s), /LSTM: input must be \[B, 3\], got shape \[1,4\]/);
  bad.dispose();
  disposeState(s);
  core.dispose();
});

test('no leaks: numTensors is flat across step + resetWhere and across unroll + variableGrads + Adam', () => {
  const core = makeLstm({ inputSize: 3, seed: 4, hiddenSize: 5, recordDiagnostics: true });
  const x = tf.randomNormal([2, 3]) as tf.Tensor2D;
  const resets = tf.tensor1d([1, 0]);
  const cycle = () => {
    const s = core.initialState(2);
    const r = core.step(x, s);
    const z = core.resetWhere(r.state, resets);
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
  const rs = tf.tensor2d([[1, 1], [0, 0], [0, 1], [0, 0]]);
  const s0 = core.initialState(2);
  const update = () => {
    const loss = opt.minimize(() => tf.tidy(() => {
      const u = unroll(core, inputs, s0, rs);
      return tf.mean(tf.square(u.outputs)) as tf.Scalar;
    }), true, core.variables as tf.Variable[]);
    loss?.dispose();
  };
  update();
  const n1 = tf.memory().numTensors;
  update();
  update();
  assert.equal(tf.memory().numTensors, n1);
  tf.dispose([x, resets, inputs, rs]);
  disposeState(s0);
  opt.dispose();
  core.dispose();
});
