/**
 * The unroll queue of one run: a JetStream work-queue stream that actors publish unrolls into
 * (opaque binary payloads) and one durable pull consumer the learner reads them from.
 *
 * - Back-pressure: the stream holds at most `maxMsgs` unrolls, delivered or not, until they are
 *   acked (work-queue retention, `discard: new`). A publish into a full stream is refused (API
 *   error 10077) and `publishUnroll` waits and retries with the same message id.
 * - Exactly once into the stream: every unroll carries the actor's message id (`Nats-Msg-Id`), so a
 *   retry after a lost publish ack is recognised within the duplicate window and answered
 *   `duplicate: true` instead of stored twice.
 * - At least once to the learner: the learner acks an unroll only after the checkpoint that used it
 *   is on disk. Unacked unrolls come back after `ackWaitMs`, or at once after `recreate()` (delete
 *   and re-add the durable consumer), which a restarted learner calls before reading.
 *
 * Sizing: `maxMsgs` must exceed the number of unrolls the learner holds unacked between two
 * checkpoints, or actors and learner wait on each other; `maxAckPending` likewise.
 */
import { AckPolicy, DiscardPolicy, JetStreamApiError, RetentionPolicy, type Consumer, type ConsumerConfig, type JetStreamClient,
  type JetStreamManager } from '@nats-io/jetstream';
import { nanos, TimeoutError } from '@nats-io/transport-node';
import { ConfigError, RunError } from '../../envs/errors.ts';
import { unrollStreamName, unrollSubject } from './names.ts';

/** JetStream's "maximum messages exceeded" (a full stream with `discard: new`). */
export const STREAM_FULL = 10077;
/** JetStream's "stream name already in use with a different configuration". */
export const STREAM_NAME_IN_USE = 10058;
/** The client library's floor for a pull request's expiry. */
const MIN_PULL_MS = 1000;

export interface UnrollStreamOptions {
  /** Unrolls the stream holds until the learner acks them; a publish beyond waits. */
  maxMsgs: number;
  /** The largest unroll in bytes (-1: the broker's max_payload). */
  maxMsgSize?: number;
  /** How long the server remembers a message id for deduplication. */
  duplicateWindowMs?: number;
}

export const UNROLL_STREAM_DEFAULTS = { maxMsgSize: -1, duplicateWindowMs: 120_000 } as const;

/** Creates the run's unroll stream, or updates its limits if it exists. */
export async function ensureUnrollStream(js: JetStreamClient, runId: string, opts: UnrollStreamOptions): Promise<void> {
  if (!Number.isInteger(opts.maxMsgs) || opts.maxMsgs < 1) throw new ConfigError(`unroll queue: maxMsgs must be an integer >= 1, got ${opts.maxMsgs}`);
  const o = { ...UNROLL_STREAM_DEFAULTS, ...opts };
  const jsm = await js.jetstreamManager();
  const name = unrollStreamName(runId);
  const limits = { max_msgs: o.maxMsgs, max_msg_size: o.maxMsgSize, duplicate_window: nanos(o.duplicateWindowMs), discard: DiscardPolicy.New };
  try {
    await jsm.streams.add({ name, subjects: [unrollSubject(runId)], retention: RetentionPolicy.Workqueue, ...limits });
  } catch (e) {
    if (!(e instanceof JetStreamApiError && e.code === STREAM_NAME_IN_USE)) throw e;
    await jsm.streams.update(name, limits);
  }
}

export interface PublishUnrollOptions {
  /** Give up (RunError) when the stream is still full after this long. */
  deadlineMs?: number;
  /** Stops waiting; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The first wait after a refusal; it doubles up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  /** How long one publish waits for the server's ack. */
  ackTimeoutMs?: number;
}

export const PUBLISH_UNROLL_DEFAULTS = { deadlineMs: Infinity, retryMs: 20, maxRetryMs: 1000, ackTimeoutMs: 5000 } as const;

/**
 * Publishes one unroll under `msgId` (unique per unroll, e.g. `<actor>-<n>`), retrying the same id
 * while the stream is full or the ack is lost, until it is stored. `duplicate` is true when the
 * server already had this id (an earlier attempt was stored).
 */
