/**
 * The unroll queue on a real nats-server: dedup by message id, back-pressure from a full stream,
 * acks that free room, and redelivery of unacked unrolls when the learner's consumer is recreated.
 * Each test uses its own run id, so its own stream.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConfigError, RunError } from '../../envs/errors.ts';
import { unrollStreamName } from '../../experiments/distributed/names.ts';
import { ensureUnrollStream, publishUnroll, UnrollConsumer } from '../../experiments/distributed/unroll-queue.ts';
import { withBroker, type TestBroker } from './with-broker.ts';

let t: TestBroker;
before(async () => { t = await withBroker(); });
after(async () => { await t?.close(); });

const bytes = (...xs: number[]) => new Uint8Array(xs);
const stored = async (runId: string) => (await (await t.js.jetstreamManager()).streams.info(unrollStreamName(runId))).state.messages;

test('publishing the same message id twice stores it once and answers duplicate', async () => {
  await ensureUnrollStream(t.js, 'dedup', { maxMsgs: 10 });
  const first = await publishUnroll(t.js, 'dedup', bytes(1, 2, 3), 'actor0-1');
  const again = await publishUnroll(t.js, 'dedup', bytes(1, 2, 3), 'actor0-1');
  assert.deepEqual([first.duplicate, again.duplicate], [false, true]);
  assert.equal(again.seq, first.seq);
  assert.equal(await stored('dedup'), 1);
});

test('a full stream holds the third publish until the learner acks one, then stores it', async () => {
  await ensureUnrollStream(t.js, 'full', { maxMsgs: 2 });
  await publishUnroll(t.js, 'full', bytes(1), 'a-1');
  await publishUnroll(t.js, 'full', bytes(2), 'a-2');
  let settled = false;
  const third = publishUnroll(t.js, 'full', bytes(3), 'a-3', { retryMs: 10, maxRetryMs: 50 }).finally(() => { settled = true; });
  const learner = await UnrollConsumer.open(t.js, 'full');
  const m = await learner.next(1000);
  assert.ok(m);
  assert.deepEqual(Array.from(m.data), [1]);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(settled, false, 'delivered but unacked unrolls still fill the stream');
  await m.ack();
  assert.deepEqual(await third, { duplicate: false, seq: 3 });
  assert.equal(await stored('full'), 2);
  assert.deepEqual(await publishUnroll(t.js, 'full', bytes(3), 'a-3'), { duplicate: true, seq: 3 }, 'a retry after it was stored');
});

test('publishUnroll gives up at its deadline or abort while the stream stays full', async () => {
  await ensureUnrollStream(t.js, 'deadline', { maxMsgs: 1 });
  await publishUnroll(t.js, 'deadline', bytes(1), 'd-1');
  await assert.rejects(publishUnroll(t.js, 'deadline', bytes(2), 'd-2', { deadlineMs: 150 }),
    (e: Error) => e instanceof RunError && /UNROLLS_deadline: stream still full after \d+ ms \(message d-2\)/.test(e.message));
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('stopping')), 100);
  await assert.rejects(publishUnroll(t.js, 'deadline', bytes(2), 'd-2', { signal: ac.signal }), /stopping/);
});

test('an unacked unroll is delivered again at once after the consumer is recreated', async () => {
  await ensureUnrollStream(t.js, 'redeliver', { maxMsgs: 10 });
  await publishUnroll(t.js, 'redeliver', bytes(7, 7), 'r-1');
  await publishUnroll(t.js, 'redeliver', bytes(8, 8), 'r-2');
  const learner = await UnrollConsumer.open(t.js, 'redeliver');
  const a = await learner.next(1000);
  const b = await learner.next(1000);
  assert.ok(a && b);
  await b.ack();
  assert.equal(await learner.next(1000), null, 'nothing new, and the unacked one waits for ackWait');
  await learner.recreate();
  const again = await learner.next(1000);
  assert.ok(again);
  assert.equal(again.id, a.id);
  assert.deepEqual(Array.from(again.data), [7, 7]);
  await again.ack();
  assert.equal(await stored('redeliver'), 0);
});

test('ensureUnrollStream updates the limits of an existing stream, and checks its inputs', async () => {
  await ensureUnrollStream(t.js, 'resize', { maxMsgs: 1 });
  await ensureUnrollStream(t.js, 'resize', { maxMsgs: 5 });
  const info = await (await t.js.jetstreamManager()).streams.info(unrollStreamName('resize'));
  assert.equal(info.config.max_msgs, 5);
  await assert.rejects(ensureUnrollStream(t.js, 'resize', { maxMsgs: 0 }), (e: Error) => e instanceof ConfigError && /maxMsgs must be an integer >= 1, got 0/.test(e.message));
  await assert.rejects(ensureUnrollStream(t.js, 'bad.run', { maxMsgs: 1 }), /runId must be 1-64 characters/);
});
