/**
 * Actors' finished episodes for the learner's metrics: each actor sends the episodes that ended
 * during an unroll (return, length and the env's own metrics, as `info.episode` has them) as one
 * small JSON message on the run's episodes subject. They go over core NATS, not the stream: they
 * only feed the learner's `charts/episode_return` and `env/*` columns, the progress line and the
 * viewer's curves, so a message lost while the learner restarts costs nothing that training needs.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { EpisodeEvent, RolloutObserver } from '../../rollout/observer.ts';
import { EpisodeMeans } from '../run/metrics.ts';
import { episodeSubject } from './names.ts';

/** At most this many episodes, and keys per episode, in one message; more is not a real actor. */
const MAX_EPISODES = 4096;
const MAX_KEYS = 64;

/** Collects an actor's finished episodes between sends. */
export class EpisodeCollector implements RolloutObserver {
  private episodes: Record<string, number>[] = [];
  private readonly averaged = new EpisodeMeans();

  onEpisode(e: EpisodeEvent): void {
    if (this.episodes.length < MAX_EPISODES) this.episodes.push(e.episode);
    this.averaged.add(e.episode);
  }

  /** The means of the episodes since the last call, keyed as in metrics.jsonl (for the actor's viewer). */
  means(): Record<string, number> {
    return this.averaged.take();
  }

  /** Publishes the episodes since the last call (none: nothing sent). */
  send(nc: NatsConnection, runId: string): void {
    if (this.episodes.length === 0) return;
    nc.publish(episodeSubject(runId), JSON.stringify(this.episodes));
    this.episodes = [];
  }
}

/** The episodes in a message, or undefined when it is not a list of records of finite numbers. */
export function parseEpisodes(data: Uint8Array): Record<string, number>[] | undefined {
  let v: unknown;
  try { v = JSON.parse(new TextDecoder().decode(data)); } catch { return undefined; }
  if (!Array.isArray(v) || v.length > MAX_EPISODES) return undefined;
  for (const e of v) {
    if (!e || typeof e !== 'object' || Array.isArray(e)) return undefined;
    const entries = Object.entries(e as Record<string, unknown>);
    if (entries.length > MAX_KEYS || !entries.every(([k, x]) => k.length <= 64 && typeof x === 'number' && Number.isFinite(x))) return undefined;
  }
  return v as Record<string, number>[];
}

/** Hands every episode the actors report to `observers` (their metrics log); returns the subscription. */
export function receiveEpisodes(nc: NatsConnection, runId: string, observers: readonly RolloutObserver[], globalStep: () => number): Subscription {
  return nc.subscribe(episodeSubject(runId), {
    callback: (err, msg) => {
      if (err) return;
      const episodes = parseEpisodes(msg.data);
      if (!episodes) return;   // not from an Engram actor: ignored
      for (const episode of episodes) {
        const e: EpisodeEvent = { globalStep: globalStep(), env: -1, terminated: true, episode };
        for (const o of observers) if (!o.watchedEnv) o.onEpisode?.(e);
      }
    },
  });
}
