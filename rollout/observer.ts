/**
 * Observers see the loop's events and do the I/O (Acme's observers): metrics files, the
 * progress bar, the live feed. The loops never know what they do.
 */
import type { EnvFrame } from '../envs/env.ts';
import type { Readout } from './policy.ts';

export type Metrics = Record<string, number>;

/** One decision of the watched env: the frame it saw, what it did and got, its memory after. */
export interface StepEvent {
  readonly globalStep: number;
  readonly env: number;
  /** Step index within the episode (0 at the first decision). */
  readonly t: number;
  readonly action: number;
  readonly reward: number;
  /** Return of the episode so far, this step's reward included. */
  readonly episodeReturn: number;
  readonly value: number;
  readonly probs: number[];
  readonly terminated: boolean;
  readonly truncated: boolean;
  /** render('state') of the observation the agent acted on. */
  readonly frame?: EnvFrame;
  readonly memory?: Readout;
}

export interface EpisodeEvent {
  readonly globalStep: number;
  readonly env: number;
  readonly terminated: boolean;
  /** return, length and the env's own metrics (info.episode). */
  readonly episode: Record<string, number>;
}

export interface UpdateEvent {
  readonly iteration: number;
  readonly globalStep: number;
  readonly metrics: Metrics;
}

export interface RolloutObserver {
  /** Asked once per step: the env whose StepEvent (frame, memory readout) to build, if any. */
  watchedEnv?(): number | undefined;
  onStep?(e: StepEvent): void;
  onEpisode?(e: EpisodeEvent): void;
  onUpdate?(e: UpdateEvent): void;
}
