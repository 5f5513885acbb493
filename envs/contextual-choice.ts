/**
 * Contextual choice: evidence accumulation with episodic recall (docs/tasks.md §1).
 *
 * The reference demo of the DND-LSTM (episodic LSTM) of Ritter et al. (2018), "Been There, Done
 * That: Meta-Learning with Episodic Recall", ICML, as released in qihongl/dnd-lstm
 * (`src/task/ContextualChoice.py`). Each trial shows T steps of noisy evidence about a hidden label
 * plus a context cue; the first `tNoiseOff` steps carry no signal. An epoch is K new trials
 * (phase 1) followed by the same K trials bit-for-bit in a random order (phase 2), so an agent
 * that stores (context -> answer) during phase 1 can answer phase-2 trials before the evidence
 * arrives.
 *
 * Timing (one clock for obs and info):
 * - `reset()` returns the observation of the first step to answer and an `info` describing it.
 * - `step(a)` answers the step whose obs was returned last. It returns the obs of the NEXT step
 *   and an `info` describing that next step, so an agent reading `info` alongside `obs` knows the
 *   label (`target`), `trialStart`, `epochStart` and `encodeHint` of the step it is about to answer.
 *   The step just answered is summarised in `info.answered = {target, t, phase, correct}`.
 * - On the terminal step (end of the epoch, or of the trial in 'trial' mode) no step follows: the obs
 *   is all zeros, the descriptive fields repeat the step just answered, and every flag
 *   (trialStart, trialEnd, epochStart, encodeHint) is false so nothing is triggered twice.
 *   Read `terminated` and `info.answered` there.
 *
 * Episode modes (§1.6, OPEN; default 'epoch'):
 * - 'epoch': an episode is one epoch (2K·T steps); every reset samples a new epoch.
 * - 'trial': an episode is one trial (T steps). The env walks through the epoch across resets and
 *   samples a new one after 2K trials, on a seeded reset, or on `reset({options: {newEpoch: true}})`.
 *   Every reset moves on to the next trial, so a trial abandoned mid-way is not shown again.
 * `trialIndex` counts trials within the epoch (0..2K-1) in both modes. `epochStart` is true only at
 * the first step of trial 0 (as `trialStart` is only at t = 0).
 */
import type { Env, EnvFrame, EnvMetadata, Info, RenderMode, ResetOptions, ResetResult, StepResult } from './env.ts';
import { ConfigError, EnvError } from './errors.ts';
import { checkMax, checkOption, resolveKwargs } from './kwargs.ts';
import { Rng } from './rng.ts';
import { Box, Discrete } from './space.ts';

export type ContextualChoiceEpisodeMode = 'epoch' | 'trial';

export interface ContextualChoiceOptions {
  /** Evidence width D_obs (the first part of the observation), 1 to 4096. */
  obsDim: number;
  /** Context cue width D_ctx (the second part), 0 to 4096; 0 removes the cue (recall becomes impossible). */
  ctxDim: number;
  /** Steps per trial T, 1 to 1000. */
  trialLength: number;
  /** Steps of pure noise at the start of each trial; must be < trialLength. */
  tNoiseOff: number;
  /** Unique trials per epoch K, 1 to 1000; an epoch is 2K trials. */
  nUniqueTrials: number;
  episodeMode: ContextualChoiceEpisodeMode;
}

/** Reference training script values (docs/tasks.md §1.7, qihongl `contextual-choice.py`). */
export const CONTEXTUAL_CHOICE_DEFAULTS: Readonly<ContextualChoiceOptions> = Object.freeze({
  obsDim: 32,
  ctxDim: 32,
  trialLength: 10,
  tNoiseOff: 5,
  nUniqueTrials: 50,
  episodeMode: 'epoch',
});

/** Upper bounds against a typo: the env keeps K·T rows of D_obs + D_ctx floats. */
export const CONTEXTUAL_CHOICE_MAX = Object.freeze({ obsDim: 4096, ctxDim: 4096, trialLength: 1000, nUniqueTrials: 1000 });

/** The step just answered (on every step result; for metrics). */
export interface ContextualChoiceAnswered {
  target: number;
  t: number;
  phase: 1 | 2;
  correct: boolean;
}

