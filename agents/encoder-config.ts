/**
 * EncoderConfig — the observation encoder's options, shared by every learner (`agent.encoder`,
 * `agent.mlpSizes`, `agent.convChannels`, `agent.convKernel`, `agent.convOutput`), checked once here.
 */
import { checkMax, optionChecker } from '../envs/kwargs.ts';

export type EncoderKind = 'auto' | 'identity' | 'mlp' | 'conv';

export interface EncoderConfig {
  /** Observation encoder: 'auto' = conv for [H, W, C] grids, mlp for vectors; 'identity' feeds observations as they are. */
  encoder: EncoderKind;
  /** Hidden layer sizes of the mlp encoder (ReLU after each): up to 64 layers of 1 to 8192. */
  mlpSizes: number[];
  /** Channels of the conv encoder's layers (valid padding, stride 1, ReLU): up to 64 layers of 1 to 1024. */
  convChannels: number[];
  /** Kernel size of every conv layer, 1 to 32. */
  convKernel: number;
  /** Size of the linear layer after the conv stack (ReLU), 0 to 8192; 0 for none. */
  convOutput: number;
}

export const ENCODER_DEFAULTS: Readonly<EncoderConfig> = Object.freeze({
  encoder: 'auto', mlpSizes: [64], convChannels: [12, 24], convKernel: 2, convOutput: 256,
});

/** Upper bounds that keep a typo from exhausting memory: `layers` bounds the length of the size lists. */
export const ENCODER_MAX = Object.freeze({ layers: 64, mlpSizes: 8192, convChannels: 1024, convKernel: 32, convOutput: 8192 });

/** Checks the encoder options of a learner's resolved config; `kinds` are the encoders that learner offers. */
export function checkEncoderConfig(c: EncoderConfig, kinds: readonly EncoderKind[]): void {
  const check = optionChecker('agent');
  check(kinds.includes(c.encoder), 'encoder', `be one of ${kinds.join(', ')}`, c.encoder);
  for (const k of ['mlpSizes', 'convChannels'] as const) {
    check(c[k].every((n) => Number.isInteger(n) && n >= 1), k, 'be a list of integers >= 1', c[k]);
    check(c[k].length <= ENCODER_MAX.layers && c[k].every((n) => n <= ENCODER_MAX[k]), k,
      `be a list of at most ${ENCODER_MAX.layers} integers from 1 to ${ENCODER_MAX[k]}`, c[k]);
  }
  check(Number.isInteger(c.convKernel) && c.convKernel >= 1, 'convKernel', 'be an integer >= 1', c.convKernel);
  checkMax('agent', 'convKernel', c.convKernel, 1, ENCODER_MAX.convKernel);
  check(Number.isInteger(c.convOutput) && c.convOutput >= 0, 'convOutput', 'be an integer >= 0', c.convOutput);
  checkMax('agent', 'convOutput', c.convOutput, 0, ENCODER_MAX.convOutput);
}
