/**
 * Repeat copy (docs/tasks.md §5.3, wrapped as a reward-free env per §8): read a pattern of L random
 * W-bit vectors and a repeat count R, then write the pattern R times and an end marker.
 * Graves, Wayne & Danihelka (2014), "Neural Turing Machines", §4.2; layout of Graves et al. (2016,
 * DNC, Nature 538:471) as released in deepmind/dnc `dnc/repeat_copy.py`.
 *
 * Layout (T = L·(R+1) + 3; obs [W + 2] = bits ‖ start ‖ repeats; target [W + 1] = bits ‖ end):
 *   t = 0                   start flag = 1                       target 0, mask 0
 *   t = 1 … L               the pattern p_0 … p_{L−1}            target 0, mask 0
 *   t = L+1                 repeats channel = enc(R)             target 0, mask 0
 *   t = L+2 … L+1+L·R       all-zero input                       target p_{(t−L−2) mod L} ‖ 0, mask 1
 *   t = L+2+L·R             all-zero input                       target 0 ‖ 1 (end marker), mask 1
 * enc(R) = R / normMax ('divide', DNC code; 0.2 for R = 2) or the NTM paper's standardisation
 * (R − μ) / σ over the training range U{minRepeats … maxRepeats} ('zscore'; μ = 5.5, σ = √8.25 for
 * 1 … 10). The repeats channel is bounded below by enc(1) and 0, and unbounded above, since
 * `reset({options: {repeats}})` may force any R (§5.4 generalisation: L or R up to 20).
 *
 * Timing, actions and metrics: see bits.ts (§8.2). episodeMetrics: `seqLength`, `repeats`, and once
 * predictions were given `bitErrors` and `solved` (`curriculumLevel` when a curriculum is on).
 * Curriculum (§5.5, off by default): one level caps both L and R; see curriculum.ts.
 */
import { ConfigError } from '../errors.ts';
import { checkMax, checkOption, resolveKwargs } from '../kwargs.ts';
import { Box } from '../space.ts';
import { BIT_TASK_MAX, type BitEpisode, BitSequenceTask, checkLengthRange, randomBits, type TaskPhase } from './bits.ts';
import { type CurriculumMode, resolveCurriculum } from './curriculum.ts';

export type RepeatEncoding = 'divide' | 'zscore';
const ENCODINGS: readonly RepeatEncoding[] = ['divide', 'zscore'];

export interface RepeatCopyOptions {
  /** W, random bits per vector, 1 to 4096. */
  bits: number;
  /** Range of the pattern length L, 1 to 1000. */
  minLength: number;
  maxLength: number;
  /** Range of the repeat count R, 1 to 100. */
  minRepeats: number;
  maxRepeats: number;
  /** 'divide' shows R / normMax (a number > 0). */
  normMax: number;
  repeatEncoding: RepeatEncoding;
  /** Curriculum (§5.5) over L and R together: 'none' (paper), 'naive' or 'mix'; see curriculum.ts. */
  curriculum: CurriculumMode;
  /** First curriculum level, in [1, max(maxLength, maxRepeats)]. */
  curriculumStart: number;
}

/** NTM paper ranges with the DNC code's encoding (docs/tasks.md §5.3, §10.5). */
export const REPEAT_COPY_DEFAULTS: Readonly<RepeatCopyOptions> = Object.freeze({
  bits: 8,
  minLength: 1,
  maxLength: 10,
  minRepeats: 1,
  maxRepeats: 10,
  normMax: 10,
  repeatEncoding: 'divide',
  curriculum: 'none',
  curriculumStart: 1,
});

const WHERE = 'RepeatCopy';

/**
 * The episode for one pattern (row-major [L, W] bits) repeated R times, with `repeatValue` = enc(R)
 * in the repeats channel. Pure; tests call it to check the layout literally.
 */
