/**
 * The weight snapshots of one run. A snapshot that fits in one message goes into the KV bucket
 * itself (key `blob`, prefixed with its version; the bucket keeps one revision, so the broker's
 * store does not grow with every update). A larger one goes into a JetStream object store
 * (chunked; the client checks its SHA-256 on read), of which the `keep` newest are kept. Either
 * way the version is then recorded under `latest`. Actors read that small KV entry to poll for a new
 * version, or watch it, and fetch the snapshot only when it changed.
 *
 * The object is written before the KV entry, so a version an actor sees is always readable, unless
 * it fell out of the `keep` newest ones in between; `getWeights` then answers null and the actor asks
 * again for the newest.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { ConfigError } from '../../envs/errors.ts';
import { weightsBucketName } from './names.ts';

/** The KV key holding the newest version. */
const LATEST_KEY = 'latest';
/** The KV key holding a snapshot small enough for one message: a uint32 version, then the bytes. */
const BLOB_KEY = 'blob';
/** Room in a message for the KV's headers beside an inline snapshot. */
const HEADROOM = 64 * 1024;
const objectName = (version: number) => `v${version}`;

export interface WeightsStoreOptions {
  /** Snapshots kept in the object store; older ones are deleted after each put. */
  keep?: number;
  /** The broker's max_payload (from the connection's server info): smaller snapshots go inline. */
  maxPayload?: number;
}

export const WEIGHTS_STORE_DEFAULTS = { keep: 3 } as const;

/** What the KV entry records about the newest snapshot. */
export interface WeightsVersion {
  version: number;
  size: number;
  /** In the KV bucket (`blob`) rather than the object store. */
  inline?: boolean;
}

export class WeightsStore {
  private constructor(private readonly objects: ObjectStore, private readonly kv: KV, private readonly keep: number, private readonly inlineMax: number) {}

  /** Opens the run's buckets, creating them if missing. */
  static async open(js: JetStreamClient, runId: string, opts: WeightsStoreOptions = {}): Promise<WeightsStore> {
    const keep = opts.keep ?? WEIGHTS_STORE_DEFAULTS.keep;
    if (!Number.isInteger(keep) || keep < 1) throw new ConfigError(`weights store: keep must be an integer >= 1, got ${keep}`);
    const name = weightsBucketName(runId);
    const [objects, kv] = await Promise.all([new Objm(js).create(name), new Kvm(js).create(name, { history: 1 })]);
    return new WeightsStore(objects, kv, keep, (opts.maxPayload ?? 1024 * 1024) - HEADROOM);
  }

  /**
   * Stores `bytes` as `version` (greater than the newest; by default the newest + 1) and records it
   * as the newest; returns the version stored.
   */
  async putWeights(bytes: Uint8Array, next?: number): Promise<number> {
    const entry = await this.kv.get(LATEST_KEY);
    const latest = entry?.operation === 'PUT' ? entry.json<WeightsVersion>().version : undefined;
    const version = next ?? (latest ?? 0) + 1;
    if (!Number.isSafeInteger(version) || version < 0) throw new ConfigError(`weights store: version must be an integer >= 0, got ${version}`);
    if (latest !== undefined && version <= latest) {
      throw new ConfigError(`weights store: version must be greater than the newest (${latest}), got ${version}`);
    }
    const inline = bytes.length <= this.inlineMax;
    if (inline) {
      const blob = new Uint8Array(4 + bytes.length);
      new DataView(blob.buffer).setUint32(0, version, true);
      blob.set(bytes, 4);
      await this.kv.put(BLOB_KEY, blob);
    } else {
      await this.objects.putBlob({ name: objectName(version) }, bytes);
    }
    const record = JSON.stringify({ version, size: bytes.length, ...(inline ? { inline } : {}) } satisfies WeightsVersion);
    // Compare-and-set on the entry read above: a second writer (a learner that lost its lease) fails here.
    if (entry) await this.kv.update(LATEST_KEY, record, entry.revision); else await this.kv.create(LATEST_KEY, record);
    if (!inline) await this.prune(version);
    return version;
  }

  /** The newest version's record, or null before the first put. */
  async latest(): Promise<WeightsVersion | null> {
    const entry = await this.kv.get(LATEST_KEY);
    return entry?.operation === 'PUT' ? entry.json<WeightsVersion>() : null;
  }

  /**
   * The snapshot of `version` (the newest by default), or null if there is none (yet, or any more).
   * `newest`: the record the caller just read with `latest()`, so that it is not read again.
   */
  async getWeights(version?: number, newest?: WeightsVersion | null): Promise<{ version: number; bytes: Uint8Array } | null> {
    newest ??= await this.latest();
    const v = version ?? newest?.version;
    if (v === undefined) return null;
    if (newest?.inline && newest.version === v) {
      const entry = await this.kv.get(BLOB_KEY);
      if (entry?.operation !== 'PUT') return null;
      const blob = entry.value;
      const at = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(0, true);
      // A newer inline version may have replaced it in between: that one is as good to an actor.
      return at >= v ? { version: at, bytes: blob.subarray(4) } : null;
    }
    const bytes = await this.objects.getBlob(objectName(v));
    return bytes === null ? null : { version: v, bytes };
  }

  /** Yields each new newest version as the learner records it (the current one first, if any); stops with `signal`. */
  async *watchVersions(signal?: AbortSignal): AsyncGenerator<WeightsVersion> {
    const iter = await this.kv.watch({ key: LATEST_KEY });
    const stop = () => iter.stop();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      for await (const e of iter) if (e.operation === 'PUT') yield e.json<WeightsVersion>();
    } finally {
      signal?.removeEventListener('abort', stop);
      iter.stop();
    }
  }

  /** Deletes snapshots older than the `keep` newest. */
  private async prune(newest: number): Promise<void> {
    const infos = await this.objects.list();
    const versions = infos.map((i) => Number(i.name.slice(1))).filter((v) => Number.isInteger(v) && v <= newest).sort((a, b) => b - a);
    await Promise.all(versions.slice(this.keep).map((v) => this.objects.delete(objectName(v))));
  }
}
