/**
 * An experiment's runs at a budget: one per (setting, core, seed), each with its config and its
 * run directory `<out>/<setting>-<core>-s<seed>`. The names make a second `engram experiment run`
 * find the runs of the first (experiments/lab/runner.ts).
 */
import { join } from 'node:path';
import { resolveExperimentConfig } from '../settings/config.ts';
import { budgetSteps, type BudgetName, type Experiment } from './experiment.ts';

export interface PlannedRun {
  /** `<setting>-<core>-s<seed>`: the run directory's name. */
  readonly id: string;
  readonly setting: string;
  readonly core: string;
  readonly seed: number;
  readonly dir: string;
  /** The config file's values (env, core, settings, totalSteps). */
  readonly values: Record<string, unknown>;
}

/** Every run of `e` at `budget` with seeds 1..`seeds`, checked against the config rules. */
export function planExperiment(e: Experiment, budget: BudgetName, seeds: number, out: string): PlannedRun[] {
  const b = e.budgets[budget];
  const settings = e.settings.filter((s) => !b.settings || b.settings.includes(s.name));
  const runs: PlannedRun[] = [];
  for (const s of settings) {
    for (const core of e.cores) {
      const values = merge(merge(merge({ env: e.env, core }, s.values), s.byCore?.[core] ?? {}), b.values ?? {});
      values.totalSteps = budgetSteps(e, budget, s.name);
      for (let seed = 1; seed <= seeds; seed++) {
        const id = `${s.name}-${core}-s${seed}`;
        resolveExperimentConfig({ values, sets: [], flags: { seed } });   // a broken definition fails here, before any run starts
        runs.push({ id, setting: s.name, core, seed, dir: join(out, id), values });
      }
    }
  }
  return runs;
}

/** `b` over `a`, objects merged one level down (envKwargs, agent, coreOptions). */
function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const old = out[k];
    out[k] = isObject(old) && isObject(v) ? { ...old, ...v } : v;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
