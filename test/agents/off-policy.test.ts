import { tf } from '../fixtures/tf-cpu.ts';
/**
 * The learner's side of the wire: `A2CAgent.learnUnroll` (V-trace from an actor's unroll).
 *
 * On-policy (the unroll built from the very trajectory `learn` gets, ρ̄ = c̄ = 1, λ = 1) it is `learn`
 * up to rounding, not bitwise: (1) the actor's log μ is Math.log of the float32 softmax it read back,
 * the learner's log π is tf.logSoftmax, so they differ by ~1 float32 ulp and ρ = min(1, π/μ) is not
 * exactly 1 (the re-unroll's V(x_t) and bootstraps do match the acting ones bitwise here: both run
 * `A2CNetwork.step` with the same inputs); (2) `learn` backpropagates through `A2CNetwork.unroll`
 * (the encoder and heads over all T·B rows at once, memory/unroll.ts), `learnUnroll` through T calls
 * of `A2CNetwork.step`, so gradient sums run in another order. Measured: losses ~1e-7 relative,
 * weights after the step ~2e-7 relative; the tests allow 1e-5.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { A2CAgent } from '../../agents/a2c/agent.ts';
import { resolveA2CConfig } from '../../agents/a2c/config.ts';
import { offPolicyTargets, reunroll } from '../../agents/a2c/off-policy.ts';
import { gae } from '../../agents/returns.ts';
import { ConfigError } from '../../envs/errors.ts';
import { make } from '../../envs/registry.ts';
import { discreteActions } from '../../envs/space.ts';
import { SyncVectorEnv } from '../../envs/vector.ts';
import { makeCore } from '../../memory/registry.ts';
import { stateFromArrays, stateToArrays } from '../../memory/state-arrays.ts';
import { disposeState } from '../../memory/state.ts';
import { Runner } from '../../rollout/runner.ts';
import { disposeTrajectory, type RecordedTrajectory } from '../../rollout/trajectory.ts';
import { unrollFromTrajectory } from '../../rollout/unroll-builder.ts';
import { decodeUnroll, encodeUnroll, type Unroll } from '../../rollout/wire.ts';
import type { CoreState } from '../../memory/core.ts';

const CONTEXTUAL = { obsDim: 3, ctxDim: 3, trialLength: 3, tNoiseOff: 1, nUniqueTrials: 2, episodeMode: 'trial' };
const BOXWORLD = { maxSteps: 3, view: 'viewport' };
const SMALL: Record<string, Record<string, unknown>> = { lstm: { hiddenSize: 6 }, 'dnd-lstm': { hiddenSize: 6, capacity: 4 } };
const T = 6;
const V1 = { rhoBar: 1, cBar: 1, pgRhoBar: 1 };

function makeAgent(core: string, venv: SyncVectorEnv, agent: Record<string, unknown> = {}): A2CAgent {
  return new A2CAgent({
    obsShape: venv.singleObservationSpace.shape, numActions: discreteActions(venv.singleActionSpace, 'test'),
    makeCore: (inputSize) => makeCore(core, { ...SMALL[core], inputSize, seed: 3 }),
    config: resolveA2CConfig({ numSteps: T, convChannels: [4], convKernel: 2, convOutput: 8, ...agent }), seed: 3,
  });
}

function setup(core: string, env: string, kwargs: Record<string, unknown>, agent: Record<string, unknown> = {}) {
  const venv = new SyncVectorEnv([0, 1, 2].map(() => make(env, kwargs)), { autoresetMode: 'same-step' });
  const a = makeAgent(core, venv, agent);
  return { venv, agent: a, runner: new Runner(venv, a, { seed: 5 }) };
}

/** The unroll of `traj` as it arrives at the learner: through the wire. */
function shipped(agent: A2CAgent, traj: RecordedTrajectory<CoreState>, coreId: string): Unroll {
  const named = stateToArrays(traj.initialState, agent.core.stateSpec(), { diagnostics: false });
  const u = unrollFromTrajectory(traj, named, {
    runId: 'run', actorId: 'actor-0', seq: 0, weightsVersion: agent.updates, envId: 'test', coreId, numActions: agent.numActions,
  });
  return decodeUnroll(encodeUnroll(u));
}

const weights = (a: A2CAgent) => a.namedVariables().map((n) => ({ name: n.name, data: n.variable.dataSync() as Float32Array }));

/** |x - y| <= rel * max(|x|, |y|), with an absolute floor for values that are 0 up to rounding. */
function close(x: number, y: number, rel: number, what: string, floor = 1e-9): void {
  assert.ok(Number.isFinite(x) && Number.isFinite(y), `${what}: ${x} vs ${y}`);
  assert.ok(Math.abs(x - y) <= rel * Math.max(Math.abs(x), Math.abs(y)) + floor, `${what}: ${x} vs ${y} (diff ${Math.abs(x - y)})`);
}

