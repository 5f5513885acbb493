/**
 * Engram's memory-core API, for users who write their own cores: `import { BaseCore, Params,
 * registerCore, tf } from 'engram/memory'`. A separate entry point from 'engram' because it loads
 * TensorFlow.js, which an env module does not need. The contract is memory/core.ts; docs/cores.md
 * describes it, and `engram check-core` checks a core against it.
 */
/** TensorFlow.js as Engram runs it (its backend set up by Engram): build cores with this one. */
export { tf } from './tf.ts';
export {
  BaseCore, checkBatchIndex, checkBatchInput, checkControl, checkStateShape, recordsDiagnostics, splitCoreBase,
  type CoreState, type LeafSpec, type MemoryCore, type MemoryReadout, type ResetPolicy, type SpecTree, type StepControl,
} from './core.ts';
export { Params, addVariable, initValues, orthogonal, type Init, type LinearWeights } from './params.ts';
export { blend, disposeState, isLeafSpec, mapState, resetBySpec, stateLeaves, zeroState } from './state.ts';
export { unroll, type UnrollControl } from './unroll.ts';
export { coreIds, makeCore, registerCore, type CoreBase, type RegisterCoreOptions } from './registry.ts';
export { checkCore, type CoreCheckReport, type CoreCheckResult } from './check-core.ts';
