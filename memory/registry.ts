/**
 * MEMORY_CORES: every core by id, with its documented defaults (the conformance table).
 * `makeCore(id, options)` validates options once and builds the core.
 */
import { closest } from 'fastest-levenshtein';
import { ConfigError } from '../envs/errors.ts';
import type { MemoryCore } from './core.ts';
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

export function coreIds(): string[] {
  return Object.keys(MEMORY_CORES);
}

export function coreEntry(id: string): CoreEntry {
  const e = MEMORY_CORES[id];
  if (!e) {
    const ids = coreIds();
    throw new ConfigError(`unknown core "${id}"; did you mean "${closest(id, ids)}"? expected one of: ${ids.join(', ')}`);
  }
  return e;
}

export function makeCore(id: string, options: CoreBase & Record<string, unknown>): MemoryCore {
  return coreEntry(id).make(options);
}
