/**
 * A sweep worker: takes one job at a time from the broker and trains it as an `engram train` child
 * process, so every job gets a fresh process (no memory carried over) and the worker stays free to
 * send the broker its in-progress acks while the child computes.
 *
 * The run directory is `<dir>/<sweep>/<job>` on the worker's machine; a job that comes back to the
 * same machine after a crash resumes from its checkpoint there. On a stop (Ctrl-C, SIGTERM) the
 * child checkpoints and the job goes back to the queue at once. Env modules come only from the
 * worker's own --env-module, as for actors: a worker runs no code named by the broker. A finished
 * job's run files go to the broker too (run-files.ts), for whoever follows the sweep.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { jetstream, type JsMsg } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { BackendChoice } from '../../memory/tf.ts';
import { canResume, trainInChild } from '../run/child-run.ts';
import { connectBroker, throughOutage } from './connection.ts';
import { openPresenceBucket, Presence } from './presence.ts';
import { uploadRunFiles } from './run-files.ts';
import { ensureSweepQueue, hasResult, JOB_HEARTBEAT_MS, MAX_ATTEMPTS, parseJobMessage, recordResult, sweepBucketName, SWEEP_STREAM,
  WORKERS_BUCKET, WORKERS_CONSUMER, type JobMessage, type JobResult } from './sweep-queue.ts';

const PULL_MS = 2000;

export interface WorkerSettings {
  readonly url: string;
  readonly token?: string | undefined;
  /** Where the jobs' run directories go. */
  readonly dir: string;
  readonly envModules: readonly string[];
  readonly backend?: BackendChoice | undefined;
  readonly threads?: number | undefined;
  /** Stop after this many jobs (default: run until stopped). */
  readonly maxJobs?: number | undefined;
  /** Stops after handing the current job back. */
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

/** What the worker's presence key says, for `engram sweep status`. */
export interface WorkerPresence {
  readonly host: string;
  readonly pid: number;
  readonly sweep?: string;
  readonly job?: string;
  readonly since?: string;
}

export async function runWorker(s: WorkerSettings): Promise<{ jobs: number }> {
  const workerId = `${hostname()}-${process.pid}`;
  const nc = await connectBroker(s.url, { name: `worker-${workerId}`, maxReconnectAttempts: -1, ...(s.token !== undefined ? { token: s.token } : {}) });
  const idle: WorkerPresence = { host: hostname(), pid: process.pid };
  let presence: Presence | undefined;
  try {
    const js = jetstream(nc);
    await ensureSweepQueue(js);
    presence = new Presence(await openPresenceBucket(js, WORKERS_BUCKET), workerId, JSON.stringify(idle));
    const consumer = await js.consumers.get(SWEEP_STREAM, WORKERS_CONSUMER);
    s.log(`engram: worker ${workerId} waiting for sweep jobs (run directories in ${resolve(s.dir)})`);
    let jobs = 0;
    while (!s.signal.aborted && jobs < (s.maxJobs ?? Infinity)) {
      const m = await throughOutage('waiting for a job', () => consumer.next({ expires: PULL_MS }));
      if (m === null) continue;
      const job = parseJobMessage(m.data);
      if (typeof job === 'string') {
        s.log(`engram: worker: dropped message ${m.seq} of ${SWEEP_STREAM} (${job})`);
        m.term(job);
        continue;
      }
      const kv = await new Kvm(js).open(sweepBucketName(job.sweep));
      if (await hasResult(kv, job.job.id)) {   // finished by a worker that died before its ack
        await m.ackAck();
        continue;
      }
      presence.set(JSON.stringify({ ...idle, sweep: job.sweep, job: job.job.id, since: new Date().toISOString() } satisfies WorkerPresence));
      const outcome = await runJob(job, m, workerId, s);
      presence.set(JSON.stringify(idle));
      if (outcome === 'stopped') {
        m.nak();
        s.log(`engram: worker: stopped; ${job.sweep}/${job.job.id} goes back to the queue (its checkpoint stays in ${jobDir(s, job)})`);
        break;
      }
      if (outcome.status === 'done') {
        await throughOutage('storing the run files', () => uploadRunFiles(js, job.sweep, job.job.id, jobDir(s, job)))
          .catch((e: unknown) => s.log(`engram: worker: ${job.sweep}/${job.job.id}: its run files were not stored on the broker (${(e as Error).message}); they stay in ${jobDir(s, job)}`));
      }
      await finish(kv, m, outcome, s);
      jobs++;
    }
    return { jobs };
  } finally {
    await presence?.stop();
    await nc.drain().catch(() => {});
  }
}

async function finish(kv: KV, m: JsMsg, r: JobResult, s: WorkerSettings): Promise<void> {
  const first = await throughOutage('storing a result', () => recordResult(kv, r));
  await throughOutage('acknowledging a job', () => m.ackAck());
  const what = r.status === 'done' ? `done at step ${r.globalStep ?? '?'} in ${r.seconds.toFixed(1)} s` : `failed: ${r.error}`;
  s.log(first ? `engram: worker: ${r.sweep}/${r.job} ${what}`
    : `engram: worker: ${r.sweep}/${r.job} was finished by another worker first; its result stands, this one is dropped`);
}

const jobDir = (s: WorkerSettings, j: JobMessage) => join(s.dir, j.sweep, j.job.id);

/** Trains the job in a child process, sending in-progress acks meanwhile. */
async function runJob(j: JobMessage, m: JsMsg, workerId: string, s: WorkerSettings): Promise<JobResult | 'stopped'> {
  const attempt = m.info.deliveryCount;
  const runDir = jobDir(s, j);
  const base = { sweep: j.sweep, job: j.job.id, seed: j.job.seed, sets: j.job.sets, worker: workerId, attempt, runDir: resolve(runDir) };
  if (attempt > MAX_ATTEMPTS) {
    return { ...base, status: 'failed', seconds: 0, error: `taken ${attempt - 1} times by workers that stopped or died; given up` };
  }
  const resuming = canResume(runDir);
  s.log(`engram: worker: ${j.sweep}/${j.job.id} (seed ${j.job.seed}${j.job.sets.length ? `, ${j.job.sets.join(' ')}` : ''}, attempt ${attempt}) → ${runDir}${resuming ? ' (resumed from its checkpoint)' : ''}`);
  const beat = setInterval(() => m.working(), JOB_HEARTBEAT_MS);
  const { code, lastError, seconds } = await trainInChild({
    runDir, values: j.values, seed: j.job.seed, sets: j.job.sets, envModules: s.envModules, backend: s.backend, threads: s.threads, signal: s.signal,
  });
  clearInterval(beat);
  if (s.signal.aborted) return 'stopped';
  if (code !== 0) return { ...base, status: 'failed', seconds, error: lastError || `engram train exited with code ${code}` };
  return { ...base, status: 'done', seconds, ...runSummary(runDir) };
}

/** The run's eval.json and last metrics row, as the result carries them. */
function runSummary(runDir: string): Pick<JobResult, 'eval' | 'final' | 'globalStep'> {
  const read = (f: string) => (existsSync(join(runDir, f)) ? readFileSync(join(runDir, f), 'utf8') : '');
  const evalText = read('eval.json');
  const lastRow = read('metrics.jsonl').trim().split('\n').at(-1);
  const final = lastRow ? JSON.parse(lastRow) as Record<string, unknown> : undefined;
  return {
    ...(evalText ? { eval: JSON.parse(evalText) as Record<string, unknown> } : {}),
    ...(final ? { final, globalStep: final.globalStep as number } : {}),
  };
}

