import '../fixtures/tf-cpu.ts';
/**
 * The actor's side of the wire: the Runner's behaviour record (log μ of each action taken, the
 * final observation of each truncated step, obs[T] with its resets and control) and
 * `unrollFromTrajectory` -> encodeUnroll -> decodeUnroll, exact for lstm and dnd-lstm.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { A2CAgent } from '../../agents/a2c/agent.ts';
import { resolveA2CConfig } from '../../agents/a2c/config.ts';
import type { Rng } from '../../envs/rng.ts';
import { make } from '../../envs/registry.ts';
import { discreteActions } from '../../envs/space.ts';
import { SyncVectorEnv } from '../../envs/vector.ts';
import type { CoreState } from '../../memory/core.ts';
import { makeCore } from '../../memory/registry.ts';
import { stateFromArrays, stateToArrays } from '../../memory/state-arrays.ts';
import { disposeState, mapState } from '../../memory/state.ts';
import type { ActControl, ActOptions, ActResult, Policy } from '../../rollout/policy.ts';
import { Runner } from '../../rollout/runner.ts';
import { disposeTrajectory } from '../../rollout/trajectory.ts';
import { unrollFromTrajectory } from '../../rollout/unroll-builder.ts';
import { WireError, decodeUnroll, encodeUnroll } from '../../rollout/wire.ts';

const CONTEXTUAL = { obsDim: 3, ctxDim: 3, trialLength: 3, tNoiseOff: 1, nUniqueTrials: 2, episodeMode: 'trial' };
const SMALL: Record<string, Record<string, unknown>> = { lstm: { hiddenSize: 6 }, 'dnd-lstm': { hiddenSize: 6, capacity: 4 } };

function setup(core: string, env: string, kwargs: Record<string, unknown>, numSteps: number) {
  const venv = new SyncVectorEnv([0, 1, 2].map(() => make(env, kwargs)), { autoresetMode: 'same-step' });
  const agent = new A2CAgent({
    obsShape: venv.singleObservationSpace.shape, numActions: discreteActions(venv.singleActionSpace, 'test'),
    makeCore: (inputSize) => makeCore(core, { ...SMALL[core], inputSize, seed: 3 }),
    config: resolveA2CConfig({ numSteps, convChannels: [4], convKernel: 2, convOutput: 8 }), seed: 3,
  });
  return { venv, agent };
}

/** The agent as a Policy that remembers every `act` result. */
function recording(agent: A2CAgent): { policy: Policy<CoreState>; acts: ActResult<CoreState>[] } {
  const acts: ActResult<CoreState>[] = [];
  const policy: Policy<CoreState> = {
    numActions: agent.numActions,
    initialState: (n) => agent.initialState(n),
    act: (obs: Float32Array, state: CoreState, resets: Uint8Array, control: ActControl, rng: Rng, opts?: ActOptions) => {
      const r = agent.act(obs, state, resets, control, rng, opts);
      acts.push(r);
      return r;
    },
    value: (obs, state, resets, control) => agent.value(obs, state, resets, control),
    disposeState: (s) => agent.disposeState(s),
  };
  return { policy, acts };
}

test('the runner records log μ(a_t) = log probs[a_t] as act read it back, and the inputs after the last step', () => {
  const { venv, agent } = setup('lstm', 'ContextualChoice-v0', CONTEXTUAL, 5);
  const { policy, acts } = recording(agent);
  const runner = new Runner(venv, policy, { seed: 5 });
  const T = 5, B = 3, A = agent.numActions;
  const traj = runner.collect(T);
  assert.equal(acts.length, T);
  for (let t = 0; t < T; t++) {
    const act = acts[t]!;
    for (let b = 0; b < B; b++) {
      const p = act.probs[b * A + act.actions[b]!]!;
      assert.equal(traj.logProbs[t * B + b], Math.fround(Math.log(p)), `t=${t} b=${b}`);
      assert.ok(traj.logProbs[t * B + b]! <= 0);
    }
  }
  // obs[T] and its inputs are what the next rollout starts from.
  const next = runner.collect(T);
  assert.deepEqual(traj.finalObs, next.obs.subarray(0, B * traj.obsSize));
  assert.deepEqual(traj.finalResets, next.resets.subarray(0, B));
  assert.deepEqual(traj.finalWrite, next.write.subarray(0, B));
  assert.deepEqual(traj.finalFlush, next.flush.subarray(0, B));
  assert.equal(traj.truncatedObs.length, 0, 'no time limit, no truncated rows');
  assert.ok([...traj.resets, ...next.resets].some((x, i) => x === 1 && i >= B), 'episodes end inside the rollouts');
  disposeTrajectory(traj, agent);
  disposeTrajectory(next, agent);
  runner.dispose();
  agent.dispose();
});

