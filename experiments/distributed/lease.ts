/**
 * A lease in a KV bucket: one learner per run. The key's entry names the holder; taking it is a KV
 * `create` (a compare-and-set on "no entry"), renewing it an `update` against the revision the holder
 * last wrote, so of two contenders exactly one wins and a holder that lost the lease learns it on its
 * next renewal.
 *
 * Expiry is the server's: the lease bucket's ttl (the stream's max_age) is the lease's ttl, and the
 * server removes an entry not rewritten within it. No host compares its clock with another's; the
 * holder counts its own time from before each write it sent (`held()`), which errs on the safe
 * side. A holder renews well within the ttl (every ttl/3, say).
 */
import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { ConfigError, RunError } from '../../envs/errors.ts';
import { leaseBucketName } from './names.ts';

/** The server's shortest max_age. */
const MIN_TTL_MS = 100;

/** The lease is held by someone else and did not expire in time. */
export class LeaseHeldError extends RunError {
  constructor(readonly key: string, readonly holder: string) {
    super(`lease ${key} is held by ${holder}; it expires unless renewed, then try again`);
  }
}

interface LeaseValue { holder: string }

/** The run's lease bucket; every key in it expires `ttlMs` after its last write. */
export async function openLeaseBucket(js: JetStreamClient, runId: string, ttlMs: number): Promise<KV> {
  checkTtl(ttlMs);
  return new Kvm(js).create(leaseBucketName(runId), { history: 1, ttl: ttlMs });
}

function checkTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs < MIN_TTL_MS) throw new ConfigError(`lease: ttlMs must be an integer >= ${MIN_TTL_MS}, got ${ttlMs}`);
}

/** A KV `create` or `update` refused: the key exists, or was written since the revision given. */
export const casFailed = (e: unknown) => e instanceof JetStreamApiError
  && (e.code === JetStreamApiCodes.StreamWrongLastSequence || e.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);

export class Lease {
  private expiresAt: number;

  constructor(private readonly kv: KV, readonly key: string, readonly holder: string, readonly ttlMs: number,
    private revision: number, sentAt: number) {
    this.expiresAt = sentAt + ttlMs;
  }

  /** True while the lease is surely still ours: less than ttl since the last write was sent. */
  held(): boolean {
    return Date.now() < this.expiresAt;
  }

  /** Extends the lease by ttl; a RunError if it expired or someone else holds it now. */
  async renew(): Promise<void> {
    const sentAt = Date.now();
    try {
      this.revision = await this.kv.update(this.key, JSON.stringify({ holder: this.holder } satisfies LeaseValue), this.revision);
      this.expiresAt = sentAt + this.ttlMs;
    } catch (e) {
      if (!casFailed(e)) throw e;
      this.expiresAt = 0;
      throw new RunError(`lease ${this.key}: lost by ${this.holder} (it expired or another holder took it)`);
    }
  }

  /** Gives the lease up at once; does nothing if it is no longer ours. */
  async release(): Promise<void> {
    this.expiresAt = 0;
    try {
      await this.kv.delete(this.key, { previousSeq: this.revision });
    } catch (e) {
      if (!casFailed(e)) throw e;
    }
  }
}

/**
 * Takes the lease `key` for `holder` (unique per process, e.g. `<host>-<pid>`). If someone else holds
 * it, waits up to `waitMs` (default 0) for it to expire or be released, then throws LeaseHeldError.
 * `ttlMs` must be the bucket's ttl (`openLeaseBucket`).
 */
export async function acquireLease(kv: KV, key: string, holder: string, ttlMs: number, opts: { waitMs?: number } = {}): Promise<Lease> {
  checkTtl(ttlMs);
  const bucketTtl = (await kv.status()).ttl;
  if (bucketTtl !== ttlMs) {
    throw new ConfigError(`lease: ttlMs must equal the lease bucket's ttl (${bucketTtl} ms), got ${ttlMs}; open the bucket with openLeaseBucket`);
  }
  const deadline = Date.now() + (opts.waitMs ?? 0);
  for (;;) {
    const sentAt = Date.now();
    try {
      const revision = await kv.create(key, JSON.stringify({ holder } satisfies LeaseValue));
      return new Lease(kv, key, holder, ttlMs, revision, sentAt);
    } catch (e) {
      if (!casFailed(e)) throw e;
    }
    const entry = await kv.get(key);
    const free = entry === null || entry.operation !== 'PUT';   // expired or released in between: try again
    if (!free && Date.now() >= deadline) throw new LeaseHeldError(key, entry.json<LeaseValue>().holder);
    await new Promise((r) => setTimeout(r, free ? 10 : Math.min(ttlMs / 4, Math.max(10, deadline - Date.now()))));
  }
}
