/**
 * A diverged update is never applied (issue #13): when the loss, a loss part or the gradient norm is
 * not finite, learn() leaves weights, optimizer slots (Adam's m, v and step count) and counters as
 * they were, reports the non-finite value in `losses/*`, and leaks nothing.
 */
import { tf } from '../fixtures/tf-cpu.ts';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { supervisedSetup } from '../fixtures/supervised-setup.ts';
import { A2CAgent } from '../../agents/a2c/agent.ts';
import { resolveA2CConfig } from '../../agents/a2c/config.ts';
import { clippedStep } from '../../agents/optim.ts';
import { make } from '../../envs/registry.ts';
import { discreteActions } from '../../envs/space.ts';
import { SyncVectorEnv } from '../../envs/vector.ts';
import { makeCore } from '../../memory/registry.ts';
import type { Metrics } from '../../rollout/observer.ts';
import { Runner } from '../../rollout/runner.ts';
import { disposeTrajectory } from '../../rollout/trajectory.ts';

const lossValues = (m: Metrics): number[] => Object.entries(m).filter(([k]) => k.startsWith('losses/')).map(([, v]) => v);
const allFinite = (m: Metrics): boolean => lossValues(m).every(Number.isFinite);

function a2c(agent: Record<string, unknown>) {
  const env = () => make('MiniPacman-v0', { view: 'viewport' });
  const venv = new SyncVectorEnv([env(), env()], { autoresetMode: 'same-step' });
  const a = new A2CAgent({
    obsShape: venv.singleObservationSpace.shape, numActions: discreteActions(venv.singleActionSpace, 'test'),
    makeCore: (inputSize) => makeCore('lstm', { hiddenSize: 8, inputSize, seed: 3 }),
    config: resolveA2CConfig({ numSteps: 4, convChannels: [4], convKernel: 2, convOutput: 16, ...agent }), seed: 3, totalUpdates: 10,
  });
  return { agent: a, runner: new Runner(venv, a, { seed: 5 }) };
}

test('A2C at lr 1e30: the first update applies, later ones are non-finite and change no weight, slot or counter', async () => {
  const { agent, runner } = a2c({ lr: 1e30, lrSchedule: 'linear' });
  const traj = runner.collect(4);
  const initial = await agent.snapshot();
  const first = agent.learn(traj);
  assert.ok(allFinite(first), `the first update is finite: ${JSON.stringify(first)}`);
  const applied = await agent.snapshot();
  assert.notDeepEqual(applied.weights.data, initial.weights.data, 'a finite update moves the weights');
  assert.equal(agent.updates, 1);

  const m = agent.learn(traj);
  assert.ok(!allFinite(m), `a non-finite loss is reported: ${JSON.stringify(m)}`);
  assert.deepEqual(await agent.snapshot(), applied, 'weights, Adam m/v, its step count and updates unchanged');

  const n = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    const again = agent.learn(traj);
    assert.ok(!allFinite(again));
    assert.equal(again['charts/lr'], m['charts/lr'], 'the lr schedule does not advance on a skipped update');
  }
  assert.equal(tf.memory().numTensors, n, 'skipped updates leak no tensors');
  assert.deepEqual(await agent.snapshot(), applied);
  disposeTrajectory(traj, agent);
  runner.dispose();
  agent.dispose();
});

test('A2C: a trajectory with a huge reward gives an Infinity loss and leaves a fresh agent untouched (no Adam slots made)', async () => {
  const { agent, runner } = a2c({});
  const traj = runner.collect(4);
  traj.rewards[0] = 3e38;   // finite in float32; its square (the value loss) is not
  const initial = await agent.snapshot();
  const m = agent.learn(traj);
  assert.ok(lossValues(m).some((v) => v === Infinity || Number.isNaN(v)), JSON.stringify(m));
  assert.ok(!Number.isFinite(m['losses/value']), `value loss ${m['losses/value']}`);
  assert.deepEqual(await agent.snapshot(), initial);
  assert.equal(agent.updates, 0);
  disposeTrajectory(traj, agent);
  runner.dispose();
  agent.dispose();
});

