/**
 * The Env contract (Gymnasium 1.x `core.Env`, with named results instead of tuples).
 *
 * `terminated`: the task reached a natural end (death, gem, sequence end); do not bootstrap.
 * `truncated`: a time limit cut the episode; the learner bootstraps from the value of `obs`.
 * An env never sets both on one step.
 */
import type { Space } from './space.ts';

export type Json = number | string | boolean | null | Json[] | { [k: string]: Json };
/**
 * The info keys Engram itself reads, declared once; every other key is the env's own (shown by
 * the viewer, ignored by learning).
 */
export interface EngramInfo {
  /** 0/false where episodic memory must not be written this step (the DND-LSTM's write gate); absent: write. */
  encodeHint?: boolean | 0 | 1;
  /** True on the first step of an epoch: persistent memory (the DND) is cleared before this step. */
  epochStart?: boolean;
  /** Reward-free tasks: what the output after reading this observation should predict (see TargetSpec). */
  target?: number | Float32Array | Uint8Array;
  /** Reward-free tasks: 1 when the output after this observation is scored, else 0. */
  targetMask?: 0 | 1;
  /** Same-step autoreset: the info of the new episode's first observation, on the step that ended the old one. */
  resetInfo?: Info;
  /** On the step that ends an episode: its return, length and the env's metrics (the EpisodeStatistics wrapper). */
  episode?: EpisodeInfo;
}

export type Info = EngramInfo & { [key: string]: unknown };

/** Per-episode statistics; the EpisodeStatistics wrapper fills `return` and `length`. */
export interface EpisodeInfo {
  return: number;
  length: number;
  [metric: string]: number;
}

/**
 * A small JSON picture of the scene for the viewer (`render('state')`).
 * `kind` tells the viewer how to draw it; the rest is the env's own plain data.
 */
export interface EnvFrame {
  readonly kind: string;
  readonly [field: string]: Json;
}

/** A grid scene: RGB bytes row-major [height, width, 3], plus where the agent is and what it sees. */
export interface GridFrame extends EnvFrame {
  readonly kind: 'grid';
  readonly height: number;
  readonly width: number;
  /** Row-major RGB, 0..255, length height*width*3. */
  readonly rgb: number[];
  readonly agent: [number, number];
  /** Present when the agent sees only a window: its top-left cell and size (may overhang the grid). */
  readonly viewport: { row: number; col: number; size: number } | null;
}

export type RenderMode = 'ansi' | 'state';

/**
 * What a reward-free (supervised) env asks the model to predict (docs/tasks.md §8): one class id, or a
 * vector of bits. `info.target` carries it with every observation and `info.targetMask` (0 or 1)
 * says whether the output after reading that observation is scored.
 */
export type TargetSpec =
  | {
    readonly kind: 'categorical';
    readonly numClasses: number;
    /** A name per class (a language model's tokens), for the viewer. */
    readonly classNames?: readonly string[];
  }
  | { readonly kind: 'bernoulli'; readonly size: number };
export type AutoresetMode = 'next-step' | 'same-step' | 'disabled';

export interface EnvMetadata {
  readonly renderModes: readonly RenderMode[];
  readonly renderFps: number;
  /** Supervised tasks: reward is always 0 and the target is in `info.target` (docs/tasks.md §8). */
  readonly rewardFree?: boolean;
  /** With rewardFree: the kind of target in `info.target`. */
  readonly target?: TargetSpec;
  /**
   * With rewardFree: episodes are long streams (language modelling). The supervised learner trains on
   * segments of this many steps and carries the core's state from one segment to the next of the same
   * episode (truncated backpropagation through time), resetting it where an episode begins.
   */
  readonly segmentLength?: number;
  /** Kwargs that make this env read held-out data (e.g. `{split: 'valid'}`); evaluation applies them. */
  readonly evalKwargs?: Readonly<Record<string, unknown>>;
  /** A name per discrete action ('up', 'stay', ...); `engram play` maps arrow keys through them. */
  readonly actionNames?: readonly string[];
  /** Vector envs: how done sub-envs are reset. */
  readonly autoresetMode?: AutoresetMode;
  readonly [key: string]: unknown;
}

export interface ResetOptions {
  seed?: number;
  options?: Record<string, unknown>;
}

export interface ResetResult<O = Float32Array, I extends Info = Info> {
  obs: O;
  info: I;
}

export interface StepResult<O = Float32Array, I extends Info = Info> {
  obs: O;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: I;
}

export interface Env<O = Float32Array, A = number, I extends Info = Info> {
  readonly observationSpace: Space<O>;
  readonly actionSpace: Space<A>;
  readonly metadata: EnvMetadata;
  /** `reset({seed})` re-seeds; `reset()` continues the current random stream. */
  reset(opts?: ResetOptions): ResetResult<O, I>;
  step(action: A): StepResult<O, I>;
  /** 'ansi' gives text for a terminal, 'state' a JSON picture for the viewer. */
  render?(mode: RenderMode): string | EnvFrame;
  /**
   * Task metrics of the episode so far, merged into `info.episode` when it ends
   * (e.g. `{solved: 1}`, `{recallAccuracy: 0.8}`). Called by EpisodeStatistics.
   */
  episodeMetrics?(): Record<string, number>;
  /**
   * Kwargs that fix what the env derived from its data (a vocabulary built from a corpus): `engram
   * train` saves them in the run's config, so that eval and resume rebuild the same env.
   */
  pinnedKwargs?(): Record<string, unknown>;
  close?(): void;
}