export async function publishUnroll(js: JetStreamClient, runId: string, bytes: Uint8Array, msgId: string,
  opts: PublishUnrollOptions = {}): Promise<{ duplicate: boolean; seq: number }> {
  const o = { ...PUBLISH_UNROLL_DEFAULTS, ...opts };
  const subject = unrollSubject(runId);
  const start = Date.now();
  let wait: number = o.retryMs;
  for (;;) {
    o.signal?.throwIfAborted();
    try {
      const ack = await js.publish(subject, bytes, { msgID: msgId, timeout: o.ackTimeoutMs });
      return { duplicate: ack.duplicate, seq: ack.seq };
    } catch (e) {
      const full = e instanceof JetStreamApiError && e.code === STREAM_FULL;
      if (!full && !(e instanceof TimeoutError)) throw e;
      const left = o.deadlineMs - (Date.now() - start);
      if (left <= 0) {
        throw new RunError(`unroll queue ${unrollStreamName(runId)}: ${full ? 'stream still full' : 'no publish ack'} after ${Date.now() - start} ms (message ${msgId}); is the learner reading?`);
      }
      await sleep(Math.min(wait, left), o.signal);
      wait = Math.min(wait * 2, o.maxRetryMs);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => { signal?.removeEventListener('abort', abort); resolve(); };
    const timer = setTimeout(done, ms);
    const abort = () => { clearTimeout(timer); reject(signal?.reason); };
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/**
 * Unrolls in the queue that the learner has not taken yet (its consumer's pending count); 0 before
 * the learner's consumer exists. Actors wait while it is high: the stream itself must also hold the
 * unrolls taken but not yet checkpointed, so its own limit cannot keep the policy lag small.
 */
export async function waitingUnrolls(js: JetStreamClient, runId: string, durable: string = UNROLL_CONSUMER_DEFAULTS.durable): Promise<number> {
  const jsm = await js.jetstreamManager();
  try {
    return (await jsm.consumers.info(unrollStreamName(runId), durable)).num_pending;
  } catch (e) {
    if (e instanceof JetStreamApiError) return 0;   // no consumer (yet): the learner has not started
    throw e;
  }
}

/** One unroll handed to the learner; it stays in the stream until `ack()`. */
export interface UnrollMessage {
  data: Uint8Array;
  /** The stream sequence: unique per stored unroll, the same on redelivery. */
  id: number;
  /** True when this unroll was delivered before and not acked. */
  redelivered: boolean;
  /** Removes the unroll from the queue; resolves once the server confirmed it. */
  ack(): Promise<void>;
  /** Gives the unroll back for redelivery (after `delayMs`, default at once). */
  nak(delayMs?: number): void;
  /** Restarts the ack-wait clock of an unroll the learner still holds. */
  inProgress(): void;
}

export interface UnrollConsumerOptions {
  /** The durable consumer's name. */
  durable?: string;
  /** An unacked unroll comes back after this long; longer than the time between checkpoints. */
  ackWaitMs?: number;
  /** Unrolls delivered and not yet acked, at most; at least the unrolls per checkpoint. */
  maxAckPending?: number;
}

export const UNROLL_CONSUMER_DEFAULTS = { durable: 'learner', ackWaitMs: 600_000, maxAckPending: 10_000 } as const;

/** The learner's durable pull consumer on the run's unroll stream. */
export class UnrollConsumer {
  private constructor(private readonly jsm: JetStreamManager, private readonly js: JetStreamClient,
    private readonly stream: string, private readonly config: Partial<ConsumerConfig>, private consumer: Consumer) {}

  /** Creates the durable consumer if missing (an existing one keeps its pending unrolls). */
  static async open(js: JetStreamClient, runId: string, opts: UnrollConsumerOptions = {}): Promise<UnrollConsumer> {
    const o = { ...UNROLL_CONSUMER_DEFAULTS, ...opts };
    const stream = unrollStreamName(runId);
    const config: Partial<ConsumerConfig> = { durable_name: o.durable, ack_policy: AckPolicy.Explicit, ack_wait: nanos(o.ackWaitMs),
      max_ack_pending: o.maxAckPending };
    const jsm = await js.jetstreamManager();
    await jsm.consumers.add(stream, config);
    return new UnrollConsumer(jsm, js, stream, config, await js.consumers.get(stream, o.durable));
  }

  /** The next unroll, or null when none arrives within `timeoutMs` (at least 1 s, the client's floor). */
  async next(timeoutMs: number): Promise<UnrollMessage | null> {
    const m = await this.consumer.next({ expires: Math.max(MIN_PULL_MS, timeoutMs) });
    if (m === null) return null;
    return {
      data: m.data, id: m.seq, redelivered: m.redelivered,
      ack: async () => {
        if (!(await m.ackAck())) throw new RunError(`unroll queue ${this.stream}: the ack of unroll ${m.seq} was not confirmed`);
      },
      nak: (delayMs) => m.nak(delayMs),
      inProgress: () => m.working(),
    };
  }

  /** Unrolls in the stream not yet delivered to this consumer. */
  async waiting(): Promise<number> {
    return (await this.consumer.info()).num_pending;
  }

  /** Deletes and re-adds the durable consumer, so every unacked unroll is delivered again at once. */
  async recreate(): Promise<void> {
    const name = this.config.durable_name as string;
    await this.jsm.consumers.delete(this.stream, name);
    await this.jsm.consumers.add(this.stream, this.config);
    this.consumer = await this.js.consumers.get(this.stream, name);
  }
}
