/**
 * Presence of processes (actors, sweep workers) in a KV bucket: each refreshes its key every ttl/3
 * and deletes it on a clean stop; a process killed with `kill -9` stops refreshing, and its key no
 * longer counts once it is older than the ttl. Ages are measured in the broker's own time (the
 * write time of a clock key written just before), so no two machines' clocks are compared.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';

/** How long a key outlives its last refresh. */
export const PRESENCE_TTL_MS = 6_000;
/** The key whose write time tells the broker's time; never a process's key. */
const CLOCK_KEY = 'clock';

/** A KV key for a process id (keys allow letters, digits, `-`, `_`, `=` and `.`). */
export const presenceKey = (id: string) => id.replace(/[^A-Za-z0-9_=-]/g, '_');

export function openPresenceBucket(js: JetStreamClient, bucket: string): Promise<KV> {
  return new Kvm(js).create(bucket, { ttl: PRESENCE_TTL_MS });
}

/** One process's presence: `set` changes what it says, `stop` removes it. */
export class Presence {
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly kv: KV, readonly id: string, private value: string) {
    this.beat();
    this.timer = setInterval(() => this.beat(), PRESENCE_TTL_MS / 3);
    this.timer.unref();
  }

  /** Says something new at once (e.g. the job a worker took). */
  set(value: string): void {
    this.value = value;
    this.beat();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.kv.delete(presenceKey(this.id)).catch(() => {});
  }

  private beat(): void {
    this.kv.put(presenceKey(this.id), this.value).catch(() => {});   // a missed beat is covered by the next
  }
}

/** The keys written within the ttl, with their values. */
export async function liveEntries(kv: KV): Promise<Map<string, string>> {
  await kv.put(CLOCK_KEY, '');
  const now = (await kv.get(CLOCK_KEY))?.created.getTime() ?? Date.now();
  const live = new Map<string, string>();
  for await (const key of await kv.keys()) {
    if (key === CLOCK_KEY) continue;
    const e = await kv.get(key);
    if (e?.operation === 'PUT' && now - e.created.getTime() < PRESENCE_TTL_MS) live.set(key, e.string());
  }
  return live;
}
