/**
 * The memory-core contract (docs/cores.md §1, docs/style.md §2.3): Sonnet's RNNCore with explicit sizes.
 *
 * Every core is `initialState` + `step`, with state as a value (a tree of named tensors) that
 * the caller owns. Episode boundaries are data: `resetWhere(state, resets)` restores element b's
 * state to its initial value where resets[b] = 1, before the step that reads obs[t].
 */
import { checkOption } from '../envs/kwargs.ts';
import type { Params } from './params.ts';
import { isLeafSpec, resetBySpec, zeroState } from './state.ts';
import { tf } from './tf.ts';

export { isLeafSpec };

export type CoreState = { readonly [k: string]: tf.Tensor | CoreState };

/**
 * How a state leaf behaves at an episode start: 'initial' blends back to initialState,
 * 'persistent' survives (the DND dictionary), 'diagnostic' is written by step for the viewer only.
 */
export type ResetPolicy = 'initial' | 'persistent' | 'diagnostic';
export interface LeafSpec {
  readonly shape: readonly number[];   // without the batch axis
  readonly dtype: 'float32' | 'int32';
  readonly reset: ResetPolicy;
}
export type SpecTree = { readonly [k: string]: LeafSpec | SpecTree };

/** Plain JSON for the viewer (no tensors): gate activity, attention, retrievals. */
export type MemoryReadout = { [name: string]: number | number[] | number[][] };

/** Per-step control inputs (docs/cores.md §3.4); cores without episodic memory ignore them. */
export interface StepControl {
  /** [B] 1 where this step may write to episodic memory (the env's `encodeHint`). */
  readonly write?: tf.Tensor1D;
  /**
   * false: leave out this step's diagnostic leaves even when the core records them. The learner's
   * re-unroll passes it (nothing reads diagnostics there), so viewing costs acting only.
   * Every core honours it (`recordsDiagnostics`).
   */
  readonly diagnostics?: boolean;
}

/** Per-sequence control inputs of `unroll`: the StepControl of every step, as [T, B] masks. */
export interface UnrollControl {
  /** false: no diagnostic leaves in the unrolled steps (StepControl.diagnostics). */
  readonly diagnostics?: boolean;
  /** [T, B] 1 where episodic memory may be written at step t. */
  readonly write?: tf.Tensor2D;
  /** [T, B] 1 where persistent memory is cleared before step t. */
  readonly flush?: tf.Tensor2D;
}

export interface MemoryCore<S extends CoreState = CoreState> {
  readonly name: string;
  readonly inputSize: number;    // D
  readonly outputSize: number;   // H
  /** Trainable variables, created eagerly; pass as varList to the optimizer. */
  readonly variables: readonly tf.Variable[];
  stateSpec(): SpecTree;
  /** A fresh state for `batchSize` elements. The caller owns it. */
  initialState(batchSize: number): S;
  /** [B, D] -> [B, H]. Pure: reads variables, input and state only. Output never aliases state. */
  step(input: tf.Tensor2D, state: S, control?: StepControl): { output: tf.Tensor2D; state: S };
  /**
   * Where resets[b] = 1, element b's 'initial' leaves go back to initialState and 'diagnostic'
   * leaves to 0. Where flush[b] = 1, its 'persistent' leaves are cleared too (a new epoch).
   */
  resetWhere(state: S, resets: tf.Tensor1D, flush?: tf.Tensor1D): S;
  /**
   * Optional: the whole sequence at once, as `unroll` (memory/unroll.ts) defines it, for a core with
   * a fused sequence op (docs/kernels.md). Returns undefined where it must run step by step (per-step
   * diagnostics asked for); `unroll` then does.
   */
  unrollSequence?(inputs: tf.Tensor3D, state: S, resets: tf.Tensor2D, control: UnrollControl): { outputs: tf.Tensor3D; state: S } | undefined;
  /** What element `batchIndex`'s memory is doing, for the viewer. */
  inspect?(state: S, batchIndex: number): MemoryReadout;
  dispose(): void;
}

/**
 * The defaults cores share, read from `stateSpec()`: the state starts at zero (but for the leaves
 * `initialLeaves` gives) and `resetWhere` is the spec-driven blend (`resetBySpec`). A core writes
 * `stateSpec` and `step`; it overrides `resetWhere` only to do more than the blend (the DND-LSTM's
 * commit) and `dispose` only to free more than its Params.
 */
export abstract class BaseCore<S extends CoreState> implements MemoryCore<S> {
  protected constructor(readonly name: string, readonly inputSize: number, readonly outputSize: number,
    protected readonly params: Params) {}

  get variables(): readonly tf.Variable[] {
    return this.params.variables;
  }

  abstract stateSpec(): SpecTree;
  abstract step(input: tf.Tensor2D, state: S, control?: StepControl): { output: tf.Tensor2D; state: S };

  initialState(batchSize: number): S {
    return tf.tidy(() => zeroState(this.stateSpec(), batchSize, this.initialLeaves(batchSize)) as S);
  }

  /** The leaves that do not start at zero, as a partial state tree (called inside a tidy). */
  protected initialLeaves(_batchSize: number): CoreState | undefined {
    return undefined;
  }

  resetWhere(state: S, resets: tf.Tensor1D, flush?: tf.Tensor1D): S {
    return resetBySpec(this, state, resets, flush);
  }

  dispose(): void {
    this.params.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Input checks cores run on their options, inputs and state.

/** Checks the `inputSize` and `seed` every core takes and splits them from the core's own options. */
export function splitCoreBase(where: string, options: { inputSize: number; seed: number } & Record<string, unknown>):
  { inputSize: number; seed: number; rest: Record<string, unknown> } {
  const { inputSize, seed, ...rest } = options;
  checkOption(Number.isInteger(inputSize) && inputSize >= 1, where, 'inputSize', 'be an integer >= 1', inputSize);
  checkOption(Number.isInteger(seed), where, 'seed', 'be an integer', seed);
  return { inputSize, seed, rest };
}

export function checkBatchInput(where: string, x: tf.Tensor, inputSize: number): void {
  if (x.rank !== 2 || x.shape[1] !== inputSize) {
    throw new Error(`${where}: input must be [B, ${inputSize}], got shape [${x.shape}]`);
  }
}

/** `control.write`, when given, is [B]. */
export function checkControl(where: string, control: StepControl | undefined, batchSize: number): void {
  const w = control?.write;
  if (w && (w.rank !== 1 || w.shape[0] !== batchSize)) {
    throw new Error(`${where}: control.write must be [${batchSize}], got shape [${w.shape}]`);
  }
}

/** A state leaf has the shape the step expects (`name` as the error shows it, e.g. 'state.memory'). */
export function checkStateShape(where: string, name: string, t: tf.Tensor, shape: readonly number[]): void {
  if (t.shape.join() !== shape.join()) throw new Error(`${where}: ${name} must be [${shape.join(', ')}], got [${t.shape}]`);
}

/** `inspect`'s batchIndex names an element of a batch of `batchSize`. */
export function checkBatchIndex(where: string, batchIndex: number, batchSize: number): void {
  if (!Number.isInteger(batchIndex) || batchIndex < 0 || batchIndex >= batchSize) {
    throw new RangeError(`${where}: batchIndex must be an integer in [0, ${batchSize - 1}], got ${batchIndex}`);
  }
}

/** Whether a step writes its diagnostic leaves: configured, and not switched off by the caller. */
export function recordsDiagnostics(recordDiagnostics: boolean, control?: { readonly diagnostics?: boolean }): boolean {
  return recordDiagnostics && control?.diagnostics !== false;
}
