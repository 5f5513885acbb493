/**
 * FeedObserver — turns rollout events into FeedMessages for one or more sinks (the live server,
 * a recording). It follows one env of the batch and limits step messages to `maxStepRate` per
 * second, so watching costs training little; episode boundaries are always sent.
 */
import { compact, type FeedMessage } from './feed.ts';
import type { EpisodeEvent, RolloutObserver, StepEvent, UpdateEvent } from './observer.ts';

export interface FeedSink {
  publish(m: FeedMessage): void;
}

export interface FeedObserverOptions {
  /** Step messages per second at most (Infinity: every step). */
  maxStepRate?: number;
  /** Which env of the batch to follow (a function, so a server can change it). */
  following?: () => number;
  /** Clock, for tests. */
  now?: () => number;
}

export class FeedObserver implements RolloutObserver {
  private readonly sinks: FeedSink[];
  private readonly minInterval: number;
  private readonly following: () => number;
  private readonly now: () => number;
  private lastStepAt = -Infinity;
  private episode = 0;
  private inEpisode = false;
  private followed = -1;

  constructor(sinks: FeedSink | FeedSink[], opts: FeedObserverOptions = {}) {
    this.sinks = Array.isArray(sinks) ? sinks : [sinks];
    this.minInterval = 1000 / (opts.maxStepRate ?? 60);
    this.following = opts.following ?? (() => 0);
    this.now = opts.now ?? (() => performance.now());
  }

  watchedEnv(): number | undefined {
    const env = this.following();
    if (env !== this.followed) { this.followed = env; this.inEpisode = false; }
    // Between throttled steps nothing is rendered or inspected, so training pays nothing then.
    return this.now() - this.lastStepAt >= this.minInterval ? env : undefined;
  }

  onStep(e: StepEvent): void {
    this.lastStepAt = this.now();
    if (!this.inEpisode || e.t === 0) this.startEpisode(e.env, e.globalStep);
    this.send({
      type: 'step', env: e.env, episode: this.episode, t: e.t, globalStep: e.globalStep, frame: e.frame ? compact(e.frame) : null,
      action: e.action, probs: compact(e.probs), value: compact(e.value), reward: compact(e.reward), return: compact(e.episodeReturn),
      memory: e.memory ? compact(e.memory) : null,
    });
  }

  onEpisode(e: EpisodeEvent): void {
    if (e.env !== this.followed || !this.inEpisode) return;
    const { return: ret, length, ...metrics } = e.episode;
    this.send({
      type: 'episode-end', env: e.env, episode: this.episode, globalStep: e.globalStep, return: compact(Number(ret)), length: Number(length),
      terminated: e.terminated, metrics: compact(metrics),
    });
    this.inEpisode = false;
  }

  onUpdate(e: UpdateEvent): void {
    this.send({ type: 'metrics', iteration: e.iteration, globalStep: e.globalStep, scalars: compact(e.metrics) });
  }

  private startEpisode(env: number, globalStep: number): void {
    this.episode++;
    this.inEpisode = true;
    this.send({ type: 'episode-start', env, episode: this.episode, globalStep });
  }

  private send(m: FeedMessage): void {
    for (const s of this.sinks) s.publish(m);
  }
}
