/**
 * A2CConfig — every hyperparameter of the A2C agent, documented, validated once, frozen
 * (cleanrl's Args, Acme's __post_init__).
 */
import { checkMax, optionChecker, resolveKwargs } from '../../envs/kwargs.ts';
import { checkOptimizerConfig, type OptimizerConfig } from '../optimizer-config.ts';
import { checkEncoderConfig, ENCODER_DEFAULTS, type EncoderConfig } from '../encoder-config.ts';

export interface A2CConfig extends OptimizerConfig, EncoderConfig {
  /** Rollout length T per update (truncated BPTT window), 1 to 10000. */
  numSteps: number;
  /** Discount γ, in [0, 1]. */
  gamma: number;
  /** GAE λ, in [0, 1]; 1 gives n-step returns. */
  gaeLambda: number;
  /** 'constant', or 'linear' decay to 0 over the run. */
  lrSchedule: 'constant' | 'linear';
  /** Weight of the value loss, >= 0. */
  valueCoef: number;
  /** Weight of the entropy bonus, >= 0. */
  entropyCoef: number;
  /** 'mse' (0.5·(R−V)²) or 'huber' (smooth L1, δ = 1, as the DND-LSTM reference). */
  valueLoss: 'mse' | 'huber';
  /** Normalise advantages per update. */
  normalizeAdvantages: boolean;
}

export const A2C_DEFAULTS: Readonly<A2CConfig> = Object.freeze({
  numSteps: 20,
  gamma: 0.99,
  gaeLambda: 1,
  lr: 7e-4,
  lrSchedule: 'constant',
  optimizer: 'adam',
  optimizerEps: 1e-5,
  rmspropDecay: 0.99,
  valueCoef: 0.5,
  entropyCoef: 0.01,
  maxGradNorm: 0.5,
  valueLoss: 'mse',
  normalizeAdvantages: false,
  ...ENCODER_DEFAULTS,
});

/** Upper bound of `numSteps`: a rollout keeps T steps of activations for BPTT. */
export const A2C_MAX_STEPS = 10_000;

const ONE_OF: Partial<Record<keyof A2CConfig, readonly string[]>> = {
  lrSchedule: ['constant', 'linear'], valueLoss: ['mse', 'huber'],
};

export function resolveA2CConfig(partial: Record<string, unknown> = {}): Readonly<A2CConfig> {
  const c = resolveKwargs<A2CConfig>('agent', A2C_DEFAULTS, partial);
  const check = optionChecker('agent');
  for (const [k, allowed] of Object.entries(ONE_OF)) {
    const v = c[k as keyof A2CConfig];
    check(allowed.includes(v as string), k, `be one of ${allowed.join(', ')}`, v);
  }
  check(Number.isInteger(c.numSteps) && c.numSteps >= 1, 'numSteps', 'be an integer >= 1', c.numSteps);
  checkMax('agent', 'numSteps', c.numSteps, 1, A2C_MAX_STEPS);
  check(c.gamma >= 0 && c.gamma <= 1, 'gamma', 'be in [0, 1]', c.gamma);
  check(c.gaeLambda >= 0 && c.gaeLambda <= 1, 'gaeLambda', 'be in [0, 1]', c.gaeLambda);
  for (const k of ['valueCoef', 'entropyCoef'] as const) check(c[k] >= 0, k, 'be >= 0', c[k]);
  checkOptimizerConfig(c);
  checkEncoderConfig(c, ['auto', 'identity', 'mlp', 'conv']);
  return Object.freeze({ ...c, mlpSizes: [...c.mlpSizes], convChannels: [...c.convChannels] });
}
