/**
 * A length curriculum for the copy tasks (docs/tasks.md §5.5, after the LTE curricula of §7.6).
 *
 * Neither Graves et al. (2014, NTM) nor the released DNC code (Graves et al. 2016) uses one: lengths
 * are sampled over the whole range from the start ('none', the default). For slow cores, one integer
 * `level` caps every sampled quantity (the sequence length; for repeat copy also the repeat count):
 * - 'none':  x ~ U{min … max}; the level is fixed at the target and never moves.
 * - 'naive': x = clamp(level, min, max) — always the current difficulty (§7.6 "naive").
 * - 'mix':   x ~ U{min … clamp(level, min, max)} — every difficulty up to the current one. (§7.6's
 *            LTE "mix" samples up to the *final* maximum, which is 'none' here; this is the
 *            reading that differs from it, sonnet's "combine".)
 *
 * Driving it: the learner decides when the core has mastered the current level (§5.5 recommends the
 * windowed bits/seq falling below 0.1·W) and calls `advance()`; the change applies from the next
 * `reset()`. `advance()` returns false once the level is at the target, which is the point where the
 * original LTE rule decays the learning rate instead. `setLevel(n)` restores a level (checkpoints).
 * Through `make()`, reach it as `(env.unwrapped as CopyTask).curriculum`. Each task declares its
 * `advanceRule` next to its curriculum; `engram train` applies it (experiments/run/curriculum-driver.ts).
 */
import { ConfigError } from '../errors.ts';
import type { Rng } from '../rng.ts';

export type CurriculumMode = 'none' | 'naive' | 'mix';
export const CURRICULUM_MODES: readonly CurriculumMode[] = ['none', 'naive', 'mix'];

/**
 * When a learner should call `advance()`: once the mean of its batch metric `metric` (the supervised
 * learner's `task/<metric>`, e.g. 'bits_per_seq', 'accuracy') over a window of batches is `below`
 * or `above` the threshold.
 */
export type AdvanceRule =
  | { readonly metric: string; readonly below: number }
  | { readonly metric: string; readonly above: number };

export class LengthCurriculum {
  private current: number;

  /**
   * @param target the level at which every range reaches its maximum (the largest `max`).
   * @param start the first level ('naive' and 'mix'); ignored with 'none'.
   */
  constructor(private readonly where: string, readonly mode: CurriculumMode, readonly target: number, start: number) {
    this.current = mode === 'none' ? target : start;
  }

  /** The current cap (equal to `target` with mode 'none'). */
  get level(): number {
    return this.current;
  }

  get atTarget(): boolean {
    return this.current >= this.target;
  }

  /** True when advancing changes what is sampled ('naive', 'mix'); a learner drives only those. */
  get moves(): boolean {
    return this.mode !== 'none';
  }

  /** One level up, unless at the target already (then false; always false with 'none'). */
  advance(): boolean {
    if (this.current >= this.target) return false;
    this.current++;
    return true;
  }

  /** Jump to a level in [1, target] (to restore a run); not allowed with mode 'none'. */
  setLevel(level: number): void {
    if (this.mode === 'none') {
      throw new ConfigError(`${this.where}: setLevel needs curriculum 'naive' or 'mix', got 'none'`);
    }
    if (!Number.isInteger(level) || level < 1 || level > this.target) {
      throw new ConfigError(`${this.where}: curriculum level must be an integer in [1, ${this.target}], got ${JSON.stringify(level)}`);
    }
    this.current = level;
  }

  /** The largest value the current level allows in [min, max]. */
  cap(min: number, max: number): number {
    return Math.min(max, Math.max(min, this.current));
  }

  /** One value in [min, max] under the mode (see the header). */
  sample(rng: Rng, min: number, max: number): number {
    switch (this.mode) {
      case 'none': return rng.int(min, max);
      case 'naive': return this.cap(min, max);
      case 'mix': return rng.int(min, this.cap(min, max));
    }
  }
}

/** Validate the curriculum options of a task and build its curriculum. */
export function resolveCurriculum(where: string, mode: CurriculumMode, start: number, target: number): LengthCurriculum {
  if (!CURRICULUM_MODES.includes(mode)) {
    throw new ConfigError(`${where}: curriculum must be one of ${CURRICULUM_MODES.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(mode)}`);
  }
  if (!Number.isInteger(start) || start < 1 || start > target) {
    throw new ConfigError(`${where}: curriculumStart must be an integer in [1, ${target}], got ${JSON.stringify(start)}`);
  }
  return new LengthCurriculum(where, mode, target, start);
}
