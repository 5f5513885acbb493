/**
 * The learner lease on a real nats-server: one holder at a time, the server expires an unrenewed
 * lease after the bucket's ttl, and a holder that lost it learns so on its next renewal.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConfigError, RunError } from '../../envs/errors.ts';
import { acquireLease, LeaseHeldError, openLeaseBucket } from '../../experiments/distributed/lease.ts';
import { withBroker, type TestBroker } from './with-broker.ts';

const TTL = 1000;
let t: TestBroker;
before(async () => { t = await withBroker(); });
after(async () => { await t?.close(); });

test('a second holder is refused while the lease is held, and takes it after it expires', async () => {
  const kv = await openLeaseBucket(t.js, 'expiry', TTL);
  const a = await acquireLease(kv, 'learner', 'host-a-1', TTL);
  assert.ok(a.held());
  await assert.rejects(acquireLease(kv, 'learner', 'host-b-2', TTL),
    (e: Error) => e instanceof LeaseHeldError && e instanceof RunError && e.holder === 'host-a-1' && /lease learner is held by host-a-1/.test(e.message));
  await new Promise((r) => setTimeout(r, TTL / 2));
  const renewedAt = Date.now();
  await a.renew();   // a renewal restarts the ttl: still held past the first ttl
  await new Promise((r) => setTimeout(r, TTL / 2 + 100));
  await assert.rejects(acquireLease(kv, 'learner', 'host-b-2', TTL), LeaseHeldError);
  const b = await acquireLease(kv, 'learner', 'host-b-2', TTL, { waitMs: 3 * TTL });
  assert.ok(Date.now() - renewedAt >= TTL, 'b waited for the expiry, a ttl after the renewal');
  assert.equal(a.held(), false, "a's own clock agrees it is gone");
  await assert.rejects(a.renew(), (e: Error) => e instanceof RunError && /lease learner: lost by host-a-1/.test(e.message));
  await b.renew();
  await a.release();   // not a's any more: does nothing
  await assert.rejects(acquireLease(kv, 'learner', 'host-c-3', TTL), /held by host-b-2/);
});

test('a released lease can be taken at once', async () => {
  const kv = await openLeaseBucket(t.js, 'release', TTL);
  const a = await acquireLease(kv, 'learner', 'a', TTL);
  await a.release();
  const b = await acquireLease(kv, 'learner', 'b', TTL);
  assert.ok(b.held());
  await b.release();
});

test('ttlMs must match the bucket and be at least 100 ms', async () => {
  const kv = await openLeaseBucket(t.js, 'ttl', TTL);
  await assert.rejects(acquireLease(kv, 'learner', 'a', 5000), (e: Error) => e instanceof ConfigError && /ttlMs must equal the lease bucket's ttl \(1000 ms\), got 5000/.test(e.message));
  await assert.rejects(openLeaseBucket(t.js, 'ttl2', 10), /ttlMs must be an integer >= 100, got 10/);
});
