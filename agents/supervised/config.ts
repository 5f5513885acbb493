/**
 * SupervisedConfig — the learner for reward-free task envs (copy, N-th farthest, ...):
 * documented, validated once, frozen.
 */
import { ConfigError } from '../../envs/errors.ts';
import { resolveKwargs } from '../../envs/kwargs.ts';

export interface SupervisedConfig {
  /** Learning rate. */
  lr: number;
  optimizer: 'adam' | 'rmsprop';
  /** Optimizer epsilon. */
  optimizerEps: number;
  /** Global-norm gradient clip; 0 disables it. */
  maxGradNorm: number;
  /** Hidden layers (ReLU) of the readout between the core and the output layer (RMC paper: 4 x 256 for N-th farthest). */
  readoutSizes: number[];
  /** Observation encoder: 'identity' feeds observations to the core as they are. */
  encoder: 'identity' | 'mlp';
  /** Hidden layer sizes of the mlp encoder. */
  mlpSizes: number[];
}

export const SUPERVISED_DEFAULTS: Readonly<SupervisedConfig> = Object.freeze({
  lr: 1e-3,
  optimizer: 'adam',
  optimizerEps: 1e-8,
  maxGradNorm: 10,
  readoutSizes: [],
  encoder: 'identity',
  mlpSizes: [64],
});

export function resolveSupervisedConfig(partial: Record<string, unknown> = {}): Readonly<SupervisedConfig> {
  const c = resolveKwargs('agent', SUPERVISED_DEFAULTS as SupervisedConfig, partial);
  const bad = (name: string, rule: string, got: unknown) => { throw new ConfigError(`agent: ${name} must ${rule}, got ${JSON.stringify(got)}`); };
  if (!(c.lr > 0)) bad('lr', 'be > 0', c.lr);
  if (!['adam', 'rmsprop'].includes(c.optimizer)) bad('optimizer', 'be one of adam, rmsprop', c.optimizer);
  if (!['identity', 'mlp'].includes(c.encoder)) bad('encoder', 'be one of identity, mlp', c.encoder);
  if (!(c.optimizerEps >= 0)) bad('optimizerEps', 'be >= 0', c.optimizerEps);
  if (!(c.maxGradNorm >= 0)) bad('maxGradNorm', 'be >= 0', c.maxGradNorm);
  for (const k of ['readoutSizes', 'mlpSizes'] as const) if (c[k].some((n) => !Number.isInteger(n) || n < 1)) bad(k, 'be a list of integers >= 1', c[k]);
  return Object.freeze({ ...c, readoutSizes: [...c.readoutSizes], mlpSizes: [...c.mlpSizes] });
}