/** Describes the step whose observation it comes with (see the timing notes in the header). */
export interface ContextualChoiceInfo extends Info {
  /** The label y of this step's trial: the correct action. */
  target: number;
  /** Trial within the epoch, 0..2K-1. */
  trialIndex: number;
  /** Step within the trial, 0..T-1. */
  t: number;
  phase: 1 | 2;
  isRepeat: boolean;
  /** The phase-1 trial this one shows (equal to trialIndex in phase 1). */
  sourceTrial: number;
  trialStart: boolean;
  trialEnd: boolean;
  /** First step of the epoch: an episodic store should be flushed before answering it. */
  epochStart: boolean;
  /** Reference write schedule: last step of a phase-1 trial (§1.6). */
  encodeHint: boolean;
  /** Present on step results only. */
  answered?: ContextualChoiceAnswered;
}

const WHERE = 'ContextualChoice';
const EPISODE_MODES: readonly ContextualChoiceEpisodeMode[] = ['epoch', 'trial'];

class Tally {
  correct = 0;
  total = 0;
  add(c: number): void {
    this.correct += c;
    this.total++;
  }
  clear(): void {
    this.correct = 0;
    this.total = 0;
  }
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

export class ContextualChoice implements Env<Float32Array, number, ContextualChoiceInfo> {
  readonly options: Readonly<ContextualChoiceOptions>;
  readonly observationSpace: Box;
  readonly actionSpace = new Discrete(2);
  readonly metadata: EnvMetadata = { renderModes: ['ansi', 'state'], renderFps: 4, actionNames: ['press 0', 'press 1'] };

  private rng = new Rng(0);
  private readonly rowSize: number; // D = obsDim + ctxDim
  private readonly epochSteps: number; // 2K·T
  /** Phase-1 trials as observation rows, [K, T, D]; phase 2 reads the same rows. */
  private readonly rows: Float32Array;
  private readonly labels: Uint8Array; // [K], y per phase-1 trial
  /** Source phase-1 trial of each epoch trial, [2K]: identity then a permutation. */
  private readonly order: Int32Array;
  private hasEpoch = false;
  /** Epoch step index of the next step to answer (-1 before the first reset). */
  private pos = -1;
  private done = false;
  /** 'trial' mode: the epoch trial the next reset shows. */
  private nextTrial = 0;
  private lastAction: number | null = null;
  private lastCorrect: boolean | null = null;
  // Counts for episodeMetrics, one per condition.
  private readonly novelEarly = new Tally();
  private readonly recallEarly = new Tally();
  private readonly late = new Tally();
  private readonly all = new Tally();

  constructor(kwargs: Partial<ContextualChoiceOptions> = {}) {
    const o = resolveKwargs(WHERE, CONTEXTUAL_CHOICE_DEFAULTS, kwargs);
    const isInt = (v: number, min: number) => Number.isInteger(v) && v >= min;
    const max = CONTEXTUAL_CHOICE_MAX;
    checkOption(isInt(o.obsDim, 1), WHERE, 'obsDim', 'be an integer >= 1', o.obsDim);
    checkMax(WHERE, 'obsDim', o.obsDim, 1, max.obsDim);
    checkOption(isInt(o.ctxDim, 0), WHERE, 'ctxDim', 'be an integer >= 0', o.ctxDim);
    checkMax(WHERE, 'ctxDim', o.ctxDim, 0, max.ctxDim);
    checkOption(isInt(o.trialLength, 1), WHERE, 'trialLength', 'be an integer >= 1', o.trialLength);
    checkMax(WHERE, 'trialLength', o.trialLength, 1, max.trialLength);
    checkOption(isInt(o.tNoiseOff, 0), WHERE, 'tNoiseOff', 'be an integer >= 0', o.tNoiseOff);
    checkOption(o.tNoiseOff < o.trialLength, WHERE, 'tNoiseOff', `be < trialLength (${o.trialLength})`, o.tNoiseOff);
    checkOption(isInt(o.nUniqueTrials, 1), WHERE, 'nUniqueTrials', 'be an integer >= 1', o.nUniqueTrials);
    checkMax(WHERE, 'nUniqueTrials', o.nUniqueTrials, 1, max.nUniqueTrials);
    checkOption(EPISODE_MODES.includes(o.episodeMode), WHERE, 'episodeMode', `be one of ${EPISODE_MODES.map((m) => `'${m}'`).join(', ')}`, o.episodeMode);
    this.options = Object.freeze({ ...o });
    this.rowSize = o.obsDim + o.ctxDim;
    this.epochSteps = 2 * o.nUniqueTrials * o.trialLength;
    this.observationSpace = new Box(-Infinity, Infinity, [this.rowSize]);
    this.rows = new Float32Array(o.nUniqueTrials * o.trialLength * this.rowSize);
    this.labels = new Uint8Array(o.nUniqueTrials);
    this.order = new Int32Array(2 * o.nUniqueTrials);
  }

