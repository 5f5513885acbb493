/** Building a run's envs from its config. */
import type { Env } from '../../envs/env.ts';
import { ConfigError } from '../../envs/errors.ts';
import { make } from '../../envs/registry.ts';
import { Box } from '../../envs/space.ts';
import { SyncVectorEnv } from '../../envs/vector.ts';
import { Wrapper } from '../../envs/wrappers.ts';
import type { ExperimentConfig } from '../settings/config.ts';

export function buildEnvs(cfg: Pick<ExperimentConfig, 'env' | 'envKwargs'>, numEnvs: number, envOverrides: Record<string, unknown> = {}): SyncVectorEnv {
  const envs = Array.from({ length: numEnvs }, () => make(cfg.env, { ...cfg.envKwargs, ...envOverrides }));
  const first = envs[0];
  if (!first) throw new ConfigError('numEnvs must be >= 1');
  if (!(first.observationSpace instanceof Box)) throw new ConfigError(`${cfg.env}: A2C needs a Box observation space, got ${first.observationSpace.toString()}`);
  if (!first.metadata.rewardFree && first.actionSpace.kind !== 'discrete') {
    throw new ConfigError(`${cfg.env}: A2C needs a Discrete action space, got ${first.actionSpace.toString()}`);
  }
  if (Object.keys(envOverrides).length > 0) checkSameShapes(cfg, first, envOverrides);
  return new SyncVectorEnv(envs, { autoresetMode: 'same-step' });
}

/**
 * The config with the kwargs the env pinned (Env.pinnedKwargs: a vocabulary built from a corpus) added
 * where the config has none, so that the run's config.json rebuilds the same env on eval and resume.
 */
export function withPinnedKwargs<C extends Pick<ExperimentConfig, 'envKwargs'>>(cfg: C, venv: SyncVectorEnv): C {
  const env = venv.envs[0];
  const pinned = (env instanceof Wrapper ? env.unwrapped : env)?.pinnedKwargs?.() ?? {};
  const missing = Object.entries(pinned).filter(([k, v]) => !isSet(cfg.envKwargs[k]) && isSet(v));
  return missing.length === 0 ? cfg : { ...cfg, envKwargs: { ...cfg.envKwargs, ...Object.fromEntries(missing) } };
}

const isSet = (v: unknown) => v !== undefined && !(Array.isArray(v) && v.length === 0);

/** Overrides (`engram eval --set env.x=...`) may change lengths and difficulty, not what the model reads or emits. */
function checkSameShapes(cfg: Pick<ExperimentConfig, 'env' | 'envKwargs'>, env: Env<unknown, unknown>, envOverrides: Record<string, unknown>): void {
  const trained = make(cfg.env, cfg.envKwargs);
  const sets = Object.entries(envOverrides).map(([k, v]) => `env.${k}=${JSON.stringify(v)}`).join(', ');
  const pairs = [
    ['observation space', trained.observationSpace.toString(), env.observationSpace.toString()],
    ['action space', trained.actionSpace.toString(), env.actionSpace.toString()],
    ['target', JSON.stringify(trained.metadata.target ?? null), JSON.stringify(env.metadata.target ?? null)],
  ];
  trained.close?.();
  for (const [what, was, now] of pairs) {
    if (was !== now) throw new ConfigError(`${sets} changes the ${what} from ${was} to ${now}; the trained model only fits the first (override lengths or difficulty, not sizes)`);
  }
}
