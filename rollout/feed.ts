/**
 * The live feed protocol (version 1): plain JSON messages, one per WebSocket text frame or per
 * line of a recording (.jsonl). No sockets here; rollout/feed-server.ts sends these, and the viewer
 * (rollout/viewer/page.ts) and recordings read them. Documented for other clients in docs/feed.md.
 */
import type { EnvFrame } from '../envs/env.ts';
import type { Readout } from './policy.ts';

export const FEED_VERSION = 1;

export interface RunInfo {
  /** The run directory's name, or 'watch'/'replay' ids. */
  readonly id: string;
  readonly mode: 'train' | 'watch' | 'replay' | 'eval';
  readonly env: string;
  readonly core: string;
  readonly seed: number;
  readonly numEnvs: number;
  readonly actionNames: string[];
  readonly observationShape: number[];
  readonly backend: string;
  /** The env's suggested frames per second for human viewing. */
  readonly renderFps: number;
}

export type FeedMessage =
  | { type: 'hello'; version: typeof FEED_VERSION; run: RunInfo; following: number }
  | { type: 'episode-start'; env: number; episode: number; globalStep: number }
  /** One decision: the frame the agent saw, what it did and got, and its memory after the step. */
  | { type: 'step'; env: number; episode: number; t: number; globalStep: number; frame: EnvFrame | null;
      action: number; probs: number[]; value: number; reward: number; return: number; memory: Readout | null }
  | { type: 'episode-end'; env: number; episode: number; globalStep: number; return: number; length: number;
      terminated: boolean; metrics: Record<string, number> }
  | { type: 'metrics'; iteration: number; globalStep: number; scalars: Record<string, number> };

/** What a client may send: which env of the batch to follow. */
export type ClientMessage = { type: 'follow'; env: number };

/** Boundary messages are never dropped for slow clients; steps may be (latest wins). */
export function isBoundary(m: FeedMessage): boolean {
  return m.type !== 'step';
}

/** Parses a client message; returns an error string for anything malformed. */
export function parseClientMessage(text: string, numEnvs: number): ClientMessage | string {
  let m: unknown;
  try { m = JSON.parse(text); } catch { return 'not JSON'; }
  const o = m as { type?: unknown; env?: unknown };
  if (!o || typeof o !== 'object' || o.type !== 'follow') return `unknown message type ${JSON.stringify(o?.type)}`;
  if (typeof o.env !== 'number' || !Number.isInteger(o.env) || o.env < 0 || o.env >= numEnvs) {
    return `follow.env must be an integer in [0, ${numEnvs - 1}], got ${JSON.stringify(o.env)}`;
  }
  return { type: 'follow', env: o.env };
}

/** Rounds every float in a readout or frame to 3 decimals, so messages stay small. */
export function compact<T>(x: T): T {
  if (typeof x === 'number') return (Number.isInteger(x) ? x : Math.round(x * 1000) / 1000) as T;
  if (Array.isArray(x)) return x.map(compact) as T;
  if (x && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = compact(v);
    return out as T;
  }
  return x;
}
