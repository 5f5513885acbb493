/**
 * The memory-core contract (cores.md §1, STYLE §2.3): Sonnet's RNNCore with explicit sizes.
 *
 * Every core is `initialState` + `step`, with state as a value (a tree of named tensors) that
 * the caller owns. Episode boundaries are data: `resetWhere(state, resets)` restores element b's
 * state to its initial value where resets[b] = 1, before the step that reads obs[t].
 */
import type { tf } from './tf.ts';

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

/** Per-step control inputs (cores.md §3.4); cores without episodic memory ignore them. */
export interface StepControl {
  /** [B] 1 where this step may write to episodic memory (the env's `encodeHint`). */
  readonly write?: tf.Tensor1D;
  /**
   * false: leave out this step's diagnostic leaves even when the core records them. The learner's
   * re-unroll passes it (nothing reads diagnostics there), so viewing costs acting only.
   * Honoured by lstm, dnd-lstm and rmc; other cores record whenever configured.
   */
  readonly diagnostics?: boolean;
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
  /** What element `batchIndex`'s memory is doing, for the viewer. */
  inspect?(state: S, batchIndex: number): MemoryReadout;
  dispose(): void;
}

export function isLeafSpec(x: LeafSpec | SpecTree): x is LeafSpec {
  return Array.isArray((x as LeafSpec).shape) && typeof (x as LeafSpec).reset === 'string';
}
