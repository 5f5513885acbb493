/**
 * `engram train`: the training loop, top to bottom (cleanrl style).
 * seed -> envs -> learner -> [resume] -> loop(collect, learn, log, checkpoint) -> evaluate.
 * Ctrl-C (or SIGTERM, SIGHUP) finishes the current update, writes a checkpoint and stops;
 * `--resume DIR` continues. Updates whose losses are not finite are skipped; nonFiniteLimit of
 * them in a row stop the run without touching the last checkpoint.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RunError } from '../../envs/errors.ts';
import { SEEDS } from '../../envs/seeds.ts';
import { fusedKernelsActive } from '../../memory/kernels/install.ts';
import { engramVersion, machineLine } from './machine.ts';
import { initBackend } from '../../memory/tf.ts';
import type { RolloutObserver } from '../../rollout/observer.ts';
import { writeFileAtomic } from './atomic.ts';
import { withPinnedKwargs } from './build.ts';
import { loadModules } from './env-module.ts';
import { NonFiniteWeights, hasCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import type { ExperimentConfig } from '../settings/config.ts';
import type { EvalResult } from './evaluate.ts';
import { recordEnvModules } from './env-module-record.ts';
import { openFeed, runInfo, withDiagnostics, type Feed, type FeedFlags } from './feed.ts';
import { MetricsLog, nonFiniteLosses } from './metrics.ts';
import { Progress } from './progress.ts';
import { PRESETS } from '../settings/presets.ts';
import { claimRunDir } from './run-dir.ts';
import { keepViewerOpen, onStopSignal } from './stop-signals.ts';
import { makeTrainer, type Trainer, type TrainerOptions } from './trainers.ts';

export interface TrainOptions {
  /** Continue the run in cfg.runDir from its last checkpoint. */
  resume?: boolean;
  /** Start over in a run directory that holds a run (its files are replaced). */
  overwrite?: boolean;
  /** cfg.runDir was made up by Engram: if it exists, take `-2`, `-3`, ... instead. */
  uniqueRunDir?: boolean;
  /** --view / --record: the live viewer and recordings. */
  feed?: FeedFlags;
  /** Extra observers. */
  observers?: RolloutObserver[];
  /** Builds the trainer (default: makeTrainer, a local source); a distributed learner passes its own. */
  trainer?: (cfg: ExperimentConfig, opts: TrainerOptions) => Trainer | Promise<Trainer>;
  /** The command that resumes this run, for the lines that say how (default: `engram train --resume DIR`). */
  resumeCommand?: (runDir: string) => string;
  /** Show progress (default: true). */
  progress?: boolean;
  /** Print the run summary lines (default: true). */
  verbose?: boolean;
}

export interface TrainResult {
  runDir: string;
  updates: number;
  globalStep: number;
  interrupted: boolean;
  stepsPerSecond: number;
  backend: string;
  eval?: EvalResult;
}

/**
 * Trains into cfg.runDir, locked for the whole run (run-dir.ts). Stops cleanly on a stop signal;
 * throws RunError when the losses diverge or the disk fills, leaving the last checkpoint resumable.
 */
export async function train(cfg: ExperimentConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  if (opts.feed?.view) cfg = withDiagnostics(cfg);
  await loadModules(cfg.envModules);
  const backend = await initBackend(cfg.backend, cfg.threads);
  const claim = claimRunDir(cfg.runDir, { resume: opts.resume ?? false, overwrite: opts.overwrite ?? false, uniqueName: opts.uniqueRunDir ?? false });
  try {
    return await trainIn({ ...cfg, runDir: claim.dir }, backend, opts);
  } catch (e) {
    // A full disk: the last checkpoint is intact, so say how to go on once there is space.
    if (e instanceof RunError && !(e instanceof Diverged) && existsSync(join(claim.dir, 'config.json'))) throw new RunError(`${e.message}; then resume with ${resumeCommand(opts, claim.dir)}`);
    throw e;
  } finally {
    claim.release();
  }
}

/** The run stopped because its losses were not finite (train's message already says what to do). */
class Diverged extends RunError {}

