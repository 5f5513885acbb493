/**
 * Agent = Policy + learning + persistence (Acme's Actor + Learner, in one process for A2C).
 */
import type { Metrics } from '../rollout/observer.ts';
import type { Policy } from '../rollout/policy.ts';
import type { Trajectory } from '../rollout/trajectory.ts';

/** Named float arrays: the weights and optimizer slots of a checkpoint. */
export interface NamedArrays {
  readonly names: string[];
  readonly shapes: number[][];
  readonly data: Float32Array[];
}

export interface AgentSnapshot {
  readonly weights: NamedArrays;
  readonly optimizer: NamedArrays;
  /** Optimizer step count, learning-rate schedule position, etc. */
  readonly counters: Record<string, number>;
}

export interface Agent<S> extends Policy<S> {
  /**
   * One update from a trajectory; does not dispose it. Contract: if any `losses/*` value of the
   * result is not finite (NaN, ±Infinity), the update was not applied; the agent (weights,
   * optimizer state, counters) is exactly as before, so the caller may stop or carry on.
   */
  learn(traj: Trajectory<S>): Metrics;
  snapshot(): Promise<AgentSnapshot>;
  restore(s: AgentSnapshot): Promise<void>;
  dispose(): void;
}
