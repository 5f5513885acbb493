/**
 * Every numeric option is finite and inside its documented range (issue #13), for every core in
 * MEMORY_CORES, both agent configs and every built-in env: a non-finite value (YAML `.inf`, `1e999`)
 * and a value one past the upper bound are ConfigErrors that name the option and the limit; the
 * defaults and the largest allowed values resolve. Resolution only: no training.
 */
import '../fixtures/tf-cpu.ts';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveA2CConfig } from '../../agents/a2c/config.ts';
import { resolveSupervisedConfig } from '../../agents/supervised/config.ts';
import { BOX_WORLD_DEFAULTS } from '../../envs/box-world.ts';
import { CONTEXTUAL_CHOICE_DEFAULTS } from '../../envs/contextual-choice.ts';
import { ConfigError } from '../../envs/errors.ts';
import { MINI_PACMAN_DEFAULTS } from '../../envs/mini-pacman.ts';
import { listEnvs, make } from '../../envs/registry.ts';
import { BABI_DEFAULTS } from '../../envs/tasks/babi.ts';
import { LANGUAGE_MODEL_DEFAULTS } from '../../envs/tasks/language-model.ts';
import { NLVR_DEFAULTS } from '../../envs/tasks/nlvr.ts';
import { COPY_DEFAULTS } from '../../envs/tasks/copy.ts';
import { NTH_FARTHEST_DEFAULTS } from '../../envs/tasks/nth-farthest.ts';
import { PROGRAM_EVAL_DEFAULTS } from '../../envs/tasks/program-eval.ts';
import { REPEAT_COPY_DEFAULTS } from '../../envs/tasks/repeat-copy.ts';
import { resolveDncConfig } from '../../memory/dnc/dnc.ts';
import { resolveDndLstmConfig } from '../../memory/dnd-lstm.ts';
import { resolveEntNetConfig } from '../../memory/entnet.ts';
import { resolveLstmConfig } from '../../memory/lstm.ts';
import { resolveNtmConfig } from '../../memory/ntm.ts';
import { MEMORY_CORES, makeCore } from '../../memory/registry.ts';
import { resolveRelationalMemoryConfig } from '../../memory/relational.ts';
import { resolveWorkingMemoryConfig } from '../../memory/working-memory.ts';

/** [min, max] of each bounded integer option: the documented ranges. */
type Bounds = Record<string, readonly [number, number]>;
type Options = Record<string, unknown>;

const NON_FINITE = [Infinity, -Infinity, NaN];
const D = 6;

