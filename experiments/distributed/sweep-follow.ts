/**
 * A list of planned runs trained by sweep workers instead of here (`engram experiment run
 * --connect`): the runs not yet finished in the output folder are submitted as one sweep (or an
 * existing sweep of that name is followed), and each job's run directory is fetched from the broker
 * as it finishes. Stopping only stops the following: the workers go on, and the same command later
 * fetches what they finished meanwhile.
 */
import { jetstream } from '@nats-io/jetstream';
import type { RunsOutcome } from '../run/child-run.ts';
import { runFinished } from '../run/run-dir.ts';
import { connectBroker, throughOutage } from './connection.ts';
import { downloadRunFiles } from './run-files.ts';
import type { SweepDefinition } from './sweep-plan.ts';
import { listSweeps, openSweep, readResults, submitSweep } from './sweep-queue.ts';

/** A run to train: the shape of experiments/lab/plan.ts's PlannedRun this file needs. */
export interface RemoteRun {
  readonly id: string;
  readonly seed: number;
  readonly dir: string;
  readonly values: Record<string, unknown>;
}

export interface FollowOptions {
  readonly url: string;
  readonly token?: string | undefined;
  /** The sweep's name on the broker. */
  readonly name: string;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
  readonly pollMs?: number;
}


/** Each value as a `--set key=<JSON>` entry (JSON is YAML, which --set reads). */
export const toSets = (values: Record<string, unknown>) => Object.entries(values).map(([k, v]) => `${k}=${JSON.stringify(v)}`);

export async function trainOnWorkers(runs: readonly RemoteRun[], o: FollowOptions): Promise<RunsOutcome<RemoteRun>> {
  const todo = runs.filter((r) => !runFinished(r.dir));
  const skipped = runs.length - todo.length;
  if (skipped) o.log(`engram: ${skipped} of ${runs.length} runs already finished here; skipped`);
  const failed: { run: RemoteRun; error: string }[] = [];
  if (todo.length === 0) return { finished: 0, skipped, failed, stopped: 0 };
  const nc = await connectBroker(o.url, { name: 'engram-experiment', maxReconnectAttempts: -1, ...(o.token !== undefined ? { token: o.token } : {}) });
  try {
    const js = jetstream(nc);
    if (!(await listSweeps(js)).includes(o.name)) {
      const def: SweepDefinition = {
        name: o.name, submittedAt: new Date().toISOString(), values: {}, gridKeys: [],
        jobs: todo.map((r) => ({ id: r.id, seed: r.seed, sets: toSets(r.values) })),
      };
      await submitSweep(js, def);
      o.log(`engram: sweep ${o.name}: ${todo.length} runs queued; train them with engram worker --connect ${o.url} (on any machine, as many as you like)`);
    } else {
      o.log(`engram: following sweep ${o.name}, already on the broker`);
    }
    const { kv, def } = await openSweep(js, o.name);
    const pending = new Map(todo.filter((r) => def.jobs.some((j) => j.id === r.id)).map((r) => [r.id, r]));
    for (const r of todo) if (!pending.has(r.id)) failed.push({ run: r, error: `not a job of sweep ${o.name} (submitted ${def.submittedAt} with other runs)` });
    let finished = 0;
    while (pending.size > 0 && !o.signal.aborted) {
      for (const result of await throughOutage('reading the sweep\'s results', () => readResults(kv, def))) {
        const run = pending.get(result.job);
        if (!run) continue;
        pending.delete(result.job);
        if (result.status === 'failed') {
          failed.push({ run, error: `${result.error ?? 'failed'} (on ${result.worker}, log ${result.runDir}.log)` });
          o.log(`engram: failed  ${run.id} on ${result.worker}: ${result.error}`);
        } else if (await throughOutage('fetching a run', () => downloadRunFiles(js, o.name, run.id, run.dir))) {
          finished++;
          o.log(`engram: done    ${run.id} on ${result.worker} (${result.seconds.toFixed(0)} s; ${skipped + finished} of ${runs.length} finished)`);
        } else {
          failed.push({ run, error: `finished on ${result.worker}, but its run files are not on the broker (they are in ${result.runDir} there)` });
        }
      }
      if (pending.size > 0) await sleep(o.pollMs ?? 2000, o.signal);
    }
    return { finished, skipped, failed, stopped: pending.size };
  } finally {
    await nc.drain().catch(() => {});
  }
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});
