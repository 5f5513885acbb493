/**
 * MetricsLog — an observer that averages episode statistics between log rows and writes
 * metrics.jsonl (appended, one row per line) and metrics.csv (rewritten atomically, union header).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpisodeEvent, Metrics, RolloutObserver } from '../rollout/observer.ts';
import { writeFileAtomic } from './atomic.ts';

export class MetricsLog implements RolloutObserver {
  readonly rows: Record<string, number>[] = [];
  private sums: Record<string, number> = {};
  private counts: Record<string, number> = {};
  private episodes = 0;
  /** Mean episode return of the most recent row that had episodes. */
  lastReturn: number | undefined;

  /** `create`: a new run (any old metrics file is replaced); else rows already logged are read back. */
  constructor(private readonly runDir: string, opts: { create: boolean }) {
    const path = join(runDir, 'metrics.jsonl');
    if (opts.create) {
      mkdirSync(runDir, { recursive: true });
      writeFileAtomic(path, '');
    } else if (existsSync(path)) {
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        try { if (line.trim()) this.rows.push(JSON.parse(line) as Record<string, number>); } catch { /* a line cut by a crash */ }
      }
    }
  }

  onEpisode(e: EpisodeEvent): void {
    this.episodes++;
    for (const [k, v] of Object.entries(e.episode)) {
      const key = k === 'return' ? 'charts/episode_return' : k === 'length' ? 'charts/episode_length' : `env/${k}`;
      this.sums[key] = (this.sums[key] ?? 0) + Number(v);
      this.counts[key] = (this.counts[key] ?? 0) + 1;
    }
  }

  /** Writes one row: the given scalars plus episode means since the last row. */
  log(scalars: Metrics): Record<string, number> {
    const row: Record<string, number> = { ...scalars, 'charts/episodes': this.episodes };
    for (const [k, s] of Object.entries(this.sums)) row[k] = s / (this.counts[k] as number);
    if (row['charts/episode_return'] !== undefined) this.lastReturn = row['charts/episode_return'];
    this.sums = {};
    this.counts = {};
    this.episodes = 0;
    this.rows.push(row);
    appendFileSync(join(this.runDir, 'metrics.jsonl'), `${JSON.stringify(row)}\n`);
    return row;
  }

  /** The headline of the latest row: the mean return, or a supervised task's metric (and curriculum level). */
  status(): string {
    const last = this.rows[this.rows.length - 1];
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
    writeFileAtomic(join(this.runDir, 'metrics.jsonl'), keep.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  writeCsv(): void {
    const keys: string[] = [];
    for (const r of this.rows) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
    const lines = [keys.join(','), ...this.rows.map((r) => keys.map((k) => (r[k] === undefined ? '' : String(r[k]))).join(','))];
    writeFileAtomic(join(this.runDir, 'metrics.csv'), `${lines.join('\n')}\n`);
  }
}