test('supervised at lr 1e30 (N-th farthest): the first update applies, the NaN ones after it change nothing', async () => {
  const { learner, batch } = supervisedSetup('NthFarthest-v0', 'lstm', ['core.hiddenSize=8', 'env.numObjects=3', 'env.numFeatures=2', 'agent.lr=1e30']);
  const first = learner.learn(batch);
  assert.ok(allFinite(first), JSON.stringify(first));
  const applied = await learner.snapshot();
  for (let i = 0; i < 3; i++) {
    const m = learner.learn(batch);
    assert.ok(Number.isNaN(m['losses/total']), `losses/total ${m['losses/total']}`);
    assert.deepEqual(await learner.snapshot(), applied);
  }
  assert.equal(learner.updates, 1);
  learner.dispose();
});

test('supervised: a non-finite loss changes no weight, slot or counter, is reported, and leaks nothing', async () => {
  const { learner, batch } = supervisedSetup('Copy-v0', 'lstm', ['core.hiddenSize=8', 'env.maxLength=3']);
  const initial = await learner.snapshot();
  const first = learner.learn(batch);
  assert.ok(allFinite(first), JSON.stringify(first));
  const applied = await learner.snapshot();
  assert.notDeepEqual(applied.weights.data, initial.weights.data, 'a finite update moves the weights');

  // A readout bias of 3e38 gives finite logits whose summed bit losses overflow to Infinity.
  const bias = learner.readout.variables.find((v) => v.name.endsWith('/b') && v.shape[0] === batch.targetSize) as tf.Variable;
  bias.assign(tf.fill(bias.shape, 3e38));
  const corrupted = await learner.snapshot();
  const m = learner.learn(batch);
  assert.ok(!Number.isFinite(m['losses/total']), `losses/total ${m['losses/total']}`);
  assert.deepEqual(await learner.snapshot(), corrupted);
  assert.equal(learner.updates, 1);

  const n = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) assert.ok(!allFinite(learner.learn(batch)));
  assert.equal(tf.memory().numTensors, n, 'skipped updates leak no tensors');
  assert.deepEqual(await learner.snapshot(), corrupted);
  learner.dispose();
});

test('clippedStep: named stats, applied only when the loss, every statistic and the norm are finite', () => {
  const v = tf.variable(tf.tensor1d([1, 2]));
  const opt = tf.train.adam(0.1);
  const step = (extra: number) => clippedStep(opt, [v], 1, () => ({
    total: tf.sum(tf.square(v)) as tf.Scalar,
    stats: { scalars: { extra: tf.scalar(extra), seven: tf.scalar(7) }, vectors: { pair: tf.tensor1d([3, 4]) } },
  }));
  const ok = step(5);
  assert.deepEqual({ ...ok, stats: { scalars: ok.stats.scalars, vectors: { pair: [...ok.stats.vectors.pair] } } },
    { loss: 5, gradNorm: ok.gradNorm, stats: { scalars: { extra: 5, seven: 7 }, vectors: { pair: [3, 4] } }, applied: true });
  assert.ok(Math.abs(ok.gradNorm - Math.sqrt(20)) < 1e-5, `|2v| = ${ok.gradNorm}`);
  const before = [...v.dataSync()];
  const n = tf.memory().numTensors;
  const bad = step(NaN);
  assert.equal(bad.applied, false);
  assert.ok(Number.isNaN(bad.stats.scalars.extra));
  assert.deepEqual([...v.dataSync()], before, 'a non-finite statistic alone is enough to skip the step');
  assert.equal(tf.memory().numTensors, n);
  assert.equal(step(0).applied, true);
  assert.notDeepEqual([...v.dataSync()], before);
  opt.dispose();
  v.dispose();
});
