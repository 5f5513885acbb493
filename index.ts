/**
 * Engram's public API: `import { register, make, Box, Discrete } from 'engram'`.
 */
export type { AutoresetMode, EngramInfo, Env, EnvFrame, EnvMetadata, EpisodeInfo, GridFrame, Info, Json, RenderMode, ResetOptions, ResetResult, StepResult, TargetSpec } from './envs/env.ts';
export { Box, Discrete, MultiBinary, MultiDiscrete, isSpace, spaceFromJSON, type Space, type SpaceJSON } from './envs/space.ts';
export { Rng, type RngState } from './envs/rng.ts';
export { ConfigError, EnvError } from './envs/errors.ts';
export { resolveKwargs } from './envs/kwargs.ts';
export { listEnvs, make, register, spec, unregister, type EnvFactory, type EnvSpec, type RegisterOptions } from './envs/registry.ts';
export { EpisodeStatistics, OrderEnforcing, TimeLimit, Wrapper } from './envs/wrappers.ts';
export { SyncVectorEnv, type VectorReset, type VectorStep } from './envs/vector.ts';
export { checkEnv, type CheckReport, type CheckResult } from './envs/check.ts';