export function repeatCopyEpisode(pattern: Uint8Array, length: number, repeats: number, bits: number, repeatValue: number): BitEpisode {
  const L = length;
  const R = repeats;
  const W = bits;
  const D = W + 2;
  const K = W + 1;
  const T = L * (R + 1) + 3;
  const inputs = new Float32Array(T * D);
  const targets = new Float32Array(T * K);
  const mask = new Uint8Array(T);
  const phases: TaskPhase[] = [];
  inputs[0 * D + W] = 1; // start flag
  for (let i = 0; i < L; i++) {
    for (let k = 0; k < W; k++) inputs[(1 + i) * D + k] = pattern[i * W + k] as number;
  }
  inputs[(L + 1) * D + W + 1] = repeatValue;
  for (let j = 0; j < L * R; j++) {
    const t = L + 2 + j;
    const i = j % L;
    for (let k = 0; k < W; k++) targets[t * K + k] = pattern[i * W + k] as number;
    mask[t] = 1;
  }
  targets[(T - 1) * K + W] = 1; // end marker
  mask[T - 1] = 1;
  for (let t = 0; t < T; t++) phases.push(t <= L ? 'input' : t === L + 1 ? 'query' : 'output');
  return { numSteps: T, inputs, targets, mask, phases, stats: { seqLength: L, repeats: R } };
}

export class RepeatCopyTask extends BitSequenceTask {
  readonly options: Readonly<RepeatCopyOptions>;
  readonly observationSpace: Box;
  protected readonly resetOptionNames: readonly string[] = ['length', 'repeats'];
  private readonly mean: number;  // μ of the zscore encoding
  private readonly std: number;   // σ of the zscore encoding

  constructor(kwargs: Partial<RepeatCopyOptions> = {}) {
    const o = resolveKwargs(WHERE, REPEAT_COPY_DEFAULTS, kwargs);
    checkOption(Number.isInteger(o.bits) && o.bits >= 1, WHERE, 'bits', 'be an integer >= 1', o.bits);
    checkMax(WHERE, 'bits', o.bits, 1, BIT_TASK_MAX.bits);
    checkLengthRange(WHERE, o.minLength, o.maxLength, ['minLength', 'maxLength'], BIT_TASK_MAX.length);
    checkLengthRange(WHERE, o.minRepeats, o.maxRepeats, ['minRepeats', 'maxRepeats'], BIT_TASK_MAX.repeats);
    checkOption(Number.isFinite(o.normMax) && o.normMax > 0, WHERE, 'normMax', 'be a number > 0', o.normMax);
    checkOption(ENCODINGS.includes(o.repeatEncoding), WHERE, 'repeatEncoding', `be one of ${ENCODINGS.map((e) => `'${e}'`).join(', ')}`, o.repeatEncoding);
    if (o.repeatEncoding === 'zscore' && o.minRepeats === o.maxRepeats) {
      throw new ConfigError(`${WHERE}: repeatEncoding 'zscore' needs minRepeats < maxRepeats (a spread to standardise over), got both ${o.minRepeats}`);
    }
    const curriculum = resolveCurriculum(WHERE, o.curriculum, o.curriculumStart, Math.max(o.maxLength, o.maxRepeats));
    const W = o.bits;
    super({ where: WHERE, task: 'repeat-copy', inputSize: W + 2, targetSize: W + 1, controlNames: ['start', 'repeats'], bits: W, curriculum });
    this.options = Object.freeze({ ...o });
    const n = o.maxRepeats - o.minRepeats + 1;
    this.mean = (o.minRepeats + o.maxRepeats) / 2;
    this.std = Math.sqrt((n * n - 1) / 12); // std of U{min … max}
    const low = new Float32Array(W + 2);
    const high = new Float32Array(W + 2).fill(1);
    low[W + 1] = Math.min(0, this.encodeRepeats(1));
    high[W + 1] = Infinity;
    this.observationSpace = new Box(low, high, [W + 2]);
  }

  /** The value shown in the repeats channel for R repeats. */
  encodeRepeats(repeats: number): number {
    return this.options.repeatEncoding === 'divide' ? repeats / this.options.normMax : (repeats - this.mean) / this.std;
  }

  protected sampleEpisode(forced: Record<string, number>): BitEpisode {
    const { bits: W, minLength, maxLength, minRepeats, maxRepeats } = this.options;
    const L = forced['length'] ?? this.curriculum.sample(this.rng, minLength, maxLength);
    const R = forced['repeats'] ?? this.curriculum.sample(this.rng, minRepeats, maxRepeats);
    const pattern = new Uint8Array(L * W);
    randomBits(this.rng, pattern, 0, L * W);
    return repeatCopyEpisode(pattern, L, R, W, this.encodeRepeats(R));
  }
}