/** Agent A after one warm-up update, and B a copy of it (weights, optimizer slots, counters). */
async function twins(core: string, env: string, kwargs: Record<string, unknown>, config: Record<string, unknown> = {}) {
  const a = setup(core, env, kwargs, config);
  const warm = a.runner.collect(T);
  a.agent.learn(warm);
  disposeTrajectory(warm, a.agent);
  const b = makeAgent(core, a.venv, config);
  await b.restore(await a.agent.snapshot());
  return { ...a, b };
}

const ON_POLICY: [string, string, Record<string, unknown>][] = [
  ['lstm', 'ContextualChoice-v0', CONTEXTUAL],
  ['dnd-lstm', 'ContextualChoice-v0', CONTEXTUAL],
  ['lstm', 'BoxWorld-v0', BOXWORLD],   // time limit: truncated steps bootstrap from V(final obs)
];

for (const [core, env, kwargs] of ON_POLICY) {
  test(`${core} on ${env}: the re-unroll reproduces the acting values and bootstraps; V-trace with ρ̄ = c̄ = 1 is GAE`, async () => {
    const { agent, runner, b } = await twins(core, env, kwargs, { gaeLambda: 0.9 });
    const traj = runner.collect(T);
    const u = shipped(agent, traj, core);
    const state = stateFromArrays(agent.core.stateSpec(), u.initialState, { batchSize: 3 });
    const data = tf.tidy(() => {
      const actions = tf.tensor1d(u.actions, 'int32');
      return reunroll(agent.net, u, state, actions).readback.dataSync() as Float32Array;
    });
    disposeState(state);
    const n = T * 3;
    for (let i = 0; i < n; i++) {
      close(data[i]!, traj.logProbs[i]!, 1e-5, `log π[${i}]`, 1e-6);
      close(data[n + i]!, traj.values[i]!, 1e-5, `V[${i}]`);
    }
    let k = 2 * n;
    for (let i = 0; i < n; i++) if (traj.truncated[i]) close(data[k++]!, traj.bootstrap[i]!, 1e-5, `bootstrap[${i}]`);
    if (env === 'BoxWorld-v0') assert.ok(k > 2 * n, 'some steps were truncated');
    for (let j = 0; j < 3; j++) close(data[k + j]!, traj.lastValues[j]!, 1e-5, `lastValues[${j}]`);
    assert.equal(data.length, k + 3);
    const c = agent.config;
    const tgt = offPolicyTargets(u, data, { ...V1, gamma: c.gamma, lambda: c.gaeLambda });
    for (let i = 0; i < n; i++) close(tgt.rhos[i]!, 1, 1e-5, `rho[${i}]`);
    // v_s is GAE(λ)'s return for any λ; the policy-gradient advantage r_s + γ v_{s+1} − V(x_s) is GAE's only for λ = 1.
    const returns = gae(traj, c.gamma, c.gaeLambda).returns, advantages1 = gae(traj, c.gamma, 1).advantages;
    for (let i = 0; i < n; i++) close(tgt.vs[i]!, returns[i]!, 1e-5, `v_s[${i}]`, 1e-6);
    const pg = offPolicyTargets(u, data, { ...V1, gamma: c.gamma, lambda: 1 }).pgAdvantages;
    for (let i = 0; i < n; i++) close(pg[i]!, advantages1[i]!, 1e-5, `A_s[${i}]`, 1e-6);
    disposeTrajectory(traj, agent);
    runner.dispose(); agent.dispose(); b.dispose();
  });

  test(`${core} on ${env}: on-policy with λ = 1, learnUnroll equals learn (losses and new weights to 1e-5 relative)`, async () => {
    const { agent, runner, b } = await twins(core, env, kwargs);
    const traj = runner.collect(T);
    const u = shipped(agent, traj, core);
    const before = weights(b);
    const ma = agent.learn(traj);
    const mb = b.learnUnroll(u, V1);
    for (const k of ['losses/total', 'losses/policy', 'losses/value', 'losses/entropy', 'losses/grad_norm'] as const) close(mb[k]!, ma[k]!, 1e-5, k, 1e-7);
    close(mb['losses/explained_variance']!, ma['losses/explained_variance']!, 1e-4, 'explained variance', 1e-5);
    assert.equal(mb['charts/lr'], ma['charts/lr']);
    close(mb['vtrace/rho_mean']!, 1, 1e-6, 'rho_mean');
    assert.equal(mb['vtrace/clipped_fraction'], 0);
    assert.equal(b.updates, agent.updates);
    const wa = weights(agent), wb = weights(b);
    let changed = 0;
    wb.forEach((w, j) => {
      w.data.forEach((x, i) => close(x, wa[j]!.data[i]!, 1e-5, `${w.name}[${i}]`, 1e-8));
      changed += w.data.some((x, i) => x !== before[j]!.data[i]) ? 1 : 0;
    });
    assert.ok(changed > 0, 'the update was applied');
    disposeTrajectory(traj, agent);
    runner.dispose(); agent.dispose(); b.dispose();
  });
}

