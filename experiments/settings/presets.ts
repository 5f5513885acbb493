/**
 * Per-env presets: what `engram train --env ID` uses when no other flags are given.
 * Each names the default core and the agent/core settings that learn well on that env on a
 * 2-core CPU machine (figures in the README). Flags, config files and --set override them.
 */
import type { A2CConfig } from '../../agents/a2c/config.ts';
import type { SupervisedConfig } from '../../agents/supervised/config.ts';

export interface Preset {
  readonly defaultCore: string;
  readonly envKwargs?: Record<string, unknown>;
  readonly numEnvs?: number;
  readonly totalSteps?: number;
  readonly agent?: Partial<A2CConfig> | Partial<SupervisedConfig>;
  /** Agent settings of one core that differ from `agent`, by core id. */
  readonly agentByCore?: Record<string, Partial<A2CConfig> | Partial<SupervisedConfig>>;
  /** Core options by core id. */
  readonly core?: Record<string, Record<string, unknown>>;
  /** Episodes of the evaluation at the end of `engram train`. */
  readonly evalEpisodes?: number;
  /** Evaluation episodes each env must run for its metrics to mean anything (a whole epoch). */
  readonly evalEpisodesPerEnv?: number;
  /** The metrics of the one-line result printed at the end (besides the mean return). */
  readonly resultMetrics?: readonly string[];
}

/** The NTM on copy tasks: pytorch-dnc's activations, heads that start out moving +1 (see Copy-v0). */
const NTM_COPY = {
  hiddenSize: 100, numSlots: 128, wordSize: 20, keyActivation: 'tanh', addActivation: 'tanh', strengthOp: 'softplus', shiftBias: [0, 0, 2], gateBias: -2,
};

/** Copy and repeat copy: batches of 16 whole sequences per update. */
const COPY_TASKS = {
  numEnvs: 16,
  totalSteps: 2_000_000,
  agent: { lr: 1e-3, maxGradNorm: 10 },
  agentByCore: { ntm: { lr: 3e-3 } },
  core: { lstm: { hiddenSize: 256 }, ntm: NTM_COPY, rmc: { numSlots: 4, numHeads: 4, headSize: 16 } },
  evalEpisodes: 160,
  resultMetrics: ['bits_per_seq', 'bit_errors_per_seq', 'solved'],
} satisfies Omit<Preset, 'defaultCore'>;

/** The Atari A2C settings (5-step rollouts, RMSProp 7e-4, clipping 0.5) the grid worlds share. */
const ATARI_A2C = { numSteps: 5, gamma: 0.99, lr: 7e-4, optimizer: 'rmsprop', maxGradNorm: 0.5, convOutput: 128 } as const;
/** The cores' sizes on both grid worlds. */
const GRID_CORES = { lstm: { hiddenSize: 128 }, 'dnd-lstm': { hiddenSize: 128 }, rmc: { numSlots: 4, numHeads: 2, headSize: 32 } };

