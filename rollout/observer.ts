/**
 * Observers see the loop's events and do the I/O (Acme's observers): metrics files, the
 * progress bar, the live feed. The loops never know what they do.
 */
import type { EnvFrame } from '../envs/env.ts';
import type { Readout } from './policy.ts';

export type Metrics = Record<string, number>;

export interface StepEvent {
  readonly globalStep: number;
  readonly env: number;
  readonly action: number;
  readonly reward: number;
  readonly value: number;
  readonly probs: number[];
  readonly terminated: boolean;
  readonly truncated: boolean;
  readonly frame?: EnvFrame;
  readonly memory?: Readout;
}

export interface EpisodeEvent {
  readonly globalStep: number;
  readonly env: number;
  /** return, length and the env's own metrics (info.episode). */
  readonly episode: Record<string, number>;
}

export interface UpdateEvent {
  readonly iteration: number;
  readonly globalStep: number;
  readonly metrics: Metrics;
}

export interface RolloutObserver {
  /** Asked once per step: should the runner build a StepEvent for env `env` (frame, readout)? */
  wantsStep?(env: number): boolean;
  onStep?(e: StepEvent): void;
  onEpisode?(e: EpisodeEvent): void;
  onUpdate?(e: UpdateEvent): void;
}
