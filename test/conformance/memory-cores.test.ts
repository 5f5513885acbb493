/**
 * Every core in MEMORY_CORES through the contract checks of docs/cores.md §1.7:
 * shapes, exact reset semantics, batch independence, determinism, gradient reach,
 * finite differences, and no tensor leaks.
 */
import { tf } from '../fixtures/tf-cpu.ts';
import { tensorCounts } from '../fixtures/leak-check.ts';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isLeafSpec, type CoreState, type SpecTree } from '../../memory/core.ts';
import { MEMORY_CORES, makeCore } from '../../memory/registry.ts';
import { disposeState, mapState, stateLeaves } from '../../memory/state.ts';
import { unroll } from '../../memory/unroll.ts';
import { runSteps } from '../fixtures/core-steps.ts';

const D = 3, B = 3;
/** Tiny sizes per core; every registered core must appear here. */
const SMALL: Record<string, Record<string, unknown>> = {
  lstm: { hiddenSize: 4 },
  'dnd-lstm': { hiddenSize: 4, capacity: 5, writePolicy: 'everyStep' },
  rmc: { numSlots: 2, headSize: 2, numHeads: 2 },
  ntm: { hiddenSize: 4, numSlots: 5, wordSize: 3 },
  dnc: { hiddenSize: 4, numSlots: 5, wordSize: 3, numReads: 2 },
  // 'self': the default flattened memory has unit-norm slots, so Σ outputs² would be constant.
  entnet: { numSlots: 3, readout: 'self' },
  // Capacity 2 (>= 2: with one slot attention is constant and gets no gradient); 3 steps overwrite a slot.
  'working-memory': { wordSize: 3, capacity: 2, numHops: 2, numHeads: 2, gHidden: 5, gLayers: 2 },
};
/** Variables allowed a zero gradient in the reach test, with the reason. */
const NO_GRAD_OK: Record<string, RegExp> = {};
/**
 * Finite differences see the whole function; the DND's writes feed later reads through memory
 * that carries no gradient by design (docs/cores.md §3.1), so check it without writes.
 */
const FD_OPTIONS: Record<string, Record<string, unknown>> = { 'dnd-lstm': { writePolicy: 'never' } };

const make = (id: string, seed = 7, extra: Record<string, unknown> = {}) => makeCore(id, { ...SMALL[id], ...extra, inputSize: D, seed });
const inputs = (T: number, seed = 1) => tf.randomNormal([T, B, D], 0, 1, 'float32', seed) as tf.Tensor3D;
const arrays = (s: CoreState) => stateLeaves(s).map((t) => Array.from(t.dataSync()));

function leafShapes(spec: SpecTree, prefix = ''): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [k, v] of Object.entries(spec)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (isLeafSpec(v)) out.set(p, [...v.shape]);
    else for (const [q, s] of leafShapes(v, p)) out.set(q, s);
  }
  return out;
}

test('every registered core has a conformance configuration', () => {
  assert.deepEqual(Object.keys(MEMORY_CORES).sort(), Object.keys(SMALL).sort());
});

