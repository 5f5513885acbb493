/** The viewing verbs of the CLI: `watch` (a trained agent, paced for people) and `replay` (a recording). */
import { ConfigError } from '../envs/errors.ts';
import { initBackend, type BackendChoice } from '../memory/tf.ts';
import { FeedServer } from '../rollout/feed-server.ts';
import { readRecording } from '../rollout/feed-recorder.ts';
import { Runner } from '../rollout/runner.ts';
import { disposeTrajectory } from '../rollout/trajectory.ts';
import type { A2CConfig } from '../agents/a2c/config.ts';
import { buildEnvs, loadModules } from './build.ts';
import { buildA2CAgent } from './trainer.ts';
import { loadCheckpoint } from './checkpoint.ts';
import { EVAL_SEED_OFFSET } from './evaluate.ts';
import { openFeed, runInfo, withDiagnostics } from './feed.ts';
import { envKwargsFromSets } from './set-values.ts';
import { readRunConfig } from './train-commands.ts';

export interface WatchFlags {
  checkpoint: string; episodes: number; fps?: number; greedy: boolean; numEnvs: number; set: string[];
  host?: string; port?: number; record?: string; backend?: BackendChoice; threads?: number; seed?: number; exit: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function watchCommand(f: WatchFlags): Promise<void> {
  const cfg = withDiagnostics({ ...readRunConfig(f.checkpoint), numEnvs: f.numEnvs });
  const backend = await initBackend(f.backend ?? cfg.backend, f.threads ?? cfg.threads);
  await loadModules(cfg.envModules);
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
  process.once('SIGINT', () => { stop = true; });
  while (episodes < f.episodes && !stop) {
    disposeTrajectory(runner.collect(1), agent);
    await sleep(1000 / fps);
  }
  runner.dispose();
  agent.dispose();
  if (!stop && !f.exit) {
    console.log('engram: done; the viewer keeps the last episode (Ctrl-C to quit)');
    await new Promise<void>((r) => process.once('SIGINT', () => r()));
  }
  await feed.close();
}

export interface ReplayFlags { file: string; fps?: number; host?: string; port?: number; exit: boolean }

export async function replayCommand(f: ReplayFlags): Promise<void> {
  let rec;
  try { rec = readRecording(f.file); } catch (e) { throw new ConfigError(`replay: ${(e as Error).message}`); }
  const server = new FeedServer({ run: { ...rec.run, mode: 'replay' }, ...(f.host ? { host: f.host } : {}), ...(f.port !== undefined ? { port: f.port } : {}) });
  console.log(`engram: viewer at ${await server.start()}`);
  const fps = f.fps ?? rec.run.renderFps;
  console.log(`engram: replaying ${rec.messages.length} messages of ${rec.run.env} / ${rec.run.core} at ${fps} steps/s (Ctrl-C to stop)`);
  let stop = false;
  const onSigint = () => { stop = true; };
  process.once('SIGINT', onSigint);
  for (const m of rec.messages) {
    if (stop) break;
    server.publish(m);
    if (m.type === 'step') await sleep(1000 / fps);
  }
  if (!stop && !f.exit) {
    console.log('engram: replay finished; the viewer keeps the last episode (Ctrl-C to quit)');
    await new Promise<void>((r) => process.once('SIGINT', () => r()));
  }
  process.off('SIGINT', onSigint);
  await server.close();
}

function pick(f: { host?: string; port?: number; record?: string }) {
  return { ...(f.host ? { host: f.host } : {}), ...(f.port !== undefined ? { port: f.port } : {}), ...(f.record ? { record: f.record } : {}) };
}