  reset(opts: ResetOptions = {}): ResetResult<Float32Array, ContextualChoiceInfo> {
    const newEpoch = this.readResetOptions(opts.options);
    if (opts.seed !== undefined) this.rng = new Rng(opts.seed);
    const T = this.options.trialLength;
    if (this.options.episodeMode === 'epoch') {
      this.sampleEpoch();
      this.pos = 0;
    } else {
      if (opts.seed !== undefined || newEpoch || !this.hasEpoch || this.nextTrial >= this.order.length) {
        this.sampleEpoch();
        this.nextTrial = 0;
      }
      this.pos = this.nextTrial * T;
      this.nextTrial++;
    }
    this.done = false;
    this.lastAction = null;
    this.lastCorrect = null;
    for (const tally of [this.novelEarly, this.recallEarly, this.late, this.all]) tally.clear();
    return { obs: this.observe(this.pos), info: this.describe(this.pos) };
  }

  step(action: number): StepResult<Float32Array, ContextualChoiceInfo> {
    if (this.pos < 0) throw new EnvError(`${WHERE}: step() called before reset(); call reset() first`);
    if (this.done) throw new EnvError(`${WHERE}: step() called after the episode ended; call reset() to start a new one`);
    if (action !== 0 && action !== 1) throw new EnvError(`${WHERE}: action must be 0 or 1 (Discrete(2)), got ${String(action)}`);
    const { trialLength: T, tNoiseOff, nUniqueTrials: K } = this.options;
    const p = this.pos;
    const trial = (p / T) | 0;
    const t = p - trial * T;
    const phase: 1 | 2 = trial < K ? 1 : 2;
    const target = this.labels[this.order[trial] as number] as number;
    const correct = action === target;
    const c = correct ? 1 : 0;
    (t >= tNoiseOff ? this.late : phase === 1 ? this.novelEarly : this.recallEarly).add(c);
    this.all.add(c);
    this.lastAction = action;
    this.lastCorrect = correct;
    const answered: ContextualChoiceAnswered = { target, t, phase, correct };
    const terminated = this.options.episodeMode === 'epoch' ? p + 1 === this.epochSteps : t === T - 1;
    let obs: Float32Array;
    let info: ContextualChoiceInfo;
    if (terminated) {
      this.done = true;
      obs = new Float32Array(this.rowSize);
      info = this.describe(p);
      info.trialStart = info.trialEnd = info.epochStart = info.encodeHint = false;
    } else {
      this.pos = p + 1;
      obs = this.observe(p + 1);
      info = this.describe(p + 1);
    }
    info.answered = answered;
    return { obs, reward: c, terminated, truncated: false, info };
  }

  /**
   * Accuracies over the episode so far (one trial in 'trial' mode). A key is omitted while its
   * condition has no steps yet, so values are never NaN.
   * - recallAccuracy: phase-2 (repeated) trials, t < tNoiseOff — only memory can beat 0.5 here.
   * - novelAccuracy: phase-1 (novel) trials, t < tNoiseOff — chance level for any agent.
   * - lateAccuracy: t >= tNoiseOff, both phases.  - accuracy: every step.
   */
  episodeMetrics(): Record<string, number> {
    const out: Record<string, number> = {};
    const put = (key: string, tally: Tally) => {
      if (tally.total > 0) out[key] = tally.correct / tally.total;
    };
    put('recallAccuracy', this.recallEarly);
    put('novelAccuracy', this.novelEarly);
    put('accuracy', this.all);
    put('lateAccuracy', this.late);
    return out;
  }