function throwsConfig(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `a ConfigError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

/** The message for one past the upper bound. */
const overLimit = (where: string, name: string, [min, max]: readonly [number, number]) =>
  `${where}: ${name} must be an integer from ${min} to ${max}, got ${max + 1}`;
const notFinite = (where: string, path: string, v: number) => `${where}: ${path} must be a finite number, got ${v}`;

type Case = { options: Options; path: string; value: number };

/** Each numeric option of `defaults` with a non-finite value put in, and its path: `lr`, `mlpSizes[0]`. */
function nonFiniteCases(defaults: Options): Case[] {
  return Object.entries(defaults).flatMap(([k, d]) => NON_FINITE.flatMap((value): Case[] => {
    if (typeof d === 'number') return [{ options: { [k]: value }, path: k, value }];
    if (Array.isArray(d) && d.length > 0 && typeof d[0] === 'number') return [{ options: { [k]: [...d.slice(1), value] }, path: `${k}[${d.length - 1}]`, value }];
    return [];
  }));
}

// ---------------------------------------------------------------------------------------------
// Cores

const CORES: Record<string, { where: string; resolve: (o: { inputSize: number; seed: number } & Options) => unknown; bounds: Bounds }> = {
  lstm: { where: 'LSTM', resolve: resolveLstmConfig, bounds: { hiddenSize: [1, 4096] } },
  'dnd-lstm': {
    where: 'DND-LSTM', resolve: resolveDndLstmConfig,
    bounds: { hiddenSize: [1, 4096], capacity: [1, 10000], knnNeighbours: [1, 10000] },
  },
  rmc: {
    where: 'RelationalMemory', resolve: resolveRelationalMemoryConfig,
    bounds: { numSlots: [1, 1024], headSize: [1, 1024], numHeads: [1, 64], keySize: [0, 1024], numBlocks: [1, 64], numMlpLayers: [1, 64] },
  },
  ntm: {
    where: 'NTM', resolve: resolveNtmConfig,
    bounds: { hiddenSize: [1, 4096], numSlots: [1, 4096], wordSize: [1, 4096], numReads: [1, 64], numWrites: [1, 64], outputSize: [0, 4096] },
  },
  dnc: {
    where: 'DNC', resolve: resolveDncConfig,
    bounds: { hiddenSize: [1, 4096], numSlots: [1, 1024], wordSize: [1, 4096], numReads: [1, 64], numWrites: [1, 64], outputSize: [0, 4096] },
  },
  entnet: { where: 'EntNet', resolve: resolveEntNetConfig, bounds: { numSlots: [1, 4096], numHops: [1, 64] } },
  'working-memory': {
    where: 'WorkingMemory', resolve: resolveWorkingMemoryConfig,
    bounds: {
      wordSize: [1, 4096], capacity: [1, 4096], numHops: [1, 64], numHeads: [1, 64], gHidden: [1, 4096], gLayers: [1, 64],
      transitionLayers: [1, 64], outputSize: [0, 4096],
    },
  },
};

test('every registered core has a bounds entry', () => {
  assert.deepEqual(Object.keys(CORES).sort(), Object.keys(MEMORY_CORES).sort());
});

for (const [id, { where, resolve, bounds }] of Object.entries(CORES)) {
  describe(`core ${id}`, () => {
    const base = { inputSize: D, seed: 0 };
    const defaults = MEMORY_CORES[id]!.defaults;

    test('the defaults resolve and survive a JSON round trip (config.json)', () => {
      assert.ok(resolve(base));
      assert.deepEqual(JSON.parse(JSON.stringify(defaults)), defaults);
    });

    test('every numeric option refuses Infinity, -Infinity and NaN', () => {
      const cases = nonFiniteCases(defaults);
      assert.ok(cases.length > 0);
      for (const { options, path, value } of cases) throwsConfig(() => makeCore(id, { ...base, ...options }), notFinite(where, path, value));
    });

    test('each bound: the largest value resolves, one past it names the limit', () => {
      for (const [name, range] of Object.entries(bounds)) {
        assert.ok(resolve({ ...base, [name]: range[1] }), `${name} = ${range[1]}`);
        throwsConfig(() => makeCore(id, { ...base, [name]: range[1] + 1 }), overLimit(where, name, range));
      }
    });

    test('every bound at its largest value at once resolves', () => {
      assert.ok(resolve({ ...base, ...Object.fromEntries(Object.entries(bounds).map(([k, [, max]]) => [k, max])) }));
    });
  });
}

test('list and object options are searched for non-finite numbers too', () => {
  throwsConfig(() => makeCore('ntm', { inputSize: D, seed: 0, shiftBias: [0, 0, NaN] }), 'NTM: shiftBias[2] must be a finite number, got NaN');
  throwsConfig(() => makeCore('entnet', { inputSize: D, seed: 0, keyMode: 'tied', numSlots: 1, tiedKeys: [[0, 1, 2, 3, 4, -Infinity]] }),
    'EntNet: tiedKeys[0][5] must be a finite number, got -Infinity');
  throwsConfig(() => make('MiniPacman-v0', { timerTerminate: { regular: Infinity } }), 'MiniPacman: timerTerminate.regular must be a finite number, got Infinity');
});

test('DNC clipValue: 0 turns clipping off (a value config.json can hold); negatives are refused', () => {
  assert.equal((resolveDncConfig({ inputSize: D, seed: 0, clipValue: 0 }) as { clipValue: number }).clipValue, 0);
  throwsConfig(() => resolveDncConfig({ inputSize: D, seed: 0, clipValue: -1 }), 'DNC: clipValue must be >= 0 (0 disables clipping), got -1');
});

// ---------------------------------------------------------------------------------------------
// Agents

const AGENTS: Record<string, { resolve: (o: Options) => Options; defaults: Options; bounds: Bounds; lists: Bounds }> = {
  a2c: {
    resolve: resolveA2CConfig, defaults: resolveA2CConfig() as Options,
    bounds: { numSteps: [1, 10000], convKernel: [1, 32], convOutput: [0, 8192] },
    lists: { mlpSizes: [1, 8192], convChannels: [1, 1024] },
  },
  supervised: {
    resolve: resolveSupervisedConfig, defaults: resolveSupervisedConfig() as Options,
    bounds: {},
    lists: { mlpSizes: [1, 8192], readoutSizes: [1, 8192] },
  },
};
const MAX_LAYERS = 64;

for (const [name, { resolve, defaults, bounds, lists }] of Object.entries(AGENTS)) {
  describe(`agent ${name}`, () => {
    test('the defaults survive a JSON round trip (config.json)', () => {
      assert.deepEqual(JSON.parse(JSON.stringify(defaults)), defaults);
    });

    test('every numeric option, lr included, refuses Infinity, -Infinity and NaN', () => {
      const cases = nonFiniteCases({ ...defaults, ...Object.fromEntries(Object.keys(lists).map((k) => [k, [1]])) });
      assert.ok(cases.some((c) => c.path === 'lr'));
      for (const { options, path, value } of cases) throwsConfig(() => resolve(options), notFinite('agent', path, value));
      throwsConfig(() => resolve({ mlpSizes: [64, 1e999] }), 'agent: mlpSizes[1] must be a finite number, got Infinity');
    });

    test('each bound: the largest value resolves, one past it names the limit', () => {
      for (const [k, range] of Object.entries(bounds)) {
        assert.equal(resolve({ [k]: range[1] })[k], range[1]);
        throwsConfig(() => resolve({ [k]: range[1] + 1 }), overLimit('agent', k, range));
      }
      for (const [k, [, max]] of Object.entries(lists)) {
        const rule = `agent: ${k} must be a list of at most ${MAX_LAYERS} integers from 1 to ${max}`;
        assert.deepEqual(resolve({ [k]: [max, 1] })[k], [max, 1]);
        assert.equal((resolve({ [k]: new Array(MAX_LAYERS).fill(1) })[k] as number[]).length, MAX_LAYERS);
        throwsConfig(() => resolve({ [k]: [1, max + 1] }), `${rule}, got [1,${max + 1}]`);
        throwsConfig(() => resolve({ [k]: new Array(MAX_LAYERS + 1).fill(1) }), `${rule}, got ${JSON.stringify(new Array(MAX_LAYERS + 1).fill(1))}`);
      }
    });

    test('lr must be > 0', () => {
      throwsConfig(() => resolve({ lr: 0 }), 'agent: lr must be > 0, got 0');
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Envs

const ENVS: Record<string, { where: string; defaults: object; bounds: Bounds }> = {
  'ContextualChoice-v0': {
    where: 'ContextualChoice', defaults: CONTEXTUAL_CHOICE_DEFAULTS,
    bounds: { obsDim: [1, 4096], ctxDim: [0, 4096], trialLength: [1, 1000], nUniqueTrials: [1, 1000] },
  },
  'MiniPacman-v0': { where: 'MiniPacman', defaults: MINI_PACMAN_DEFAULTS, bounds: { nPills: [0, 138] } },
  'BoxWorld-v0': { where: 'BoxWorld', defaults: BOX_WORLD_DEFAULTS, bounds: { n: [5, 64] } },
  'Copy-v0': { where: 'Copy', defaults: COPY_DEFAULTS, bounds: { bits: [1, 4096], maxLength: [1, 1000] } },
  'RepeatCopy-v0': { where: 'RepeatCopy', defaults: REPEAT_COPY_DEFAULTS, bounds: { bits: [1, 4096], maxLength: [1, 1000], maxRepeats: [1, 100] } },
  'NthFarthest-v0': { where: 'NthFarthest', defaults: NTH_FARTHEST_DEFAULTS, bounds: { numObjects: [2, 1000], numFeatures: [1, 4096] } },
  'ProgramEval-v0': { where: 'ProgramEval', defaults: PROGRAM_EVAL_DEFAULTS, bounds: { maxLength: [1, 100], maxNesting: [1, 100] } },
  'BabiTask-v0': { where: 'BabiTask', defaults: BABI_DEFAULTS, bounds: { maxStoryLength: [1, 10000] } },
  'Nlvr-v0': { where: 'Nlvr', defaults: NLVR_DEFAULTS, bounds: { maxObjects: [1, 8] } },
  'LanguageModel-v0': { where: 'LanguageModel', defaults: LANGUAGE_MODEL_DEFAULTS, bounds: { segmentLength: [1, 10000], vocabSize: [2, 1_000_000] } },
};

test('every built-in env has a bounds entry', () => {
  assert.deepEqual(Object.keys(ENVS).sort(), listEnvs());
});

for (const [id, { where, defaults, bounds }] of Object.entries(ENVS)) {
  describe(`env ${id}`, () => {
    test('the defaults build and survive a JSON round trip (config.json)', () => {
      make(id).close();
      assert.deepEqual(JSON.parse(JSON.stringify(defaults)), defaults);
    });

    test('every numeric option refuses Infinity, -Infinity and NaN', () => {
      const cases = nonFiniteCases(defaults as Options);
      assert.ok(cases.length > 0);
      for (const { options, path, value } of cases) throwsConfig(() => make(id, options), notFinite(where, path, value));
    });

    test('each bound: the largest value builds, one past it names the limit', () => {
      for (const [name, range] of Object.entries(bounds)) {
        make(id, { [name]: range[1] }).close();
        throwsConfig(() => make(id, { [name]: range[1] + 1 }), overLimit(where, name, range));
      }
    });
  });
}
