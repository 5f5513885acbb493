/**
 * `engram train`: the training loop, top to bottom (cleanrl style).
 * seed -> envs -> agent -> [resume] -> loop(collect, learn, log, checkpoint) -> evaluate.
 * Ctrl-C finishes the current update, writes a checkpoint and stops; `--resume DIR` continues.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { A2CAgent } from '../agents/a2c/agent.ts';
import { initBackend } from '../memory/tf.ts';
import type { RolloutObserver } from '../rollout/observer.ts';
import { Runner } from '../rollout/runner.ts';
import { disposeTrajectory } from '../rollout/trajectory.ts';
import { writeFileAtomic } from './atomic.ts';
import { buildAgent, buildEnvs, loadModules } from './build.ts';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { updatesFor, type ExperimentConfig } from './config.ts';
import { evaluate, type EvalResult } from './evaluate.ts';
import { openFeed, runInfo, withDiagnostics, type FeedFlags } from './feed.ts';
import { MetricsLog } from './metrics.ts';
import { Progress } from './progress.ts';
import { PRESETS } from './presets.ts';

export interface TrainOptions {
  resume?: boolean;
  /** --view / --record: the live viewer and recordings. */
  feed?: FeedFlags;
  /** Extra observers (the live feed). */
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
  // ---- envs, agent (bad settings fail here, before anything is written), and where we start from
  await loadModules(cfg.envModules);
  if (opts.feed?.view) cfg = withDiagnostics(cfg);
  const venv = buildEnvs(cfg, cfg.numEnvs);
  const backend = await initBackend(cfg.backend);
  const agent: A2CAgent = buildAgent(cfg, venv);
  const feed = opts.feed ? await openFeed(opts.feed, runInfo(cfg, venv, 'train', backend), 30) : undefined;
  mkdirSync(cfg.runDir, { recursive: true });
  writeFileAtomic(join(cfg.runDir, 'config.json'), JSON.stringify(cfg, null, 2));
  const totalUpdates = updatesFor(cfg);
  let updates = 0, globalStep = 0, elapsedBefore = 0;
  let rngState;
  if (opts.resume) {
    const { snapshot, progress } = loadCheckpoint(cfg.runDir);
    await agent.restore(snapshot);
    ({ updates, globalStep, rngState } = progress);
    elapsedBefore = progress.elapsedSeconds;
  }
  const metrics = new MetricsLog(cfg.runDir);
  if (opts.resume) metrics.truncateAfter(updates);
  // A resumed run restarts its episodes on a fresh, still deterministic seed stream.
  const observers: RolloutObserver[] = [metrics, ...(feed ? [feed.observer] : []), ...(opts.observers ?? [])];
  const runner = new Runner(venv, agent, { seed: cfg.seed + 7919 * updates, observers });
  runner.globalStep = globalStep;
  if (rngState) runner.setRngState(rngState);
  say(`engram: training ${cfg.core} on ${cfg.env} (${cfg.numEnvs} envs, ${cfg.totalSteps} steps, seed ${cfg.seed}, backend ${backend})${opts.resume ? `, resumed at step ${globalStep}` : ''}`);
  say(`engram: run directory ${cfg.runDir}`);

  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130);   // a second Ctrl-C: leave now (the last checkpoint stays valid)
    stop = true;
    console.log('\nengram: stopping after this update and writing a checkpoint (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  const start = performance.now();
  const progress = opts.progress === false ? undefined : new Progress(cfg.totalSteps, globalStep);
  const save = async () => {
    saveCheckpoint(cfg.runDir, await agent.snapshot(), {
      updates, globalStep: runner.globalStep, rngState: runner.rng.getState(),
      elapsedSeconds: elapsedBefore + (performance.now() - start) / 1000, backend,
    });
    metrics.writeCsv();
  };

  // ---- the loop
  let windowStart = performance.now(), windowSteps = runner.globalStep;
  while (updates < totalUpdates && !stop) {
    const traj = runner.collect(cfg.agent.numSteps);
    const losses = agent.learn(traj);
    disposeTrajectory(traj, agent);
    updates++;
    if (updates % cfg.logEvery === 0 || updates === totalUpdates) {
      const now = performance.now();
      const sps = (runner.globalStep - windowSteps) / ((now - windowStart) / 1000);
      const row = metrics.log({ iteration: updates, globalStep: runner.globalStep, time: elapsedBefore + (now - start) / 1000, 'charts/sps': sps, ...losses });
      for (const o of observers) o.onUpdate?.({ iteration: updates, globalStep: runner.globalStep, metrics: row });
      windowStart = now;
      windowSteps = runner.globalStep;
    }
    progress?.update(runner.globalStep, metrics.lastReturn);
    if (updates % cfg.checkpointEvery === 0) await save();
    await new Promise((r) => setImmediate(r));   // lets Ctrl-C reach us between updates
  }
  await save();
  progress?.stop();
  process.off('SIGINT', onSigint);
  runner.dispose();
  venv.close();
  const seconds = (performance.now() - start) / 1000;
  const result: TrainResult = {
    runDir: cfg.runDir, updates, globalStep: runner.globalStep, interrupted: stop, backend,
    stepsPerSecond: (runner.globalStep - globalStep) / Math.max(seconds, 1e-9),
  };
  say(`engram: ${stop ? 'interrupted' : 'finished'} at step ${runner.globalStep} (${updates} updates, ${Math.round(result.stepsPerSecond)} steps/s, ${seconds.toFixed(1)} s); checkpoint in ${cfg.runDir}`);
  if (stop) say(`engram: resume with: engram train --resume ${cfg.runDir}`);
  if (!stop && cfg.evalEpisodes > 0) {
    result.eval = evaluate(agent, cfg, { episodes: cfg.evalEpisodes });
    writeFileAtomic(join(cfg.runDir, 'eval.json'), JSON.stringify(result.eval, null, 2));
    say(`result: ${resultLine(cfg.env, result.eval)}`);
  }
  agent.dispose();
  await feed?.close();
  return result;
}

/** One line: mean return plus the env's headline metrics (recall vs novel accuracy, ...). */
export function resultLine(env: string, r: EvalResult): string {
  const keys = PRESETS[env]?.resultMetrics ?? Object.keys(r.metrics);
  const parts = keys.filter((k) => r.metrics[k] !== undefined).map((k) => `${k} ${(r.metrics[k] as number).toFixed(3)}`);
  return [`mean return ${r.meanReturn.toFixed(2)} over ${r.episodes} episodes`, ...parts].join(', ');
}
