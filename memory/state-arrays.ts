/**
 * A core state as plain named arrays and back, for shipping it off the process (rollout/wire.ts
 * carries the start state of an unroll from an actor to the learner).
 *
 * Every leaf of a state is [B, ...spec.shape]: `zeroState` prepends the batch axis to the spec's
 * shape and the conformance suite (test/conformance/memory-cores.test.ts) checks every core keeps
 * it, so row b of every leaf is env b's memory and batch rows can be sliced per leaf.
 *
 * `StateArray` itself is declared in envs/state-array.ts, which rollout/wire.ts shares.
 */
import { ConfigError } from '../envs/errors.ts';
import type { NamedState, StateArray } from '../envs/state-array.ts';
import { isLeafSpec, type CoreState, type LeafSpec, type SpecTree } from './core.ts';
import { tf } from './tf.ts';

export interface StateToArraysOptions {
  /** false leaves out the spec's 'diagnostic' leaves (they are 0 after a reset and only the viewer reads them). Needs a spec. */
  readonly diagnostics?: boolean;
}

/**
 * Reads every leaf back once (copies: the arrays never alias a tensor). With `spec`, each leaf must
 * be one of its leaves with its dtype and shape [B, ...spec.shape].
 */
export function stateToArrays(state: CoreState, spec?: SpecTree, options: StateToArraysOptions = {}): StateArray[] {
  const keepDiagnostics = options.diagnostics ?? true;
  if (!keepDiagnostics && !spec) throw new ConfigError('stateToArrays: diagnostics: false needs the core\'s stateSpec() to know which leaves are diagnostic');
  const leafSpecs = spec ? specLeaves(spec) : undefined;
  const out: StateArray[] = [];
  let batch: number | undefined;
  for (const [path, t] of tensorLeaves(state)) {
    if (t.rank < 1) throw new RangeError(`stateToArrays: leaf ${path} must have a batch axis, got a scalar`);
    if (batch === undefined) batch = t.shape[0] as number;
    else if (t.shape[0] !== batch) throw new RangeError(`stateToArrays: leaf ${path} must have batch size ${batch} (first axis), got shape [${t.shape}]`);
    if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new ConfigError(`stateToArrays: leaf ${path} must be float32 or int32, got ${t.dtype}`);
    if (leafSpecs) {
      const ls = leafSpecs.get(path);
      if (!ls) throw new ConfigError(`stateToArrays: leaf ${path} is not in the core's stateSpec(); expected one of: ${[...leafSpecs.keys()].join(', ')}`);
      checkLeaf('stateToArrays', path, t.dtype, t.shape, ls, batch);
      if (!keepDiagnostics && ls.reset === 'diagnostic') continue;
    }
    const values = t.dataSync();
    const data = t.dtype === 'int32' ? Int32Array.from(values as Int32Array) : Float32Array.from(values as Float32Array);
    out.push({ path, dtype: t.dtype, shape: [...t.shape], data });
  }
  return out;
}

/**
 * Builds a state (owned by the caller) from named arrays, checked against `like`: the core's
 * `stateSpec()` or a template state (`core.initialState(B)`).
 * - spec: every leaf but the 'diagnostic' ones must be present (those are optional: a step run with
 *   `diagnostics: false` leaves them out), with the spec's dtype and shape [B, ...spec.shape], one B
 *   for all leaves (`batchSize` when given).
 * - template: exactly the template's leaves, each with its dtype and its whole shape.
 * Unknown or missing paths and dtype mismatches throw a ConfigError, shape mismatches a RangeError,
 * both naming the path.
 */
export function stateFromArrays(like: SpecTree | CoreState, named: NamedState, options: { batchSize?: number } = {}): CoreState {
  const expected = expectedLeaves(like);
  const byPath = new Map<string, StateArray>();
  for (const a of named) {
    if (byPath.has(a.path)) throw new ConfigError(`stateFromArrays: leaf ${a.path} appears twice`);
    if (!expected.has(a.path)) throw new ConfigError(`stateFromArrays: unknown leaf ${a.path}; expected one of: ${[...expected.keys()].join(', ')}`);
    byPath.set(a.path, a);
  }
  let batch = options.batchSize;
  for (const [path, e] of expected) {
    const a = byPath.get(path);
    if (!a) {
      if (e.optional) continue;
      throw new ConfigError(`stateFromArrays: missing leaf ${path} (${e.dtype} [${e.shape ? e.shape.join(', ') : `B, ${e.inner.join(', ')}`}])`);
    }
    if (a.dtype !== e.dtype) throw new ConfigError(`stateFromArrays: leaf ${path} must be ${e.dtype}, got ${a.dtype}`);
    const kind = a.dtype === 'int32' ? Int32Array : Float32Array;
    if (!(a.data instanceof kind)) throw new ConfigError(`stateFromArrays: leaf ${path} data must be a ${kind.name}, got ${describe(a.data)}`);
    const want = e.shape ?? [batch ?? (a.shape[0] as number), ...e.inner];
    if (a.shape.length !== want.length || a.shape.some((n, i) => n !== want[i])) {
      throw new RangeError(`stateFromArrays: leaf ${path} must be [${want.join(', ')}], got [${a.shape.join(', ')}]`);
    }
    if (batch === undefined) batch = a.shape[0] as number;
    const size = a.shape.reduce((p, n) => p * n, 1);
    if (a.data.length !== size) throw new RangeError(`stateFromArrays: leaf ${path} data must hold ${size} values for shape [${a.shape.join(', ')}], got ${a.data.length}`);
  }
  const build = (spec: SpecTree | CoreState, prefix: string): CoreState => {
    const out: Record<string, tf.Tensor | CoreState> = {};
    for (const k of Object.keys(spec).sort()) {
      const v = spec[k] as LeafSpec | SpecTree | tf.Tensor | CoreState;
      const p = prefix ? `${prefix}.${k}` : k;
      if (v instanceof tf.Tensor || isLeafSpec(v as LeafSpec | SpecTree)) {
        const a = byPath.get(p);
        if (a) out[k] = tf.tensor(a.data.slice(), [...a.shape], a.dtype);   // a copy: the tensor never aliases `named`
      } else {
        const sub = build(v as SpecTree | CoreState, p);
        if (Object.keys(sub).length) out[k] = sub;
      }
    }
    return out;
  };
  return build(like, '');
}

