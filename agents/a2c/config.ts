/**
 * A2CConfig — every hyperparameter of the A2C agent, documented, validated once, frozen
 * (cleanrl's Args, Acme's __post_init__).
 */
import { checkMax, checkOption, resolveKwargs } from '../../envs/kwargs.ts';

export interface A2CConfig {
  /** Rollout length T per update (truncated BPTT window), 1 to 10000. */
  numSteps: number;
  /** Discount γ, in [0, 1]. */
  gamma: number;
  /** GAE λ, in [0, 1]; 1 gives n-step returns. */
  gaeLambda: number;
  /** Learning rate, > 0. */
  lr: number;
  /** 'constant', or 'linear' decay to 0 over the run. */
  lrSchedule: 'constant' | 'linear';
  optimizer: 'adam' | 'rmsprop';
  /** Optimizer epsilon (Adam ε or RMSProp ε), >= 0. */
  optimizerEps: number;
  /** RMSProp decay, in (0, 1). */
  rmspropDecay: number;
  /** Weight of the value loss, >= 0. */
  valueCoef: number;
  /** Weight of the entropy bonus, >= 0. */
  entropyCoef: number;
  /** Global-norm gradient clip, >= 0; 0 disables it. */
  maxGradNorm: number;
  /** 'mse' (0.5·(R−V)²) or 'huber' (smooth L1, δ = 1, as the DND-LSTM reference). */
  valueLoss: 'mse' | 'huber';
  /** Normalise advantages per update. */
  normalizeAdvantages: boolean;
  /** Observation encoder: 'auto' = conv for [H, W, C] grids, mlp for vectors. */
  encoder: 'auto' | 'identity' | 'mlp' | 'conv';
  /** Hidden layer sizes of the mlp encoder (ReLU after each): up to 64 layers of 1 to 8192. */
  mlpSizes: number[];
  /** Channels of the conv encoder's layers (valid padding, stride 1, ReLU): up to 64 layers of 1 to 1024. */
  convChannels: number[];
  /** Kernel size of every conv layer, 1 to 32. */
  convKernel: number;
  /** Size of the linear layer after the conv stack (ReLU), 0 to 8192; 0 for none. */
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

/**
 * Upper bounds that keep a typo from exhausting memory: a rollout keeps T steps of activations for
 * BPTT, and layer widths set the weight count. `layers` bounds the length of the size lists.
 */
export const A2C_MAX = Object.freeze({
  numSteps: 10_000, layers: 64, mlpSizes: 8192, convChannels: 1024, convKernel: 32, convOutput: 8192,
});

const ONE_OF: Partial<Record<keyof A2CConfig, readonly string[]>> = {
  lrSchedule: ['constant', 'linear'], optimizer: ['adam', 'rmsprop'], valueLoss: ['mse', 'huber'],
  encoder: ['auto', 'identity', 'mlp', 'conv'],
};

export function resolveA2CConfig(partial: Record<string, unknown> = {}): Readonly<A2CConfig> {
  const c = resolveKwargs('agent', A2C_DEFAULTS as A2CConfig, partial);
  const check = (ok: boolean, name: string, rule: string, got: unknown) => checkOption(ok, 'agent', name, rule, got);
  for (const [k, allowed] of Object.entries(ONE_OF)) {
    const v = c[k as keyof A2CConfig];
    check(allowed.includes(v as string), k, `be one of ${allowed.join(', ')}`, v);
  }
  check(Number.isInteger(c.numSteps) && c.numSteps >= 1, 'numSteps', 'be an integer >= 1', c.numSteps);
  checkMax('agent', 'numSteps', c.numSteps, 1, A2C_MAX.numSteps);
  check(c.gamma >= 0 && c.gamma <= 1, 'gamma', 'be in [0, 1]', c.gamma);
  check(c.gaeLambda >= 0 && c.gaeLambda <= 1, 'gaeLambda', 'be in [0, 1]', c.gaeLambda);
  check(c.lr > 0, 'lr', 'be > 0', c.lr);
  for (const k of ['optimizerEps', 'valueCoef', 'entropyCoef', 'maxGradNorm'] as const) check(c[k] >= 0, k, 'be >= 0', c[k]);
  check(c.rmspropDecay > 0 && c.rmspropDecay < 1, 'rmspropDecay', 'be in (0, 1)', c.rmspropDecay);
  for (const k of ['mlpSizes', 'convChannels'] as const) {
    check(c[k].every((n) => Number.isInteger(n) && n >= 1), k, 'be a list of integers >= 1', c[k]);
    check(c[k].length <= A2C_MAX.layers && c[k].every((n) => n <= A2C_MAX[k]), k,
      `be a list of at most ${A2C_MAX.layers} integers from 1 to ${A2C_MAX[k]}`, c[k]);
  }
  check(Number.isInteger(c.convKernel) && c.convKernel >= 1, 'convKernel', 'be an integer >= 1', c.convKernel);
  checkMax('agent', 'convKernel', c.convKernel, 1, A2C_MAX.convKernel);
  check(Number.isInteger(c.convOutput) && c.convOutput >= 0, 'convOutput', 'be an integer >= 0', c.convOutput);
  checkMax('agent', 'convOutput', c.convOutput, 0, A2C_MAX.convOutput);
  return Object.freeze({ ...c, mlpSizes: [...c.mlpSizes], convChannels: [...c.convChannels] });
}