async function trainIn(cfg: ExperimentConfig, backend: string, opts: TrainOptions): Promise<TrainResult> {
  const say = opts.verbose === false ? () => {} : (s: string) => console.log(s);

  // ---- where we start from: a fresh run, or the last checkpoint of this run directory
  const ckpt = opts.resume && hasCheckpoint(cfg.runDir) ? loadCheckpoint(cfg.runDir) : undefined;
  if (opts.resume && !ckpt) say(`engram: ${cfg.runDir} stopped before its first checkpoint; starting it from the beginning`);
  const updatesBefore = ckpt?.progress.updates ?? 0;

  // ---- envs and learner (bad settings fail here, before anything is written)
  // A resumed run restarts its episodes on a fresh, still deterministic seed stream.
  const observers: RolloutObserver[] = [...(opts.observers ?? [])];
  const trainer = await (opts.trainer ?? makeTrainer)(cfg, { envSeed: SEEDS.training(cfg.seed, updatesBefore), observers });
  let feed: Feed | undefined;
  let offSignal = () => {};
  const progress = opts.progress === false ? undefined : new Progress(cfg.totalSteps, ckpt?.progress.globalStep ?? 0);
  try {
    if (ckpt) await trainer.restore(ckpt.snapshot, ckpt.progress);
    cfg = withPinnedKwargs(cfg, trainer.venv);
    writeFileAtomic(join(cfg.runDir, 'config.json'), JSON.stringify(cfg, null, 2));
    recordEnvModules(cfg.runDir, cfg.envModules);
    const metrics = new MetricsLog(cfg.runDir, { create: !ckpt });
    observers.unshift(metrics);
    if (ckpt) metrics.truncateAfter(updatesBefore);
    feed = opts.feed ? await openFeed(opts.feed, runInfo(cfg, trainer.venv, 'train', backend), 30) : undefined;
    if (feed) observers.push(feed.observer);
    const startStep = trainer.globalStep;
    say(`engram: training ${cfg.core} on ${cfg.env} with ${cfg.learner === 'a2c' ? 'A2C' : 'the supervised learner'} (${cfg.numEnvs} envs, ${cfg.totalSteps} steps, seed ${cfg.seed}, backend ${backend}${backend === 'wasm' && cfg.threads > 1 ? ` with ${cfg.threads} threads` : ''}${fusedKernelsActive() ? ' and fused kernels' : ''})${ckpt ? `, resumed at step ${startStep}` : ''}`);
    say(`engram: run directory ${cfg.runDir}`);

    let stop = false;
    offSignal = onStopSignal((name) => {
      stop = true;
      console.log(`\nengram: ${name}: stopping after this update and writing a checkpoint (${name} again quits at once)`);
    });
    const start = performance.now();
    const elapsedBefore = ckpt?.progress.elapsedSeconds ?? 0;
    let updates = updatesBefore;
    let saved = ckpt ? { updates: ckpt.progress.updates, step: ckpt.progress.globalStep } : undefined;
    const trainedOn = `engram ${engramVersion()} on ${machineLine()}`;
    const save = async () => {
      const snap = await trainer.snapshot();
      try {
        saveCheckpoint(cfg.runDir, snap, {
          updates, globalStep: trainer.globalStep, rngState: trainer.rngState(),
          elapsedSeconds: elapsedBefore + (performance.now() - start) / 1000, backend: `${backend}${fusedKernelsActive() ? ' with fused kernels' : ''}`, trainedOn,
          ...(trainer.curriculumLevel !== undefined ? { curriculumLevel: trainer.curriculumLevel } : {}),
          ...(trainer.sourceState ? { sourceState: trainer.sourceState() } : {}),
        });
      } catch (e) {
        if (e instanceof NonFiniteWeights) throw new Diverged(divergedLine(cfg, e.message, updates, trainer.globalStep, saved, resumeCommand(opts, cfg.runDir)));
        throw e;
      }
      saved = { updates, step: trainer.globalStep };
      await trainer.committed?.();
      metrics.writeCsv();
    };

    // ---- the loop
    let windowStart = performance.now(), windowSteps = trainer.globalStep;
    let nonFinite = 0;   // updates in a row whose losses were not finite (each skipped by the learner)
    while (trainer.globalStep < cfg.totalSteps && !stop) {
      const losses = await trainer.iterate();
      if (!losses) continue;   // a remote source had nothing yet
      updates++;
      const bad = nonFiniteLosses(losses);
      nonFinite = bad.length > 0 ? nonFinite + 1 : 0;
      const diverged = nonFinite >= cfg.nonFiniteLimit;
      const last = trainer.globalStep >= cfg.totalSteps;
      if (updates % cfg.logEvery === 0 || last || diverged) {
        const now = performance.now();
        const sps = (trainer.globalStep - windowSteps) / ((now - windowStart) / 1000);
        const row = metrics.log({ iteration: updates, globalStep: trainer.globalStep, time: elapsedBefore + (now - start) / 1000, 'charts/sps': sps, ...losses });
        for (const o of observers) o.onUpdate?.({ iteration: updates, globalStep: trainer.globalStep, metrics: row });
        windowStart = now;
        windowSteps = trainer.globalStep;
      }
      if (diverged) {
        metrics.writeCsv();
        const what = `${bad.join(', ')} ${bad.length > 1 ? 'were' : 'was'} not finite in ${nonFinite} update${nonFinite > 1 ? 's' : ''} in a row (nonFiniteLimit), none of them applied`;
        throw new Diverged(divergedLine(cfg, what, updates, trainer.globalStep, saved, resumeCommand(opts, cfg.runDir)));
      }
      progress?.update(trainer.globalStep, metrics.status());
      if (updates % cfg.checkpointEvery === 0 && nonFinite === 0) await save();   // keep the last good one during a streak
      await new Promise((r) => setImmediate(r));   // lets a stop signal reach us between updates
    }
    await save();
    progress?.stop();
    const seconds = (performance.now() - start) / 1000;
    const result: TrainResult = {
      runDir: cfg.runDir, updates, globalStep: trainer.globalStep, interrupted: stop, backend,
      stepsPerSecond: (trainer.globalStep - startStep) / Math.max(seconds, 1e-9),
    };
    say(`engram: ${stop ? 'interrupted' : 'finished'} at step ${trainer.globalStep} (${updates} updates, ${Math.round(result.stepsPerSecond)} steps/s, ${seconds.toFixed(1)} s); checkpoint in ${cfg.runDir}`);
    if (stop) say(`engram: resume with: ${resumeCommand(opts, cfg.runDir)}`);
    if (!stop && cfg.evalEpisodes > 0) {
      result.eval = trainer.evaluate({ episodes: cfg.evalEpisodes });
      writeFileAtomic(join(cfg.runDir, 'eval.json'), JSON.stringify(result.eval, null, 2));
      say(`result: ${resultLine(cfg.env, result.eval)}`);
    }
    offSignal();
    if (feed?.url && process.stdin.isTTY && !stop && opts.verbose !== false) {
      await keepViewerOpen('training done', feed.url);   // only in a terminal: a script would wait forever
    }
    return result;
  } finally {
    progress?.stop();
    offSignal();
    await trainer.dispose();
    await feed?.close();
  }
}