/**
 * Batch rows [b0, b1) of every leaf (a new state the caller owns): the memory of envs b0..b1-1,
 * e.g. to split an unroll by groups of envs.
 */
export function sliceStateBatch<S extends CoreState>(state: S, b0: number, b1: number): S {
  const leaves = tensorLeaves(state);
  const B = leaves[0]?.[1].shape[0] ?? 0;
  if (!Number.isInteger(b0) || !Number.isInteger(b1) || b0 < 0 || b1 > B || b0 >= b1) {
    throw new RangeError(`sliceStateBatch: rows must be integers with 0 <= b0 < b1 <= ${B}, got [${b0}, ${b1})`);
  }
  for (const [path, t] of leaves) {
    if (t.rank < 1 || t.shape[0] !== B) throw new RangeError(`sliceStateBatch: leaf ${path} must have batch size ${B} (first axis), got shape [${t.shape}]`);
  }
  return tf.tidy(() => mapLeaves(state, (t) => tf.slice(t, [b0], [b1 - b0]))) as S;   // [B, ...] -> [b1 - b0, ...]
}

// ---------------------------------------------------------------------------------------------

/** [path, tensor] of every leaf, depth first in sorted key order. */
function tensorLeaves(state: CoreState, prefix = '', out: [string, tf.Tensor][] = []): [string, tf.Tensor][] {
  for (const k of Object.keys(state).sort()) {
    const v = state[k] as tf.Tensor | CoreState;
    const p = prefix ? `${prefix}.${k}` : k;
    if (v instanceof tf.Tensor) out.push([p, v]);
    else tensorLeaves(v, p, out);
  }
  return out;
}

function mapLeaves(state: CoreState, fn: (t: tf.Tensor) => tf.Tensor): CoreState {
  const out: Record<string, tf.Tensor | CoreState> = {};
  for (const k of Object.keys(state)) {
    const v = state[k] as tf.Tensor | CoreState;
    out[k] = v instanceof tf.Tensor ? fn(v) : mapLeaves(v, fn);
  }
  return out;
}

function specLeaves(spec: SpecTree, prefix = '', out = new Map<string, LeafSpec>()): Map<string, LeafSpec> {
  for (const k of Object.keys(spec).sort()) {
    const v = spec[k] as LeafSpec | SpecTree;
    const p = prefix ? `${prefix}.${k}` : k;
    if (isLeafSpec(v)) out.set(p, v);
    else specLeaves(v, p, out);
  }
  return out;
}

interface Expected {
  readonly dtype: 'float32' | 'int32';
  /** The whole shape (a template leaf), or undefined: [B, ...inner] (a spec leaf). */
  readonly shape?: readonly number[];
  readonly inner: readonly number[];
  readonly optional: boolean;
}

/** The leaves `like` asks for, from a spec, a template state, or a tree mixing both. */
function expectedLeaves(like: SpecTree | CoreState, prefix = '', out = new Map<string, Expected>()): Map<string, Expected> {
  for (const k of Object.keys(like).sort()) {
    const v = like[k] as LeafSpec | SpecTree | tf.Tensor | CoreState;
    const p = prefix ? `${prefix}.${k}` : k;
    if (v instanceof tf.Tensor) {
      if (v.dtype !== 'float32' && v.dtype !== 'int32') throw new ConfigError(`stateFromArrays: template leaf ${p} must be float32 or int32, got ${v.dtype}`);
      out.set(p, { dtype: v.dtype, shape: v.shape, inner: v.shape.slice(1), optional: false });
    } else if (isLeafSpec(v as LeafSpec | SpecTree)) {
      const ls = v as LeafSpec;
      out.set(p, { dtype: ls.dtype, inner: ls.shape, optional: ls.reset === 'diagnostic' });
    } else {
      expectedLeaves(v as SpecTree | CoreState, p, out);
    }
  }
  return out;
}

function checkLeaf(where: string, path: string, dtype: string, shape: readonly number[], ls: LeafSpec, batch: number): void {
  if (dtype !== ls.dtype) throw new ConfigError(`${where}: leaf ${path} must be ${ls.dtype}, got ${dtype}`);
  const want = [batch, ...ls.shape];
  if (shape.length !== want.length || shape.some((n, i) => n !== want[i])) {
    throw new RangeError(`${where}: leaf ${path} must be [${want.join(', ')}], got [${shape.join(', ')}]`);
  }
}

function describe(x: unknown): string {
  return x === null ? 'null' : typeof x === 'object' ? (x as object).constructor?.name ?? 'object' : typeof x;
}

export type { NamedState, StateArray };
