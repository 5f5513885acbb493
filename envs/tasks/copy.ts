/**
 * Copy (docs/tasks.md §5.2, wrapped as a reward-free env per §8): read L random W-bit vectors, then
 * write them back in order from memory. Graves, Wayne & Danihelka (2014), "Neural Turing Machines",
 * §4.1; the 'start-end' layout follows jingweiz/pytorch-dnc `core/envs/copy_env.py`.
 *
 * Layout 'ntm' (canonical; T = 2L + 1; obs [W + 1] = bits ‖ delimiter):
 *   t = 0 … L−1   the vectors v_t                          target 0, mask 0
 *   t = L         delimiter flag = 1, bits 0               target 0, mask 0
 *   t = L+1 … 2L  all-zero input                           target v_{t−L−1}, mask 1
 * Layout 'start-end' (T = 2L + 2; obs [W + 2] = bits ‖ start ‖ end): t = 0 start flag, t = 1 … L the
 * vectors, t = L+1 end flag, then L zero steps whose targets are the vectors (mask 1).
 *
 * Timing, actions and metrics: see bits.ts (§8.2). `info = {target: Float32Array(W), targetMask,
 * t, phase}`; the action is the prediction for the current target (bits, probabilities or null).
 * episodeMetrics: `seqLength`, and once predictions were given `bitErrors` and `solved`
 * (`curriculumLevel` too when a curriculum is on).
 *
 * Lengths: L ~ U{minLength … maxLength} per episode, or under the curriculum of curriculum.ts
 * (§5.5, off by default: `env.curriculum.advance()`). `reset({options: {length: L}})` forces L for
 * one episode (any L >= 1, e.g. the §5.4 generalisation lengths 30, 50, 80, 120).
 */
import { checkMax, checkOption, resolveKwargs } from '../kwargs.ts';
import { Box } from '../space.ts';
import { BIT_TASK_MAX, type BitEpisode, BitSequenceTask, checkLengthRange, randomBits, type TaskPhase } from './bits.ts';
import { type CurriculumMode, resolveCurriculum } from './curriculum.ts';

export type CopyLayout = 'ntm' | 'start-end';
const LAYOUTS: readonly CopyLayout[] = ['ntm', 'start-end'];

export interface CopyOptions {
  /** W, random bits per vector, 1 to 4096. */
  bits: number;
  /** Range of the sequence length L (1 to 1000), sampled uniformly per episode. */
  minLength: number;
  maxLength: number;
  layout: CopyLayout;
  /** Length curriculum (§5.5): 'none' (paper), 'naive' or 'mix'; see curriculum.ts. */
  curriculum: CurriculumMode;
  /** First curriculum level (the starting maximum length), in [1, maxLength]. */
  curriculumStart: number;
}

/** NTM paper settings (docs/tasks.md §5.2): W = 8, L ~ U{1 … 20}. */
export const COPY_DEFAULTS: Readonly<CopyOptions> = Object.freeze({
  bits: 8,
  minLength: 1,
  maxLength: 20,
  layout: 'ntm',
  curriculum: 'none',
  curriculumStart: 1,
});

const WHERE = 'Copy';

/**
 * The episode for one pattern (row-major [L, W] bits) in the given layout. Pure; the env calls it
 * after sampling, and tests call it to check the layout literally.
 */
export function copyEpisode(pattern: Uint8Array, length: number, bits: number, layout: CopyLayout = 'ntm'): BitEpisode {
  const L = length;
  const W = bits;
  const startEnd = layout === 'start-end';
  const D = startEnd ? W + 2 : W + 1;
  const T = startEnd ? 2 * L + 2 : 2 * L + 1;
  const first = startEnd ? 1 : 0;      // step of v_0
  const outStart = startEnd ? L + 2 : L + 1; // first output step
  const inputs = new Float32Array(T * D);
  const targets = new Float32Array(T * W);
  const mask = new Uint8Array(T);
  const phases: TaskPhase[] = [];
  for (let i = 0; i < L; i++) {
    for (let k = 0; k < W; k++) {
      const bit = pattern[i * W + k] as number;
      inputs[(first + i) * D + k] = bit;
      targets[(outStart + i) * W + k] = bit;
    }
    mask[outStart + i] = 1;
  }
  if (startEnd) {
    inputs[0 * D + W] = 1;           // start flag
    inputs[(L + 1) * D + W + 1] = 1; // end flag
  } else {
    inputs[L * D + W] = 1;           // delimiter
  }
  for (let t = 0; t < T; t++) phases.push(t < outStart - 1 ? 'input' : t === outStart - 1 ? 'query' : 'output');
  return { numSteps: T, inputs, targets, mask, phases, stats: { seqLength: L } };
}

export class CopyTask extends BitSequenceTask {
  readonly options: Readonly<CopyOptions>;
  readonly observationSpace: Box;
  protected readonly resetOptionNames: readonly string[] = ['length'];

  constructor(kwargs: Partial<CopyOptions> = {}) {
    const o = resolveKwargs(WHERE, COPY_DEFAULTS, kwargs);
    checkOption(Number.isInteger(o.bits) && o.bits >= 1, WHERE, 'bits', 'be an integer >= 1', o.bits);
    checkMax(WHERE, 'bits', o.bits, 1, BIT_TASK_MAX.bits);
    checkLengthRange(WHERE, o.minLength, o.maxLength, ['minLength', 'maxLength'], BIT_TASK_MAX.length);
    checkOption(LAYOUTS.includes(o.layout), WHERE, 'layout', `be one of ${LAYOUTS.map((l) => `'${l}'`).join(', ')}`, o.layout);
    const curriculum = resolveCurriculum(WHERE, o.curriculum, o.curriculumStart, o.maxLength);
    const controlNames = o.layout === 'ntm' ? ['delim'] : ['start', 'end'];
    const D = o.bits + controlNames.length;
    super({ where: WHERE, task: 'copy', inputSize: D, targetSize: o.bits, controlNames, bits: o.bits, curriculum });
    this.options = Object.freeze({ ...o });
    this.observationSpace = new Box(0, 1, [D]);
  }

  protected sampleEpisode(forced: Record<string, number>): BitEpisode {
    const { bits: W, minLength, maxLength, layout } = this.options;
    const L = forced['length'] ?? this.curriculum.sample(this.rng, minLength, maxLength);
    const pattern = new Uint8Array(L * W);
    randomBits(this.rng, pattern, 0, L * W);
    return copyEpisode(pattern, L, W, layout);
  }
}
