/** The viewing verbs of the CLI: `watch` (a trained agent, paced for people) and `replay` (a recording). */
import { ConfigError } from '../../envs/errors.ts';
import { SEEDS } from '../../envs/seeds.ts';
import { initBackend, type BackendChoice } from '../../memory/tf.ts';
import { FeedServer } from '../../rollout/feed-server.ts';
import { readRecording } from '../../rollout/feed-recorder.ts';
import { Runner } from '../../rollout/runner.ts';
import { disposeTrajectory } from '../../rollout/trajectory.ts';
import { buildEnvs } from '../run/build.ts';
import { buildA2CAgent } from '../run/trainers.ts';
import { loadCheckpoint } from '../run/checkpoint.ts';
import { openFeed, runInfo, withDiagnostics } from '../run/feed.ts';
import { envKwargsFromSets } from '../settings/set-values.ts';
import { openRunConfig } from '../run/run-config.ts';
import { keepViewerOpen, onStopSignal } from '../run/stop-signals.ts';
import type { ReplayFlags, WatchFlags } from './commands.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function watchCommand(f: WatchFlags): Promise<void> {
  const cfg = withDiagnostics({ ...await openRunConfig(f.checkpoint, f.envModule), numEnvs: f.numEnvs });
  const backend = await initBackend(f.backend ?? cfg.backend, f.threads ?? cfg.threads);
  if (cfg.learner !== 'a2c') throw new ConfigError(`watch: ${cfg.env} is a supervised task; watch plays RL agents (use engram eval for task metrics)`);
  const venv = buildEnvs(cfg, f.numEnvs, envKwargsFromSets(f.set));
  const agent = buildA2CAgent(cfg, venv);
  await agent.restore(loadCheckpoint(f.checkpoint).snapshot);
  const feed = (await openFeed({ view: true, ...pick(f) }, runInfo(cfg, venv, 'watch', backend), Infinity))!;
  let episodes = 0;
  const counter = { onEpisode: (e: { env: number }) => { if (e.env === feed.server!.following()) episodes++; } };
  const runner = new Runner(venv, agent, { seed: f.seed ?? SEEDS.evaluation(cfg.seed), greedy: f.greedy, observers: [feed.observer, counter] });
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
    await keepViewerOpen('done');
  }
  await feed.close();
}

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
    await keepViewerOpen('replay finished');
  }
  await server.close();
}

function pick(f: { host?: string; port?: number; record?: string }) {
  return { ...(f.host ? { host: f.host } : {}), ...(f.port !== undefined ? { port: f.port } : {}), ...(f.record ? { record: f.record } : {}) };
}
