/**
 * The figures of an experiment beyond its learning curves, computed from a run's checkpoint and
 * written to `analysis.json` in the run directory (atomically; recomputed when the checkpoint is
 * newer), so a report is rebuilt from run directories alone:
 * - contextual-choice: accuracy by time step within a trial, novel and repeated trials apart, and
 *   the vectors of the 2-D projections the dnd-lstm reference shows: the cell state at the end of
 *   each trial of one epoch (what the DND stores as a value) and, for the DND-LSTM, the keys it
 *   stores, with each trial's context and target.
 * - copy-lengths: bit errors per sequence at lengths from 1 to 3x the longest trained.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../memory/tf.ts';
import type { RolloutObserver, StepEvent } from '../../rollout/observer.ts';
import { writeFileAtomic } from '../run/atomic.ts';
import { loadCheckpoint, readProgress } from '../run/checkpoint.ts';
import { openRunConfig } from '../run/run-config.ts';
import { makeTrainer } from '../run/trainers.ts';
import type { ExperimentConfig } from '../settings/config.ts';
import type { AnalysisKind } from './experiment.ts';

/** The fields of ContextualChoice-v0's render('state') read here. */
interface ContextualChoiceFrame {
  readonly ready?: false;
  readonly t: number;
  readonly trialIndex: number;
  readonly phase: 1 | 2;
  readonly target: number;
  readonly sourceTrial: number;
  readonly evidence: number[];
  readonly context: number[];
  readonly trialLength: number;
  readonly tNoiseOff: number;
}

export interface ContextualChoiceAnalysis {
  readonly kind: 'contextual-choice';
  readonly step: number;
  /** Accuracy at each time step t of a trial, over novel and over repeated trials. */
  readonly byStep: { readonly t: number[]; readonly novel: number[]; readonly repeated: number[] };
  readonly tNoiseOff: number;
  /** One epoch's trials: the cell state at each trial's end (cores that have one), its context and target (and phase). */
  readonly cells: readonly number[][];
  /** The DND's stored keys (novel trials; DND-LSTM only), with their trials' context and target. */
  readonly keys?: readonly number[][];
  readonly trials: { readonly context: number[]; readonly target: number[]; readonly phase: number[] };
  readonly keyTrials?: { readonly context: number[]; readonly target: number[] };
}

export interface CopyLengthsAnalysis {
  readonly kind: 'copy-lengths';
  readonly step: number;
  readonly trainedMax: number;
  readonly lengths: number[];
  readonly bitErrors: number[];
}

export type Analysis = ContextualChoiceAnalysis | CopyLengthsAnalysis;

const FILE = 'analysis.json';

/** The run's analysis of `kind`: read from analysis.json when it is of the current checkpoint, else computed and written. */
export async function analyseRun(dir: string, kind: AnalysisKind): Promise<Analysis> {
  const { globalStep } = readProgress(dir);
  const path = join(dir, FILE);
  if (existsSync(path)) {
    const old = JSON.parse(readFileSync(path, 'utf8')) as Analysis;
    if (old.kind === kind && old.step === globalStep) return old;
  }
  const cfg = await openRunConfig(dir);
  await initBackend(cfg.backend, 1);   // one thread: the analyses are small
  const a = kind === 'contextual-choice' ? contextualChoice(cfg, dir, globalStep) : copyLengths(cfg, dir, globalStep);
  writeFileAtomic(path, JSON.stringify(await a));
  return a;
}

async function restored(cfg: ExperimentConfig, dir: string) {
  const trainer = makeTrainer(cfg, { envSeed: cfg.seed });
  const { snapshot, progress } = loadCheckpoint(dir);
  await trainer.restore(snapshot, progress);
  return trainer;
}

