/**
 * ExperienceSource — where a learner's batches come from. Today: rollouts of the learner's own
 * policy (RolloutSource, below) and whole episodes of task envs (EpisodeSource, episodes.ts).
 * Remote actors or a replay will be other sources; the training loop sees only this.
 */
import type { Runner } from './runner.ts';
import { disposeTrajectory, type Trajectory } from './trajectory.ts';

export interface ExperienceSource<B> {
  /** Env steps taken so far, over all envs. */
  readonly globalStep: number;
  /** The next batch to learn from. */
  next(): B;
  /** Takes back a batch the learner has finished with, freeing what it holds. */
  release(batch: B): void;
  dispose(): void;
}

/** Rollouts of `numSteps` steps, collected by a Runner with the policy being trained (A2C). */
export class RolloutSource<S> implements ExperienceSource<Trajectory<S>> {
  constructor(readonly runner: Runner<S>, private readonly numSteps: number) {}
  get globalStep(): number { return this.runner.globalStep; }
  next(): Trajectory<S> { return this.runner.collect(this.numSteps); }
  release(traj: Trajectory<S>): void { disposeTrajectory(traj, this.runner.policy); }
  dispose(): void { this.runner.dispose(); }
}
