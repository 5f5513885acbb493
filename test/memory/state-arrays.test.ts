import { tf } from '../fixtures/tf-cpu.ts';
/**
 * Core states as plain named arrays (memory/state-arrays.ts): exact round trips for every core
 * (int32 leaves included), the batch axis first on every leaf of every registered core, the checks
 * against the spec and a template (errors name the path), batch-row slicing, and no leaks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../envs/errors.ts';
import type { CoreState, MemoryCore } from '../../memory/core.ts';
import { MEMORY_CORES, makeCore } from '../../memory/registry.ts';
import { sliceStateBatch, stateFromArrays, stateToArrays, type StateArray } from '../../memory/state-arrays.ts';
import { disposeState, mapState } from '../../memory/state.ts';

const D = 3, B = 3;
/** Tiny sizes per core, diagnostics on so the diagnostic leaves are covered too. */
const SMALL: Record<string, Record<string, unknown>> = {
  lstm: { hiddenSize: 4 },
  'dnd-lstm': { hiddenSize: 4, capacity: 5 },
  rmc: { numSlots: 2, headSize: 2, numHeads: 2 },
  ntm: { hiddenSize: 4, numSlots: 5, wordSize: 3 },
  dnc: { hiddenSize: 4, numSlots: 5, wordSize: 3, numReads: 2 },
  entnet: { numSlots: 3 },
  'working-memory': { wordSize: 3, capacity: 2, numHeads: 2, gHidden: 5 },
};
const make = (id: string, extra: Record<string, unknown> = {}) => makeCore(id, { ...SMALL[id], recordDiagnostics: true, ...extra, inputSize: D, seed: 3 });

/** A state after a few steps (with an episode end for env 0, so the DND commits a write). */
function stepped(core: MemoryCore, steps = 3): CoreState {
  let s = core.initialState(B);
  for (let i = 0; i < steps; i++) {
    const x = tf.randomNormal([B, D], 0, 1, 'float32', 10 + i) as tf.Tensor2D;
    const r = core.step(x, s);
    r.output.dispose(); x.dispose(); disposeState(s);
    s = r.state;
    if (i === 1) {
      const resets = tf.tensor1d([1, 0, 0]);
      const next = core.resetWhere(s, resets);
      resets.dispose(); disposeState(s);
      s = next;
    }
  }
  return s;
}

const leafValues = (s: CoreState) => {
  const out: Record<string, { dtype: string; shape: number[]; data: number[] }> = {};
  mapState(s, (t, _l, p) => { out[p] = { dtype: t.dtype, shape: t.shape, data: Array.from(t.dataSync()) }; return t; });
  return out;
};

test('every registered core keeps the batch axis first on every leaf, before and after steps', () => {
  for (const id of Object.keys(MEMORY_CORES)) {
    assert.ok(SMALL[id], `core ${id} needs a configuration here`);
    const core = make(id);
    const s0 = core.initialState(B), s = stepped(core);
    for (const st of [s0, s]) {
      for (const a of stateToArrays(st, core.stateSpec())) assert.equal(a.shape[0], B, `${id} leaf ${a.path}`);
    }
    disposeState(s0); disposeState(s); core.dispose();
  }
});

test('stateToArrays -> stateFromArrays is exact for every core, against the spec and a template', () => {
  for (const id of Object.keys(MEMORY_CORES)) {
    const core = make(id);
    const s = stepped(core);
    const named = stateToArrays(s, core.stateSpec());
    const fromSpec = stateFromArrays(core.stateSpec(), named);
    const template = core.initialState(B);
    const fromTemplate = stateFromArrays(template, named);
    assert.deepEqual(leafValues(fromSpec), leafValues(s), id);
    assert.deepEqual(leafValues(fromTemplate), leafValues(s), id);
    for (const a of named) assert.ok(a.data instanceof (a.dtype === 'int32' ? Int32Array : Float32Array), `${id} ${a.path}`);
    for (const st of [s, fromSpec, fromTemplate, template]) disposeState(st);
    core.dispose();
  }
});

test('the DND-LSTM dictionary travels whole: keys, values, valid and the int32 write count', () => {
  const core = make('dnd-lstm', { writePolicy: 'everyStep', recordDiagnostics: false });
  const s = stepped(core, 7);
  const named = stateToArrays(s);
  assert.deepEqual(named.map((a) => a.path), ['c', 'dnd.count', 'dnd.keys', 'dnd.valid', 'dnd.values', 'h']);
  const count = named.find((a) => a.path === 'dnd.count') as StateArray;
  assert.equal(count.dtype, 'int32');
  assert.deepEqual(Array.from(count.data), [7, 7, 7]);   // one write a step; the reset keeps the (persistent) dictionary
  const back = stateFromArrays(core.stateSpec(), named);
  assert.deepEqual(leafValues(back), leafValues(s));
  disposeState(s); disposeState(back); core.dispose();
});

test('the arrays are copies: changing them changes neither the state nor the restored state', () => {
  const core = make('lstm', { recordDiagnostics: false });
  const s = stepped(core);
  const before = leafValues(s);
  const named = stateToArrays(s);
  const back = stateFromArrays(core.stateSpec(), named);
  for (const a of named) a.data.fill(42);
  assert.deepEqual(leafValues(s), before);
  assert.deepEqual(leafValues(back), before);
  disposeState(s); disposeState(back); core.dispose();
});

