/**
 * The playback queue: the followed episode's messages wait here and are shown at the chosen
 * speed. It is bounded: a viewer that falls behind (slow speed, paused, hidden tab) skips to the
 * newest episode start rather than growing without end.
 */
import type { EpisodeMessage } from './episode.ts';

export type Speed = 'live' | '1' | '2' | '4' | 'max';
export const SPEEDS: readonly Speed[] = ['live', '1', '2', '4', 'max'];

export const QUEUE_CAP = 2000;

export class PlaybackQueue {
  private items: EpisodeMessage[] = [];
  private head = 0;
  /** Messages skipped because the queue was full (shown in the status line). */
  dropped = 0;

  constructor(private readonly cap = QUEUE_CAP) {}

  get length(): number { return this.items.length - this.head; }

  push(m: EpisodeMessage): void {
    this.items.push(m);
    if (this.length > this.cap) this.trim();
  }

  shift(): EpisodeMessage | undefined {
    if (this.head >= this.items.length) return undefined;
    const m = this.items[this.head++];
    // Compact now and then instead of Array.shift, which moves every element each time.
    if (this.head > 512 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return m;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }

  /** Drops everything before the newest episode start; without one, the oldest messages over the cap. */
  private trim(): void {
    let cut = -1;
    for (let i = this.items.length - 1; i > this.head; i--) {
      if ((this.items[i] as EpisodeMessage).type === 'episode-start') { cut = i; break; }
    }
    if (cut < 0) cut = this.items.length - this.cap;
    this.dropped += cut - this.head;
    this.items = this.items.slice(cut);
    this.head = 0;
  }
}

/** Steps per second for a speed, from the env's suggested renderFps (Infinity: as fast as frames allow). */
export function stepsPerSecond(speed: Speed, renderFps: number): number {
  if (speed === 'live' || speed === 'max') return Infinity;
  const fps = Number.isFinite(renderFps) && renderFps > 0 ? renderFps : 8;
  return fps * Number(speed);
}
