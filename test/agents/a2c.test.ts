import { tf } from '../fixtures/tf-cpu.ts';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { A2CAgent } from '../../agents/a2c/agent.ts';
import { resolveA2CConfig } from '../../agents/a2c/config.ts';
import { conv2dValid, makeEncoder } from '../../agents/encoder.ts';
import { make } from '../../envs/registry.ts';
import { discreteActions } from '../../envs/space.ts';
import { SyncVectorEnv } from '../../envs/vector.ts';
import { makeCore } from '../../memory/registry.ts';
import { Runner } from '../../rollout/runner.ts';
import { disposeTrajectory } from '../../rollout/trajectory.ts';

function setup(core: string, env = 'MiniPacman-v0', kwargs: Record<string, unknown> = { view: 'viewport' }, agent: Record<string, unknown> = {}) {
  const venv = new SyncVectorEnv([make(env, kwargs), make(env, kwargs)], { autoresetMode: 'same-step' });
  const small: Record<string, Record<string, unknown>> = { lstm: { hiddenSize: 8 }, 'dnd-lstm': { hiddenSize: 8, capacity: 4 }, rmc: { numSlots: 2, headSize: 4, numHeads: 2 } };
  const a = new A2CAgent({
    obsShape: venv.singleObservationSpace.shape, numActions: discreteActions(venv.singleActionSpace, 'test'),
    makeCore: (inputSize) => makeCore(core, { ...small[core], inputSize, seed: 3 }),
    config: resolveA2CConfig({ numSteps: 4, convChannels: [4], convKernel: 2, convOutput: 16, ...agent }), seed: 3,
  });
  return { venv, agent: a, runner: new Runner(venv, a, { seed: 5 }) };
}

for (const core of ['lstm', 'dnd-lstm', 'rmc']) {
  test(`${core}: tf.memory().numTensors stays flat across collect + learn`, () => {
    const { agent, runner } = setup(core);
    const iteration = () => { const traj = runner.collect(4); const m = agent.learn(traj); disposeTrajectory(traj, agent); return m; };
    iteration();
    iteration();
    const n = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const m = iteration();
      assert.ok(Number.isFinite(m['losses/total']), 'finite loss');
    }
    assert.equal(tf.memory().numTensors, n);
    runner.dispose();
    agent.dispose();
  });
}

test('learning changes the weights; snapshot/restore reproduces actions and values exactly', async () => {
  const { agent, runner } = setup('lstm');
  const before = agent.net.namedVariables().map((v) => Array.from(v.variable.dataSync()));
  const traj = runner.collect(4);
  agent.learn(traj);
  disposeTrajectory(traj, agent);
  const after = agent.net.namedVariables().map((v) => Array.from(v.variable.dataSync()));
  assert.notDeepEqual(after, before);
  const snap = await agent.snapshot();
  const other = setup('lstm');
  await other.agent.restore(snap);
  assert.equal(other.agent.updates, 1);
  const obs = new Float32Array(2 * 75).map((_, i) => (i % 7) / 7);
  const ctl = { write: new Uint8Array([1, 1]), flush: new Uint8Array(2) };
  const s1 = agent.initialState(2), s2 = other.agent.initialState(2);
  const v1 = agent.value(obs, s1, new Uint8Array([1, 1]), ctl), v2 = other.agent.value(obs, s2, new Uint8Array([1, 1]), ctl);
  assert.deepEqual([...v1], [...v2]);
  // Optimizer slots came along too: one more identical update keeps the two agents identical.
  const t1 = runner.collect(4);
  agent.learn(t1);
  other.agent.learn(t1);
  assert.deepEqual(other.agent.net.namedVariables().map((v) => Array.from(v.variable.dataSync())), agent.net.namedVariables().map((v) => Array.from(v.variable.dataSync())));
  disposeTrajectory(t1, agent);
  [s1, s2].forEach((s) => agent.disposeState(s));
  runner.dispose(); other.runner.dispose(); agent.dispose(); other.agent.dispose();
});

test('restore into a different architecture fails with a message naming the mismatch', async () => {
  const a = setup('lstm'), b = setup('rmc');
  await assert.rejects(b.agent.restore(await a.agent.snapshot()), /checkpoint: has \d+ weights, this agent has \d+|checkpoint: weight 0/);
  [a, b].forEach((x) => { x.runner.dispose(); x.agent.dispose(); });
});

