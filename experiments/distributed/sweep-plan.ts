/**
 * A sweep's plan: one job per (seed, setting) of a config, as `engram sweep submit` expands it.
 * `--seeds 1-5` or `--seeds 0,3,7` lists the seeds; `--set k=v1,v2` gives a setting several values
 * (commas inside brackets, braces or quotes belong to the value), and every combination of them is
 * one job per seed. Every job's config is resolved before anything is submitted, so a bad setting
 * is one line at the submitter, never a failure on a worker.
 */
import { ConfigError } from '../../envs/errors.ts';
import { resolveExperimentConfig } from '../settings/config.ts';
import { parseSet } from '../settings/set-values.ts';
import { checkRunId } from './names.ts';

export interface SweepJob {
  /** `job-001`, …: unique in the sweep, the job's run directory on the worker. */
  readonly id: string;
  readonly seed: number;
  /** The `--set` entries of this job, one value each. */
  readonly sets: readonly string[];
}

export interface SweepDefinition {
  readonly name: string;
  readonly submittedAt: string;
  /** The config file's settings, without envModules (workers load their own). */
  readonly values: Record<string, unknown>;
  /** The keys given several values, in order: the columns that tell jobs apart. */
  readonly gridKeys: readonly string[];
  readonly jobs: readonly SweepJob[];
}

/** At most this many jobs in one sweep. */
export const MAX_JOBS = 10_000;

/** `1-5`, `0,3,7` or `1-3,8` → the seeds, in order, each once. */
export function parseSeeds(spec: string): number[] {
  const seeds: number[] = [];
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    const [from, to] = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [NaN, NaN];
    if (!m || from > to || to > 2 ** 31 - 1) throw new ConfigError(`--seeds: expected seeds like 1-5 or 0,3,7 (non-negative integers, ranges low-high), got ${JSON.stringify(spec)}`);
    for (let s = from; s <= to; s++) if (!seeds.includes(s)) seeds.push(s);
    if (seeds.length > MAX_JOBS) throw new ConfigError(`--seeds: at most ${MAX_JOBS} seeds, got more from ${JSON.stringify(spec)}`);
  }
  return seeds;
}

/** Splits `a,[1,2],"x,y"` at the commas outside brackets, braces and quotes. */
export function splitValues(text: string): string[] {
  const out: string[] = [];
  let depth = 0, quote = '', start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) { if (c === '\\') i++; else if (c === quote) quote = ''; continue; }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) { out.push(text.slice(start, i)); start = i + 1; }
  }
  out.push(text.slice(start));
  return out;
}

/** The jobs of a sweep: the seeds times every combination of the multi-valued settings. */
export function planSweep(name: string, values: Record<string, unknown>, seeds: readonly number[], setEntries: readonly string[]): SweepDefinition {
  try { checkRunId(name); } catch { throw new ConfigError(`--name: 1-64 characters of [A-Za-z0-9_-], got ${JSON.stringify(name)}`); }
  if (seeds.length === 0) throw new ConfigError('--seeds: no seeds given');
  const axes = setEntries.map((entry) => {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set ${entry}: expected key=value or key=v1,v2,...`);
    const key = entry.slice(0, eq);
    const vals = splitValues(entry.slice(eq + 1));
    for (const v of vals) parseSet(`${key}=${v}`);   // each value must parse on its own
    return { key, entries: vals.map((v) => `${key}=${v}`) };
  });
  let combos: string[][] = [[]];
  for (const a of axes) combos = combos.flatMap((c) => a.entries.map((e) => [...c, e]));
  const count = combos.length * seeds.length;
  if (count > MAX_JOBS) throw new ConfigError(`sweep: ${count} jobs (${seeds.length} seeds × ${combos.length} settings); at most ${MAX_JOBS}`);
  const width = String(count).length < 3 ? 3 : String(count).length;
  const { envModules: _, ...shared } = values;
  const jobs: SweepJob[] = [];
  for (const sets of combos) {
    for (const seed of seeds) {
      const job: SweepJob = { id: `job-${String(jobs.length + 1).padStart(width, '0')}`, seed, sets };
      const where = `sweep job ${job.id} (seed ${seed}${sets.length ? `, ${sets.join(' ')}` : ''})`;
      try {
        resolveExperimentConfig({ values: shared, sets, flags: { seed } });
      } catch (e) {
        if (e instanceof ConfigError) throw new ConfigError(`${where}: ${e.message}`);
        throw e;
      }
      jobs.push(job);
    }
  }
  return { name, submittedAt: new Date().toISOString(), values: shared, gridKeys: axes.filter((a) => a.entries.length > 1).map((a) => a.key), jobs };
}
