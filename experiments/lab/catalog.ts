/**
 * The named experiments of `engram experiment`: each paper comparison Engram reproduces, with the
 * published figures it is held against. Settings not given here come from the env's preset
 * (experiments/settings/presets.ts), so an experiment's run is the run `engram train` would make.
 *
 * Sources: Ritter et al. 2018 and the dnd-lstm reference (qihongl/dnd-lstm); Santoro et al. 2018,
 * "Relational recurrent neural networks" (RMC paper); Graves et al. 2014 (NTM) and 2016 (DNC);
 * Henaff et al. 2017 (EntNet); Pavez et al. 2018 (Working Memory Network). docs/experiments.md
 * lists which of these figures were read from the papers and which are recalled.
 */
import { ConfigError } from '../../envs/errors.ts';
import type { Experiment } from './experiment.ts';

const SMOKE_EVAL = { evalEpisodes: 32, logEvery: 2, checkpointEvery: 5 };

const contextualChoice: Experiment = {
  name: 'contextual-choice',
  title: 'DND-LSTM vs LSTM on contextual choice: recall from episodic memory',
  env: 'ContextualChoice-v0',
  cores: ['dnd-lstm', 'lstm'],
  settings: [{ name: 'default', values: {} }],
  metric: { label: 'recall accuracy (repeated trials, t < 5)', eval: 'recallAccuracy', curve: 'env/recallAccuracy', higherIsBetter: true },
  extraCurves: [{ label: 'novel-trial accuracy (t < 5)', curve: 'env/novelAccuracy' }],
  budgets: {
    smoke: { steps: 3_000, seeds: 1, values: { numEnvs: 2, evalEpisodes: 200, logEvery: 5, checkpointEvery: 20 } },   // 1,500 steps an env: into the first epoch's repeats
    quick: { steps: 40_000, seeds: 3 },
    paper: { steps: 60_000, seeds: 6 },
  },
  published: [
    { setting: 'default', core: 'dnd-lstm', value: 0.77, text: '0.70-0.84 on repeated trials before the evidence', source: 'dnd-lstm reference (qihongl/dnd-lstm), README figure' },
    { setting: 'default', core: 'lstm', value: 0.5, text: 'chance (0.5): no memory across trials', source: 'Ritter et al. 2018' },
  ],
  claims: [{ setting: 'default', better: 'dnd-lstm', than: 'lstm', text: 'DND-LSTM recalls repeated trials far above the LSTM' }],
  analysis: 'contextual-choice',
};

/** The N-th farthest settings; the 3x2 and 4x4 ones are those of experiments/configs/*.yaml. */
const NTH_SMALL = { numEnvs: 256, evalEpisodes: 1024 };
const nthFarthest: Experiment = {
  name: 'nth-farthest',
  title: 'RMC vs LSTM (and DNC) on N-th farthest',
  env: 'NthFarthest-v0',
  cores: ['rmc', 'lstm', 'dnc'],
  settings: [
    {
      name: 'N3-F2', values: { ...NTH_SMALL, envKwargs: { numObjects: 3, numFeatures: 2 }, agent: { lr: 1e-3, readoutSizes: [256, 256] } },
      byCore: { rmc: { coreOptions: { numSlots: 3, numHeads: 2, headSize: 32 } }, lstm: { coreOptions: { hiddenSize: 256 } } },
    },
    {
      name: 'N4-F4', values: { ...NTH_SMALL, envKwargs: { numObjects: 4, numFeatures: 4 }, agent: { lr: 3e-4, readoutSizes: [256, 256] } },
      byCore: { rmc: { coreOptions: { numSlots: 4, numHeads: 2, headSize: 32 } }, lstm: { coreOptions: { hiddenSize: 256 } } },
    },
    { name: 'N8-F16', values: { envKwargs: { numObjects: 8, numFeatures: 16 } } },
  ],
  metric: { label: 'accuracy', eval: 'accuracy', curve: 'task/accuracy', higherIsBetter: true },
  budgets: {
    smoke: { steps: 1_500, seeds: 1, settings: ['N3-F2', 'N8-F16'], values: { numEnvs: 16, ...SMOKE_EVAL } },
    quick: { steps: 800_000, seeds: 2, settings: ['N3-F2'] },
    paper: { steps: { 'N3-F2': 2_000_000, 'N4-F4': 9_000_000, 'N8-F16': 20_000_000 }, seeds: 3 },
  },
  published: [
    { setting: 'N8-F16', core: 'rmc', value: 0.91, text: '~91%', source: 'RMC paper §5.1' },
    { setting: 'N8-F16', core: 'lstm', value: 0.3, text: '< 30% (best batch, hidden 64-4096)', source: 'RMC paper §5.1' },
    { setting: 'N8-F16', core: 'dnc', value: 0.3, text: '< 30% (best batch)', source: 'RMC paper §5.1' },
  ],
  claims: ['N3-F2', 'N4-F4', 'N8-F16'].flatMap((setting) => [
    { setting, better: 'rmc', than: 'lstm', text: 'RMC far above LSTM' },
    { setting, better: 'rmc', than: 'dnc', text: 'RMC far above DNC' },
  ]),
};

