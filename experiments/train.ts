/**
 * `engram train`: the training loop, top to bottom (cleanrl style).
 * seed -> envs -> learner -> [resume] -> loop(collect, learn, log, checkpoint) -> evaluate.
 * Ctrl-C finishes the current update, writes a checkpoint and stops; `--resume DIR` continues.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../memory/tf.ts';
import type { RolloutObserver } from '../rollout/observer.ts';
import { writeFileAtomic } from './atomic.ts';
import { loadModules } from './build.ts';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import type { ExperimentConfig } from './config.ts';
import type { EvalResult } from './evaluate.ts';
import { openFeed, runInfo, withDiagnostics, type FeedFlags } from './feed.ts';
import { MetricsLog } from './metrics.ts';
import { Progress } from './progress.ts';
import { PRESETS } from './presets.ts';
import { makeTrainer } from './trainer.ts';

export interface TrainOptions {
  resume?: boolean;
  /** --view / --record: the live viewer and recordings. */
  feed?: FeedFlags;
  /** Extra observers. */
  observers?: RolloutObserver[];
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

export async function train(cfg: ExperimentConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  const say = opts.verbose === false ? () => {} : (s: string) => console.log(s);
  if (opts.feed?.view) cfg = withDiagnostics(cfg);
  await loadModules(cfg.envModules);
  const backend = await initBackend(cfg.backend, cfg.threads);

  // ---- where we start from: a fresh run, or the last checkpoint of this run directory
  const ckpt = opts.resume ? loadCheckpoint(cfg.runDir) : undefined;
  const updatesBefore = ckpt?.progress.updates ?? 0;

  // ---- envs and learner (bad settings fail here, before anything is written)
  // A resumed run restarts its episodes on a fresh, still deterministic seed stream.
  const observers: RolloutObserver[] = [...(opts.observers ?? [])];
  const trainer = makeTrainer(cfg, { envSeed: cfg.seed + 7919 * updatesBefore, observers });
  const metrics = new MetricsLog(cfg.runDir, { create: !opts.resume });
  observers.unshift(metrics);
  const feed = opts.feed ? await openFeed(opts.feed, runInfo(cfg, trainer.venv, 'train', backend), 30) : undefined;
  if (feed) observers.push(feed.observer);
  if (ckpt) await trainer.restore(ckpt.snapshot, ckpt.progress);
  mkdirSync(cfg.runDir, { recursive: true });
  writeFileAtomic(join(cfg.runDir, 'config.json'), JSON.stringify(cfg, null, 2));
  if (opts.resume) metrics.truncateAfter(updatesBefore);
  const startStep = trainer.globalStep;
  say(`engram: training ${cfg.core} on ${cfg.env} with ${cfg.learner === 'a2c' ? 'A2C' : 'the supervised learner'} (${cfg.numEnvs} envs, ${cfg.totalSteps} steps, seed ${cfg.seed}, backend ${backend}${backend === 'wasm' && cfg.threads > 1 ? ` with ${cfg.threads} threads` : ''})${opts.resume ? `, resumed at step ${startStep}` : ''}`);
  say(`engram: run directory ${cfg.runDir}`);

  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130);   // a second Ctrl-C: leave now (the last checkpoint stays valid)
    stop = true;
    console.log('\nengram: stopping after this update and writing a checkpoint (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  const start = performance.now();
  const elapsedBefore = ckpt?.progress.elapsedSeconds ?? 0;
  let updates = updatesBefore;
  const progress = opts.progress === false ? undefined : new Progress(cfg.totalSteps, startStep);
  const save = async () => {
    saveCheckpoint(cfg.runDir, await trainer.snapshot(), {
      updates, globalStep: trainer.globalStep, rngState: trainer.rngState(),
      elapsedSeconds: elapsedBefore + (performance.now() - start) / 1000, backend,
      ...(trainer.curriculumLevel !== undefined ? { curriculumLevel: trainer.curriculumLevel } : {}),
    });
    metrics.writeCsv();
  };

  // ---- the loop
  let windowStart = performance.now(), windowSteps = trainer.globalStep;
  while (trainer.globalStep < cfg.totalSteps && !stop) {
    const losses = trainer.iterate();
    updates++;
    const last = trainer.globalStep >= cfg.totalSteps;
    if (updates % cfg.logEvery === 0 || last) {
      const now = performance.now();
      const sps = (trainer.globalStep - windowSteps) / ((now - windowStart) / 1000);
      const row = metrics.log({ iteration: updates, globalStep: trainer.globalStep, time: elapsedBefore + (now - start) / 1000, 'charts/sps': sps, ...losses });
      for (const o of observers) o.onUpdate?.({ iteration: updates, globalStep: trainer.globalStep, metrics: row });
      windowStart = now;
      windowSteps = trainer.globalStep;
    }
    progress?.update(trainer.globalStep, metrics.status());
    if (updates % cfg.checkpointEvery === 0) await save();
    await new Promise((r) => setImmediate(r));   // lets Ctrl-C reach us between updates
  }
  await save();
  progress?.stop();
  process.off('SIGINT', onSigint);
  const seconds = (performance.now() - start) / 1000;
  const result: TrainResult = {
    runDir: cfg.runDir, updates, globalStep: trainer.globalStep, interrupted: stop, backend,
    stepsPerSecond: (trainer.globalStep - startStep) / Math.max(seconds, 1e-9),
  };
  say(`engram: ${stop ? 'interrupted' : 'finished'} at step ${trainer.globalStep} (${updates} updates, ${Math.round(result.stepsPerSecond)} steps/s, ${seconds.toFixed(1)} s); checkpoint in ${cfg.runDir}`);
  if (stop) say(`engram: resume with: engram train --resume ${cfg.runDir}`);
  if (!stop && cfg.evalEpisodes > 0) {
    result.eval = trainer.evaluate({ episodes: cfg.evalEpisodes });
    writeFileAtomic(join(cfg.runDir, 'eval.json'), JSON.stringify(result.eval, null, 2));
    say(`result: ${resultLine(cfg.env, result.eval)}`);
  }
  trainer.dispose();
  if (feed?.url && process.stdin.isTTY && !stop && opts.verbose !== false) {
    // In a terminal the viewer outlives the run, so the last episodes and curves stay on screen.
    say(`engram: training done; the viewer stays up at ${feed.url} (Ctrl-C to quit)`);
    await new Promise<void>((r) => process.once('SIGINT', () => r()));
  }
  await feed?.close();
  return result;
}

/** One line: mean return plus the env's headline metrics (recall vs novel accuracy, ...). */
export function resultLine(env: string, r: EvalResult): string {
  const keys = PRESETS[env]?.resultMetrics ?? Object.keys(r.metrics);
  const parts = keys.filter((k) => r.metrics[k] !== undefined).map((k) => `${k} ${(r.metrics[k] as number).toFixed(3)}`);
  const head = r.meanReturn !== 0 || r.stdReturn !== 0 ? `mean return ${r.meanReturn.toFixed(2)} over ${r.episodes} episodes` : `${r.episodes} episodes`;
  return [head, ...parts].join(', ');
}
