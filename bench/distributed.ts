/**
 * Distributed figures per preset, through a real broker on 127.0.0.1: the size of one unroll and of
 * one weights snapshot, and the time to publish a snapshot and to fetch it (the learner does the
 * first after each update, every actor the second between unrolls). Skipped, with a line saying
 * so, where nats-server is not installed.
 */
import { jetstream } from '@nats-io/jetstream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SEEDS } from '../envs/seeds.ts';
import { startBroker } from '../experiments/distributed/broker.ts';
import { connectBroker } from '../experiments/distributed/connection.ts';
import { encodeWeights } from '../experiments/distributed/weights-codec.ts';
import { WeightsStore } from '../experiments/distributed/weights-store.ts';
import { buildEnvs } from '../experiments/run/build.ts';
import { buildA2CAgent } from '../experiments/run/trainers.ts';
import { a2cConfig, resolveExperimentConfig } from '../experiments/settings/config.ts';
import { stateToArrays } from '../memory/state-arrays.ts';
import { Runner } from '../rollout/runner.ts';
import { disposeTrajectory } from '../rollout/trajectory.ts';
import { unrollFromTrajectory } from '../rollout/unroll-builder.ts';
import { encodeUnroll } from '../rollout/wire.ts';

interface Figure { bench: string; value: number; unit: string }

/** The presets of the papers' RL tasks, with the cores they compare. */
const CASES: { env: string; core: string; sets: string[] }[] = [
  { env: 'ContextualChoice-v0', core: 'dnd-lstm', sets: [] },
  { env: 'ContextualChoice-v0', core: 'lstm', sets: [] },
  { env: 'MiniPacman-v0', core: 'lstm', sets: ['env.view=viewport'] },
  { env: 'MiniPacman-v0', core: 'rmc', sets: ['env.view=viewport'] },
  { env: 'BoxWorld-v0', core: 'rmc', sets: ['env.view=viewport'] },
];
/** Publishes and fetches per preset; the median is reported. */
const REPEATS = 10;

export async function distributedBenches(wanted: (name: string) => boolean, report: (f: Figure) => void): Promise<void> {
  const cases = CASES.filter((c) => wanted(`dist/${c.env}/${c.core}`));
  if (cases.length === 0) return;
  const dir = mkdtempSync(join(tmpdir(), 'engram-bench-nats-'));
  let broker;
  try {
    broker = await startBroker({ storeDir: dir });
  } catch (e) {
    console.error(`bench: distributed figures skipped (${(e as Error).message})`);
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  const nc = await connectBroker(broker.url);
  try {
    const js = jetstream(nc);
    for (const [i, c] of cases.entries()) {
      const name = `dist/${c.env}/${c.core}`;
      const cfg = a2cConfig(resolveExperimentConfig({ flags: { env: c.env, core: c.core, runDir: 'unused' }, sets: c.sets }), 'bench');
      const venv = buildEnvs(cfg, cfg.numEnvs);
      const agent = buildA2CAgent(cfg, venv);
      const runner = new Runner(venv, agent, { seed: SEEDS.actor(cfg.seed, 0) });
      const traj = runner.collect(cfg.agent.numSteps);
      const unroll = unrollFromTrajectory(traj, stateToArrays(traj.initialState, agent.core.stateSpec(), { diagnostics: false }), {
        runId: 'bench', actorId: 'bench', seq: 0, weightsVersion: 0, envId: cfg.env, coreId: cfg.core, numActions: agent.numActions,
      });
      report({ bench: `${name}/unroll_size-T${cfg.agent.numSteps}-B${cfg.numEnvs}`, value: encodeUnroll(unroll).length / 1024, unit: 'KiB' });
      const weights = encodeWeights(agent.namedVariables());
      report({ bench: `${name}/weights_size`, value: weights.length / 1024, unit: 'KiB' });
      const store = await WeightsStore.open(js, `bench${i}`, { maxPayload: nc.info?.max_payload });
      const put: number[] = [], get: number[] = [];
      for (let v = 1; v <= REPEATS; v++) {
        let t = performance.now();
        await store.putWeights(weights, v);
        put.push(performance.now() - t);
        t = performance.now();
        await store.getWeights(v);
        get.push(performance.now() - t);
      }
      report({ bench: `${name}/weights_publish`, value: median(put), unit: 'ms' });
      report({ bench: `${name}/weights_fetch`, value: median(get), unit: 'ms' });
      disposeTrajectory(traj, agent);
      runner.dispose();
      agent.dispose();
      venv.close();
    }
  } finally {
    await nc.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}
