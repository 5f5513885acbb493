/**
 * A memory-state leaf as plain data: what memory/state-arrays.ts turns a core's state into and
 * rollout/wire.ts ships from an actor to the learner. It lives in envs/, the leaf module both may
 * import (docs/style.md §2.2: no import edge between memory/ and rollout/).
 */

/** One state leaf: `path` as mapState names it ('dnd.keys'), shape with the batch axis first. */
export interface StateArray {
  readonly path: string;
  readonly dtype: 'float32' | 'int32';
  readonly shape: readonly number[];
  /** Row-major values; a Float32Array for float32, an Int32Array for int32 (the DND's write count). */
  readonly data: Float32Array | Int32Array;
}

/** Every leaf of a state, depth first in sorted key order (the order of `stateLeaves`). */
export type NamedState = readonly StateArray[];