test('off-policy: with perturbed weights ρ is not 1, some ratios are clipped, and the update applies and is finite', async () => {
  const { agent, runner, b } = await twins('lstm', 'ContextualChoice-v0', CONTEXTUAL);
  const w = b.namedVariables().find((v) => v.name.endsWith('policy/w'))!.variable;
  tf.tidy(() => w.assign(tf.add(w, tf.randomNormal(w.shape, 0, 1, 'float32', 7))));
  const traj = runner.collect(T);
  const u = shipped(agent, traj, 'lstm');
  const before = weights(b);
  const m = b.learnUnroll(u, V1);
  for (const [k, v] of Object.entries(m)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
  assert.ok(Math.abs(m['vtrace/rho_mean']! - 1) > 1e-3, `rho_mean ${m['vtrace/rho_mean']}`);
  assert.ok(m['vtrace/rho_mean']! <= 1, 'ρ̄ = 1 clips every weight to at most 1');
  assert.ok(m['vtrace/clipped_fraction']! > 0 && m['vtrace/clipped_fraction']! < 1, `clipped ${m['vtrace/clipped_fraction']}`);
  assert.equal(b.updates, 2);
  assert.ok(weights(b).some((x, j) => x.data.some((y, i) => y !== before[j]!.data[i])), 'the weights moved');
  // A larger ρ̄ clips less.
  const m2 = b.learnUnroll(u, { rhoBar: 100, cBar: 1, pgRhoBar: 100 });
  assert.ok(m2['vtrace/clipped_fraction']! < m['vtrace/clipped_fraction']!);
  disposeTrajectory(traj, agent);
  runner.dispose(); agent.dispose(); b.dispose();
});

test('a non-finite loss applies nothing (the contract of learn)', async () => {
  const { agent, runner, b } = await twins('lstm', 'ContextualChoice-v0', CONTEXTUAL);
  const traj = runner.collect(T);
  const u = shipped(agent, traj, 'lstm');
  const vb = b.namedVariables().find((v) => v.name.endsWith('value/b'))!.variable;
  vb.assign(tf.tensor1d([NaN]));
  const before = weights(b);
  const m = b.learnUnroll(u, V1);
  assert.ok(!Number.isFinite(m['losses/total']!));
  assert.equal(b.updates, 1);
  weights(b).forEach((w, j) => assert.deepEqual(w.data, before[j]!.data, w.name));
  disposeTrajectory(traj, agent);
  runner.dispose(); agent.dispose(); b.dispose();
});

test('tf.memory().numTensors stays flat across learnUnroll updates (truncations and dnd-lstm included)', async () => {
  for (const [core, env, kwargs] of [['dnd-lstm', 'BoxWorld-v0', BOXWORLD], ['lstm', 'ContextualChoice-v0', CONTEXTUAL]] as const) {
    const { agent, runner, b } = await twins(core, env, kwargs);
    const us = [0, 1, 2, 3].map(() => {
      const traj = runner.collect(T);
      const u = shipped(agent, traj, core);
      disposeTrajectory(traj, agent);
      return u;
    });
    b.learnUnroll(us[0]!, V1);
    const n = tf.memory().numTensors;
    for (const u of us.slice(1)) assert.ok(Number.isFinite(b.learnUnroll(u, V1)['losses/total']!));
    assert.equal(tf.memory().numTensors, n, core);
    runner.dispose(); agent.dispose(); b.dispose();
  }
});

test('an unroll the agent cannot learn from is a ConfigError naming the mismatch', async () => {
  const { agent, runner, b } = await twins('lstm', 'ContextualChoice-v0', CONTEXTUAL);
  const traj = runner.collect(T);
  const u = shipped(agent, traj, 'lstm');
  const n = tf.memory().numTensors;
  const isConfig = (re: RegExp) => (e: unknown) => e instanceof ConfigError && re.test(e.message);
  assert.throws(() => b.learnUnroll({ ...u, meta: { ...u.meta, numActions: u.meta.numActions + 1 } }, V1),
    isConfig(/learnUnroll: unroll numActions is 3, the agent's number of actions is 2/));
  assert.throws(() => b.learnUnroll({ ...u, meta: { ...u.meta, obsSize: 5 } }, V1), isConfig(/unroll obsSize is 5, the agent's observation size is 6/));
  assert.throws(() => b.learnUnroll({ ...u, meta: { ...u.meta, numSteps: T - 1 } }, V1), isConfig(/unroll numSteps is 5, the agent's numSteps is 6/));
  assert.throws(() => b.learnUnroll({ ...u, obs: u.obs.subarray(1) }, V1), isConfig(/unroll obs must hold 108 values/));
  assert.throws(() => b.learnUnroll({ ...u, initialState: u.initialState.slice(1) }, V1), isConfig(/initial state does not fit core .*missing leaf/));
  assert.throws(() => b.learnUnroll(u, { rhoBar: 0 }), isConfig(/rhoBar must be a number > 0, got 0/));
  assert.equal(tf.memory().numTensors, n, 'nothing leaked');
  assert.equal(b.updates, 1, 'nothing applied');
  disposeTrajectory(traj, agent);
  runner.dispose(); agent.dispose(); b.dispose();
});
