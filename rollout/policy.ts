/**
 * Policy — what the runner needs from an agent (Acme's Actor). The runner never sees tensors:
 * the memory state S is opaque to it and handed back to the policy to dispose.
 */
import type { Rng } from '../envs/rng.ts';

/** Plain JSON describing what the memory is doing (declared again here to keep rollout/ free of memory/). */
export type Readout = { [name: string]: number | number[] | number[][] };

/** Per-step control inputs derived from env infos: [B] 0/1 each. */
export interface ActControl {
  /** 1 where episodic memory may be written at this step (env `info.encodeHint`; default 1). */
  readonly write: Uint8Array;
  /** 1 where persistent memory is cleared before this step (env `info.epochStart`; default 0). */
  readonly flush: Uint8Array;
}

export interface ActOptions {
  /** Take the most probable action instead of sampling. */
  readonly greedy?: boolean;
  /** Return the memory readout of this batch element (for the viewer). */
  readonly inspect?: number;
}

export interface ActResult<S> {
  readonly actions: Int32Array;     // [B]
  readonly values: Float32Array;    // [B]
  readonly probs: Float32Array;     // [B, A]
  readonly state: S;
  readonly readout?: Readout;
}

export interface Policy<S> {
  readonly numActions: number;
  initialState(numEnvs: number): S;
  /** resetWhere(state, resets, flush), one core step on obs, then sample actions with `rng`. */
  act(obs: Float32Array, state: S, resets: Uint8Array, control: ActControl, rng: Rng, opts?: ActOptions): ActResult<S>;
  /** V(obs) after the same reset and step as `act`, without keeping the new state. */
  value(obs: Float32Array, state: S, resets: Uint8Array, control: ActControl): Float32Array;
  disposeState(state: S): void;
}