  /** The step about to be answered (after the terminal step: the last one answered). */
  render(mode: RenderMode): string | EnvFrame {
    if (mode !== 'ansi' && mode !== 'state') {
      throw new EnvError(`${WHERE}: render mode must be one of 'ansi', 'state', got ${JSON.stringify(mode)}`);
    }
    const { obsDim, trialLength: T, tNoiseOff, nUniqueTrials: K } = this.options;
    if (this.pos < 0) return mode === 'ansi' ? `${WHERE}: not reset yet` : { kind: 'contextual-choice', ready: false };
    const p = this.pos;
    const trial = (p / T) | 0;
    const t = p - trial * T;
    const src = this.order[trial] as number;
    const off = (src * T + t) * this.rowSize;
    const evidence = this.rows.subarray(off, off + obsDim);
    const phase = trial < K ? 1 : 2;
    const target = this.labels[src] as number;
    if (mode === 'ansi') {
      let mean = 0;
      for (let i = 0; i < evidence.length; i++) mean += evidence[i] as number;
      mean /= evidence.length;
      const last = this.lastAction === null ? 'none' : `${this.lastAction} (${this.lastCorrect ? 'right' : 'wrong'})`;
      const phaseText = phase === 1 ? 'novel' : `repeat of ${src}`;
      return `trial ${trial}/${2 * K} phase ${phase} (${phaseText}) t=${t}/${T}${t < tNoiseOff ? ' noise' : ''}`
        + ` label=${target} evidence mean=${mean >= 0 ? '+' : ''}${mean.toFixed(3)}${this.done ? ' [done]' : ''}\n`
        + `last action: ${last}`;
    }
    return {
      kind: 'contextual-choice',
      trialIndex: trial,
      t,
      phase,
      target,
      isRepeat: phase === 2,
      sourceTrial: src,
      evidence: Array.from(evidence, round3),
      context: Array.from(this.rows.subarray(off + obsDim, off + this.rowSize), round3),
      lastAction: this.lastAction,
      lastCorrect: this.lastCorrect,
      trialLength: T,
      tNoiseOff,
      done: this.done,
    };
  }

  close(): void {}

  private readResetOptions(options: Record<string, unknown> | undefined): boolean {
    if (options === undefined) return false;
    for (const key of Object.keys(options)) {
      if (key !== 'newEpoch') throw new ConfigError(`${WHERE}: unknown reset option "${key}"; known: newEpoch`);
    }
    const v = options['newEpoch'];
    if (v !== undefined && typeof v !== 'boolean') throw new ConfigError(`${WHERE}: reset option newEpoch must be a boolean, got ${JSON.stringify(v)}`);
    return v === true;
  }

  /** A fresh copy of the observation row of epoch step p. */
  private observe(p: number): Float32Array {
    const T = this.options.trialLength;
    const trial = (p / T) | 0;
    const off = ((this.order[trial] as number) * T + (p - trial * T)) * this.rowSize;
    return this.rows.slice(off, off + this.rowSize);
  }

  private describe(p: number): ContextualChoiceInfo {
    const { trialLength: T, nUniqueTrials: K } = this.options;
    const trialIndex = (p / T) | 0;
    const t = p - trialIndex * T;
    const sourceTrial = this.order[trialIndex] as number;
    const phase: 1 | 2 = trialIndex < K ? 1 : 2;
    return {
      target: this.labels[sourceTrial] as number,
      trialIndex,
      t,
      phase,
      isRepeat: phase === 2,
      sourceTrial,
      trialStart: t === 0,
      trialEnd: t === T - 1,
      epochStart: p === 0,
      encodeHint: phase === 1 && t === T - 1,
    };
  }

  /**
   * Sample K trials into `rows`/`labels` and the phase-2 order, drawing in the reference's order
   * (per trial: z, the full evidence matrix, the noise rows, the cue; then the permutation).
   */
  private sampleEpoch(): void {
    const { obsDim, ctxDim, trialLength: T, tNoiseOff, nUniqueTrials: K } = this.options;
    const D = this.rowSize;
    const rng = this.rng;
    const rows = this.rows;
    for (let k = 0; k < K; k++) {
      const mu = rng.normal() >= 0 ? 1 : -1; // μ = sign(z), z = 0 counts as +1
      const base = k * T * D;
      let sum = 0; // over the uncorrupted matrix, in float64 as drawn
      for (let t = 0; t < T; t++) {
        for (let d = 0; d < obsDim; d++) {
          const e = rng.normal(mu, 1);
          sum += e;
          rows[base + t * D + d] = e;
        }
      }
      this.labels[k] = sum > 0 ? 1 : 0;
      for (let t = 0; t < tNoiseOff; t++) {
        for (let d = 0; d < obsDim; d++) rows[base + t * D + d] = rng.normal();
      }
      for (let j = 0; j < ctxDim; j++) {
        const c = rng.normal();
        for (let t = 0; t < T; t++) rows[base + t * D + obsDim + j] = c;
      }
    }
    const perm = rng.permutation(K);
    for (let k = 0; k < K; k++) {
      this.order[k] = k;
      this.order[K + k] = perm[k] as number;
    }
    this.hasEpoch = true;
  }
}
