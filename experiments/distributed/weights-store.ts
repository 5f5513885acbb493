/**
 * The weight snapshots of one run: the learner puts each new version into a JetStream object store
 * (chunked, so a snapshot may exceed the broker's max_payload; the client checks its SHA-256 on
 * read), then records the version in a KV bucket. Actors read that small KV entry to poll for a new
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
const objectName = (version: number) => `v${version}`;

export interface WeightsStoreOptions {
  /** Snapshots kept in the object store; older ones are deleted after each put. */
  keep?: number;
}

export const WEIGHTS_STORE_DEFAULTS = { keep: 3 } as const;

/** What the KV entry records about the newest snapshot. */
export interface WeightsVersion {
  version: number;
  size: number;
}

export class WeightsStore {
  private constructor(private readonly objects: ObjectStore, private readonly kv: KV, private readonly keep: number) {}

  /** Opens the run's buckets, creating them if missing. */
  static async open(js: JetStreamClient, runId: string, opts: WeightsStoreOptions = {}): Promise<WeightsStore> {
    const keep = opts.keep ?? WEIGHTS_STORE_DEFAULTS.keep;
    if (!Number.isInteger(keep) || keep < 1) throw new ConfigError(`weights store: keep must be an integer >= 1, got ${keep}`);
    const name = weightsBucketName(runId);
    const [objects, kv] = await Promise.all([new Objm(js).create(name), new Kvm(js).create(name, { history: 1 })]);
    return new WeightsStore(objects, kv, keep);
  }

  /** Stores `bytes` as `version` (greater than the newest) and records it as the newest. */
  async putWeights(bytes: Uint8Array, version: number): Promise<void> {
    if (!Number.isSafeInteger(version) || version < 0) throw new ConfigError(`weights store: version must be an integer >= 0, got ${version}`);
    const entry = await this.kv.get(LATEST_KEY);
    const latest = entry?.operation === 'PUT' ? entry.json<WeightsVersion>().version : undefined;
    if (latest !== undefined && version <= latest) {
      throw new ConfigError(`weights store: version must be greater than the newest (${latest}), got ${version}`);
    }
    await this.objects.putBlob({ name: objectName(version) }, bytes);
    const record = JSON.stringify({ version, size: bytes.length } satisfies WeightsVersion);
    // Compare-and-set on the entry read above: a second writer (a learner that lost its lease) fails here.
    if (entry) await this.kv.update(LATEST_KEY, record, entry.revision); else await this.kv.create(LATEST_KEY, record);
    await this.prune(version);
  }

  /** The newest version's record, or null before the first put. */
  async latest(): Promise<WeightsVersion | null> {
    const entry = await this.kv.get(LATEST_KEY);
    return entry?.operation === 'PUT' ? entry.json<WeightsVersion>() : null;
  }

  /** The snapshot of `version` (the newest by default), or null if there is none (yet, or any more). */
  async getWeights(version?: number): Promise<{ version: number; bytes: Uint8Array } | null> {
    const v = version ?? (await this.latest())?.version;
    if (v === undefined) return null;
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