const gridWorld = (name: string, title: string, env: string, metric: Experiment['metric'], quick: { steps: number; seeds: number }, paperSteps: number,
  published: Experiment['published']): Experiment => ({
  name, title, env,
  cores: ['rmc', 'lstm'],
  settings: [{ name: 'viewport', values: { envKwargs: { view: 'viewport' } } }],
  metric,
  budgets: {
    smoke: { steps: 2_000, seeds: 1, values: { numEnvs: 8, evalEpisodes: 8, logEvery: 5, checkpointEvery: 20 } },
    quick,
    paper: { steps: paperSteps, seeds: 5 },
  },
  published,
  claims: [{ setting: 'viewport', better: 'rmc', than: 'lstm', text: 'RMC above LSTM with the 5x5 viewport' }],
});

const miniPacman = gridWorld('mini-pacman-viewport', 'RMC vs LSTM on Mini Pacman with a 5x5 viewport', 'MiniPacman-v0',
  { label: 'mean episode return', eval: 'return', curve: 'charts/episode_return', higherIsBetter: true },
  { steps: 300_000, seeds: 4 }, 5_000_000,   // returns vary much between seeds
  [
    { setting: 'viewport', core: 'rmc', value: 677, text: '677 (IMPALA, end of training)', source: 'RMC paper §5.3' },
    { setting: 'viewport', core: 'lstm', value: 550, text: '550', source: 'RMC paper §5.3' },
  ]);

const boxWorld = gridWorld('box-world-viewport', 'RMC vs LSTM on Box World with a 5x5 viewport', 'BoxWorld-v0',
  { label: 'fraction of levels solved', eval: 'solved', curve: 'env/solved', higherIsBetter: true },
  { steps: 1_000_000, seeds: 2 }, 10_000_000,   // few levels are solved before ~1M steps
  [
    { setting: 'viewport', core: 'rmc', value: 0.98, text: '98% of levels after 1e9 steps', source: 'RMC paper App. A.3.1' },
    { setting: 'viewport', core: 'lstm', value: 0.73, text: '73% (ConvLSTM agent)', source: 'RMC paper App. A.3.1' },
  ]);

const copy: Experiment = {
  name: 'copy',
  title: 'NTM vs DNC vs LSTM on copy: bit errors, and generalisation beyond the trained lengths',
  env: 'Copy-v0',
  cores: ['ntm', 'dnc', 'lstm'],
  settings: [{ name: 'L1-10', values: { envKwargs: { minLength: 1, maxLength: 10 } } }],
  metric: { label: 'bit errors per sequence', eval: 'bit_errors_per_seq', curve: 'task/bit_errors_per_seq', higherIsBetter: false },
  budgets: {
    smoke: { steps: 600, seeds: 1, values: { ...SMOKE_EVAL, evalEpisodes: 16 } },
    quick: { steps: 200_000, seeds: 2 },
    paper: { steps: 500_000, seeds: 3 },
  },
  published: [
    { setting: 'L1-10', core: 'ntm', value: 0, text: '~0 bits per sequence; trained on lengths up to 20, generalises to 120', source: 'NTM paper §4.1 (curves)' },
  ],
  claims: [
    { setting: 'L1-10', better: 'ntm', than: 'lstm', text: 'NTM copies with fewer errors than the LSTM' },
    { setting: 'L1-10', better: 'dnc', than: 'lstm', text: 'DNC copies with fewer errors than the LSTM' },
  ],
  analysis: 'copy-lengths',
};

const BABI_TASKS = [1, 2, 3, 6, 15];
const babi: Experiment = {
  name: 'babi',
  title: 'Working Memory Network vs EntNet vs LSTM on bAbI (generated tasks 1, 2, 3, 6, 15)',
  env: 'BabiTask-v0',
  cores: ['working-memory', 'entnet', 'lstm'],
  settings: BABI_TASKS.map((task) => ({ name: `task-${task}`, values: { envKwargs: { task } } })),
  metric: { label: 'answer error', eval: 'accuracy', curve: 'task/accuracy', higherIsBetter: false, complement: true },
  meanOverSettings: true,
  budgets: {
    smoke: { steps: 800, seeds: 1, settings: ['task-1'], values: { numEnvs: 8, ...SMOKE_EVAL } },
    quick: { steps: 100_000, seeds: 2 },
    paper: { steps: 300_000, seeds: 3 },
  },
  published: [
    { setting: 'mean', core: 'working-memory', value: 0.005, text: '< 0.5% mean error (bAbI-10k, joint)', source: 'Pavez et al. 2018' },
    { setting: 'mean', core: 'entnet', value: 0.005, text: '0.5% mean error, 0 failed tasks (bAbI-10k)', source: 'Henaff et al. 2017' },
  ],
  claims: [
    { setting: 'mean', better: 'working-memory', than: 'lstm', text: 'Working Memory Network below the LSTM in mean error' },
    { setting: 'mean', better: 'entnet', than: 'lstm', text: 'EntNet below the LSTM in mean error' },
    { setting: 'mean', better: 'working-memory', target: 0.05, text: 'Working Memory Network mean error under 5% (bAbI\'s pass mark; published 0.5%)' },
  ],
};

