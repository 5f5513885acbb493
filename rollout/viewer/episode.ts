/**
 * What the page knows about the followed episode, updated one feed message at a time. Plain data
 * and no DOM, so the playback order (live, throttled, joined mid-episode) is the only thing that
 * decides what is shown.
 */
import type { FeedMessage } from '../feed.ts';

export type StepMessage = Extract<FeedMessage, { type: 'step' }>;
export type EpisodeStartMessage = Extract<FeedMessage, { type: 'episode-start' }>;
export type EpisodeEndMessage = Extract<FeedMessage, { type: 'episode-end' }>;
export type HelloMessage = Extract<FeedMessage, { type: 'hello' }>;
export type MetricsMessage = Extract<FeedMessage, { type: 'metrics' }>;
/** What goes through the playback queue: the followed episode's messages, in order. */
export type EpisodeMessage = StepMessage | EpisodeStartMessage | EpisodeEndMessage;

/** One answered step of a contextual-choice trial. */
export interface ChoiceRow {
  readonly evidence: readonly number[];
  readonly action: number;
  /** null when the frame carries no target. */
  readonly correct: boolean | null;
}

/** The current contextual-choice trial as seen so far; rows are indexed by t (throttled steps leave holes). */
export interface TrialHistory {
  trialIndex: number;
  readonly rows: (ChoiceRow | undefined)[];
  /** Answers seen in this episode, for a running accuracy. */
  answered: number;
  correct: number;
}

/** One step of a supervised sequence: row t of the inputs, the target, and the model's prediction. */
export interface SequenceRow {
  readonly input: readonly number[];
  readonly target: readonly number[];
  readonly mask: 0 | 1;
  readonly prediction: readonly number[];
  /** Named tokens (language modelling): the token read, the next one, the model's likeliest next ones. */
  readonly token?: string;
  readonly next?: string;
  readonly guesses?: readonly (readonly [string, number])[];
}

/**
 * The supervised sequence on screen, built from its per-step 'sequence' frames (each carries one
 * row, so the page keeps the rows seen so far; throttled steps leave holes).
 */
export interface SequenceHistory {
  task: string;
  /** Steps in the whole sequence. */
  length: number;
  /** 'categorical': one-hot targets scored by argmax; otherwise bits scored at 0.5. */
  categorical: boolean;
  readonly rows: (SequenceRow | undefined)[];
}

export interface EpisodeView {
  episode: number | null;
  startedAtStep: number | null;
  step: StepMessage | null;
  /** The last finished episode (kept until the next one ends). */
  lastEnd: EpisodeEndMessage | null;
  /** The most recent episode-end belongs to the episode on screen. */
  ended: boolean;
  trial: TrialHistory | null;
  sequence: SequenceHistory | null;
}

export function emptyEpisode(): EpisodeView {
  return { episode: null, startedAtStep: null, step: null, lastEnd: null, ended: false, trial: null, sequence: null };
}

/** Forgets the episode on screen but keeps the last finished one (a new hello keeps nothing: use emptyEpisode). */
function startEpisode(v: EpisodeView, episode: number, globalStep: number | null): void {
  v.episode = episode;
  v.startedAtStep = globalStep;
  v.step = null;
  v.ended = false;
  v.trial = null;
  v.sequence = null;
}

export function applyEpisodeMessage(v: EpisodeView, m: EpisodeMessage): void {
  if (m.type === 'episode-start') {
    startEpisode(v, m.episode, m.globalStep);
  } else if (m.type === 'episode-end') {
    if (v.episode !== m.episode) startEpisode(v, m.episode, null);
    v.lastEnd = m;
    v.ended = true;
  } else {
    // A late joiner (or a dropped boundary after a reconnect) sees a step of an episode it never saw start.
    if (v.episode !== m.episode || v.ended) startEpisode(v, m.episode, null);
    v.step = m;
    recordChoice(v, m);
    recordSequence(v, m);
  }
}

/** Longest sequence the page keeps rows for (a frame is data from another process). */
const MAX_SEQUENCE = 10_000;

function numbers(x: unknown): number[] {
  return Array.isArray(x) ? x.filter((n): n is number => typeof n === 'number') : [];
}

function recordSequence(v: EpisodeView, m: StepMessage): void {
  const f = m.frame as Record<string, unknown> | null;
  // Only per-step frames (row t in `input`); a whole-sequence frame (an env's own render) carries every row itself.
  if (!f || f.kind !== 'sequence' || !Array.isArray(f.input) || typeof f.t !== 'number') return;
  const t = Math.floor(f.t);
  if (!(t >= 0 && t < MAX_SEQUENCE)) return;
  const task = typeof f.task === 'string' ? f.task : '';
  const length = typeof f.length === 'number' && f.length > 0 ? Math.min(MAX_SEQUENCE, Math.floor(f.length)) : t + 1;
  if (!v.sequence || v.sequence.task !== task) v.sequence = { task, length, categorical: false, rows: [] };
  v.sequence.length = Math.max(length, t + 1);
  v.sequence.categorical = f.targetKind === 'categorical';
  v.sequence.rows[t] = {
    input: numbers(f.input), target: numbers(f.target), mask: f.mask === 1 ? 1 : 0, prediction: numbers(f.prediction),
    ...(typeof f.token === 'string' ? { token: f.token } : {}), ...(typeof f.next === 'string' ? { next: f.next } : {}),
    ...(Array.isArray(f.guesses) ? { guesses: f.guesses.filter((g): g is [string, number] => Array.isArray(g) && typeof g[0] === 'string' && typeof g[1] === 'number') } : {}),
  };
}

function recordChoice(v: EpisodeView, m: StepMessage): void {
  const f = m.frame as Record<string, unknown> | null;
  if (!f || f.kind !== 'contextual-choice' || typeof f.trialIndex !== 'number' || typeof f.t !== 'number') return;
  const evidence = Array.isArray(f.evidence) ? (f.evidence as unknown[]).filter((x): x is number => typeof x === 'number') : [];
  if (!v.trial) v.trial = { trialIndex: f.trialIndex, rows: [], answered: 0, correct: 0 };
  if (v.trial.trialIndex !== f.trialIndex) {
    v.trial.trialIndex = f.trialIndex;
    v.trial.rows.length = 0;
  }
  const t = Math.floor(f.t);
  // The frame is the observation the agent answered, so `action` is its answer to `target`.
  const correct = typeof f.target === 'number' ? m.action === f.target : null;
  if (t >= 0 && t < 1000) v.trial.rows[t] = { evidence, action: m.action, correct };
  if (correct !== null) {
    v.trial.answered++;
    if (correct) v.trial.correct++;
  }
}
