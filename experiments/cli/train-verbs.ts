/** The training verbs of the CLI: `train`, `eval`, `cores`. */
import { ConfigError } from '../../envs/errors.ts';
import { initBackend, tf, type BackendChoice } from '../../memory/tf.ts';
import { buildEnvs } from '../run/build.ts';
import { loadModules } from '../run/env-module.ts';
import { loadCheckpoint } from '../run/checkpoint.ts';
import { a2cConfig, readConfigFile, resolveExperimentConfig, strList, type ConfigSources } from '../settings/config.ts';
import { openFeed, runInfo, type FeedFlags } from '../run/feed.ts';
import type { EvalFlags, TrainFlags } from './commands.ts';
import { openRunConfig } from '../run/run-config.ts';
import { envKwargsFromSets } from '../settings/set-values.ts';
import { resultLine, train, type TrainOptions } from '../run/loop.ts';
import { makeTrainer, type Trainer } from '../run/trainers.ts';

/** `engram train`, and `engram learner` with its own trainer (`extra`). */
export async function trainCommand(f: TrainFlags, extra: Pick<TrainOptions, 'trainer' | 'resumeCommand'> = {}): Promise<void> {
  if (f.resume) {
    const given = (['env', 'core', 'config', 'seed', 'numEnvs', 'runDir'] as const).filter((k) => f[k] !== undefined);
    if (given.length > 0 || f.set.length > 0 || f.overwrite) {
      throw new ConfigError(`--resume continues a run with its saved config; only --steps, --backend, --threads and --env-module may change (got ${[...given.map(flagName), ...(f.set.length ? ['--set'] : []), ...(f.overwrite ? ['--overwrite'] : [])].join(', ')})`);
    }
    const cfg = await openRunConfig(f.resume, f.envModule);
    if (f.steps !== undefined) cfg.totalSteps = f.steps;
    if (f.backend !== undefined) cfg.backend = f.backend;
    if (f.threads !== undefined) cfg.threads = f.threads;
    await train(cfg, { resume: true, feed: feedFlags(f), ...extra });
    return;
  }
  const file = f.config ? readConfigFile(f.config) : {};
  const src: ConfigSources = {
    sets: f.set,
    flags: { env: f.env, core: f.core, seed: f.seed, numEnvs: f.numEnvs, totalSteps: f.steps, runDir: f.runDir, backend: f.backend, threads: f.threads, envModules: f.envModule },
    ...(f.config ? { values: file } : {}),
  };
  // The env must be registered before the config resolves (it asks the env whether it is reward-free).
  await loadModules([...(f.envModule ?? []), ...(file.envModules !== undefined ? strList(file.envModules, `--config ${f.config}: envModules`) : [])]);
  const cfg = resolveExperimentConfig(src);
  const named = f.runDir !== undefined || file.runDir !== undefined || f.set.some((s) => s.startsWith('runDir='));
  await train({ ...cfg }, { feed: feedFlags(f), overwrite: f.overwrite ?? false, uniqueRunDir: !named, ...extra });
}

/** The feed flags of a verb with --view, --host, --port and --record. */
export function feedFlags(f: { view?: boolean; host?: string; port?: number; record?: string }): FeedFlags {
  return { view: f.view ?? false, ...(f.host ? { host: f.host } : {}), ...(f.port !== undefined ? { port: f.port } : {}), ...(f.record ? { record: f.record } : {}) };
}

export async function evalCommand(f: EvalFlags): Promise<void> {
  const cfg = await openRunConfig(f.checkpoint, f.envModule);
  await initBackend(f.backend ?? cfg.backend, f.threads ?? cfg.threads);
  const overrides = envKwargsFromSets(f.set);
  buildEnvs(cfg, 1, overrides).close();   // bad overrides fail before any weights load
  if (f.record) a2cConfig(cfg, '--record');
  const trainer = makeTrainer(cfg, { envSeed: cfg.seed });
  await trainer.restore(...restoreArgs(f.checkpoint));
  const feed = f.record ? await openFeed({ record: f.record }, runInfo(cfg, trainer.venv, 'eval', tf.getBackend()), Infinity) : undefined;
  const r = trainer.evaluate({
    episodes: f.episodes, greedy: f.greedy, envOverrides: overrides, ...(f.seed !== undefined ? { seed: f.seed } : {}),
    ...(feed ? { observers: [feed.observer] } : {}),
  });
  trainer.dispose();
  await feed?.close();
  if (f.json) {
    console.log(JSON.stringify({ episodes: r.episodes, meanReturn: r.meanReturn, stdReturn: r.stdReturn, meanLength: r.meanLength, metrics: r.metrics }));
    return;
  }
  console.log(`${cfg.env} / ${cfg.core}: ${cfg.learner === 'a2c' ? `${f.greedy ? 'greedy' : 'sampled'} policy` : 'supervised model'} from ${f.checkpoint}`);
  console.log(`  ${resultLine(cfg.env, r)}`);
  if (cfg.learner === 'a2c') console.log(`  return ${r.meanReturn.toFixed(3)} ± ${r.stdReturn.toFixed(3)}, length ${r.meanLength.toFixed(1)}`);
  for (const [k, v] of Object.entries(r.metrics)) console.log(`  ${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`);
}

/** A checkpoint's weights and counters, as Trainer.restore takes them. */
export function restoreArgs(runDir: string): Parameters<Trainer['restore']> {
  const { snapshot, progress } = loadCheckpoint(runDir);
  return [snapshot, progress];
}


function flagName(k: string): string {
  return `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