const programEval: Experiment = {
  name: 'program-eval',
  title: 'RMC vs LSTM on Learning to Execute (addition), by curriculum',
  env: 'ProgramEval-v0',
  cores: ['rmc', 'lstm'],
  settings: (['naive', 'mix', 'combined'] as const).map((curriculum) => ({
    name: curriculum, values: { envKwargs: { taskKind: 'addition', maxLength: 2, maxNesting: 1, curriculum } },
  })),
  metric: { label: 'per-character accuracy', eval: 'accuracy', curve: 'task/accuracy', higherIsBetter: true },
  budgets: {
    smoke: { steps: 1_000, seeds: 1, settings: ['mix'], values: { numEnvs: 8, ...SMOKE_EVAL } },
    quick: { steps: 40_000, seeds: 2 },
    paper: { steps: 400_000, seeds: 3 },
  },
  published: [
    { setting: 'mix', core: 'rmc', value: 0.999, text: '99.9% (addition, length 5, nesting 2; recalled)', source: 'RMC paper Table 1' },
    { setting: 'mix', core: 'lstm', value: 0.998, text: '99.8% (same; recalled)', source: 'RMC paper Table 1' },
  ],
  claims: ['naive', 'mix', 'combined'].map((setting) => ({ setting, better: 'rmc', than: 'lstm', text: 'RMC above LSTM' })),
};

const languageModel: Experiment = {
  name: 'language-model',
  title: 'RMC vs LSTM on character-level language modelling (Tiny Shakespeare, state carried across segments)',
  env: 'LanguageModel-v0',
  cores: ['rmc', 'lstm'],
  settings: [{ name: 'shakespeare-char', values: {} }],
  metric: { label: 'bits per character (held-out text)', eval: 'bits_per_token', curve: 'task/bits_per_token', higherIsBetter: false },
  extraCurves: [{ label: 'next-character accuracy', curve: 'task/accuracy' }],
  budgets: {
    smoke: { steps: 3_200, seeds: 1, values: { numEnvs: 8, logEvery: 2, checkpointEvery: 5 } },
    quick: { steps: 1_000_000, seeds: 2 },
    paper: { steps: 5_000_000, seeds: 3 },
  },
  published: [
    { setting: 'shakespeare-char', core: 'rmc', text: 'WikiText-103, word level: test perplexity 31.6 (another corpus and unit)', source: 'RMC paper' },
  ],
  claims: [{ setting: 'shakespeare-char', better: 'rmc', than: 'lstm', text: 'RMC below LSTM in bits per character' }],
};

const nlvr: Experiment = {
  name: 'nlvr',
  title: 'Working Memory Network vs LSTM on generated NLVR scenes (objects as facts, then the sentence)',
  env: 'Nlvr-v0',
  cores: ['working-memory', 'lstm'],
  settings: [
    { name: 'exist-touching', values: { envKwargs: { statements: ['exist', 'touching'] } } },
    { name: 'all-statements', values: {} },
  ],
  metric: { label: 'accuracy (true or false)', eval: 'accuracy', curve: 'task/accuracy', higherIsBetter: true },
  budgets: {
    smoke: { steps: 2_000, seeds: 1, settings: ['exist-touching'], values: { numEnvs: 8, ...SMOKE_EVAL } },
    quick: { steps: 250_000, seeds: 2 },
    paper: { steps: 1_000_000, seeds: 3 },
  },
  published: [
    { setting: 'all-statements', core: 'working-memory', text: 'evaluated on the real NLVR (structured representations; its accuracy was not checked here)', source: 'WMN paper' },
  ],
  claims: ['exist-touching', 'all-statements'].map((setting) => ({ setting, better: 'working-memory', than: 'lstm', text: 'WMN above LSTM' })),
};

export const EXPERIMENTS: readonly Experiment[] = [contextualChoice, nthFarthest, miniPacman, boxWorld, copy, babi, programEval, languageModel, nlvr];

export function findExperiment(name: string): Experiment {
  const e = EXPERIMENTS.find((x) => x.name === name);
  if (!e) throw new ConfigError(`unknown experiment ${JSON.stringify(name)}; known: ${EXPERIMENTS.map((x) => x.name).join(', ')} (engram experiment list)`);
  return e;
}
