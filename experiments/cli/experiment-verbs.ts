/** The experiment verbs of the CLI: `experiment list`, `experiment run NAME`, `report DIR...`. */
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { EXPERIMENTS, findExperiment } from '../lab/catalog.ts';
import { BUDGETS, budgetSteps, type Experiment } from '../lab/experiment.ts';
import { runPlanned } from '../lab/runner.ts';
import type { Section } from '../report/summary.ts';
import { fmtInterval } from '../report/render.ts';
import { ConfigError, RunError } from '../../envs/errors.ts';
import { readBrokerToken } from '../distributed/connection.ts';
import { trainOnWorkers } from '../distributed/sweep-follow.ts';
import { onStopSignal } from '../run/stop-signals.ts';
import type { ExperimentRunFlags, ReportFlags } from './commands.ts';

// The report loads Vega, mathjs and TensorFlow.js (its analyses): only when one is written.
const reporting = () => import('../report/report.ts');

export function experimentListCommand(): void {
  for (const e of EXPERIMENTS) {
    console.log(`${e.name}: ${e.title}`);
    console.log(`  env ${e.env}; cores ${e.cores.join(', ')}; settings ${e.settings.map((s) => s.name).join(', ')}; metric ${e.metric.label}`);
    for (const b of BUDGETS) console.log(`  ${b.padEnd(5)} ${budgetLine(e, b)}`);
    for (const p of e.published) console.log(`  published: ${p.core}${p.setting !== 'mean' && e.settings.length > 1 ? ` (${p.setting})` : ''} ${p.text} [${p.source}]`);
  }
  console.log('run one with: engram experiment run NAME [--budget smoke|quick|paper] [--seeds N] [--parallel P] [--out DIR]');
}

function budgetLine(e: Experiment, b: (typeof BUDGETS)[number]): string {
  const budget = e.budgets[b];
  const settings = e.settings.filter((s) => !budget.settings || budget.settings.includes(s.name));
  const steps = [...new Set(settings.map((s) => budgetSteps(e, b, s.name)))].map((n) => n.toLocaleString('en')).join('/');
  const runs = settings.length * e.cores.length * budget.seeds;
  return `${steps} steps, ${budget.seeds} seed${budget.seeds > 1 ? 's' : ''}${budget.settings ? `, ${settings.map((s) => s.name).join(', ')}` : ''}: ${runs} runs`;
}

export async function experimentRunCommand(name: string, f: ExperimentRunFlags): Promise<void> {
  const e = findExperiment(name);
  const seeds = f.seeds ?? e.budgets[f.budget].seeds;
  const out = folderFlag('--out', f.out ?? `runs/experiments/${e.name}-${f.budget}`);
  const runs = (await import('../lab/plan.ts')).planExperiment(e, f.budget, seeds, out);   // loads every core (and TensorFlow.js) to check the configs
  const parallel = f.parallel ?? availableParallelism();
  const where = f.connect ? `on the sweep workers of ${f.connect}` : `${parallel} at a time`;
  console.log(`engram: experiment ${e.name}, budget ${f.budget}: ${runs.length} runs (${new Set(runs.map((r) => r.setting)).size} settings × ${e.cores.length} cores × ${seeds} seeds), ${where}, into ${out}`);
  const stop = new AbortController();
  const off = onStopSignal((why) => {
    console.log(f.connect ? `engram: ${why}: no longer following the sweep (its workers go on)`
      : `engram: ${why}: stopping the runs (each writes a checkpoint); the same command finishes them later`);
    stop.abort();
  });
  const log = (line: string) => console.log(line);
  let result;
  try {
    result = f.connect
      ? await trainOnWorkers(runs, { url: f.connect, token: readBrokerToken(), name: `${e.name}-${f.budget}-${seeds}seeds`, signal: stop.signal, log })
      : await runPlanned(runs, { parallel, signal: stop.signal, log, backend: f.backend, threads: f.threads });
  } finally {
    off();
  }
  if (result.stopped > 0) {
    console.log(f.connect
      ? `engram: stopped following with ${result.finished + result.skipped} of ${runs.length} runs fetched; the workers go on; the same command fetches the rest and writes the report`
      : `engram: stopped with ${result.finished + result.skipped} of ${runs.length} runs finished; run the same command again to finish the rest`);
    return;
  }
  if (result.finished + result.skipped > 0) {
    const report = await (await reporting()).buildReport([out], out, `Engram experiment ${e.name} (${f.budget} budget)`);
    printReport(report.sections, report.html, report.markdown);
  }
  if (result.failed.length) {
    throw new RunError(`${result.failed.length} of ${runs.length} runs failed (${result.failed.map((x) => x.run.id).join(', ')}); see their .log files in ${out}; the same command retries them`);
  }
}

export async function reportCommand(dirs: string[], f: ReportFlags): Promise<void> {
  const report = await (await reporting()).buildReport(dirs, folderFlag('--out', f.out ?? (dirs[0] as string)), f.title);
  console.log(`engram: report of ${report.runs} runs`);
  printReport(report.sections, report.html, report.markdown);
}

function printReport(sections: readonly Section[], html: string, markdown: string): void {
  for (const s of sections) {
    for (const v of s.verdicts) {
      const vs = v.claim.target !== undefined ? `target ${v.claim.target}` : `${v.claim.than} ${v.than ? fmtInterval(v.than) : '–'}`;
      console.log(`  ${v.reproduced ? 'reproduced' : 'not yet   '}  ${s.settings.length > 1 || v.claim.setting === 'mean' ? `[${v.claim.setting}] ` : ''}${v.claim.text}: ${v.claim.better} ${v.better ? fmtInterval(v.better) : '–'} vs ${vs}`);
    }
  }
  console.log(`engram: report written to ${rel(html)} and ${rel(markdown)}`);
}

/** A folder to write into: it may not exist yet, but it must not be a file. */
function folderFlag(flag: string, dir: string): string {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new ConfigError(`${flag} ${dir}: that is a file; name a folder (it is created if missing)`);
  return dir;
}

const rel = (p: string) => (relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p));
