/**
 * SupervisedConfig — the learner for reward-free task envs (copy, N-th farthest, ...):
 * documented, validated once, frozen.
 */
import { checkOption, resolveKwargs } from '../../envs/kwargs.ts';

export interface SupervisedConfig {
  /** Learning rate, > 0. */
  lr: number;
  optimizer: 'adam' | 'rmsprop';
  /** Optimizer epsilon, >= 0. */
  optimizerEps: number;
  /** Global-norm gradient clip, >= 0; 0 disables it. */
  maxGradNorm: number;
  /**
   * Hidden layers (ReLU) of the readout between the core and the output layer, up to 64 layers of
   * 1 to 8192 (RMC paper: 4 x 256 for N-th farthest).
   */
  readoutSizes: number[];
  /** Observation encoder: 'identity' feeds observations to the core as they are. */
  encoder: 'identity' | 'mlp';
  /** Hidden layer sizes of the mlp encoder: up to 64 layers of 1 to 8192. */
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

/** Upper bounds that keep a typo from exhausting memory: `layers` bounds the length of the size lists, `width` each size. */
export const SUPERVISED_MAX = Object.freeze({ layers: 64, width: 8192 });

export function resolveSupervisedConfig(partial: Record<string, unknown> = {}): Readonly<SupervisedConfig> {
  const c = resolveKwargs('agent', SUPERVISED_DEFAULTS as SupervisedConfig, partial);
  const check = (ok: boolean, name: string, rule: string, got: unknown) => checkOption(ok, 'agent', name, rule, got);
  check(c.lr > 0, 'lr', 'be > 0', c.lr);
  check(['adam', 'rmsprop'].includes(c.optimizer), 'optimizer', 'be one of adam, rmsprop', c.optimizer);
  check(['identity', 'mlp'].includes(c.encoder), 'encoder', 'be one of identity, mlp', c.encoder);
  check(c.optimizerEps >= 0, 'optimizerEps', 'be >= 0', c.optimizerEps);
  check(c.maxGradNorm >= 0, 'maxGradNorm', 'be >= 0', c.maxGradNorm);
  const { layers, width } = SUPERVISED_MAX;
  for (const k of ['readoutSizes', 'mlpSizes'] as const) {
    check(c[k].every((n) => Number.isInteger(n) && n >= 1), k, 'be a list of integers >= 1', c[k]);
    check(c[k].length <= layers && c[k].every((n) => n <= width), k, `be a list of at most ${layers} integers from 1 to ${width}`, c[k]);
  }
  return Object.freeze({ ...c, readoutSizes: [...c.readoutSizes], mlpSizes: [...c.mlpSizes] });
}
