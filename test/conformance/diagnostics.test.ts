/**
 * StepControl.diagnostics, for every registered core: with recordDiagnostics a step writes
 * `state.diag` unless the caller passes diagnostics: false (the learner's re-unroll); without
 * recordDiagnostics it never does. Leaving diag out changes nothing else.
 */
import { tf } from '../fixtures/tf-cpu.ts';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CoreState } from '../../memory/core.ts';
import { MEMORY_CORES, makeCore } from '../../memory/registry.ts';
import { disposeState, mapState } from '../../memory/state.ts';
import { unroll } from '../../memory/unroll.ts';

const D = 3, B = 2, T = 3;
/** Tiny sizes per core; every registered core must appear here. */
const SMALL: Record<string, Record<string, unknown>> = {
  lstm: { hiddenSize: 3 },
  'dnd-lstm': { hiddenSize: 3, capacity: 4 },
  rmc: { numSlots: 2, headSize: 2, numHeads: 2 },
  ntm: { hiddenSize: 4, numSlots: 5, wordSize: 3 },
  dnc: { hiddenSize: 4, numSlots: 5, wordSize: 3, numReads: 2 },
  entnet: { numSlots: 3, readout: 'self' },
  'working-memory': { wordSize: 3, capacity: 2, numHops: 2, numHeads: 2, gHidden: 5, gLayers: 2 },
};

/** Every leaf but diag's, by path. */
function leaves(s: CoreState): Map<string, number[]> {
  const out = new Map<string, number[]>();
  mapState(s, (t, _leaf, p) => { if (!p.startsWith('diag.')) out.set(p, Array.from(t.dataSync())); return t; });
  return out;
}

test('every registered core has a diagnostics configuration', () => {
  assert.deepEqual(Object.keys(MEMORY_CORES).sort(), Object.keys(SMALL).sort());
});

for (const id of Object.keys(MEMORY_CORES)) {
  test(`${id}: diag is recorded by default and with diagnostics: true, left out with diagnostics: false`, () => {
    const core = makeCore(id, { ...SMALL[id], inputSize: D, seed: 1, recordDiagnostics: true });
    const s0 = core.initialState(B);
    assert.ok('diag' in s0, 'initialState holds the diag leaves of the spec');
    const x = tf.randomNormal([B, D], 0, 1, 'float32', 3) as tf.Tensor2D;
    const byDefault = core.step(x, s0);
    const on = core.step(x, s0, { diagnostics: true });
    const off = core.step(x, s0, { diagnostics: false });
    assert.ok('diag' in byDefault.state, 'recorded by default');
    assert.ok('diag' in on.state, 'recorded with diagnostics: true');
    assert.ok(!('diag' in off.state), 'left out with diagnostics: false');
    assert.deepEqual(off.output.arraySync(), byDefault.output.arraySync(), 'the output does not change');
    assert.deepEqual(leaves(off.state), leaves(byDefault.state), 'nor does any other leaf');
    const resets = tf.tensor1d([1, 0]);
    const reset = core.resetWhere(off.state, resets);   // a state without diag resets fine
    const again = core.step(x, reset);
    assert.ok('diag' in again.state);

    const xs = tf.randomNormal([T, B, D], 0, 1, 'float32', 4) as tf.Tensor3D;
    const noResets = tf.zeros([T, B]) as tf.Tensor2D;
    const u = unroll(core, xs, s0, noResets, { diagnostics: false });
    assert.ok(!('diag' in u.state), 'unroll passes diagnostics: false to every step');

    tf.dispose([x, xs, noResets, resets, byDefault.output, on.output, off.output, again.output, u.outputs]);
    [s0, byDefault.state, on.state, off.state, reset, again.state, u.state].forEach(disposeState);
    core.dispose();
  });

  test(`${id}: without recordDiagnostics there is no diag, whatever the step asks`, () => {
    const core = makeCore(id, { ...SMALL[id], inputSize: D, seed: 1, recordDiagnostics: false });
    const s0 = core.initialState(B);
    const x = tf.ones([B, D]) as tf.Tensor2D;
    const on = core.step(x, s0, { diagnostics: true });
    assert.ok(!('diag' in s0) && !('diag' in on.state));
    tf.dispose([x, on.output]);
    [s0, on.state].forEach(disposeState);
    core.dispose();
  });
}
