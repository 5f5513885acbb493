/**
 * MetricsLog — an observer that averages episode statistics between log rows and writes
 * metrics.jsonl (appended, one row per line) and metrics.csv (rewritten atomically, union header).
 * JSON has no NaN or Infinity, so metrics.jsonl writes them as the strings "NaN", "Infinity" and
 * "-Infinity" and reads them back as numbers: a diverged update stays visible instead of becoming null.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpisodeEvent, Metrics, RolloutObserver } from '../../rollout/observer.ts';
import { diskError, makeDirs, writeFileAtomic } from './atomic.ts';

/** The metrics.jsonl column of an episode statistic: return and length under charts/, the env's own under env/. */
const episodeMetricKey = (k: string) => (k === 'return' ? 'charts/episode_return' : k === 'length' ? 'charts/episode_length' : `env/${k}`);

/** Episode statistics averaged between two reads, keyed as in metrics.jsonl. */
export class EpisodeMeans {
  private sums: Record<string, number> = {};
  private counts: Record<string, number> = {};
  private episodes = 0;

  add(episode: Record<string, number>): void {
    this.episodes++;
    for (const [k, v] of Object.entries(episode)) {
      const key = episodeMetricKey(k);
      this.sums[key] = (this.sums[key] ?? 0) + Number(v);
      this.counts[key] = (this.counts[key] ?? 0) + 1;
    }
  }

  /** `charts/episodes` and the mean of each statistic since the last take; then starts over. */
  take(): Record<string, number> {
    const means: Record<string, number> = { 'charts/episodes': this.episodes };
    for (const [k, s] of Object.entries(this.sums)) means[k] = s / (this.counts[k] as number);
    this.sums = {};
    this.counts = {};
    this.episodes = 0;
    return means;
  }
}

export class MetricsLog implements RolloutObserver {
  readonly rows: Record<string, number>[] = [];
  private readonly episodes = new EpisodeMeans();
  /** Mean episode return of the most recent row that had episodes. */
  lastReturn: number | undefined;

  /** `create`: a new run (any old metrics file is replaced); else rows already logged are read back. */
  constructor(private readonly runDir: string, opts: { create: boolean }) {
    const path = join(runDir, 'metrics.jsonl');
    if (opts.create) {
      makeDirs(runDir);
      writeFileAtomic(path, '');
    } else if (existsSync(path)) {
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        try { if (line.trim()) this.rows.push(parseRow(line)); } catch { /* a line cut by a crash */ }
      }
    }
  }

  onEpisode(e: EpisodeEvent): void {
    this.episodes.add(e.episode);
  }

  /** Writes one row: the given scalars plus episode means since the last row. */
  log(scalars: Metrics): Record<string, number> {
    const row: Record<string, number> = { ...scalars, ...this.episodes.take() };
    if (row['charts/episode_return'] !== undefined) this.lastReturn = row['charts/episode_return'];
    this.rows.push(row);
    const path = join(this.runDir, 'metrics.jsonl');
    try {
      appendFileSync(path, `${stringifyRow(row)}\n`);
    } catch (e) {
      throw diskError(e, path);
    }
    return row;
  }

  /**
   * The headline of the latest row: the mean return, or a supervised task's metric (and curriculum
   * level), plus e.g. "loss NaN" when that row's losses are not finite (its update was skipped).
   */
  status(): string {
    const last = this.rows[this.rows.length - 1];
    const headline = this.headline(last);
    const bad = last && nonFiniteLoss(last);
    if (!bad) return headline;
    return headline === '-' ? bad : `${headline}, ${bad}`;
  }

  private headline(last: Record<string, number> | undefined): string {
    if (this.lastReturn !== undefined) return `return ${this.lastReturn.toFixed(2)}`;
    for (const [key, label] of [['task/bits_per_seq', 'bits/seq'], ['task/accuracy', 'accuracy']] as const) {
      if (last?.[key] === undefined) continue;
      const level = last['task/curriculum_level'];
      return `${label} ${(last[key] as number).toFixed(3)}${level !== undefined ? `, level ${level}` : ''}`;
    }
    return '-';
  }

  /** On resume: drop rows logged after the checkpoint, so no update is counted twice. */
  truncateAfter(iteration: number): void {
    const keep = this.rows.filter((r) => (r.iteration ?? 0) <= iteration);
    this.rows.length = 0;
    this.rows.push(...keep);
    writeFileAtomic(join(this.runDir, 'metrics.jsonl'), keep.map((r) => `${stringifyRow(r)}\n`).join(''));
  }

  writeCsv(): void {
    const keys: string[] = [];
    for (const r of this.rows) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
    // String() writes non-finite values as the text NaN, Infinity and -Infinity.
    const lines = [keys.join(','), ...this.rows.map((r) => keys.map((k) => (r[k] === undefined ? '' : String(r[k]))).join(','))];
    writeFileAtomic(join(this.runDir, 'metrics.csv'), `${lines.join('\n')}\n`);
  }
}

/** JSON.stringify, but with NaN and ±Infinity as strings (plain JSON writes them as null). */
export function stringifyRow(row: Record<string, number>): string {
  return JSON.stringify(row, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

const NON_FINITE = new Map([['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity]]);

/** The inverse of stringifyRow. A null is read as NaN: older logs wrote every non-finite value so. */
export function parseRow(line: string): Record<string, number> {
  return JSON.parse(line, (_, v: unknown) => (v === null ? NaN : typeof v === 'string' ? NON_FINITE.get(v) ?? v : v)) as Record<string, number>;
}

/** "loss NaN" (or "grad_norm Infinity", ...) for the first non-finite `losses/*` value, the total first. */
function nonFiniteLoss(row: Record<string, number>): string | undefined {
  const keys = nonFiniteLosses(row);
  const key = keys.includes('losses/total') ? 'losses/total' : keys[0];
  return key === undefined ? undefined : `${key === 'losses/total' ? 'loss' : key.slice('losses/'.length)} ${row[key]}`;
}

/**
 * The `losses/*` terms of an update that are not finite; by the Agent.learn contract such an update
 * was skipped. Explained variance is a diagnostic of the values, not a loss, so it is left out.
 */
export function nonFiniteLosses(row: Record<string, number>): string[] {
  return Object.keys(row).filter((k) => k.startsWith('losses/') && k !== 'losses/explained_variance' && !Number.isFinite(row[k]));
}
