/**
 * Trajectory — one rollout of T steps from B envs, time-major [T, B, ...], as plain typed arrays
 * so it can be re-unrolled by the learner (or shipped to one) from `initialState`.
 */
import type { Policy } from './policy.ts';

export interface Trajectory<S> {
  readonly numSteps: number;            // T
  readonly numEnvs: number;             // B
  readonly obsSize: number;             // D
  readonly obs: Float32Array;           // [T, B, D]
  readonly resets: Uint8Array;          // [T, B] 1: obs[t] opens an episode
  readonly write: Uint8Array;           // [T, B] control inputs seen by act
  readonly flush: Uint8Array;           // [T, B]
  readonly actions: Int32Array;         // [T, B]
  readonly rewards: Float32Array;       // [T, B]
  readonly values: Float32Array;        // [T, B] V(obs[t]) while acting
  readonly terminated: Uint8Array;      // [T, B]
  readonly truncated: Uint8Array;       // [T, B]
  /** [T, B] V(final obs) where truncated[t] = 1 (the time-limit bootstrap), else 0. */
  readonly bootstrap: Float32Array;
  readonly lastValues: Float32Array;    // [B] V(obs[T]) for the bootstrap of the last step
  /** Memory state before step 0 (before its resets), owned by the trajectory. */
  readonly initialState: S;
}

/**
 * What the Runner records besides what A2C reads: the behaviour policy's log-probabilities and the
 * inputs after each episode cut and after the last step, which an off-policy learner (V-trace)
 * needs to recompute every value with its own weights (rollout/unroll-builder.ts turns this into
 * the wire's `Unroll`). A2C ignores these fields.
 */
export interface BehaviourRecord {
  /** [T, B] log μ(actions[t] | history): the log of the probability `act` read back for the action taken. */
  readonly logProbs: Float32Array;
  /** [B, D] obs[T], the observation after the last step (the one `lastValues` was computed on). */
  readonly finalObs: Float32Array;
  readonly finalResets: Uint8Array;    // [B] resets of obs[T]
  readonly finalWrite: Uint8Array;     // [B] control inputs of obs[T]
  readonly finalFlush: Uint8Array;     // [B]
  /** [K, D] the final observation of each truncated step, in (t, b) row-major order, K = Σ truncated (the inputs of `bootstrap`). */
  readonly truncatedObs: Float32Array;
}

/** A trajectory as `Runner.collect` returns it: what A2C learns from plus the behaviour record. */
export interface RecordedTrajectory<S> extends Trajectory<S>, BehaviourRecord {}

/** Frees the trajectory's initial state; call after `learn`. */
export function disposeTrajectory<S>(traj: Trajectory<S>, policy: Pick<Policy<S>, 'disposeState'>): void {
  policy.disposeState(traj.initialState);
}