const resumeCommand = (opts: TrainOptions, runDir: string) => opts.resumeCommand?.(runDir) ?? `engram train --resume ${runDir}`;

/** One line: what was not finite, where, and the checkpoint to go back to. */
function divergedLine(cfg: ExperimentConfig, what: string, updates: number, step: number, saved: { updates: number; step: number } | undefined, resume: string): string {
  const back = saved
    ? `the last good checkpoint (update ${saved.updates}, step ${saved.step}) is intact: resume with ${resume}, or start over with a smaller agent.lr`
    : 'no checkpoint was written before; start over with a smaller agent.lr';
  return `training diverged at update ${updates} (step ${step}): ${what}; stopped; ${back}`;
}

/** One line: mean return plus the env's headline metrics (recall vs novel accuracy, ...). */
export function resultLine(env: string, r: EvalResult): string {
  const keys = PRESETS[env]?.resultMetrics ?? Object.keys(r.metrics);
  const parts = keys.filter((k) => r.metrics[k] !== undefined).map((k) => `${k} ${(r.metrics[k] as number).toFixed(3)}`);
  // A stream env's evaluation reads held-out text whole: its size is the tokens read, not episodes.
  const head = r.meanReturn !== 0 || r.stdReturn !== 0 ? `mean return ${r.meanReturn.toFixed(2)} over ${r.episodes} episodes`
    : r.metrics['tokens'] !== undefined ? `${r.metrics['tokens']} tokens read` : `${r.episodes} episodes`;
  return [head, ...parts].join(', ');
}
