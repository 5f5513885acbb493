/**
 * Shared machinery of the bit-vector tasks (copy and repeat copy of Graves et al. 2014, "Neural
 * Turing Machines", §4.1–4.2, and Graves et al. 2016, DNC) wrapped as reward-free envs (docs/tasks.md §8).
 *
 * A subclass samples a whole episode at `reset()` as a `BitEpisode` (inputs [T, D], targets [T, K],
 * mask [T]); `BitSequenceTask` plays it under the timing contract of §8.2:
 * - `reset()` returns x_0 and `info = {target_0, targetMask_0, t: 0, phase}`.
 * - `step(a_t)` returns x_{t+1} with target_{t+1} and targetMask_{t+1}. `a_t` is the model's
 *   prediction for target_t: a Uint8Array of 0/1, a Float32Array (bit = value >= 0.5, so
 *   probabilities work too), or null/undefined (no prediction: that step is not scored).
 * - `step(a_{T−1})` returns an all-zero obs, `terminated: true`, `targetMask: 0`, `t: T`.
 * - reward is always 0; never truncated.
 * `info.target` is always a fresh Float32Array of K bits, zeros where `targetMask = 0`.
 *
 * Metrics (`episodeMetrics()`): the episode's own fields (`seqLength`, `repeats`), `curriculumLevel`
 * when a curriculum is on, and — only once some masked step received a prediction — `bitErrors`
 * (wrong bits over the masked steps that received one) and `solved` (1 when bitErrors = 0 and no
 * masked step was skipped with null). With null actions throughout, bitErrors and solved are absent.
 */
import type { Env, EnvFrame, EnvMetadata, Info, RenderMode, ResetOptions, ResetResult, StepResult } from '../env.ts';
import { ConfigError, EnvError } from '../errors.ts';
import { Rng } from '../rng.ts';
import { type Box, MultiBinary } from '../space.ts';
import type { AdvanceRule, LengthCurriculum } from './curriculum.ts';

/** The model's prediction for the current target: bits, probabilities, or nothing. */
export type BitPrediction = Uint8Array | Float32Array | null | undefined;

/** 'input': data; 'query': a control step (delimiter, repeat count); 'output': answer with zero input. */
export type TaskPhase = 'input' | 'query' | 'output';

export interface BitTaskInfo extends Info {
  /** What the output after reading this obs should predict (K bits; zeros where targetMask = 0). */
  target: Float32Array;
  targetMask: 0 | 1;
  /** Step index of this obs, 0..T−1 (T on the terminal step). */
  t: number;
  phase: TaskPhase;
}

/** One sampled episode, laid out step by step. */
export interface BitEpisode {
  readonly numSteps: number;      // T
  readonly inputs: Float32Array;  // [T, D]
  readonly targets: Float32Array; // [T, K]
  readonly mask: Uint8Array;      // [T]
  readonly phases: readonly TaskPhase[]; // [T]
  /** Per-episode numbers for episodeMetrics (seqLength, repeats). */
  readonly stats: Readonly<Record<string, number>>;
}

/** `render('state')` of every sequence task: plain JSON, floats rounded to 3 decimals. */
export interface SequenceFrame extends EnvFrame {
  readonly kind: 'sequence';
  readonly task: 'copy' | 'repeat-copy' | 'nth-farthest';
  /** Step index of the obs last returned (T after the terminal step). */
  readonly t: number;
  readonly inputs: number[][];        // [T, D]
  readonly targets: number[][];       // [T, K] bits, or one-hot rows for categorical targets
  readonly mask: number[];            // [T]
  readonly predictions: (number[] | null)[]; // one row per action taken so far; null = no prediction
}

export function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** Rows of a row-major [rows, width] array as plain arrays. */
export function toRows(a: ArrayLike<number>, rows: number, width: number): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) out.push(Array.from({ length: width }, (_, c) => round3(a[r * width + c] as number)));
  return out;
}

/** Fill out[offset … offset+count) with uniform random bits, 32 per draw. */
export function randomBits(rng: Rng, out: Uint8Array, offset: number, count: number): void {
  let word = 0;
  for (let i = 0; i < count; i++) {
    if ((i & 31) === 0) word = rng.nextUint32();
    out[offset + i] = (word >>> (i & 31)) & 1;
  }
}

/**
 * Validate `reset({options})`: only `known` keys, each an integer >= 1. Returns the forced values.
 */
export function readResetInts(where: string, options: Record<string, unknown> | undefined, known: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  if (options === undefined) return out;
  for (const [key, v] of Object.entries(options)) {
    if (!known.includes(key)) throw new ConfigError(`${where}: unknown reset option "${key}"; known: ${known.join(', ') || '(none)'}`);
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new ConfigError(`${where}: reset option ${key} must be an integer >= 1, got ${JSON.stringify(v)}`);
    }
    out[key] = v;
  }
  return out;
}

