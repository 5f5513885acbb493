/**
 * The actor's side of the wire: a recorded trajectory (rollout/runner.ts `collect`) as an `Unroll`
 * (rollout/wire.ts), ready for `encodeUnroll` / `splitUnroll`.
 *
 * The memory state stays opaque here (rollout/ imports neither memory/ nor agents/, docs/style.md
 * §2.2): the caller converts `traj.initialState` with memory/state-arrays.ts `stateToArrays` (with
 * the core's `stateSpec()`, `diagnostics: false` leaves the viewer-only leaves out) and passes the
 * named arrays in.
 */
import type { RecordedTrajectory } from './trajectory.ts';
import { checkUnroll, type NamedState, type Unroll, type UnrollMeta } from './wire.ts';

/** The metadata a trajectory does not know; T, B and D come from it. */
export type UnrollIds = Omit<UnrollMeta, 'numSteps' | 'numEnvs' | 'obsSize' | 'envOffset' | 'totalEnvs'>
  & Partial<Pick<UnrollMeta, 'envOffset' | 'totalEnvs'>>;

/**
 * The unroll of `traj` (envOffset 0 and totalEnvs B unless `meta` says otherwise). Its arrays are
 * the trajectory's own, not copies (encoding copies them): do not write into either afterwards.
 * Validated before it is returned: an inconsistent trajectory throws a WireError naming the problem
 * (a non-finite observation, a log-probability > 0, an action outside [0, numActions), ...).
 */
export function unrollFromTrajectory(traj: RecordedTrajectory<unknown>, initialState: NamedState, meta: UnrollIds): Unroll {
  const { numSteps, numEnvs, obsSize } = traj;
  const u: Unroll = {
    meta: {
      runId: meta.runId, actorId: meta.actorId, seq: meta.seq, weightsVersion: meta.weightsVersion, envId: meta.envId, coreId: meta.coreId,
      numSteps, numEnvs, obsSize, numActions: meta.numActions, envOffset: meta.envOffset ?? 0, totalEnvs: meta.totalEnvs ?? numEnvs,
    },
    obs: traj.obs, actions: traj.actions, rewards: traj.rewards, terminated: traj.terminated, truncated: traj.truncated,
    logProbs: traj.logProbs, resets: traj.resets, write: traj.write, flush: traj.flush,
    finalObs: traj.finalObs, finalResets: traj.finalResets, finalWrite: traj.finalWrite, finalFlush: traj.finalFlush,
    truncatedObs: traj.truncatedObs,
    initialState,
  };
  checkUnroll('unrollFromTrajectory', u);
  return u;
}