test('diagnostics: false drops the diagnostic leaves; the spec accepts them missing, a template does not', () => {
  const core = make('rmc');
  const s = stepped(core);
  const all = stateToArrays(s, core.stateSpec());
  const lean = stateToArrays(s, core.stateSpec(), { diagnostics: false });
  assert.ok(all.some((a) => a.path.startsWith('diag.')));
  assert.deepEqual(lean.map((a) => a.path), ['memory']);
  const back = stateFromArrays(core.stateSpec(), lean);
  assert.deepEqual(Object.keys(back), ['memory']);
  const template = core.initialState(B);
  assert.throws(() => stateFromArrays(template, lean), (e) => e instanceof ConfigError && /missing leaf diag\.attention/.test(e.message));
  assert.throws(() => stateToArrays(s, undefined, { diagnostics: false }), (e) => e instanceof ConfigError && /needs the core's stateSpec/.test(e.message));
  disposeState(s); disposeState(back); disposeState(template); core.dispose();
});

test('stateFromArrays names the path of a missing, unknown, mistyped or misshapen leaf', () => {
  const core = make('dnd-lstm', { recordDiagnostics: false });
  const spec = core.stateSpec();
  const s = core.initialState(B);
  const named = stateToArrays(s, spec);
  const replace = (path: string, f: (a: StateArray) => StateArray) => named.map((a) => (a.path === path ? f(a) : a));
  const cases: [StateArray[], ErrorConstructor | typeof ConfigError, RegExp][] = [
    [named.filter((a) => a.path !== 'dnd.keys'), ConfigError, /missing leaf dnd\.keys \(float32 \[B, 5, 3\]\)/],
    [[...named, { path: 'dnd.extra', dtype: 'float32', shape: [B], data: new Float32Array(B) }], ConfigError, /unknown leaf dnd\.extra; expected one of: c, dnd\.count/],
    [[...named, named[0] as StateArray], ConfigError, /leaf c appears twice/],
    [replace('dnd.count', (a) => ({ ...a, dtype: 'float32', data: new Float32Array(B) })), ConfigError, /leaf dnd\.count must be int32, got float32/],
    [replace('h', (a) => ({ ...a, data: new Int32Array(a.data.length) })), ConfigError, /leaf h data must be a Float32Array, got Int32Array/],
    [replace('dnd.values', (a) => ({ ...a, shape: [B, 4, 5] })), RangeError, /leaf dnd\.values must be \[3, 5, 4\], got \[3, 4, 5\]/],
    [replace('h', (a) => ({ ...a, shape: [2, 4], data: new Float32Array(8) })), RangeError, /leaf h must be \[3, 4\], got \[2, 4\]/],
    [replace('c', (a) => ({ ...a, data: new Float32Array(5) })), RangeError, /leaf c data must hold 12 values for shape \[3, 4\], got 5/],
  ];
  for (const [bad, kind, re] of cases) {
    assert.throws(() => stateFromArrays(spec, bad), (e) => e instanceof kind && re.test((e as Error).message), re.source);
  }
  assert.throws(() => stateFromArrays(spec, named, { batchSize: 2 }), (e) => e instanceof RangeError && /leaf c must be \[2, 4\], got \[3, 4\]/.test(e.message));
  assert.throws(() => stateFromArrays(s, replace('h', (a) => ({ ...a, shape: [B, 2, 2] }))), (e) => e instanceof RangeError && /leaf h must be \[3, 4\], got \[3, 2, 2\]/.test(e.message));
  disposeState(s); core.dispose();
});

test('stateToArrays with a spec rejects a leaf the spec does not know or a wrong shape', () => {
  const core = make('lstm', { recordDiagnostics: false });
  const s = core.initialState(B);
  const extra = { ...s, x: tf.zeros([B, 2]) };
  assert.throws(() => stateToArrays(extra, core.stateSpec()), (e) => e instanceof ConfigError && /leaf x is not in the core's stateSpec\(\); expected one of: c, h/.test(e.message));
  const wrong = { h: s.h as tf.Tensor, c: tf.zeros([B, 5]) };
  assert.throws(() => stateToArrays(wrong, core.stateSpec()), (e) => e instanceof RangeError && /leaf c must be \[3, 4\], got \[3, 5\]/.test(e.message));
  const ragged = { h: s.h as tf.Tensor, c: tf.zeros([2, 4]) };
  assert.throws(() => stateToArrays(ragged), (e) => e instanceof RangeError && /leaf h must have batch size 2/.test(e.message));
  tf.dispose([extra.x, wrong.c, ragged.c]); disposeState(s); core.dispose();
});

test('sliceStateBatch keeps rows [b0, b1) of every leaf', () => {
  for (const id of ['lstm', 'rmc', 'dnd-lstm']) {
    const core = make(id);
    const s = stepped(core);
    const part = sliceStateBatch(s, 1, 3);
    const whole = stateToArrays(s), rows = stateToArrays(part);
    rows.forEach((a, i) => {
      const w = whole[i] as StateArray;
      const X = w.data.length / B;
      assert.equal(a.path, w.path);
      assert.deepEqual(a.shape, [2, ...w.shape.slice(1)]);
      assert.deepEqual(Array.from(a.data), Array.from(w.data.subarray(X, 3 * X)), `${id} ${a.path}`);
    });
    assert.throws(() => sliceStateBatch(s, 2, 2), (e) => e instanceof RangeError && /0 <= b0 < b1 <= 3, got \[2, 2\)/.test(e.message));
    assert.throws(() => sliceStateBatch(s, 0, 4), RangeError);
    disposeState(s); disposeState(part); core.dispose();
  }
});

test('conversions leak no tensors', () => {
  const core = make('dnd-lstm');
  const s = stepped(core);
  const once = () => {
    const back = stateFromArrays(core.stateSpec(), stateToArrays(s, core.stateSpec()));
    const part = sliceStateBatch(back, 0, 1);
    disposeState(back); disposeState(part);
  };
  once();
  const n = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) once();
  assert.equal(tf.memory().numTensors, n);
  disposeState(s); core.dispose();
});