for (const id of Object.keys(MEMORY_CORES)) {
  describe(`core ${id}`, () => {
    test('output is [B, outputSize] and every leaf keeps its spec shape and dtype', () => {
      const core = make(id);
      const spec = leafShapes(core.stateSpec());
      const s0 = core.initialState(B);
      const check = (s: CoreState) => mapState(s, (t, leaf, p) => {
        assert.deepEqual(t.shape, [B, ...(spec.get(p) ?? ['missing spec'])], `leaf ${p}`);
        assert.equal(t.dtype, leaf?.dtype ?? 'float32', `dtype of ${p}`);
        return t;
      }, core.stateSpec());
      check(s0);
      const { outs, state } = runSteps(core, inputs(3), s0);
      for (const o of outs) assert.deepEqual(o.shape, [B, core.outputSize]);
      check(state);
      tf.dispose(outs); disposeState(state); disposeState(s0); core.dispose();
    });

    test('resetWhere restores element 0 exactly and leaves the others; resets=0 is the identity', () => {
      const core = make(id);
      const s0 = core.initialState(B);
      const { outs, state } = runSteps(core, inputs(3), s0);
      const spec = core.stateSpec();
      const byPath = (st: CoreState) => {
        const out = new Map<string, { data: number[]; persistent: boolean }>();
        mapState(st, (t, leaf, p) => { out.set(p, { data: Array.from(t.dataSync()), persistent: leaf?.reset === 'persistent' }); return t; }, spec);
        return out;
      };
      const init = byPath(s0), before = byPath(state);
      const r = core.resetWhere(state, tf.tensor1d([1, 0, 0]));
      for (const [p, leaf] of byPath(r)) {
        const n = leaf.data.length / B;
        const expected0 = leaf.persistent ? before.get(p)!.data : init.get(p)!.data;
        assert.deepEqual(leaf.data.slice(0, n), expected0.slice(0, n), `leaf ${p} of element 0 is back to initial (persistent: unchanged)`);
        assert.deepEqual(leaf.data.slice(n), before.get(p)!.data.slice(n), `leaf ${p} of elements 1.. unchanged`);
      }
      const same = core.resetWhere(state, tf.zeros([B]) as tf.Tensor1D);
      assert.deepEqual(arrays(same), arrays(state));
      tf.dispose(outs); [s0, state, r, same].forEach(disposeState); core.dispose();
    });

    test('batch elements are independent', () => {
      const core = make(id);
      const xs = inputs(3);
      const bumped = tf.tidy(() => tf.add(xs, tf.tensor3d([[[0, 0, 0], [0, 0, 0], [0, 0, 0]], [[5, -5, 5], [0, 0, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]]])));
      const a = runSteps(core, xs, core.initialState(B));
      const b = runSteps(core, bumped as tf.Tensor3D, core.initialState(B));
      for (let t = 0; t < 3; t++) {
        const oa = a.outs[t]!.arraySync(), ob = b.outs[t]!.arraySync();
        assert.deepEqual(ob.slice(1), oa.slice(1), `t=${t}: elements 1.. unchanged`);
        if (t >= 1) assert.notDeepEqual(ob[0], oa[0], 'element 0 did change');
      }
      core.dispose();
    });

    test('the same seed gives the same variables and outputs', () => {
      const c1 = make(id, 3), c2 = make(id, 3), c3 = make(id, 4);
      assert.deepEqual(c1.variables.map((v) => Array.from(v.dataSync())), c2.variables.map((v) => Array.from(v.dataSync())));
      assert.notDeepEqual(c1.variables.map((v) => Array.from(v.dataSync())), c3.variables.map((v) => Array.from(v.dataSync())));
      const xs = inputs(3);
      assert.deepEqual(runSteps(c1, xs, c1.initialState(B)).outs.map((o) => o.arraySync()), runSteps(c2, xs, c2.initialState(B)).outs.map((o) => o.arraySync()));
      [c1, c2, c3].forEach((c) => c.dispose());
    });

    test('gradients reach every variable over a 3-step unroll', () => {
      const core = make(id);
      const xs = inputs(3);
      const s0 = core.initialState(B);
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(unroll(core, xs, s0, tf.zeros([3, B]) as tf.Tensor2D).outputs)) as tf.Scalar, [...core.variables]);
      for (const v of core.variables) {
        if (NO_GRAD_OK[id]?.test(v.name)) continue;
        const g = grads[v.name];
        assert.ok(g, `${v.name} has a gradient`);
        const d = g.dataSync();
        assert.ok(d.every(Number.isFinite), `${v.name} gradient is finite`);
        assert.ok(d.some((x) => x !== 0), `${v.name} gradient is nonzero`);
      }
      tf.dispose(grads); disposeState(s0); core.dispose();
    });

    test('input gradients match finite differences', () => {
      const core = make(id, 7, FD_OPTIONS[id]);
      const s0 = core.initialState(B);
      const x0 = inputs(2, 5);
      const f = (x: tf.Tensor3D) => tf.tidy(() => {
        const o = unroll(core, x, s0, tf.zeros([2, B]) as tf.Tensor2D).outputs;
        return tf.sum(tf.mul(o.slice([1, 0, 0], [1, 1, core.outputSize]), tf.linspace(0.5, 1.5, core.outputSize)));
      });
      const g = tf.grad((x: tf.Tensor) => f(x as tf.Tensor3D))(x0).arraySync() as number[][][];
      const base = x0.arraySync();
      const delta = 1e-3;
      for (const [t, d] of [[0, 0], [0, 2], [1, 1]] as const) {
        const plus = base.map((r) => r.map((c) => [...c])); plus[t]![0]![d]! += delta;
        const minus = base.map((r) => r.map((c) => [...c])); minus[t]![0]![d]! -= delta;
        const num = ((f(tf.tensor3d(plus)).dataSync()[0] as number) - (f(tf.tensor3d(minus)).dataSync()[0] as number)) / (2 * delta);
        const ana = g[t]![0]![d]!;
        assert.ok(Math.abs(num - ana) <= 2e-2 * Math.max(1e-2, Math.abs(num), Math.abs(ana)), `d out / d x[${t},0,${d}]: numeric ${num} vs analytic ${ana}`);
      }
      disposeState(s0); core.dispose();
    });

    test('no tensor leaks across step, resetWhere and unroll+minimize', () => {
      const core = make(id);
      const xs = inputs(3);
      const resets = tf.tensor2d([[1, 1, 1], [0, 1, 0], [0, 0, 1]]);
      const mask = tf.tensor1d([1, 0, 1]);
      const x = xs.slice([0, 0, 0], [1, B, D]).reshape([B, D]) as tf.Tensor2D;
      const { first, last } = tensorCounts(core, { xs, x, resets, mask }, { rounds: 5 });
      assert.equal(last, first);
      core.dispose();
    });
  });
}
