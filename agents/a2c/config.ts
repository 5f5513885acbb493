/**
 * A2CConfig — every hyperparameter of the A2C agent, documented, validated once, frozen
 * (cleanrl's Args, Acme's __post_init__).
 */
import { ConfigError } from '../../envs/errors.ts';
import { resolveKwargs } from '../../envs/kwargs.ts';

export interface A2CConfig {
  /** Rollout length T per update (truncated BPTT window). */
  numSteps: number;
  /** Discount γ. */
  gamma: number;
  /** GAE λ; 1 gives n-step returns. */
  gaeLambda: number;
  /** Learning rate. */
  lr: number;
  /** 'constant', or 'linear' decay to 0 over the run. */
  lrSchedule: 'constant' | 'linear';
  optimizer: 'adam' | 'rmsprop';
  /** Optimizer epsilon (Adam ε or RMSProp ε). */
  optimizerEps: number;
  /** RMSProp decay. */
  rmspropDecay: number;
  /** Weight of the value loss. */
  valueCoef: number;
  /** Weight of the entropy bonus. */
  entropyCoef: number;
  /** Global-norm gradient clip; 0 disables it. */
  maxGradNorm: number;
  /** 'mse' (0.5·(R−V)²) or 'huber' (smooth L1, δ = 1, as the DND-LSTM reference). */
  valueLoss: 'mse' | 'huber';
  /** Normalise advantages per update. */
  normalizeAdvantages: boolean;
  /** Observation encoder: 'auto' = conv for [H, W, C] grids, mlp for vectors. */
  encoder: 'auto' | 'identity' | 'mlp' | 'conv';
  /** Hidden layer sizes of the mlp encoder (ReLU after each). */
  mlpSizes: number[];
  /** Channels of the conv encoder's layers (valid padding, stride 1, ReLU). */
  convChannels: number[];
  /** Kernel size of every conv layer. */
  convKernel: number;
  /** Size of the linear layer after the conv stack (ReLU); 0 for none. */
  convOutput: number;
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
  encoder: 'auto',
  mlpSizes: [64],
  convChannels: [12, 24],
  convKernel: 2,
  convOutput: 256,
});

const ONE_OF: Partial<Record<keyof A2CConfig, readonly string[]>> = {
  lrSchedule: ['constant', 'linear'], optimizer: ['adam', 'rmsprop'], valueLoss: ['mse', 'huber'],
  encoder: ['auto', 'identity', 'mlp', 'conv'],
};

export function resolveA2CConfig(partial: Record<string, unknown> = {}): Readonly<A2CConfig> {
  const c = resolveKwargs('agent', A2C_DEFAULTS as A2CConfig, partial);
  const bad = (name: string, rule: string, got: unknown) => { throw new ConfigError(`agent: ${name} must ${rule}, got ${JSON.stringify(got)}`); };
  for (const [k, allowed] of Object.entries(ONE_OF)) {
    const v = c[k as keyof A2CConfig];
    if (!allowed.includes(v as string)) bad(k, `be one of ${allowed.join(', ')}`, v);
  }
  if (!Number.isInteger(c.numSteps) || c.numSteps < 1) bad('numSteps', 'be an integer >= 1', c.numSteps);
  if (!(c.gamma >= 0 && c.gamma <= 1)) bad('gamma', 'be in [0, 1]', c.gamma);
  if (!(c.gaeLambda >= 0 && c.gaeLambda <= 1)) bad('gaeLambda', 'be in [0, 1]', c.gaeLambda);
  if (!(c.lr > 0)) bad('lr', 'be > 0', c.lr);
  for (const k of ['optimizerEps', 'valueCoef', 'entropyCoef', 'maxGradNorm'] as const) if (!(c[k] >= 0)) bad(k, 'be >= 0', c[k]);
  if (!(c.rmspropDecay > 0 && c.rmspropDecay < 1)) bad('rmspropDecay', 'be in (0, 1)', c.rmspropDecay);
  for (const k of ['mlpSizes', 'convChannels'] as const) {
    if (c[k].some((n) => !Number.isInteger(n) || n < 1)) bad(k, 'be a list of integers >= 1', c[k]);
  }
  if (!Number.isInteger(c.convKernel) || c.convKernel < 1) bad('convKernel', 'be an integer >= 1', c.convKernel);
  if (!Number.isInteger(c.convOutput) || c.convOutput < 0) bad('convOutput', 'be an integer >= 0', c.convOutput);
  return Object.freeze({ ...c, mlpSizes: [...c.mlpSizes], convChannels: [...c.convChannels] });
}