/** Four epochs on one env, watched step by step. */
async function contextualChoice(cfg: ExperimentConfig, dir: string, step: number): Promise<ContextualChoiceAnalysis> {
  const trainer = await restored({ ...cfg, numEnvs: 1 }, dir);
  const steps: { frame: ContextualChoiceFrame; correct: boolean; c?: number[] }[] = [];
  const watch: RolloutObserver = {
    watchedEnv: () => 0,
    onStep: (e: StepEvent) => {
      const frame = e.frame as ContextualChoiceFrame | undefined;
      const c = e.memory?.c;
      if (!frame || frame.ready === false) return;
      steps.push({ frame, correct: e.action === frame.target, ...(Array.isArray(c) ? { c: c as number[] } : {}) });   // c: cores with a cell state
    },
  };
  const epochs = 4;
  const trialsPerEpoch = 2 * Number(cfg.envKwargs.nUniqueTrials ?? 50);
  trainer.evaluate({ episodes: cfg.envKwargs.episodeMode === 'trial' ? epochs * trialsPerEpoch : epochs, observers: [watch] });
  trainer.dispose();
  const T = steps[0]?.frame.trialLength ?? 10;
  const tNoiseOff = steps[0]?.frame.tNoiseOff ?? 5;
  const tally = (phase: number) => Array.from({ length: T }, (_, t) => {
    const xs = steps.filter((s) => s.frame.phase === phase && s.frame.t === t);
    return xs.filter((s) => s.correct).length / Math.max(1, xs.length);
  });
  // The last epoch: its trials' ends, in order (trialIndex counts within an epoch).
  const ends = steps.filter((s) => s.frame.t === T - 1);
  const epochLength = Math.max(...ends.map((s) => s.frame.trialIndex + 1));
  const lastEpoch = ends.slice(-epochLength);
  const withCells = lastEpoch.filter((s) => s.c);
  const trials = {
    context: withCells.map((s) => s.frame.sourceTrial), target: withCells.map((s) => s.frame.target), phase: withCells.map((s) => s.frame.phase),
  };
  const out: ContextualChoiceAnalysis = {
    kind: 'contextual-choice', step, tNoiseOff,
    byStep: { t: Array.from({ length: T }, (_, t) => t), novel: tally(1), repeated: tally(2) },
    cells: withCells.map((s) => s.c as number[]), trials,
  };
  if (cfg.core !== 'dnd-lstm') return out;
  // The DND writes at the last step of novel trials (info.encodeHint), keyed by that step's input.
  const written = lastEpoch.filter((s) => s.frame.phase === 1);
  const keySource = cfg.coreOptions.keySource as 'input' | { slice: [number, number] } | undefined;
  const keyOf = (f: ContextualChoiceFrame) => {
    const x = [...f.evidence, ...f.context];
    return keySource === undefined || keySource === 'input' ? x : x.slice(keySource.slice[0], keySource.slice[1]);
  };
  return {
    ...out, keys: written.map((s) => keyOf(s.frame)),
    keyTrials: { context: written.map((s) => s.frame.sourceTrial), target: written.map((s) => s.frame.target) },
  };
}

/** Bit errors per sequence at lengths 1 .. 3x the longest trained length. */
async function copyLengths(cfg: ExperimentConfig, dir: string, step: number): Promise<CopyLengthsAnalysis> {
  const trainer = await restored(cfg, dir);
  const trainedMax = Number(cfg.envKwargs.maxLength ?? 20);
  const lengths = [...new Set([1, Math.ceil(trainedMax / 2), trainedMax, Math.ceil(trainedMax * 1.5), 2 * trainedMax, 3 * trainedMax])];
  const episodes = Math.max(16, Math.min(cfg.evalEpisodes, 64));
  const bitErrors = lengths.map((L) => {
    const r = trainer.evaluate({ episodes, envOverrides: { minLength: L, maxLength: L, curriculum: 'none' } });
    return r.metrics.bit_errors_per_seq as number;
  });
  trainer.dispose();
  return { kind: 'copy-lengths', step, trainedMax, lengths, bitErrors };
}
