/**
 * The live viewer for supervised (reward-free) runs. Their batches are collected with null actions
 * and learned in one unroll, so no per-step events exist; every `TRACE_INTERVAL_MS` the trainer
 * re-runs the followed sequence alone (SupervisedLearner.trace) and this module turns that trace
 * into the StepEvents and EpisodeEvent an RL run would have sent, with a per-step 'sequence' frame
 * (docs/feed.md).
 */
import type { EnvFrame, TargetSpec } from '../../envs/env.ts';
import { argMax } from '../../envs/arg-max.ts';
import type { EpisodeBatch } from '../../rollout/episodes.ts';
import type { EpisodeEvent, RolloutObserver, StepEvent } from '../../rollout/observer.ts';
import type { SequenceTrace } from '../../agents/supervised/learner.ts';

/** At most one traced sequence per this many ms: a trace is B = 1 steps through the core, not free. */
export const TRACE_INTERVAL_MS = 2000;

/** A bit counts as predicted on at p >= 0.5, as the bit tasks threshold an action (envs/tasks/bits.ts). */
const ON = 0.5;

/** One step of a traced sequence, as the viewer draws it: row t of the obs, target and prediction. */
export interface SequenceStepFrame extends EnvFrame {
  readonly kind: 'sequence';
  /** The env id (Copy-v0, ...). */
  readonly task: string;
  readonly t: number;
  readonly length: number;
  readonly input: number[];
  /** Bits, or a one-hot row for a class target. */
  readonly target: number[];
  /** TargetSpec kind: how to score `prediction` against `target` (threshold each bit, or argmax). */
  readonly targetKind: TargetSpec['kind'];
  readonly mask: 0 | 1;
  /** Bit or class probabilities. */
  readonly prediction: number[];
}

/**
 * A step of a task whose classes have names (a language model's tokens, TargetSpec.classNames): the
 * token read (the input's hot channel), the next one (the target), and the model's likeliest next
 * tokens with their probabilities, most likely first.
 */
export interface TokenStepFrame extends SequenceStepFrame {
  readonly token: string;
  readonly next: string;
  readonly guesses: [string, number][];
}

/** How many of the model's likeliest next tokens a frame names. */
const GUESSES = 5;

/** The first observer that follows an env of the batch, as the Runner asks (undefined: nobody watches). */
export function watchedSequence(observers: readonly RolloutObserver[], numEnvs: number): number | undefined {
  for (const o of observers) {
    const w = o.watchedEnv?.();
    if (w !== undefined && Number.isInteger(w) && w >= 0 && w < numEnvs) return w;
  }
  return undefined;
}

export interface SequenceEventOptions {
  readonly task: string;
  readonly target: TargetSpec;
  readonly globalStep: number;
}

/**
 * Events for sequence b of `batch` and its trace. StepEvent.action is the predicted class, or for
 * bit targets the number of bits predicted on (there is no single action; probs are the bit
 * probabilities, which need not sum to 1). The episode's metrics are scored at masked steps:
 * `bitErrors` (bits) or `correct` (classes), plus `scored` steps and `solved` (no error).
 */
export function sequenceEvents(batch: EpisodeBatch, b: number, trace: SequenceTrace, opts: SequenceEventOptions): { steps: StepEvent[]; episode: EpisodeEvent } {
  const { numEnvs: B, obsSize: D, targetSize: K } = batch;
  const T = batch.lengths[b] as number;
  const categorical = opts.target.kind === 'categorical';
  const steps: StepEvent[] = [];
  let errors = 0, correct = 0, scored = 0;
  for (let t = 0; t < T; t++) {
    const i = t * B + b;
    const prediction = trace.predictions[t] ?? [];
    const raw = Array.from(batch.targets.subarray(i * K, (i + 1) * K));
    const target = opts.target.kind === 'categorical' ? oneHot(raw[0] as number, opts.target.numClasses) : raw;
    const mask: 0 | 1 = batch.mask[i] === 1 ? 1 : 0;
    const action = categorical ? argMax(prediction) : prediction.filter((p) => p >= ON).length;
    if (mask === 1) {
      scored++;
      if (categorical) correct += action === raw[0] ? 1 : 0;
      else errors += target.reduce((n, y, k) => n + (((prediction[k] ?? 0) >= ON ? 1 : 0) !== y ? 1 : 0), 0);
    }
    const input = Array.from(batch.obs.subarray(i * D, (i + 1) * D), round3);
    const names = opts.target.kind === 'categorical' ? opts.target.classNames : undefined;
    const frame: SequenceStepFrame | TokenStepFrame = {
      kind: 'sequence', task: opts.task, t, length: T, input, target, targetKind: opts.target.kind, mask, prediction,
      ...(names ? tokenFields(names, input, raw[0] as number, prediction) : {}),
    };
    const memory = trace.readouts[t];
    steps.push({
      globalStep: opts.globalStep, env: b, t, action, probs: prediction, value: 0, reward: 0, episodeReturn: 0,
      terminated: t === T - 1, truncated: false, frame, ...(memory ? { memory } : {}),
    });
  }
  const metrics: Record<string, number> = categorical ? { correct, scored, solved: correct === scored ? 1 : 0 } : { bitErrors: errors, scored, solved: errors === 0 ? 1 : 0 };
  return { steps, episode: { globalStep: opts.globalStep, env: b, terminated: true, episode: { return: 0, length: T, ...metrics } } };
}

/** The named-token fields of a frame (the input is the one-hot of the token read). */
function tokenFields(names: readonly string[], input: readonly number[], target: number, prediction: readonly number[]) {
  const byProbability = prediction.map((p, k) => [k, p] as const).sort((a, b) => b[1] - a[1]).slice(0, GUESSES);
  return {
    token: names[argMax(input)] ?? '', next: names[target] ?? '', guesses: byProbability.map(([k, p]): [string, number] => [names[k] ?? '', p]),
  };
}

function oneHot(c: number, n: number): number[] {
  return Array.from({ length: n }, (_, k) => (k === c ? 1 : 0));
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
