/**
 * OptimizerConfig — the optimizer options every learner has (`agent.lr`, `agent.optimizer`,
 * `agent.optimizerEps`, `agent.rmspropDecay`, `agent.maxGradNorm`), checked once here. Each learner
 * keeps its own defaults.
 */
import { optionChecker } from '../envs/kwargs.ts';

export interface OptimizerConfig {
  /** Learning rate, > 0. */
  lr: number;
  optimizer: 'adam' | 'rmsprop';
  /** Optimizer epsilon (Adam ε or RMSProp ε), >= 0. */
  optimizerEps: number;
  /** RMSProp decay, in (0, 1). */
  rmspropDecay: number;
  /** Global-norm gradient clip, >= 0; 0 disables it. */
  maxGradNorm: number;
}

export function checkOptimizerConfig(c: OptimizerConfig): void {
  const check = optionChecker('agent');
  check(c.lr > 0, 'lr', 'be > 0', c.lr);
  check(['adam', 'rmsprop'].includes(c.optimizer), 'optimizer', 'be one of adam, rmsprop', c.optimizer);
  check(c.optimizerEps >= 0, 'optimizerEps', 'be >= 0', c.optimizerEps);
  check(c.rmspropDecay > 0 && c.rmspropDecay < 1, 'rmspropDecay', 'be in (0, 1)', c.rmspropDecay);
  check(c.maxGradNorm >= 0, 'maxGradNorm', 'be >= 0', c.maxGradNorm);
}
