/** StepControl.diagnostics = false leaves a step's diagnostic leaves out (the learner's re-unroll). */
import { tf } from '../fixtures/tf-cpu.ts';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeCore } from '../../memory/registry.ts';
import { disposeState } from '../../memory/state.ts';

for (const [id, options] of [['lstm', { hiddenSize: 3 }], ['dnd-lstm', { hiddenSize: 3, capacity: 4 }], ['rmc', { numSlots: 2, headSize: 2, numHeads: 2 }]] as const) {
  test(`${id}: diagnostics are recorded by default and skipped on request`, () => {
    const core = makeCore(id, { ...options, inputSize: 3, seed: 1, recordDiagnostics: true });
    const s0 = core.initialState(2);
    const x = tf.ones([2, 3]) as tf.Tensor2D;
    const on = core.step(x, s0);
    const off = core.step(x, s0, { diagnostics: false });
    assert.ok('diag' in on.state, 'recorded by default');
    assert.ok(!('diag' in off.state), 'skipped with diagnostics: false');
    assert.deepEqual(off.output.arraySync(), on.output.arraySync(), 'the output does not change');
    const again = core.step(x, core.resetWhere(off.state, tf.tensor1d([1, 0])));   // a state without diag resets fine
    assert.ok('diag' in again.state);
    [s0, on.state, off.state, again.state].forEach(disposeState);
    core.dispose();
  });
}
