/**
 * Weight snapshots through the object store of a real nats-server: a 4 MiB snapshot (four times the
 * server's default max_payload) comes back byte for byte; the KV entry tracks the newest version.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ConfigError } from '../../envs/errors.ts';
import { WeightsStore, type WeightsVersion } from '../../experiments/distributed/weights-store.ts';
import { withBroker, type TestBroker } from './with-broker.ts';

let t: TestBroker;
before(async () => { t = await withBroker({ maxPayload: 1024 * 1024 }); });
after(async () => { await t?.close(); });

test('a 4 MiB snapshot comes back equal, and the newest version is the default', async () => {
  const store = await WeightsStore.open(t.js, 'big', { maxPayload: 0 });   // every snapshot through the object store
  assert.equal(await store.getWeights(), null, 'nothing before the first put');
  assert.equal(await store.latest(), null);
  const big = new Uint8Array(randomBytes(4 * 1024 * 1024));
  await store.putWeights(big, 1);
  const small = new Uint8Array([1, 2, 3]);
  await store.putWeights(small, 2);
  assert.deepEqual(await store.latest(), { version: 2, size: 3 });
  const newest = await store.getWeights();
  assert.equal(newest?.version, 2);
  assert.deepEqual(Array.from(newest?.bytes ?? []), [1, 2, 3]);
  const first = await store.getWeights(1);
  assert.equal(first?.version, 1);
  assert.ok(first && Buffer.from(first.bytes).equals(Buffer.from(big)), 'the 4 MiB snapshot is equal byte for byte');
  const other = await WeightsStore.open(t.js, 'big', { maxPayload: 0 });   // an actor opening the same run's buckets
  assert.deepEqual(await other.latest(), { version: 2, size: 3 });
});

test('only the keep newest snapshots stay; versions must increase', async () => {
  const store = await WeightsStore.open(t.js, 'keep', { keep: 2, maxPayload: 0 });
  for (const v of [1, 2, 3]) await store.putWeights(new Uint8Array([v]), v);
  assert.equal(await store.getWeights(1), null, 'pruned');
  assert.deepEqual(Array.from((await store.getWeights(2))?.bytes ?? []), [2]);
  await assert.rejects(store.putWeights(new Uint8Array([9]), 3), (e: Error) => e instanceof ConfigError && e.message === 'weights store: version must be greater than the newest (3), got 3');
  await assert.rejects(WeightsStore.open(t.js, 'keep', { keep: 0 }), /keep must be an integer >= 1, got 0/);
});

test('watchVersions yields the current version, then each new one', async () => {
  const store = await WeightsStore.open(t.js, 'watch', { maxPayload: 0 });
  await store.putWeights(new Uint8Array([1]), 10);
  const ac = new AbortController();
  const seen: WeightsVersion[] = [];
  const watching = (async () => {
    for await (const v of store.watchVersions(ac.signal)) {
      seen.push(v);
      if (v.version === 10) await store.putWeights(new Uint8Array([2, 2]), 11);
      if (v.version === 11) ac.abort();
    }
  })();
  await watching;
  assert.deepEqual(seen, [{ version: 10, size: 1 }, { version: 11, size: 2 }]);
});

test('a snapshot that fits in a message goes inline: newest only, no objects pile up', async () => {
  const store = await WeightsStore.open(t.js, 'inline', { maxPayload: 1024 * 1024 });
  for (let v = 1; v <= 5; v++) await store.putWeights(new Uint8Array([v, v, v]), v);
  assert.deepEqual(await store.latest(), { version: 5, size: 3, inline: true });
  const w = await store.getWeights();
  assert.equal(w?.version, 5);
  assert.deepEqual(Array.from(w?.bytes ?? []), [5, 5, 5]);
  assert.equal(await store.getWeights(3), null, 'an older inline version is gone');
  const big = new Uint8Array(2 * 1024 * 1024).fill(7);   // over the payload: the object store
  await store.putWeights(big, 6);
  assert.deepEqual(await store.latest(), { version: 6, size: big.length });
  assert.equal((await store.getWeights())?.bytes.length, big.length);
});
