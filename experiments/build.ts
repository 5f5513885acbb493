/**
 * Building a run from its config: envs, core and agent (the composition root's one recipe,
 * shared by train, eval and watch).
 */
import { A2CAgent } from '../agents/a2c/agent.ts';
import { ConfigError } from '../envs/errors.ts';
import { make } from '../envs/registry.ts';
import { Box } from '../envs/space.ts';
import { SyncVectorEnv } from '../envs/vector.ts';
import { makeCore } from '../memory/registry.ts';
import { loadEnvModule } from './env-module.ts';
import { updatesFor, type ExperimentConfig } from './config.ts';

const loaded = new Set<string>();

export async function loadModules(paths: readonly string[]): Promise<void> {
  for (const p of paths) {
    if (loaded.has(p)) continue;
    await loadEnvModule(p);
    loaded.add(p);
  }
}

export function buildEnvs(cfg: Pick<ExperimentConfig, 'env' | 'envKwargs'>, numEnvs: number, envOverrides: Record<string, unknown> = {}): SyncVectorEnv {
  const envs = Array.from({ length: numEnvs }, () => make(cfg.env, { ...cfg.envKwargs, ...envOverrides }));
  const first = envs[0];
  if (!first) throw new ConfigError('numEnvs must be >= 1');
  if (!(first.observationSpace instanceof Box)) throw new ConfigError(`${cfg.env}: A2C needs a Box observation space, got ${first.observationSpace.toString()}`);
  if (first.actionSpace.kind !== 'discrete') throw new ConfigError(`${cfg.env}: A2C needs a Discrete action space, got ${first.actionSpace.toString()}`);
  if (first.metadata.rewardFree) throw new ConfigError(`${cfg.env} is reward-free (a supervised task); A2C needs rewards`);
  return new SyncVectorEnv(envs, { autoresetMode: 'same-step' });
}

export function buildAgent(cfg: ExperimentConfig, venv: SyncVectorEnv): A2CAgent {
  const numActions = (venv.singleActionSpace.toJSON() as { n: number }).n;
  return new A2CAgent({
    obsShape: venv.singleObservationSpace.shape,
    numActions,
    makeCore: (inputSize) => makeCore(cfg.core, { ...cfg.coreOptions, inputSize, seed: cfg.seed }),
    config: cfg.agent,
    seed: cfg.seed,
    totalUpdates: updatesFor(cfg),
  });
}