test('the runner records the final observation of every truncated step, in (t, b) order', () => {
  const { venv, agent } = setup('lstm', 'BoxWorld-v0', { maxSteps: 3, view: 'viewport' }, 7);
  const finals: (Float32Array | null)[][] = [];
  const step = venv.step.bind(venv);
  venv.step = (actions) => { const r = step(actions); finals.push(r.finalObs.map((f) => f && f.slice())); return r; };
  const runner = new Runner(venv, agent, { seed: 5 });
  const T = 7, B = 3, D = runner.obsSize;
  const traj = runner.collect(T);
  const want: number[] = [];
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) if (traj.truncated[t * B + b]) want.push(...finals[t]![b]!);
  assert.ok(want.length >= 2 * D, 'episodes of 3 steps were cut');
  assert.deepEqual(traj.truncatedObs, Float32Array.from(want));
  disposeTrajectory(traj, agent);
  runner.dispose();
  agent.dispose();
});

const leafValues = (s: CoreState) => {
  const out: Record<string, number[]> = {};
  mapState(s, (t, _l, p) => { out[p] = Array.from(t.dataSync()); return t; });
  return out;
};

for (const core of ['lstm', 'dnd-lstm']) {
  test(`${core}: unrollFromTrajectory -> encode -> decode is exact, truncations included, and restores the start state`, () => {
    const { venv, agent } = setup(core, 'BoxWorld-v0', { maxSteps: 3, view: 'viewport' }, 7);
    const runner = new Runner(venv, agent, { seed: 5 });
    disposeTrajectory(runner.collect(7), agent);   // the second rollout starts from a used memory
    const traj = runner.collect(7);
    const spec = agent.core.stateSpec();
    const named = stateToArrays(traj.initialState, spec, { diagnostics: false });
    const meta = { runId: 'r', actorId: 'a0', seq: 1, weightsVersion: agent.updates, envId: 'BoxWorld-v0', coreId: core, numActions: agent.numActions };
    const u = unrollFromTrajectory(traj, named, meta);
    assert.deepEqual({ T: u.meta.numSteps, B: u.meta.numEnvs, D: u.meta.obsSize, offset: u.meta.envOffset, total: u.meta.totalEnvs }, { T: 7, B: 3, D: traj.obsSize, offset: 0, total: 3 });
    assert.ok(u.truncatedObs.length > 0);
    const back = decodeUnroll(encodeUnroll(u));
    assert.deepStrictEqual(back, u);
    const restored = stateFromArrays(spec, back.initialState, { batchSize: 3 });
    const original = leafValues(traj.initialState);
    for (const [path, data] of Object.entries(leafValues(restored))) assert.deepEqual(data, original[path], path);
    if (core === 'dnd-lstm') assert.ok(Object.values(leafValues(restored)).flat().some((x) => x !== 0), 'a used memory');
    disposeState(restored);
    disposeTrajectory(traj, agent);
    runner.dispose();
    agent.dispose();
  });
}

test('unrollFromTrajectory validates: a bad trajectory is a WireError naming the array', () => {
  const { venv, agent } = setup('lstm', 'ContextualChoice-v0', CONTEXTUAL, 3);
  const runner = new Runner(venv, agent, { seed: 5 });
  const traj = runner.collect(3);
  const named = stateToArrays(traj.initialState, agent.core.stateSpec(), { diagnostics: false });
  const meta = { runId: 'r', actorId: 'a0', seq: 0, weightsVersion: 0, envId: 'ContextualChoice-v0', coreId: 'lstm', numActions: agent.numActions };
  assert.throws(() => unrollFromTrajectory({ ...traj, logProbs: traj.logProbs.map((x, i) => (i === 4 ? 0.5 : x)) }, named, meta),
    (e: unknown) => e instanceof WireError && /logProbs\[1, 1\] must be a log-probability/.test(e.message));
  assert.throws(() => unrollFromTrajectory(traj, named, { ...meta, numActions: 1 }), (e: unknown) => e instanceof WireError && /actions\[/.test(e.message));
  disposeTrajectory(traj, agent);
  runner.dispose();
  agent.dispose();
});