export interface BitTaskLayout {
  where: string;
  task: 'copy' | 'repeat-copy';
  inputSize: number;  // D
  targetSize: number; // K
  /** Names of the input channels after the W data bits (e.g. ['delim']), for render('ansi'). */
  controlNames: readonly string[];
  /** W, data bits per vector (the unit of the curriculum's advance threshold). */
  bits: number;
  curriculum: LengthCurriculum;
}

/** §5.5: advance the curriculum once the windowed bits/seq falls below this many bits per data bit W. */
const ADVANCE_BELOW_BITS_PER_W = 0.1;

const NOT_REACHED = 0;
const SKIPPED = 1;
const GIVEN = 2;

export abstract class BitSequenceTask implements Env<Float32Array, BitPrediction, BitTaskInfo> {
  abstract readonly observationSpace: Box;
  readonly actionSpace: MultiBinary;
  readonly metadata: EnvMetadata;
  /** The length curriculum (§5.5); see curriculum.ts for how a learner drives it. */
  readonly curriculum: LengthCurriculum;
  /** §5.5: advance when the windowed bits/seq falls below 0.1·W. */
  readonly advanceRule: AdvanceRule;

  protected rng = new Rng(0);
  private episode: BitEpisode | null = null;
  private t = 0;
  private done = false;
  private preds = new Uint8Array(0);      // [T, K] thresholded predictions
  private predState = new Uint8Array(0);  // [T] NOT_REACHED | SKIPPED | GIVEN
  private bitErrors = 0;
  private scoredSteps = 0;
  private skippedSteps = 0;

  constructor(private readonly layout: BitTaskLayout) {
    this.actionSpace = new MultiBinary(layout.targetSize);
    this.metadata = { renderModes: ['ansi', 'state'], renderFps: 4, rewardFree: true, target: { kind: 'bernoulli', size: layout.targetSize } };
    this.curriculum = layout.curriculum;
    this.advanceRule = { metric: 'bits_per_seq', below: ADVANCE_BELOW_BITS_PER_W * layout.bits };
  }

  /** Sample the next episode from `this.rng`, honouring forced values from reset options. */
  protected abstract sampleEpisode(forced: Record<string, number>): BitEpisode;
  protected abstract readonly resetOptionNames: readonly string[];

  reset(opts: ResetOptions = {}): ResetResult<Float32Array, BitTaskInfo> {
    const forced = readResetInts(this.layout.where, opts.options, this.resetOptionNames);
    if (opts.seed !== undefined) this.rng = new Rng(opts.seed);
    const ep = this.sampleEpisode(forced);
    this.episode = ep;
    this.t = 0;
    this.done = false;
    this.preds = new Uint8Array(ep.numSteps * this.layout.targetSize);
    this.predState = new Uint8Array(ep.numSteps);
    this.bitErrors = this.scoredSteps = this.skippedSteps = 0;
    return { obs: this.observe(ep, 0), info: this.describe(ep, 0) };
  }

  step(action: BitPrediction): StepResult<Float32Array, BitTaskInfo> {
    const { where, targetSize: K, inputSize: D } = this.layout;
    const ep = this.episode;
    if (ep === null) throw new EnvError(`${where}: step() called before reset(); call reset() first`);
    if (this.done) throw new EnvError(`${where}: step() called after the episode ended; call reset() to start a new one`);
    const t = this.t;
    const given = writePrediction(where, action, this.preds, t * K, K);
    this.predState[t] = given ? GIVEN : SKIPPED;
    if (ep.mask[t] === 1) {
      if (!given) this.skippedSteps++;
      else {
        this.scoredSteps++;
        for (let k = 0; k < K; k++) if (this.preds[t * K + k] !== ep.targets[t * K + k]) this.bitErrors++;
      }
    }
    this.t = t + 1;
    if (this.t < ep.numSteps) {
      return { obs: this.observe(ep, this.t), reward: 0, terminated: false, truncated: false, info: this.describe(ep, this.t) };
    }
    this.done = true;
    const info: BitTaskInfo = { target: new Float32Array(K), targetMask: 0, t: this.t, phase: 'output' };
    return { obs: new Float32Array(D), reward: 0, terminated: true, truncated: false, info };
  }

  episodeMetrics(): Record<string, number> {
    if (this.episode === null) return {};
    const out: Record<string, number> = { ...this.episode.stats };
    if (this.curriculum.mode !== 'none') out['curriculumLevel'] = this.curriculum.level;
    if (this.scoredSteps > 0) {
      out['bitErrors'] = this.bitErrors;
      out['solved'] = this.bitErrors === 0 && this.skippedSteps === 0 ? 1 : 0;
    }
    return out;
  }

