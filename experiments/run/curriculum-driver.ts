/**
 * CurriculumDriver — advances the task envs' curricula during supervised training (docs/tasks.md §5.5, §7.6).
 *
 * Each task declares its rule as data next to its curriculum (`env.advanceRule`, see
 * envs/tasks/curriculum.ts); the metric is the supervised learner's batch metric `task/<metric>`:
 * - Copy-v0, RepeatCopy-v0 (§5.5): advance when the windowed bits/seq falls below 0.1·W
 *   (`{metric: 'bits_per_seq', below: 0.1·W}`, W = data bits per vector).
 * - ProgramEval-v0 (§7.6, the "original" rule): advance when accuracy at the current difficulty
 *   exceeds 95% (`{metric: 'accuracy', above: 0.95}`, per-character accuracy). Zaremba's rule reads
 *   validation accuracy; here it is the training batches' ('naive': all at the current difficulty;
 *   'combined': 1 in 5 is a 'mix' sample). The rule is this threshold alone: no advance on falling
 *   accuracy and no learning-rate decay at the target (both listed as short on the LTE issue).
 * The window is the last CURRICULUM_WINDOW batches: once full and its mean meets the rule, every
 * env's curriculum goes up one level (all envs share the level) and the window is cleared.
 * Only curricula that move are driven (`curriculum.moves`: Copy/RepeatCopy 'naive' and 'mix',
 * ProgramEval 'naive' and 'combined'); for the others (and envs without one) there is no driver.
 * The level shows as `task/curriculum_level` in the metrics (the level the batch was drawn at) and
 * is saved in the checkpoint's Progress (`curriculumLevel`). Evaluation sets fresh envs to the target
 * (`curriculaToTarget`), so it measures the configured full difficulty, not the training level.
 */
import type { AdvanceRule } from '../../envs/tasks/curriculum.ts';
import type { Metrics } from '../../rollout/observer.ts';

/** Batches averaged before each advance decision. */
export const CURRICULUM_WINDOW = 10;

/** What the driver needs of a curriculum (LengthCurriculum, LteCurriculum, or a user env's own). */
export interface DrivenCurriculum {
  readonly level: number;
  /** False when advancing changes nothing (mode 'none'); absent counts as true. */
  readonly moves?: boolean;
  advance(): boolean;
  setLevel(level: number): void;
}

interface CurriculumOwner {
  readonly curriculum: DrivenCurriculum;
  readonly advanceRule: AdvanceRule;
}

export class CurriculumDriver {
  private readonly window: number[] = [];

  private constructor(private readonly curricula: readonly DrivenCurriculum[], readonly rule: AdvanceRule) {}

  /** The driver for these envs (wrapped or not), or undefined when they have no moving curriculum with a rule. */
  static of(envs: readonly object[]): CurriculumDriver | undefined {
    const owners = drivenCurricula(envs);
    const first = owners[0];
    return first ? new CurriculumDriver(owners.map((o) => o.curriculum), first.advanceRule) : undefined;
  }

  get level(): number {
    return (this.curricula[0] as DrivenCurriculum).level;
  }

  /** Every env to `level` (resuming a run); the window starts empty. */
  setLevel(level: number): void {
    for (const c of this.curricula) c.setLevel(level);
    this.window.length = 0;
  }

  /**
   * Records one batch's metrics (the batch drawn at the current level) and advances every
   * curriculum when the full window meets the rule. Returns `task/curriculum_level` of that batch.
   */
  observe(metrics: Metrics): Metrics {
    const level = this.level;
    const v = metrics[`task/${this.rule.metric}`];
    if (v !== undefined && Number.isFinite(v)) {
      this.window.push(v);
      if (this.window.length > CURRICULUM_WINDOW) this.window.shift();
      if (this.window.length === CURRICULUM_WINDOW && meets(this.rule, mean(this.window))) {
        for (const c of this.curricula) c.advance();
        this.window.length = 0;
      }
    }
    return { 'task/curriculum_level': level };
  }
}

/** Raises every curriculum the driver would drive to its target: evaluation at the full difficulty. */
export function curriculaToTarget(envs: readonly object[]): void {
  for (const { curriculum } of drivenCurricula(envs)) while (curriculum.advance());
}

/** The envs' curricula that move and come with an advance rule (duck-typed; wrappers are looked through). */
function drivenCurricula(envs: readonly object[]): CurriculumOwner[] {
  return envs.map(unwrap).filter((e): e is CurriculumOwner => {
    const { curriculum: c, advanceRule } = e as { curriculum?: Partial<DrivenCurriculum>; advanceRule?: AdvanceRule };
    return typeof c === 'object' && c !== null && typeof c.advance === 'function' && typeof c.setLevel === 'function'
      && typeof c.level === 'number' && c.moves !== false && advanceRule !== undefined;
  });
}

function unwrap(env: object): object {
  const inner = (env as { unwrapped?: unknown }).unwrapped;
  return typeof inner === 'object' && inner !== null ? inner : env;
}

function meets(rule: AdvanceRule, value: number): boolean {
  return 'below' in rule ? value < rule.below : value > rule.above;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
