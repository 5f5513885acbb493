/** SupervisedLearner.trace: one sequence stepped alone for the viewer — shapes, ranges, readouts, no leaks. */
import { tf } from '../fixtures/tf-cpu.ts';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { supervisedSetup } from '../fixtures/supervised-setup.ts';

for (const core of ['lstm', 'ntm']) {
  test(`${core}: trace gives a bit-probability row and a readout per step of the sequence's own length, leaking nothing`, () => {
    const sets = core === 'lstm' ? ['core.hiddenSize=8', 'env.maxLength=3'] : ['core.hiddenSize=8', 'core.numSlots=6', 'core.wordSize=4', 'env.maxLength=3'];
    const { learner, batch } = supervisedSetup('Copy-v0', core, sets);
    const b = 1;
    const T = batch.lengths[b] as number;
    learner.trace(batch, b);   // warm-up: a core may keep per-batch-size constants
    const n = tf.memory().numTensors;
    const { predictions, readouts } = learner.trace(batch, b);
    assert.equal(tf.memory().numTensors, n, 'no tensors left behind');
    assert.equal(predictions.length, T);
    assert.equal(readouts.length, T);
    for (const row of predictions) {
      assert.equal(row.length, batch.targetSize);
      for (const p of row) assert.ok(p >= 0 && p <= 1 && Math.round(p * 1000) / 1000 === p, `a rounded probability, got ${p}`);
    }
    assert.ok(core === 'lstm' ? Array.isArray(readouts[0]?.h) : Array.isArray(readouts[0]?.readWeights), `the ${core} readout`);
    assert.throws(() => learner.trace(batch, batch.numEnvs), /b must be an integer in \[0, 2\]/);
    learner.dispose();
  });
}

test('categorical targets: each traced row is a class distribution', () => {
  const { learner, batch } = supervisedSetup('NthFarthest-v0', 'lstm', ['core.hiddenSize=8', 'env.numObjects=3', 'env.numFeatures=2', 'agent.readoutSizes=[]']);
  const { predictions } = learner.trace(batch, 0);
  assert.equal(predictions.length, batch.lengths[0]);
  for (const row of predictions) {
    assert.equal(row.length, 3);
    assert.ok(Math.abs(row.reduce((a, p) => a + p, 0) - 1) < 0.01, `sums to 1: ${row}`);
  }
  learner.dispose();
});
