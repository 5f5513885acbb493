/**
 * An IMPALA actor: builds the run's envs and network from the config the learner put on the
 * broker, loads the newest weights between unrolls, acts with its own envs, and publishes each
 * unroll (rollout/wire.ts), split by groups of envs when it would exceed the broker's max payload.
 *
 * An actor loads no code named by the broker: env modules come only from its own --env-module.
 * It outlives a learner restart (the queue keeps its unrolls; a full queue makes it wait) and a
 * broker restart (the client reconnects and the publish is retried under the same message id).
 */
import { hostname } from 'node:os';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { SEEDS } from '../../envs/seeds.ts';
import { stateToArrays } from '../../memory/state-arrays.ts';
import { initBackend, type BackendChoice } from '../../memory/tf.ts';
import { Runner } from '../../rollout/runner.ts';
import { disposeTrajectory } from '../../rollout/trajectory.ts';
import { unrollFromTrajectory } from '../../rollout/unroll-builder.ts';
import { encodeUnroll, splitUnroll } from '../../rollout/wire.ts';
import { buildEnvs } from '../run/build.ts';
import { openFeed, runInfo, withDiagnostics, type FeedFlags } from '../run/feed.ts';
import { loadModules } from '../run/env-module.ts';
import { buildA2CAgent } from '../run/trainers.ts';
import { a2cConfig, resolveExperimentConfig } from '../settings/config.ts';
import { connectBroker, throughOutage } from './connection.ts';
import { EpisodeCollector } from './episode-stats.ts';
import { actorsBucketName, runBucketName } from './names.ts';
import { openPresenceBucket, Presence } from './presence.ts';
import { publishUnroll, waitingUnrolls } from './unroll-queue.ts';
import { decodeWeights } from './weights-codec.ts';
import { WeightsStore } from './weights-store.ts';

