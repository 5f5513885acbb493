/**
 * Runs an experiment's planned runs, `parallel` at a time, each in its own `engram train` process
 * (run/child-run.ts). Resumable by construction: a run whose directory holds eval.json and a
 * checkpoint of its steps is finished and skipped; one with a checkpoint is resumed (and extended,
 * if the experiment now asks for more steps); any other starts (over). A stop signal asks every
 * running child to checkpoint and starts no more; the same command later finishes the rest.
 */
import { canResume, trainInChild, type RunsOutcome } from '../run/child-run.ts';
import { runFinished } from '../run/run-dir.ts';
import type { PlannedRun } from './plan.ts';

export interface RunnerOptions {
  readonly parallel: number;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
  readonly backend?: string | undefined;
  readonly threads?: number | undefined;
}

export async function runPlanned(runs: readonly PlannedRun[], o: RunnerOptions): Promise<RunsOutcome<PlannedRun>> {
  const steps = (r: PlannedRun) => Number(r.values.totalSteps);
  const todo = runs.filter((r) => !runFinished(r.dir, steps(r)));
  const skipped = runs.length - todo.length;
  if (skipped) o.log(`engram: ${skipped} of ${runs.length} runs already finished; skipped`);
  const failed: { run: PlannedRun; error: string }[] = [];
  let finished = 0, next = 0, stopped = 0;
  const total = runs.length;
  const worker = async () => {
    while (next < todo.length && !o.signal.aborted) {
      const run = todo[next++] as PlannedRun;
      const resumed = canResume(run.dir);
      o.log(`engram: start   ${run.id}${resumed ? ' (resumed from its checkpoint)' : ''}`);
      const r = await trainInChild({ runDir: run.dir, values: run.values, seed: run.seed, steps: steps(run), backend: o.backend, threads: o.threads, signal: o.signal });
      const time = `${r.seconds.toFixed(0)} s`;
      if (runFinished(run.dir, steps(run))) {
        finished++;
        o.log(`engram: done    ${run.id} (${time}; ${skipped + finished} of ${total} finished)`);
      } else if (o.signal.aborted && r.code === 0) {
        stopped++;
        o.log(`engram: stopped ${run.id} (checkpoint written)`);
      } else {
        const error = r.lastError || `engram train exited with code ${r.code}`;
        failed.push({ run, error });
        o.log(`engram: failed  ${run.id}: ${error} (log: ${run.dir}.log)`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.parallel, todo.length)) }, worker));
  stopped += todo.length - finished - failed.length - stopped;
  return { finished, skipped, failed, stopped };
}
