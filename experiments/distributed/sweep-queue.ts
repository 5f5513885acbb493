/**
 * Sweeps on the broker. Every sweep's jobs go into one work-queue stream that all workers share
 * through one durable pull consumer, so a worker takes whichever job is next. A job stays in the
 * stream until its worker acks it, after its result is stored; a worker that dies stops sending
 * in-progress acks and its job comes back to another worker after `JOB_ACK_WAIT_MS`.
 *
 * Exactly once: a sweep's results live in its KV bucket under `result.<job>`, written with `create`
 * (a compare-and-set on "no entry"). Of two workers that finished the same job (a redelivery while
 * the first was cut off from the broker) only the first result counts, and a worker that takes a
 * job whose result exists acks it without training.
 */
import { AckPolicy, JetStreamApiError, RetentionPolicy, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { nanos } from '@nats-io/transport-node';
import { ConfigError } from '../../envs/errors.ts';
import type { SweepDefinition, SweepJob } from './sweep-plan.ts';
import { casFailed } from './lease.ts';
import { STREAM_NAME_IN_USE } from './unroll-queue.ts';

export const SWEEP_STREAM = 'SWEEP_JOBS';
export const WORKERS_CONSUMER = 'workers';
/** The presence bucket of sweep workers (not `sweep_…`, which a sweep's name could take). */
export const WORKERS_BUCKET = 'workers_sweeps';
const SWEEP_BUCKET_PREFIX = 'sweep_';
export const sweepBucketName = (name: string) => `${SWEEP_BUCKET_PREFIX}${name}`;
const jobSubject = (name: string) => `engram.sweeps.${name}.jobs`;
/** A worker's job comes back to the queue this long after its last in-progress ack. */
export const JOB_ACK_WAIT_MS = 10_000;
/** Workers send an in-progress ack this often. */
export const JOB_HEARTBEAT_MS = 2_500;
/** A job delivered more often than this (its workers died each time) is recorded as failed. */
export const MAX_ATTEMPTS = 5;

/** What a job message holds: everything a worker needs to train it. */
export interface JobMessage {
  readonly sweep: string;
  readonly job: SweepJob;
  readonly values: Record<string, unknown>;
}

/** A finished job, as its worker reports it through the broker. */
export interface JobResult {
  readonly sweep: string;
  readonly job: string;
  readonly seed: number;
  readonly sets: readonly string[];
  readonly status: 'done' | 'failed';
  readonly worker: string;
  /** Which delivery of the job this was (1: the first). */
  readonly attempt: number;
  /** The run directory on the worker's machine. */
  readonly runDir: string;
  readonly seconds: number;
  readonly globalStep?: number;
  /** The run's eval.json. */
  readonly eval?: Record<string, unknown>;
  /** The run's last metrics row. */
  readonly final?: Record<string, unknown>;
  /** Why it failed: the run's last line on stderr. */
  readonly error?: string;
}

/** The jobs stream and the workers' consumer (created once, shared by every sweep). */
export async function ensureSweepQueue(js: JetStreamClient): Promise<void> {
  const jsm = await js.jetstreamManager();
  try {
    await jsm.streams.add({ name: SWEEP_STREAM, subjects: [jobSubject('*')], retention: RetentionPolicy.Workqueue });
  } catch (e) {
    if (!(e instanceof JetStreamApiError && e.code === STREAM_NAME_IN_USE)) throw e;
  }
  await jsm.consumers.add(SWEEP_STREAM, {
    durable_name: WORKERS_CONSUMER, ack_policy: AckPolicy.Explicit, ack_wait: nanos(JOB_ACK_WAIT_MS), max_ack_pending: -1,
  });
}

/** Stores the definition and queues every job; a name already used is a ConfigError. */
export async function submitSweep(js: JetStreamClient, def: SweepDefinition): Promise<void> {
  await ensureSweepQueue(js);
  const kv = await new Kvm(js).create(sweepBucketName(def.name), { history: 1 });
  try {
    await kv.create('definition', JSON.stringify(def));
  } catch (e) {
    if (!casFailed(e)) throw e;
    const old = (await kv.get('definition'))?.json<SweepDefinition>();
    throw new ConfigError(`sweep ${def.name} exists (submitted ${old?.submittedAt ?? 'earlier'}); choose another --name`);
  }
  for (const job of def.jobs) {
    const msg: JobMessage = { sweep: def.name, job, values: def.values };
    await js.publish(jobSubject(def.name), JSON.stringify(msg), { msgID: `${def.name}-${job.id}` });
  }
}

/** The sweep's bucket, or a ConfigError naming the sweeps there are (`known`: listSweeps, if already read). */
export async function openSweep(js: JetStreamClient, name: string, known?: readonly string[]): Promise<{ kv: KV; def: SweepDefinition }> {
  const names = known ?? await listSweeps(js);
  if (!names.includes(name)) {
    throw new ConfigError(`no sweep named ${JSON.stringify(name)} on this broker; ${names.length ? `there are: ${names.join(', ')}` : 'none was submitted'}`);
  }
  const kv = await new Kvm(js).open(sweepBucketName(name));
  const def = (await kv.get('definition'))?.json<SweepDefinition>();
  if (!def) throw new ConfigError(`sweep ${name} has no definition (its submit was cut short); submit it again under another --name`);
  return { kv, def };
}

export async function listSweeps(js: JetStreamClient): Promise<string[]> {
  const names: string[] = [];
  for await (const s of new Kvm(js).list()) {
    if (s.bucket.startsWith(SWEEP_BUCKET_PREFIX)) names.push(s.bucket.slice(SWEEP_BUCKET_PREFIX.length));
  }
  return names.sort();
}

const resultKey = (job: string) => `result.${job}`;

/** Stores a job's result unless one is there; false if another worker's result was first. */
export async function recordResult(kv: KV, r: JobResult): Promise<boolean> {
  try {
    await kv.create(resultKey(r.job), JSON.stringify(r));
    return true;
  } catch (e) {
    if (casFailed(e)) return false;
    throw e;
  }
}

export async function hasResult(kv: KV, job: string): Promise<boolean> {
  const e = await kv.get(resultKey(job));
  return e !== null && e.operation === 'PUT';
}

/** Every stored result of a sweep, in job order. */
export async function readResults(kv: KV, def: SweepDefinition): Promise<JobResult[]> {
  const out: JobResult[] = [];
  for (const job of def.jobs) {
    const e = await kv.get(resultKey(job.id));
    if (e?.operation === 'PUT') out.push(e.json<JobResult>());
  }
  return out;
}

/** A job message's content, or a line saying what is wrong with it. */
export function parseJobMessage(data: Uint8Array): JobMessage | string {
  let m: unknown;
  try { m = JSON.parse(new TextDecoder().decode(data)); } catch { return 'not JSON'; }
  const o = m as Partial<JobMessage> | null;
  const job = o?.job as Partial<SweepJob> | undefined;
  if (typeof o?.sweep !== 'string' || typeof job?.id !== 'string' || !/^[A-Za-z0-9_-]+$/.test(job.id) || !Number.isInteger(job.seed)
    || !Array.isArray(job.sets) || !job.sets.every((s) => typeof s === 'string') || !o.values || typeof o.values !== 'object') {
    return 'not a job (expected sweep, job {id, seed, sets} and values)';
  }
  return o as JobMessage;
}