  /** The whole sequence, with the predictions made so far and the current step. */
  render(mode: RenderMode): string | EnvFrame {
    const { where, task, inputSize: D, targetSize: K } = this.layout;
    if (mode !== 'ansi' && mode !== 'state') throw new EnvError(`${where}: render mode must be one of 'ansi', 'state', got ${JSON.stringify(mode)}`);
    const ep = this.episode;
    if (ep === null) return mode === 'ansi' ? `${where}: not reset yet` : { kind: 'sequence', task, ready: false };
    const T = ep.numSteps;
    const predictions: (number[] | null)[] = [];
    for (let s = 0; s < this.t; s++) predictions.push(this.predState[s] === GIVEN ? Array.from(this.preds.subarray(s * K, (s + 1) * K)) : null);
    if (mode === 'state') {
      const frame: SequenceFrame = {
        kind: 'sequence', task, t: this.t, inputs: toRows(ep.inputs, T, D), targets: toRows(ep.targets, T, K),
        mask: Array.from(ep.mask), predictions,
      };
      return frame;
    }
    return this.ansi(ep, predictions);
  }

  close(): void {}

  private ansi(ep: BitEpisode, predictions: (number[] | null)[]): string {
    const { where, inputSize: D, targetSize: K, controlNames } = this.layout;
    const T = ep.numSteps;
    const W = D - controlNames.length;
    const stats = Object.entries(ep.stats).map(([k, v]) => `${k}=${v}`).join(' ');
    const m = this.episodeMetrics();
    const errors = m['bitErrors'] === undefined ? '' : ` bitErrors=${m['bitErrors']}`;
    const lines = [`${where} ${stats} t=${this.t}/${T}${this.done ? ' [done]' : ''}${errors}`];
    const cell = (v: number) => (v === 0 ? '0' : v === 1 ? '1' : '#');
    const label = (s: string) => s.padEnd(9);
    for (let c = 0; c < D; c++) {
      let row = '';
      for (let s = 0; s < T; s++) row += cell(ep.inputs[s * D + c] as number);
      lines.push(label(c < W ? `in ${c}` : (controlNames[c - W] as string)) + row);
    }
    for (let k = 0; k < K; k++) {
      let tgt = '';
      let pred = '';
      for (let s = 0; s < T; s++) {
        tgt += ep.mask[s] === 1 ? cell(ep.targets[s * K + k] as number) : '.';
        const p = predictions[s];
        pred += p === undefined ? ' ' : p === null ? '?' : cell(p[k] as number);
      }
      lines.push(label(`tgt ${k}`) + tgt, label(`pred ${k}`) + pred);
    }
    lines.push(label('') + ' '.repeat(Math.min(this.t, T)) + (this.t < T ? '^' : ''));
    return lines.join('\n');
  }

  private observe(ep: BitEpisode, t: number): Float32Array {
    const D = this.layout.inputSize;
    return ep.inputs.slice(t * D, (t + 1) * D);
  }

  private describe(ep: BitEpisode, t: number): BitTaskInfo {
    const K = this.layout.targetSize;
    return { target: ep.targets.slice(t * K, (t + 1) * K), targetMask: ep.mask[t] === 1 ? 1 : 0, t, phase: ep.phases[t] as TaskPhase };
  }
}

/** Threshold `action` into out[offset … offset+K); false for null/undefined. Throws EnvError if malformed. */
function writePrediction(where: string, action: unknown, out: Uint8Array, offset: number, K: number): boolean {
  if (action === null || action === undefined) return false;
  const isBytes = action instanceof Uint8Array;
  if (!(isBytes || action instanceof Float32Array) || action.length !== K) {
    const got = ArrayBuffer.isView(action) ? `${action.constructor.name} of length ${(action as Uint8Array).length}` : JSON.stringify(action) ?? String(action);
    throw new EnvError(`${where}: action must be a Uint8Array or Float32Array of ${K} bits, or null, got ${got}`);
  }
  for (let k = 0; k < K; k++) {
    const v = action[k] as number;
    if (isBytes ? v > 1 : !Number.isFinite(v)) {
      throw new EnvError(`${where}: action bits must be ${isBytes ? '0 or 1' : 'finite'}, got ${v} at index ${k}`);
    }
    out[offset + k] = v >= 0.5 ? 1 : 0;
  }
  return true;
}

/**
 * Upper bounds of the copy tasks' options. The supervised learner unrolls whole episodes
 * (2L + 1 steps for copy, L·(R + 1) + 3 for repeat copy), so a length typo would exhaust memory.
 */
export const BIT_TASK_MAX = Object.freeze({ bits: 4096, length: 1000, repeats: 100 });

/** Options shared by both copy tasks, checked in one place: min and max in [1, limit], min <= max. */
export function checkLengthRange(where: string, min: number, max: number, names: [string, string], limit: number): void {
  if (!Number.isInteger(min) || min < 1) throw new ConfigError(`${where}: ${names[0]} must be an integer >= 1, got ${JSON.stringify(min)}`);
  if (!Number.isInteger(max) || max < 1) throw new ConfigError(`${where}: ${names[1]} must be an integer >= 1, got ${JSON.stringify(max)}`);
  if (max > limit) throw new ConfigError(`${where}: ${names[1]} must be an integer from 1 to ${limit}, got ${max}`);
  if (min > max) throw new ConfigError(`${where}: ${names[0]} must be <= ${names[1]} (${max}), got ${min}`);
}