export const PRESETS: Readonly<Record<string, Preset>> = {
  // One trial per episode, so working memory (h, c) resets every trial while the episodic
  // dictionary persists across trials and is flushed at each epoch start (docs/cores.md §3.6).
  'ContextualChoice-v0': {
    defaultCore: 'dnd-lstm',
    envKwargs: { episodeMode: 'trial' },
    numEnvs: 16,
    totalSteps: 60_000,
    agent: {
      numSteps: 10, gamma: 0, lr: 3e-3, entropyCoef: 0, valueLoss: 'huber', valueCoef: 1, maxGradNorm: 0,
      encoder: 'identity', optimizer: 'adam', optimizerEps: 1e-8,
    },
    // Cosine similarity on the whole input retrieves the right trial more often than the
    // reference's l2 (recall 0.82-0.84 vs 0.76-0.78 after 40k steps, seeds 1-6).
    core: { 'dnd-lstm': { hiddenSize: 32, capacity: 100, similarity: 'cosine' }, lstm: { hiddenSize: 32 }, rmc: { numSlots: 2, numHeads: 2, headSize: 16 } },
    evalEpisodes: 1600,
    evalEpisodesPerEnv: 100,
    resultMetrics: ['recallAccuracy', 'novelAccuracy'],
  },
  'MiniPacman-v0': {
    defaultCore: 'lstm',
    numEnvs: 16,
    totalSteps: 2_000_000,
    // The Atari A2C settings learned far faster here than 20-step Adam: mean return 47.5 vs 14.3
    // after 300k viewport steps (random: 10).
    agent: { ...ATARI_A2C, entropyCoef: 0.01, convKernel: 3, convChannels: [8] },
    core: GRID_CORES,
    evalEpisodes: 64,
    resultMetrics: ['level', 'foodEaten'],
  },
  'BoxWorld-v0': {
    defaultCore: 'lstm',
    numEnvs: 16,
    totalSteps: 5_000_000,
    agent: { ...ATARI_A2C, entropyCoef: 0.005, convKernel: 2, convChannels: [12] },
    core: GRID_CORES,
    evalEpisodes: 64,
    resultMetrics: ['solved'],
  },
  // Supervised tasks (reward-free).
  // The NTM learns the copy algorithm when its heads start out moving forward (shiftBias +1,
  // gateBias toward the shifted weighting): 0 bit errors on lengths 1-10 and on 100 after 300k
  // steps at Adam 3e-3; without that prior 1.4 errors after 700k. At 1e-3 it is ~3x slower.
  'Copy-v0': { ...COPY_TASKS, defaultCore: 'ntm' },
  'RepeatCopy-v0': { ...COPY_TASKS, defaultCore: 'dnc' },
  'NthFarthest-v0': {
    defaultCore: 'rmc',
    numEnvs: 64,
    totalSteps: 5_000_000,
    // The RMC paper's readout (4 x 256 ReLU) and Adam 1e-4 (App. A.1); N=8 slots, 8 heads of 32.
    agent: { lr: 1e-4, readoutSizes: [256, 256, 256, 256], maxGradNorm: 0 },
    core: { rmc: { numSlots: 8, numHeads: 8, headSize: 32 }, lstm: { hiddenSize: 512 } },
    evalEpisodes: 1024,
    resultMetrics: ['accuracy'],
  },
  // Sentence stream with the question flag as the query channel: facts update the memory, the
  // question step reads it out (EntNet readout 'self'; the WMN's queryChannel).
  'BabiTask-v0': {
    defaultCore: 'entnet',
    envKwargs: { encoding: 'sentence' },
    numEnvs: 32,
    totalSteps: 1_000_000,
    agent: { lr: 5e-3, maxGradNorm: 10 },
    core: {
      entnet: { queryChannel: true, readout: 'self' }, lstm: { hiddenSize: 128 }, dnc: {},
      // 2 hops of 4 heads and g of 64: ~6x the steps/s of the script's 4 x 8 and 128, and it learns task 1 as well.
      'working-memory': { queryChannel: true, numHops: 2, numHeads: 4, gHidden: 64 },
    },
    evalEpisodes: 320,
    resultMetrics: ['accuracy'],
  },
  // Objects as facts, the sentence as the question (the WMN's NLVR setup): queryChannel stores the
  // objects and queries with the sentence; a scene is a set, so no age embedding. All six statement
  // families, 1M steps, seed 1: WMN 0.74, LSTM 0.71 (at lr 5e-3 the WMN stayed at chance for 400k steps).
  'Nlvr-v0': {
    defaultCore: 'working-memory',
    numEnvs: 32,
    totalSteps: 1_000_000,
    agent: { lr: 3e-3, maxGradNorm: 10 },
    core: {
      'working-memory': { queryChannel: true, capacity: 24, numHops: 2, numHeads: 4, gHidden: 64, temporalEncoding: false },
      entnet: { queryChannel: true, readout: 'self' }, lstm: { hiddenSize: 128 }, rmc: { numSlots: 4, numHeads: 2, headSize: 32 }, dnc: {},
    },
    evalEpisodes: 640,
    resultMetrics: ['accuracy'],
  },
  // Character-level Tiny Shakespeare: 32 streams read in segments of 50 characters (truncated BPTT):
  // twice the updates of the env's 100 for the same steps, which is what a CPU budget lacks most.
  'LanguageModel-v0': {
    defaultCore: 'lstm',
    envKwargs: { segmentLength: 50 },
    numEnvs: 32,
    totalSteps: 2_000_000,
    agent: { lr: 2e-3, maxGradNorm: 1 },
    core: { lstm: { hiddenSize: 256 }, rmc: { numSlots: 2, numHeads: 2, headSize: 64 } },
    evalEpisodes: 16,   // streams read the whole held-out split whatever this says; > 0 turns evaluation on
    resultMetrics: ['bits_per_token', 'perplexity', 'accuracy'],
  },
  'ProgramEval-v0': {
    defaultCore: 'rmc',
    numEnvs: 32,
    totalSteps: 2_000_000,
    agent: { lr: 1e-3, maxGradNorm: 10 },
    core: { rmc: { numSlots: 4, numHeads: 4, headSize: 32 }, lstm: { hiddenSize: 256 } },
    evalEpisodes: 320,
    resultMetrics: ['accuracy', 'solved'],
  },
};

/** For envs without a preset (users' own). */
export const GENERIC_PRESET: Preset = { defaultCore: 'lstm', numEnvs: 8, totalSteps: 100_000, evalEpisodes: 20 };
