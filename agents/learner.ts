/**
 * Learner — what every learner does, whatever feeds it (Acme's Learner): one update from a batch
 * of experience, its variables by stable names, and checkpoints. A2C learns from trajectories
 * its own policy collected; the supervised learner from batches of task episodes; later learners
 * from remote actors or a replay. Acting is a separate contract, `Policy` (rollout/policy.ts).
 */
import type { MemoryCore } from '../memory/core.ts';
import type { Metrics } from '../rollout/observer.ts';
import type { NamedVariable } from './optim.ts';

/** Named float arrays: the weights and optimizer slots of a checkpoint. */
export interface NamedArrays {
  readonly names: string[];
  readonly shapes: number[][];
  readonly data: Float32Array[];
}

export interface LearnerSnapshot {
  readonly weights: NamedArrays;
  readonly optimizer: NamedArrays;
  /** Optimizer step count, learning-rate schedule position, etc. */
  readonly counters: Record<string, number>;
}

export interface Learner<B> {
  /**
   * One update from a batch; does not dispose it. Contract: if any `losses/*` value of the result
   * is not finite (NaN, ±Infinity), the update was not applied: the learner (weights, optimizer
   * state, counters) is exactly as before, so the caller may stop or carry on.
   */
  learn(batch: B): Metrics;
  /** Every trainable variable with a stable name (for checkpoints), in one fixed order. */
  namedVariables(): NamedVariable[];
  snapshot(): Promise<LearnerSnapshot>;
  restore(s: LearnerSnapshot): Promise<void>;
  dispose(): void;
}

/** What building any learner takes: its observations, its memory core, its config, a seed. */
export interface LearnerOptions<C> {
  readonly obsShape: readonly number[];
  /** Builds the memory core once the encoder's output size is known. */
  readonly makeCore: (inputSize: number) => MemoryCore;
  readonly config: Readonly<C>;
  readonly seed: number;
}