test('the runner records a truncation bootstrap V(final obs) and no bootstrap on termination', () => {
  const { agent, runner } = setup('lstm', 'BoxWorld-v0', { maxSteps: 3, view: 'viewport' });
  const traj = runner.collect(7);
  const B = 2;
  let truncations = 0;
  for (let i = 0; i < 7 * B; i++) {
    if (traj.truncated[i]) { truncations++; assert.notEqual(traj.bootstrap[i], 0); }
    else assert.equal(traj.bootstrap[i], 0);
  }
  assert.ok(truncations >= 2, 'episodes of 3 steps were cut');
  // The step after an end opens a new episode.
  for (let t = 0; t < 6; t++) for (let b = 0; b < B; b++) {
    const ended = traj.truncated[t * B + b] || traj.terminated[t * B + b];
    assert.equal(traj.resets[(t + 1) * B + b], ended ? 1 : 0);
  }
  disposeTrajectory(traj, agent);
  runner.dispose();
  agent.dispose();
});

test('greedy acting takes the argmax; sampled acting is seeded', () => {
  const { venv, agent } = setup('lstm');
  const r1 = new Runner(venv, agent, { seed: 9 });
  const a = Array.from(r1.collect(5).actions);
  r1.dispose();
  const r2 = new Runner(venv, agent, { seed: 9 });
  assert.deepEqual(Array.from(r2.collect(5).actions), a);
  r2.dispose();
  agent.dispose();
});

test('conv2dValid (im2col by slices) equals tf.conv2d, and has gradients for input and filter', () => {
  const x = tf.randomNormal([2, 5, 6, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w4 = tf.randomNormal([2, 2, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;   // [k, k, C, F]
  const b = tf.tensor1d([0.1, -0.2, 0.3, 0]);
  const ref = tf.add(tf.conv2d(x, w4, 1, 'valid'), b);
  const got = conv2dValid(x, w4.reshape([12, 4]) as tf.Tensor2D, b, 2);
  assert.deepEqual(got.shape, ref.shape);
  const d = tf.max(tf.abs(tf.sub(got, ref))).dataSync()[0]!;
  assert.ok(d < 1e-5, `max diff ${d}`);
  const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(conv2dValid(xx as tf.Tensor4D, ww as tf.Tensor2D, b, 2))))([x, w4.reshape([12, 4])]);
  const gr = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(tf.add(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, 'valid'), b))))([x, w4]);
  assert.ok(tf.max(tf.abs(tf.sub(g[0]!, gr[0]!))).dataSync()[0]! < 1e-4);
  assert.ok(tf.max(tf.abs(tf.sub(g[1]!, gr[1]!.reshape([12, 4])))).dataSync()[0]! < 1e-3);
});

test('the conv encoder (gathered first layer, sliced later layers) equals stacked tf.conv2d', () => {
  const cfg = resolveA2CConfig({ encoder: 'conv', convChannels: [4, 3], convKernel: 2, convOutput: 0 });
  const enc = makeEncoder([5, 6, 2], cfg, 1);
  const x = tf.randomUniform([3, 60], 0, 1, 'float32', 4) as tf.Tensor2D;
  const [w0, b0, w1, b1] = enc.params.variables as tf.Variable[];
  const ref = tf.tidy(() => {
    const y0 = tf.relu(tf.add(tf.conv2d(x.reshape([3, 5, 6, 2]) as tf.Tensor4D, w0!.reshape([2, 2, 2, 4]) as tf.Tensor4D, 1, 'valid'), b0!));
    const y1 = tf.relu(tf.add(tf.conv2d(y0 as tf.Tensor4D, w1!.reshape([2, 2, 4, 3]) as tf.Tensor4D, 1, 'valid'), b1!));
    return y1.reshape([3, -1]);
  });
  const got = enc.apply(tf.tensor2d(enc.prepare(x.dataSync() as Float32Array, 3), [3, enc.inputSize]));
  assert.equal(enc.outputSize, 3 * 4 * 3);
  assert.ok(tf.max(tf.abs(tf.sub(got, ref))).dataSync()[0]! < 1e-5);
  const n = tf.memory().numTensors;
  enc.dispose();
  assert.equal(tf.memory().numTensors, n - 4, 'dispose frees the encoder variables');
});

test('bad agent settings are rejected with the rule and the value', () => {
  assert.throws(() => resolveA2CConfig({ gamma: 2 }), /agent: gamma must be in \[0, 1\], got 2/);
  assert.throws(() => resolveA2CConfig({ optimizer: 'sgd' }), /agent: optimizer must be one of adam, rmsprop, got "sgd"/);
  assert.throws(() => resolveA2CConfig({ lr: '0.1' }), /agent: lr must be a number, got "0.1"/);
  assert.throws(() => resolveA2CConfig({ learningRate: 1 }), /agent: unknown option "learningRate"/);
});
