/**
 * Run directories as the report reads them: config.json, metrics.jsonl, eval.json and the
 * checkpoint's progress, nothing else (a run made by hand reads the same as an experiment's).
 * A folder that is not a run directory is searched for run directories beneath it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../../envs/errors.ts';
import { hasCheckpoint, readProgress, type Progress } from '../run/checkpoint.ts';
import { parseRow } from '../run/metrics.ts';
import { runFinished } from '../run/run-dir.ts';

export interface RunEval {
  readonly episodes: number;
  readonly meanReturn: number;
  readonly metrics: Record<string, number>;
}

export interface RunRecord {
  readonly dir: string;
  /** config.json as written (every resolved setting). */
  readonly config: Record<string, unknown>;
  readonly env: string;
  readonly core: string;
  readonly seed: number;
  readonly envKwargs: Record<string, unknown>;
  readonly rows: readonly Record<string, number>[];
  /** eval.json; absent while the run is unfinished. */
  readonly eval?: RunEval;
  /** The checkpoint's step and backend. */
  readonly step: number;
  readonly backend: string;
  /** Engram's version and the machine the run trained on (checkpoints since 0.1.0 record it). */
  readonly trainedOn?: string;
  readonly seconds: number;
}

/** The run directories named, or found under the folders named, in order, each once. */
export function findRunDirs(paths: readonly string[]): string[] {
  const out: string[] = [];
  const visit = (dir: string, depth: number) => {
    if (existsSync(join(dir, 'config.json'))) { if (!out.includes(dir)) out.push(dir); return; }
    if (depth === 0) return;
    for (const f of readdirSync(dir).sort()) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) visit(p, depth - 1);
    }
  };
  for (const p of paths) {
    if (!existsSync(p) || !statSync(p).isDirectory()) throw new ConfigError(`${p}: no such folder; name run directories (or folders holding them) written by engram train or engram experiment run`);
    const before = out.length;
    visit(resolve(p), 3);
    if (out.length === before) throw new ConfigError(`${p}: holds no run directory (none with a config.json within 3 levels); name folders written by engram train or engram experiment run`);
  }
  return out;
}

export function readRun(dir: string): RunRecord {
  const json = (f: string) => {
    const path = join(dir, f);
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`${path}: not readable JSON (${(e as Error).message.split('\n')[0]}); the run directory is damaged`);
    }
  };
  const config = json('config.json');
  const rows: Record<string, number>[] = [];
  const metrics = join(dir, 'metrics.jsonl');
  if (existsSync(metrics)) {
    for (const line of readFileSync(metrics, 'utf8').split('\n')) {
      try { if (line.trim()) rows.push(parseRow(line)); } catch { /* a line cut by a crash */ }
    }
  }
  const progress: Partial<Progress> = hasCheckpoint(dir) ? readProgress(dir) : {};
  const finished = runFinished(dir);
  return {
    dir, config, env: String(config.env), core: String(config.core), seed: Number(config.seed),
    envKwargs: (config.envKwargs ?? {}) as Record<string, unknown>, rows,
    ...(finished ? { eval: json('eval.json') as unknown as RunEval } : {}),
    step: progress.globalStep ?? 0, backend: progress.backend ?? String(config.backend), seconds: progress.elapsedSeconds ?? 0,
    ...(progress.trainedOn !== undefined ? { trainedOn: progress.trainedOn } : {}),
  };
}
