/**
 * The IMPALA learner (Espeholt et al. 2018) as a Trainer for the training loop (experiments/run/
 * loop.ts): its source is the run's unroll queue on the broker, its update A2CAgent.learnUnroll
 * (V-trace). It owns the run: one learner per run (a lease), the run's config for actors in a KV
 * bucket, the newest weights in the object store (published every `publishEvery` updates).
 *
 * Nothing is lost or used twice: an unroll is acknowledged only after the checkpoint that used it
 * is on disk, and that checkpoint lists the ids it used. A restarted learner recreates its consumer
 * (every unacknowledged unroll comes back) and skips the ids its checkpoint lists.
 */
import { hostname } from 'node:os';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { A2CAgent } from '../../agents/a2c/agent.ts';
import { ConfigError, RunError } from '../../envs/errors.ts';
import type { SyncVectorEnv } from '../../envs/vector.ts';
import type { Metrics, RolloutObserver } from '../../rollout/observer.ts';
import { decodeUnroll, WireError, type Unroll } from '../../rollout/wire.ts';
import { buildEnvs } from '../run/build.ts';
import { alive } from '../run/run-dir.ts';
import { evaluateA2C, type EvalOptions, type EvalResult } from '../run/evaluate.ts';
import type { LearnerSnapshot } from '../../agents/learner.ts';
import { buildA2CAgent, type RestoreProgress, type SourceState, type Trainer } from '../run/trainers.ts';
import type { A2CExperimentConfig } from '../settings/config.ts';
import { connectBroker, throughOutage } from './connection.ts';
import { acquireLease, LeaseHeldError, openLeaseBucket, type Lease } from './lease.ts';
import { actorsBucketName, runBucketName, unrollStreamName } from './names.ts';
import { receiveEpisodes } from './episode-stats.ts';
import { liveEntries, openPresenceBucket } from './presence.ts';
import { ensureUnrollStream, UnrollConsumer, type UnrollMessage } from './unroll-queue.ts';
import { encodeWeights } from './weights-codec.ts';
import { WeightsStore } from './weights-store.ts';

export interface LearnerSettings {
  /** nats://host:port of the broker. */
  readonly url: string;
  readonly token?: string | undefined;
  readonly runId: string;
  /** Unrolls acted with weights more than this many versions old are dropped (counted). */
  readonly maxPolicyLag: number;
  /** Publish the weights every this many updates. */
  readonly publishEvery: number;
  /** Unrolls the queue holds (delivered or not) until the learner acknowledges them. */
  readonly queueSize: number;
  /** Continuing a run (its queued unrolls are kept), or starting one (the queue is emptied). */
  readonly resume: boolean;
  /** Actors wait while this many unrolls are queued and not yet taken by the learner. */
  readonly backlog: number;
  /** V-trace's truncation levels ρ̄ and c̄ (the policy gradient's importance weight is clipped at 1). */
  readonly rhoBar: number;
  readonly cBar: number;
}

const LEASE_TTL_MS = 15_000;
const WAIT_MS = 1000;
/** How often the learner counts live actors and reads the queue's depth. */
const SURVEY_EVERY_MS = 2000;
/** Policy lag statistics cover this many recent updates. */
const LAG_WINDOW = 100;

/** `observers` (the run's metrics log, the viewer) also get the episodes the actors report. */
export async function openLearner(cfg: A2CExperimentConfig, s: LearnerSettings, observers: RolloutObserver[] = []): Promise<Trainer> {
  const nc = await connectBroker(s.url, { name: `learner-${s.runId}`, maxReconnectAttempts: -1, ...(s.token !== undefined ? { token: s.token } : {}) });
  try {
    const js = jetstream(nc);
    const lease = await learnerLease(js, s.runId);
    await ensureUnrollStream(js, s.runId, { maxMsgs: s.queueSize });
    // A new run under an old name must not learn from the old run's leftovers; a resumed one needs them.
    if (!s.resume) await (await js.jetstreamManager()).streams.purge(unrollStreamName(s.runId));
    const consumer = await UnrollConsumer.open(js, s.runId, { ackWaitMs: 24 * 3600_000, maxAckPending: s.queueSize });
    const weights = await WeightsStore.open(js, s.runId, { maxPayload: nc.info?.max_payload });
    // Actors build their envs and network from this (they load no code named here: see actor.ts).
    const run = await new Kvm(js).create(runBucketName(s.runId), { history: 1 });
    await run.put('config', JSON.stringify(cfg));
    await run.put('backlog', String(s.backlog));
    const actors = await openPresenceBucket(js, actorsBucketName(s.runId));
    const learner = new RemoteLearner(cfg, s, nc, lease, consumer, weights, actors);
    receiveEpisodes(nc, s.runId, observers, () => learner.globalStep);   // ends with the connection
    return learner;
  } catch (e) {
    await nc.close();
    throw e;
  }
}

