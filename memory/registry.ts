/**
 * The memory cores by id: Engram's own (MEMORY_CORES, with their documented defaults: the
 * conformance table) and those users add with `registerCore`, as they add envs with `register`.
 * `makeCore(id, options)` builds one; the core validates its options.
 */
import { closest } from 'fastest-levenshtein';
import { ConfigError, isUserError } from '../envs/errors.ts';
import type { MemoryCore } from './core.ts';
import { noteRegisteredCore } from './core-names.ts';
import { DND_LSTM_DEFAULTS, makeDndLstm } from './dnd-lstm.ts';
import { DNC_DEFAULTS, makeDnc } from './dnc/dnc.ts';
import { ENTNET_DEFAULTS, makeEntNet } from './entnet.ts';
import { LSTM_DEFAULTS, makeLstm } from './lstm.ts';
import { NTM_DEFAULTS, makeNtm } from './ntm.ts';
import { RMC_DEFAULTS, makeRelationalMemory } from './relational.ts';
import { WORKING_MEMORY_DEFAULTS, makeWorkingMemory } from './working-memory.ts';

/** What every core's options carry besides its own fields. */
export interface CoreBase {
  inputSize: number;
  seed: number;
}

export interface CoreEntry {
  readonly description: string;
  /** Documented defaults of the core's own options (without inputSize and seed). */
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly make: (options: CoreBase & Record<string, unknown>) => MemoryCore;
}

export const MEMORY_CORES: Readonly<Record<string, CoreEntry>> = Object.freeze({
  lstm: { description: 'LSTM (Hochreiter & Schmidhuber 1997), fused gates', defaults: LSTM_DEFAULTS, make: makeLstm },
  'dnd-lstm': { description: 'LSTM with an episodic differentiable neural dictionary (Ritter et al. 2018)', defaults: DND_LSTM_DEFAULTS, make: makeDndLstm },
  rmc: { description: 'Relational Memory Core (Santoro et al. 2018)', defaults: RMC_DEFAULTS, make: makeRelationalMemory },
  ntm: { description: 'Neural Turing Machine (Graves et al. 2014), LSTM controller', defaults: NTM_DEFAULTS, make: makeNtm },
  dnc: { description: 'Differentiable Neural Computer (Graves et al. 2016), deepmind/dnc access order', defaults: DNC_DEFAULTS, make: makeDnc },
  entnet: { description: 'Recurrent Entity Network (Henaff et al. 2017): gated key-addressed memory slots', defaults: ENTNET_DEFAULTS, make: makeEntNet },
  'working-memory': { description: 'Working Memory Network (Pavez et al. 2018) with a Relation Network (Santoro et al. 2017)', defaults: WORKING_MEMORY_DEFAULTS, make: makeWorkingMemory },
});

const CORES = new Map<string, CoreEntry>(Object.entries(MEMORY_CORES));
const ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

export interface RegisterCoreOptions {
  /** One line for `engram cores`. */
  readonly description?: string;
  /** The core's own options and their defaults, for `engram cores` (the factory applies them). */
  readonly defaults?: Readonly<Record<string, unknown>>;
}

/**
 * Adds a memory core under `id`, for `--core id` and every learner. `make` receives the options
 * (`--set core.x=...`, the preset's) with `inputSize` and `seed`, and returns a MemoryCore
 * (memory/core.ts); `engram check-core` checks it against the contract.
 */
export function registerCore(id: string, make: (options: CoreBase & Record<string, unknown>) => MemoryCore, opts: RegisterCoreOptions = {}): void {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) throw new ConfigError(`registerCore: id must be a letter then up to 63 of [A-Za-z0-9_-], got ${JSON.stringify(id)}`);
  if (CORES.has(id)) throw new ConfigError(`registerCore: a core "${id}" is registered already; choose another id`);
  if (typeof make !== 'function') throw new ConfigError(`registerCore ${id}: make must be a function (options) => MemoryCore`);
  // A user's factory that throws on its options is the user's to fix: one line, not an Engram bug.
  const guarded = (options: CoreBase & Record<string, unknown>): MemoryCore => {
    try {
      return make(options);
    } catch (e) {
      if (isUserError(e)) throw e;
      const { inputSize: _i, seed: _s, ...own } = options;
      throw new ConfigError(`core "${id}" (registered by a module) failed to build with options ${JSON.stringify(own)}: ${(e as Error).message ?? String(e)}`);
    }
  };
  CORES.set(id, { description: opts.description ?? '(registered by a module)', defaults: opts.defaults ?? {}, make: guarded });
  noteRegisteredCore(id);
}

/** Every core: Engram's, then the registered ones. */
export function coreEntries(): [string, CoreEntry][] {
  return [...CORES];
}

export function coreIds(): string[] {
  return [...CORES.keys()];
}

export function coreEntry(id: string): CoreEntry {
  const e = CORES.get(id);
  if (!e) {
    const ids = coreIds();
    throw new ConfigError(`unknown core "${id}"; did you mean "${closest(id, ids)}"? expected one of: ${ids.join(', ')}`);
  }
  return e;
}

export function makeCore(id: string, options: CoreBase & Record<string, unknown>): MemoryCore {
  return coreEntry(id).make(options);
}
