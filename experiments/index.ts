/**
 * Engram's training API, for scripts: `import { resolveExperimentConfig, train } from 'engram/train'`.
 * What `engram train` does, as functions: a config resolved from presets, a file's values, `--set`
 * entries and flags, then a run written to its run directory (config, metrics, checkpoints, eval).
 *
 *   const cfg = resolveExperimentConfig({ flags: { env: 'ContextualChoice-v0', core: 'lstm', totalSteps: 20_000, runDir: 'runs/a' } });
 *   const { eval: result } = await train(cfg, { progress: false });
 */
export { resolveExperimentConfig, type ConfigSources, type ExperimentConfig, type RunSettings } from './settings/config.ts';
export { train, type TrainOptions, type TrainResult } from './run/loop.ts';
export { openRunConfig } from './run/run-config.ts';
export { loadModules } from './run/env-module.ts';
export type { EvalResult } from './run/evaluate.ts';