class RemoteLearner implements Trainer {
  readonly venv: SyncVectorEnv;
  private readonly agent: A2CAgent;
  globalStep = 0;
  private version = 0;
  private updates = 0;
  /** Unrolls learned from since the last checkpoint: acknowledged once it is on disk. */
  private pending: UnrollMessage[] = [];
  /** Ids a restored checkpoint already used: acknowledged and skipped when they come again. */
  private skip = new Set<number>();
  private readonly lags: number[] = [];
  private stale = 0;
  private rejected = 0;
  /** Unrolls that came again after a restart and were skipped: the checkpoint had used them. */
  private skipped = 0;
  private waitedMs = 0;
  private readonly startedAt = performance.now();
  private readonly renewal: NodeJS.Timeout;
  /** Actors whose presence key is fresh, counted every few seconds. */
  private liveActors = 0;
  /** Unrolls in the queue not yet taken by the learner. */
  private queueDepth = 0;
  private surveyedAt = -Infinity;

  constructor(private readonly cfg: A2CExperimentConfig, private readonly s: LearnerSettings, private readonly nc: NatsConnection,
    private readonly lease: Lease, private readonly consumer: UnrollConsumer,
    private readonly weights: WeightsStore, private readonly actors: KV) {
    // Local envs only for evaluation and the viewer's description of the run.
    this.venv = buildEnvs(cfg, 1);
    this.agent = buildA2CAgent(cfg, this.venv);
    this.renewal = setInterval(() => {
      lease.renew().catch((e: Error) => console.error(`engram: learner lease: ${e.message}`));
    }, LEASE_TTL_MS / 3);
    this.renewal.unref();
  }

  async iterate(): Promise<Metrics | undefined> {
    if (this.version === 0) await throughOutage('publishing the weights', () => this.publish());
    const t0 = performance.now();
    const m = await throughOutage('waiting for unrolls', () => this.consumer.next(WAIT_MS));
    this.waitedMs += performance.now() - t0;
    if (!m) return undefined;
    if (this.skip.delete(m.id)) {   // used by the checkpoint we resumed from
      this.skipped++;
      await m.ack();
      return undefined;
    }
    const u = this.accept(m);
    if (!u) {
      await m.ack();
      return undefined;
    }
    const lag = this.version - u.meta.weightsVersion;
    if (lag > this.s.maxPolicyLag) {
      this.stale++;
      await m.ack();
      return undefined;
    }
    const metrics = this.agent.learnUnroll(u, { rhoBar: this.s.rhoBar, cBar: this.s.cBar });
    if (performance.now() - this.surveyedAt > SURVEY_EVERY_MS) await this.survey();
    this.pending.push(m);
    this.globalStep += u.meta.numSteps * u.meta.numEnvs;
    this.lags.push(lag);
    if (this.lags.length > LAG_WINDOW) this.lags.shift();
    if (++this.updates % this.s.publishEvery === 0) await throughOutage('publishing the weights', () => this.publish());
    return {
      ...metrics,
      'distributed/policy_lag_mean': this.lags.reduce((a, b) => a + b, 0) / this.lags.length,
      'distributed/policy_lag_max': Math.max(...this.lags),
      'distributed/wait_fraction': this.waitedMs / (performance.now() - this.startedAt),
      'distributed/stale_dropped': this.stale,
      'distributed/rejected': this.rejected,
      'distributed/used_before_skipped': this.skipped,
      'distributed/weights_version': this.version,
      'distributed/live_actors': this.liveActors,
      'distributed/queue_depth': this.queueDepth,
    };
  }

