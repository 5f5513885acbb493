/** The viewing verbs of the CLI: `watch` (a trained agent, paced for people) and `replay` (a recording). */
import { ConfigError } from '../envs/errors.ts';
import { initBackend, type BackendChoice } from '../memory/tf.ts';
import { FeedServer } from '../rollout/feed-server.ts';
import { readRecording } from '../rollout/feed-recorder.ts';
import { Runner } from '../rollout/runner.ts';
import { disposeTrajectory } from '../rollout/trajectory.ts';
import type { A2CConfig } from '../agents/a2c/config.ts';
import { buildEnvs } from './build.ts';
import { buildA2CAgent } from './trainer.ts';
import { loadCheckpoint } from './checkpoint.ts';
import { EVAL_SEED_OFFSET } from './evaluate.ts';
import { openFeed, runInfo, withDiagnostics } from './feed.ts';
import { envKwargsFromSets } from './set-values.ts';
import { openRunConfig } from './run-config.ts';
import { onStopSignal, untilStopSignal } from './stop-signals.ts';

export interface WatchFlags {
  checkpoint: string; envModule?: string[]; episodes: number; fps?: number; greedy: boolean; numEnvs: number; set: string[];
  host?: string; port?: number; record?: string; backend?: BackendChoice; threads?: number; seed?: number; exit: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function watchCommand(f: WatchFlags): Promise<void> {
  const cfg = withDiagnostics({ ...await openRunConfig(f.checkpoint, f.envModule), numEnvs: f.numEnvs });
  const backend = await initBackend(f.backend ?? cfg.backend, f.threads ?? cfg.threads);
  if (cfg.learner !== 'a2c') throw new ConfigError(`watch: ${cfg.env} is a supervised task; watch plays RL agents (use engram eval for task metrics)`);
  const venv = buildEnvs(cfg, f.numEnvs, envKwargsFromSets(f.set));
  const agent = buildA2CAgent(cfg, cfg.agent as A2CConfig, venv);
  await agent.restore(loadCheckpoint(f.checkpoint).snapshot);
  const feed = (await openFeed({ view: true, ...pick(f) }, runInfo(cfg, venv, 'watch', backend), Infinity))!;
  let episodes = 0;
  const counter = { onEpisode: (e: { env: number }) => { if (e.env === feed.server!.following()) episodes++; } };
  const runner = new Runner(venv, agent, { seed: f.seed ?? cfg.seed + EVAL_SEED_OFFSET, greedy: f.greedy, observers: [feed.observer, counter] });
  const fps = f.fps ?? venv.metadata.renderFps;
  console.log(`engram: watching ${cfg.core} on ${cfg.env} for ${f.episodes} episodes at ${fps} steps/s (Ctrl-C to stop)`);
  let stop = false;
  const offSignal = onStopSignal(() => { stop = true; });
  try {
    while (episodes < f.episodes && !stop) {
      disposeTrajectory(runner.collect(1), agent);
      await sleep(1000 / fps);
    }
  } finally {
    offSignal();
    runner.dispose();
    agent.dispose();
  }
  if (!stop && !f.exit) {
    console.log('engram: done; the viewer keeps the last episode (Ctrl-C to quit)');
    await untilStopSignal();
  }
  await feed.close();
}

export interface ReplayFlags { file: string; fps?: number; host?: string; port?: number; exit: boolean }

export async function replayCommand(f: ReplayFlags): Promise<void> {
  let rec;
  try {
    rec = readRecording(f.file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`replay: ${f.file} not found; name a file written with --record`);
    if (code === 'EISDIR') throw new ConfigError(`replay: ${f.file} is a folder; name a file written with --record`);
    if (code !== undefined) throw new ConfigError(`replay: cannot read ${f.file} (${code})`);
    throw new ConfigError(`replay: ${(e as Error).message}`);
  }
  const server = new FeedServer({ run: { ...rec.run, mode: 'replay' }, ...(f.host ? { host: f.host } : {}), ...(f.port !== undefined ? { port: f.port } : {}) });
  console.log(`engram: viewer at ${await server.start()}`);
  const fps = f.fps ?? rec.run.renderFps;
  console.log(`engram: replaying ${rec.messages.length} messages of ${rec.run.env} / ${rec.run.core} at ${fps} steps/s (Ctrl-C to stop)`);
  let stop = false;
  const offSignal = onStopSignal(() => { stop = true; });
  for (const m of rec.messages) {
    if (stop) break;
    server.publish(m);
    if (m.type === 'step') await sleep(1000 / fps);
  }
  offSignal();
  if (!stop && !f.exit) {
    console.log('engram: replay finished; the viewer keeps the last episode (Ctrl-C to quit)');
    await untilStopSignal();
  }
  await server.close();
}

function pick(f: { host?: string; port?: number; record?: string }) {
  return { ...(f.host ? { host: f.host } : {}), ...(f.port !== undefined ? { port: f.port } : {}), ...(f.record ? { record: f.record } : {}) };
}
