/** What the sweep verbs ask of the broker: submit a sweep, read sweeps with their results and running jobs. */
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connectBroker } from './connection.ts';
import { liveEntries, openPresenceBucket } from './presence.ts';
import type { SweepDefinition } from './sweep-plan.ts';
import { listSweeps, openSweep, readResults, submitSweep, WORKERS_BUCKET, type JobResult } from './sweep-queue.ts';
import type { WorkerPresence } from './worker.ts';

export interface SweepState {
  readonly def: SweepDefinition;
  readonly results: readonly JobResult[];
  /** job id → the worker training it now. */
  readonly running: ReadonlyMap<string, string>;
}

async function withJetStream<T>(url: string, token: string | undefined, use: (js: JetStreamClient) => Promise<T>): Promise<T> {
  const nc = await connectBroker(url, { name: 'engram-sweep', ...(token !== undefined ? { token } : {}) });
  try {
    return await use(jetstream(nc));
  } finally {
    await nc.drain().catch(() => {});
  }
}

export function submitToBroker(url: string, token: string | undefined, def: SweepDefinition): Promise<void> {
  return withJetStream(url, token, (js) => submitSweep(js, def));
}

/** The sweep `name`, or every sweep on the broker; a name it does not have is a ConfigError. */
export function readSweeps(url: string, token: string | undefined, name?: string): Promise<SweepState[]> {
  return withJetStream(url, token, async (js) => {
    const running = await runningJobs(js);
    const out: SweepState[] = [];
    const names = await listSweeps(js);
    for (const n of name !== undefined ? [name] : names) {
      const { kv, def } = await openSweep(js, n, names);
      const mine = new Map([...running].filter(([k]) => k.startsWith(`${n}/`)).map(([k, w]) => [k.slice(n.length + 1), w]));
      out.push({ def, results: await readResults(kv, def), running: mine });
    }
    return out;
  });
}

/** `<sweep>/<job>` → the worker training it, from the workers' fresh presence keys. */
async function runningJobs(js: JetStreamClient): Promise<Map<string, string>> {
  const jobs = new Map<string, string>();
  for (const [id, text] of await liveEntries(await openPresenceBucket(js, WORKERS_BUCKET))) {
    const p = JSON.parse(text) as WorkerPresence;
    if (p.sweep && p.job) jobs.set(`${p.sweep}/${p.job}`, id);
  }
  return jobs;
}
