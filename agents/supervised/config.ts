/**
 * SupervisedConfig — the learner for reward-free task envs (copy, N-th farthest, ...):
 * documented, validated once, frozen.
 */
import { optionChecker, resolveKwargs } from '../../envs/kwargs.ts';
import { checkOptimizerConfig, type OptimizerConfig } from '../optimizer-config.ts';
import { checkEncoderConfig, ENCODER_DEFAULTS, type EncoderConfig } from '../encoder-config.ts';

export interface SupervisedConfig extends OptimizerConfig, EncoderConfig {
  /**
   * Hidden layers (ReLU) of the readout between the core and the output layer, up to 64 layers of
   * 1 to 8192 (RMC paper: 4 x 256 for N-th farthest).
   */
  readoutSizes: number[];
}

export const SUPERVISED_DEFAULTS: Readonly<SupervisedConfig> = Object.freeze({
  lr: 1e-3,
  optimizer: 'adam',
  optimizerEps: 1e-8,
  rmspropDecay: 0.99,
  maxGradNorm: 10,
  readoutSizes: [],
  ...ENCODER_DEFAULTS,
  encoder: 'identity',   // task observations are small vectors: the core reads them as they are
});

/** Upper bounds of `readoutSizes` that keep a typo from exhausting memory: `layers` bounds the list's length, `width` each size. */
export const READOUT_MAX = Object.freeze({ layers: 64, width: 8192 });

export function resolveSupervisedConfig(partial: Record<string, unknown> = {}): Readonly<SupervisedConfig> {
  const c = resolveKwargs<SupervisedConfig>('agent', SUPERVISED_DEFAULTS, partial);
  const check = optionChecker('agent');
  checkOptimizerConfig(c);
  const { layers, width } = READOUT_MAX;
  check(c.readoutSizes.every((n) => Number.isInteger(n) && n >= 1), 'readoutSizes', 'be a list of integers >= 1', c.readoutSizes);
  check(c.readoutSizes.length <= layers && c.readoutSizes.every((n) => n <= width), 'readoutSizes', `be a list of at most ${layers} integers from 1 to ${width}`, c.readoutSizes);
  checkEncoderConfig(c, ['auto', 'identity', 'mlp', 'conv']);
  return Object.freeze({ ...c, readoutSizes: [...c.readoutSizes], mlpSizes: [...c.mlpSizes], convChannels: [...c.convChannels] });
}
