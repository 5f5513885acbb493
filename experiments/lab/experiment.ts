/**
 * What a named experiment is: a paper's comparison of memory cores on one env, in settings (task
 * sizes, bAbI tasks, curricula), each core trained with several seeds, at a budget. It names the
 * metric it compares, the published figures it is held against (with their source) and the claims
 * whose direction the report checks. The definitions are in catalog.ts.
 */

export type BudgetName = 'smoke' | 'quick' | 'paper';
export const BUDGETS: readonly BudgetName[] = ['smoke', 'quick', 'paper'];

/** One setting of the env: a label and the env kwargs (and any other settings) that make it. */
export interface Setting {
  readonly name: string;
  /** Config values shared by every core in this setting (envKwargs above all). */
  readonly values: Record<string, unknown>;
  /** Config values of one core in this setting, by core id (sizes, learning rate). */
  readonly byCore?: Record<string, Record<string, unknown>>;
}

export interface Budget {
  /** Env steps of every run (or per setting name). */
  readonly steps: number | Record<string, number>;
  /** Seeds run when `--seeds` is not given. */
  readonly seeds: number;
  /** The settings run at this budget (default: all). */
  readonly settings?: readonly string[];
  /** Config values for this budget (smaller batches and evaluations for the smoke budget). */
  readonly values?: Record<string, unknown>;
}

/** The figure compared: where it is in eval.json and in metrics.jsonl. */
export interface MetricSpec {
  readonly label: string;
  /** 'return' (eval.json meanReturn) or a key of eval.json's metrics. */
  readonly eval: string;
  /** The metrics.jsonl column of its learning curve. */
  readonly curve: string;
  readonly higherIsBetter: boolean;
  /** Report 1 - value (an error rate from an accuracy). */
  readonly complement?: boolean;
}

/** A published figure: a value (in the metric's units) or a statement, with its source. */
export interface Published {
  readonly setting: string;
  readonly core: string;
  readonly value?: number;
  readonly text: string;
  readonly source: string;
}

/**
 * A claim of the paper whose direction the report checks: `better` beats `than` on the metric in
 * `setting` (or, with `target`, `better` reaches the target value).
 */
export interface Claim {
  readonly setting: string;
  readonly better: string;
  readonly than?: string;
  readonly target?: number;
  readonly text: string;
}

/** The experiment's own figures beyond the learning curves (analyses.ts computes them per run). */
export type AnalysisKind = 'contextual-choice' | 'copy-lengths';

export interface Experiment {
  readonly name: string;
  readonly title: string;
  readonly env: string;
  readonly cores: readonly string[];
  readonly settings: readonly Setting[];
  readonly metric: MetricSpec;
  readonly budgets: Readonly<Record<BudgetName, Budget>>;
  readonly published: readonly Published[];
  readonly claims: readonly Claim[];
  readonly analysis?: AnalysisKind;
  /** The settings are tasks of one benchmark: the report adds their mean (setting 'mean'). */
  readonly meanOverSettings?: boolean;
  /** Other metrics worth a curve (metrics.jsonl columns), e.g. novel-trial accuracy. */
  readonly extraCurves?: readonly { readonly label: string; readonly curve: string }[];
}

/** The steps a setting's runs train for at a budget. */
export function budgetSteps(e: Experiment, budget: BudgetName, setting: string): number {
  const steps = e.budgets[budget].steps;
  return typeof steps === 'number' ? steps : steps[setting] as number;
}
