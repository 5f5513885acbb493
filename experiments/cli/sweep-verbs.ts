/** The sweep verbs of the CLI: `sweep submit|status|results` and `worker`. */
import { resolve } from 'node:path';
import { readBrokerToken } from '../distributed/connection.ts';
import { readSweeps, submitToBroker, type SweepState } from '../distributed/sweep-client.ts';
import { parseSeeds, planSweep } from '../distributed/sweep-plan.ts';
import type { JobResult } from '../distributed/sweep-queue.ts';
import { runWorker } from '../distributed/worker.ts';
import { writeFileAtomic } from '../run/atomic.ts';
import { loadModules } from '../run/env-module.ts';
import { onStopSignal } from '../run/stop-signals.ts';
import { readConfigFile, strList } from '../settings/config.ts';
import type { SweepResultsFlags, SweepStatusFlags, SweepSubmitFlags, WorkerFlags } from './commands.ts';

type Row = Record<string, string | number | undefined>;

export async function sweepSubmitCommand(f: SweepSubmitFlags): Promise<void> {
  const values = f.config ? readConfigFile(f.config) : {};
  // The env must be registered to check every job's config here (module doc of sweep-plan.ts).
  await loadModules([...(f.envModule ?? []), ...(values.envModules !== undefined ? strList(values.envModules, `--config ${f.config}: envModules`) : [])]);
  const name = f.name ?? `sweep-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}`;
  const def = planSweep(name, values, parseSeeds(f.seeds), f.set);
  await submitToBroker(f.connect, readBrokerToken(), def);
  console.log(`engram: sweep ${name}: ${def.jobs.length} jobs queued${def.gridKeys.length ? ` (over ${['seed', ...def.gridKeys].join(', ')})` : ''}`);
  console.log(`engram: train them with: engram worker --connect ${f.connect}   (on any machine, as many as you like)`);
  console.log(`engram: follow with: engram sweep status --connect ${f.connect} ${name}`);
}

export async function sweepStatusCommand(name: string | undefined, f: SweepStatusFlags): Promise<void> {
  const sweeps = await readSweeps(f.connect, readBrokerToken(), name);
  if (name !== undefined) { process.stdout.write(format(jobRows(sweeps[0] as SweepState), f.format)); return; }
  if (sweeps.length === 0) { console.log('engram: no sweeps on this broker'); return; }
  process.stdout.write(format(sweeps.map((sw) => {
    const jobs = jobRows(sw);
    const count = (st: string) => jobs.filter((j) => j.status === st).length;
    return { sweep: sw.def.name, jobs: jobs.length, done: count('done'), failed: count('failed'), running: count('running'), waiting: count('waiting'), submitted: sw.def.submittedAt };
  }), f.format));
}

function jobRows({ def, results, running }: SweepState): Row[] {
  const byJob = new Map(results.map((r) => [r.job, r]));
  return def.jobs.map((j) => {
    const r = byJob.get(j.id);
    const worker = running.get(j.id);
    return {
      job: j.id, seed: j.seed, ...setColumns(j.sets, def.gridKeys),
      status: r ? r.status : worker ? 'running' : 'waiting',
      worker: r?.worker ?? worker ?? '',
      step: r?.globalStep, return: num(r?.eval?.meanReturn), error: r?.error,
    };
  });
}

const num = (v: unknown) => (typeof v === 'number' ? v : undefined);

/** The value of each swept setting in a job's `--set` entries. */
function setColumns(sets: readonly string[], keys: readonly string[]): Row {
  const row: Row = {};
  for (const e of sets) {
    const eq = e.indexOf('=');
    if (keys.includes(e.slice(0, eq))) row[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return row;
}

export async function sweepResultsCommand(name: string, f: SweepResultsFlags): Promise<void> {
  const { def, results } = (await readSweeps(f.connect, readBrokerToken(), name))[0] as SweepState;
  const rows = results.map((r) => resultRow(r, def.gridKeys));
  const text = format(rows, f.format);
  if (f.out) {
    writeFileAtomic(f.out, text);
    console.log(`engram: ${rows.length} of ${def.jobs.length} jobs of sweep ${name} written to ${resolve(f.out)}`);
  } else {
    process.stdout.write(text);
    if (f.format === 'table') console.log(`(${rows.length} of ${def.jobs.length} jobs finished; --format json or csv for every column)`);
  }
}

/** One flat row: the job, its settings, then eval.* and final.* (the last metrics row). */
function resultRow(r: JobResult, gridKeys: readonly string[]): Row {
  const row: Row = {
    job: r.job, seed: r.seed, ...setColumns(r.sets, gridKeys), status: r.status, step: r.globalStep, seconds: Number(r.seconds.toFixed(1)),
    attempt: r.attempt, worker: r.worker, runDir: r.runDir, error: r.error,
  };
  for (const [k, v] of Object.entries(r.eval ?? {})) {
    if (k === 'metrics' && v && typeof v === 'object') for (const [mk, mv] of Object.entries(v)) row[`eval.${mk}`] = num(mv);
    else row[`eval.${k}`] = num(v);
  }
  for (const [k, v] of Object.entries(r.final ?? {})) row[`final.${k}`] = num(v);
  return row;
}

/** The columns in a table on the terminal: the rest are in json and csv. */
const TABLE_COLUMNS = /^(job|seed|sweep|jobs|done|failed|running|waiting|status|worker|step|return|seconds|error|eval\.(meanReturn|[^.]*[Aa]ccuracy[^.]*|[^.]*[Ee]rror[^.]*))$/;

function format(rows: Row[], how: 'table' | 'json' | 'csv'): string {
  const columns: string[] = [];
  for (const r of rows) for (const [k, v] of Object.entries(r)) if (v !== undefined && !columns.includes(k)) columns.push(k);
  if (how === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  if (how === 'csv') return `${[columns, ...rows.map((r) => columns.map((c) => r[c]))].map((cells) => cells.map(csvCell).join(',')).join('\n')}\n`;
  const shown = columns.filter((c) => TABLE_COLUMNS.test(c) || !/^(eval|final)\./.test(c) && !['attempt', 'runDir'].includes(c));
  const cell = (v: string | number | undefined) => (v === undefined ? '' : typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(4) : String(v));
  const lines: string[] = [];
  const widths = shown.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  lines.push(line(shown), ...rows.map((r) => line(shown.map((c) => cell(r[c])))));
  return `${lines.join('\n')}\n`;
}

/** RFC 4180: quote a cell holding a comma, a quote or a line break, doubling its quotes. */
function csvCell(v: string | number | undefined): string {
  const s = v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export async function workerCommand(f: WorkerFlags): Promise<void> {
  await loadModules(f.envModule);   // a wrong path is one line now, not a failure in every job
  const stop = new AbortController();
  const off = onStopSignal(() => stop.abort());
  try {
    const r = await runWorker({
      url: f.connect, token: readBrokerToken(), dir: f.dir, envModules: f.envModule ?? [], backend: f.backend, threads: f.threads, maxJobs: f.maxJobs,
      signal: stop.signal, log: (line) => console.log(line),
    });
    console.log(`engram: worker stopped after ${r.jobs} job${r.jobs === 1 ? '' : 's'}`);
  } finally {
    off();
  }
}