export interface ActorSettings {
  readonly url: string;
  readonly token?: string | undefined;
  readonly runId: string;
  /** Envs this actor steps (default: the run's numEnvs). */
  readonly numEnvs?: number | undefined;
  readonly envModules: readonly string[];
  readonly backend?: BackendChoice | undefined;
  readonly threads?: number | undefined;
  /** Seeds this actor's envs apart from every other actor's. */
  readonly index: number;
  /** The live viewer and recording of this actor's envs (`--view`, `--record`). */
  readonly feed?: FeedFlags | undefined;
  /** Stops after the current unroll. */
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

/** Room left in a message for the NATS headers around the unroll. */
const HEADROOM = 16 * 1024;
const POLL_MS = 500;

export async function runActor(s: ActorSettings): Promise<{ unrolls: number; steps: number }> {
  const actorId = `${hostname()}-${process.pid}`;
  const nc = await connectBroker(s.url, { name: `actor-${actorId}`, maxReconnectAttempts: -1, ...(s.token !== undefined ? { token: s.token } : {}) });
  try {
    const js = jetstream(nc);
    const run = await new Kvm(js).create(runBucketName(s.runId), { history: 1 });
    // Presence for the learner's live-actor count: refreshed well within its ttl, removed on a clean stop.
    const presence = new Presence(await openPresenceBucket(js, actorsBucketName(s.runId)), actorId, String(s.index));
    try {
      const config = await waitFor(async () => (await run.get('config'))?.string(), s, `run ${s.runId}'s config (is its learner running?)`);
      if (config === undefined) return { unrolls: 0, steps: 0 };
      const backlog = Number((await run.get('backlog'))?.string() ?? 4);
      await loadModules(s.envModules);
      const values = { ...JSON.parse(config) as Record<string, unknown>, envModules: [...s.envModules] };
      const resolved = a2cConfig(resolveExperimentConfig({ values, flags: { numEnvs: s.numEnvs } }), 'engram actor');
      // The viewer shows the memory's gates and attention; those leaves never go on the wire (stateToArrays below).
      const cfg = s.feed?.view ? { ...resolved, coreOptions: withDiagnostics(resolved).coreOptions } : resolved;
      const backend = await initBackend(s.backend ?? cfg.backend, s.threads ?? 1);
      const venv = buildEnvs(cfg, cfg.numEnvs);
      const agent = buildA2CAgent(cfg, venv);
      const weights = await WeightsStore.open(js, s.runId, { maxPayload: nc.info?.max_payload });
      const episodes = new EpisodeCollector();
      const feed = s.feed ? await openFeed(s.feed, runInfo({ ...cfg, runDir: `${s.runId}-actor-${s.index}` }, venv, 'train', backend), 30) : undefined;
      const runner = new Runner(venv, agent, { seed: SEEDS.actor(cfg.seed, s.index), observers: feed ? [episodes, feed.observer] : [episodes] });
      const maxBytes = nc.info!.max_payload - HEADROOM;
      let version = 0, seq = 0, steps = 0;
      const started = performance.now();
      let lastLog = started;
      try {
        while (!s.signal.aborted) {
          const newest = await waitFor(async () => (await throughOutage('polling the weights', () => weights.latest())) ?? undefined, s, 'the learner\'s first weights');
          if (newest === undefined) break;
          if (newest.version > version) {
            const w = await throughOutage('fetching the weights', () => weights.getWeights(newest.version, newest));
            if (w) {
              await agent.restore({ weights: decodeWeights(w.bytes), optimizer: { names: [], shapes: [], data: [] }, counters: {} });
              version = w.version;
            }
          }
          const traj = runner.collect(cfg.agent.numSteps);
          const state = stateToArrays(traj.initialState, agent.core.stateSpec(), { diagnostics: false });
          const u = unrollFromTrajectory(traj, state, {
            runId: s.runId, actorId, seq, weightsVersion: version, envId: cfg.env, coreId: cfg.core, numActions: agent.numActions,
          });
          // Back-pressure on what the learner has not taken yet keeps the policy lag small (IMPALA's small queue).
          while (!s.signal.aborted && await throughOutage('reading the queue', () => waitingUnrolls(js, s.runId)) >= backlog) await new Promise((r) => setTimeout(r, 10));
          const parts = splitUnroll(u, maxBytes);
          for (const [i, part] of parts.entries()) {
            const bytes = encodeUnroll(part);
            await throughOutage('publishing an unroll', () => publishUnroll(js, s.runId, bytes, `${actorId}-${seq}-${i}`, { signal: s.signal }));   // same id: stored once
          }
          feed?.observer.onUpdate({ iteration: seq + 1, globalStep: steps + traj.numSteps * traj.numEnvs, metrics: { ...episodes.means(), 'distributed/weights_version': version } });
          episodes.send(nc, s.runId);
          disposeTrajectory(traj, agent);
          seq++;
          steps += traj.numSteps * traj.numEnvs;
          if (performance.now() - lastLog > 10_000) {
            s.log(`engram: actor ${actorId}: ${seq} unrolls, ${Math.round(steps / ((performance.now() - started) / 1000))} env steps/s, weights version ${version}`);
            lastLog = performance.now();
          }
        }
      } catch (e) {
        if (!s.signal.aborted) throw e;   // a stop while waiting for the queue is not an error
      } finally {
        runner.dispose();
        agent.dispose();
        venv.close();
        await feed?.close();
      }
      return { unrolls: seq, steps };
    } finally {
      await presence.stop();
    }
  } finally {
    await nc.drain().catch(() => {});
  }
}

/** Polls `get` until it gives a value, saying once what it waits for; undefined if stopped first. */
async function waitFor<T>(get: () => Promise<T | undefined>, s: ActorSettings, what: string): Promise<T | undefined> {
  let said = false;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (s.signal.aborted) return undefined;
    if (!said) s.log(`engram: actor waiting for ${what}`);
    said = true;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