  /** The unroll in `m`, or undefined (counted, logged once) when it is malformed or not for this run. */
  private accept(m: UnrollMessage): Unroll | undefined {
    let why: string | undefined;
    try {
      const u = decodeUnroll(m.data);
      if (u.meta.runId !== this.s.runId) why = `it belongs to run ${u.meta.runId}`;
      else if (u.meta.weightsVersion > this.version) why = `its weights version ${u.meta.weightsVersion} is newer than the learner's ${this.version}`;
      else return u;
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      why = e.message;
    }
    if (this.rejected++ === 0) console.error(`engram: learner: rejected unroll ${m.id} (${why}); further rejections are counted in distributed/rejected`);
    return undefined;
  }

  /** Counts the actors whose presence is fresh (presence.ts) and reads the queue's depth. */
  private async survey(): Promise<void> {
    this.surveyedAt = performance.now();
    try {
      this.liveActors = (await liveEntries(this.actors)).size;
      this.queueDepth = await this.consumer.waiting();
    } catch {
      // the broker is busy or away: keep the last figures
    }
  }

  /** The weights, as the next version, for actors to load between unrolls. */
  private async publish(): Promise<void> {
    this.version = await this.weights.putWeights(encodeWeights(this.agent.namedVariables()));
  }

  sourceState(): SourceState { return { consumed: this.pending.map((m) => m.id) }; }

  async committed(): Promise<void> {
    const done = this.pending;
    this.pending = [];
    await throughOutage('acknowledging unrolls', () => Promise.all(done.map((m) => m.ack())));
  }

  evaluate(opts: EvalOptions): EvalResult { return evaluateA2C(this.agent, this.cfg, opts); }
  snapshot(): Promise<LearnerSnapshot> { return this.agent.snapshot(); }
  async restore(snap: LearnerSnapshot, p: RestoreProgress): Promise<void> {
    await this.agent.restore(snap);
    this.globalStep = p.globalStep;
    this.updates = snap.counters.updates ?? 0;
    this.skip = new Set(p.sourceState?.consumed ?? []);
    await this.consumer.recreate();   // every unacknowledged unroll comes again, at once
  }
  rngState(): undefined { return undefined; }   // the actors sample; the learner draws nothing

  async dispose(): Promise<void> {
    clearInterval(this.renewal);
    this.agent.dispose();
    this.venv.close();
    await this.lease.release().catch(() => {});
    await this.nc.drain().catch(() => {});
  }
}

/**
 * The run's one-learner lease. A holder on this machine whose process is gone (`kill -9`) is taken
 * over at once, as a stale run-directory lock is; one elsewhere must let its lease expire.
 */
async function learnerLease(js: JetStreamClient, runId: string): Promise<Lease> {
  const kv = await openLeaseBucket(js, runId, LEASE_TTL_MS);
  const me = `${hostname()}:${process.pid}`;
  try {
    return await acquireLease(kv, 'learner', me, LEASE_TTL_MS);
  } catch (e) {
    if (!(e instanceof LeaseHeldError)) throw e;
    const [host, pid] = e.holder.split(':');
    if (host !== hostname() || alive(Number(pid))) throw new RunError(`run ${runId} already has a learner (${e.holder}); stop it first, or wait ${LEASE_TTL_MS / 1000} s after it died`);
    console.error(`engram: run ${runId}'s learner ${e.holder} is gone; taking the run over`);
    await kv.delete('learner');
    return acquireLease(kv, 'learner', me, LEASE_TTL_MS);
  }
}

/** The run id of a run directory: its last path part, with what broker names refuse replaced by '-'. */
export function runIdOf(runDir: string): string {
  const base = runDir.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
  const id = base.replace(/[^A-Za-z0-9_-]/g, '-').slice(-64);
  if (!id) throw new ConfigError(`cannot name a run after ${JSON.stringify(runDir)}; pass --run ID`);
  return id;
}
