/**
 * The unroll wire format: one IMPALA-style unroll (Espeholt et al. 2018, "IMPALA", arXiv:1802.01561)
 * from a remote actor to the learner, as one binary message (a NATS JetStream payload, 1 MiB at most
 * by default: `splitUnroll` cuts a bigger one by groups of envs).
 *
 * Layout (little-endian):
 *   bytes 0-3   magic 'ENGU'
 *   bytes 4-5   uint16 format version (WIRE_VERSION)
 *   bytes 6-7   uint16 flags, 0 (reserved)
 *   bytes 8-11  uint32 H, the header's byte length, a multiple of 4
 *   bytes 12..  the header: UTF-8 JSON `{ meta, arrays }`, padded with spaces to H bytes
 *   then        the data section: each array's raw bytes at 12 + H + offset, in header order, each
 *               starting 4-byte aligned (zero padding in between); the message ends after the last
 * `arrays` lists `{ name, dtype (float32 | int32 | uint8), shape, offset, length }` (offset from the
 * start of the data section, length in bytes). State leaves are named `state/<path>` ('state/dnd.keys').
 *
 * The final observation of a truncated step (time limit) is shipped as `truncatedObs` [K, D]: one row
 * per truncated[t, b] = 1, in (t, b) row-major order, K = Σ truncated. The learner needs V(final obs)
 * under the post-step state without resets (rollout/runner.ts `bootstrapTruncated`) and only it has
 * the value head; the rows are implied by the flags, so no index is sent.
 *
 * `decodeUnroll` trusts nothing: every failure is a `WireError` naming what is wrong.
 */

import type { NamedState, StateArray } from '../envs/state-array.ts';

export type { NamedState, StateArray };

export const WIRE_MAGIC = 'ENGU';
export const WIRE_VERSION = 1;
/** NATS's default max_payload (1 MiB). */
export const NATS_MAX_PAYLOAD = 1024 * 1024;
/** The fixed prefix: magic, version, flags, header length. */
const PREFIX_BYTES = 12;
const MAX_ID_LENGTH = 256;
const MAX_STATE_RANK = 8;
const MAX_DIM = 0x7fffffff;
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** A malformed or inconsistent unroll (on encode, decode, split or join). */
export class WireError extends Error {
  override readonly name = 'WireError';
}

export interface UnrollMeta {
  readonly runId: string;
  readonly actorId: string;
  /** The actor's unroll counter; the parts of a split unroll share it. */
  readonly seq: number;
  /** The learner's weights version the actor acted with (for V-trace's off-policy distance). */
  readonly weightsVersion: number;
  readonly envId: string;
  readonly coreId: string;
  readonly numSteps: number;     // T
  readonly numEnvs: number;      // B of this message
  readonly obsSize: number;      // D
  readonly numActions: number;
  /** This message holds the actor's envs [envOffset, envOffset + numEnvs) of totalEnvs. */
  readonly envOffset: number;
  readonly totalEnvs: number;
}

/** Time-major like `Trajectory` (rollout/trajectory.ts), without the learner's values. */
export interface Unroll {
  readonly meta: UnrollMeta;
  readonly obs: Float32Array;          // [T, B, D]
  readonly actions: Int32Array;        // [T, B] in [0, numActions)
  readonly rewards: Float32Array;      // [T, B]
  readonly terminated: Uint8Array;     // [T, B]
  readonly truncated: Uint8Array;      // [T, B]
  /** [T, B] log μ(actions[t] | history) of the behaviour policy, <= 0. */
  readonly logProbs: Float32Array;
  readonly resets: Uint8Array;         // [T, B] 1: obs[t] opens an episode
  readonly write: Uint8Array;          // [T, B] control inputs seen by act
  readonly flush: Uint8Array;          // [T, B]
  /** [B, D] obs[T], the observation after the last step, with its resets and control (for V(obs[T])). */
  readonly finalObs: Float32Array;
  readonly finalResets: Uint8Array;    // [B]
  readonly finalWrite: Uint8Array;     // [B]
  readonly finalFlush: Uint8Array;     // [B]
  /** [K, D] the final observation of each truncated step, in (t, b) order; K = Σ truncated. */
  readonly truncatedObs: Float32Array;
  /** The core's state before step 0 (before its resets), every leaf [B, ...]. */
  readonly initialState: NamedState;
}

type Dtype = 'float32' | 'int32' | 'uint8';
type Check = 'finite' | 'logProb' | 'action' | 'flag';
type FixedName = Exclude<keyof Unroll, 'meta' | 'initialState'>;
/** The fixed arrays in wire order: dtype, shape from (T, B, D, K), value rule. */
const FIXED: readonly { name: FixedName; dtype: Dtype; shape: (T: number, B: number, D: number, K: number) => number[]; check: Check }[] = [
  { name: 'obs', dtype: 'float32', shape: (T, B, D) => [T, B, D], check: 'finite' },
  { name: 'actions', dtype: 'int32', shape: (T, B) => [T, B], check: 'action' },
  { name: 'rewards', dtype: 'float32', shape: (T, B) => [T, B], check: 'finite' },
  { name: 'terminated', dtype: 'uint8', shape: (T, B) => [T, B], check: 'flag' },
  { name: 'truncated', dtype: 'uint8', shape: (T, B) => [T, B], check: 'flag' },
  { name: 'logProbs', dtype: 'float32', shape: (T, B) => [T, B], check: 'logProb' },
  { name: 'resets', dtype: 'uint8', shape: (T, B) => [T, B], check: 'flag' },
  { name: 'write', dtype: 'uint8', shape: (T, B) => [T, B], check: 'flag' },
  { name: 'flush', dtype: 'uint8', shape: (T, B) => [T, B], check: 'flag' },
  { name: 'finalObs', dtype: 'float32', shape: (_T, B, D) => [B, D], check: 'finite' },
  { name: 'finalResets', dtype: 'uint8', shape: (_T, B) => [B], check: 'flag' },
  { name: 'finalWrite', dtype: 'uint8', shape: (_T, B) => [B], check: 'flag' },
  { name: 'finalFlush', dtype: 'uint8', shape: (_T, B) => [B], check: 'flag' },
  { name: 'truncatedObs', dtype: 'float32', shape: (_T, _B, D, K) => [K, D], check: 'finite' },
];
const KIND = { float32: Float32Array, int32: Int32Array, uint8: Uint8Array } as const;
type Typed = Float32Array | Int32Array | Uint8Array;
const META_KEYS = ['runId', 'actorId', 'seq', 'weightsVersion', 'envId', 'coreId', 'numSteps', 'numEnvs', 'obsSize', 'numActions', 'envOffset', 'totalEnvs'] as const;
const STRING_KEYS = new Set(['runId', 'actorId', 'envId', 'coreId']);
const ENTRY_KEYS = ['name', 'dtype', 'shape', 'offset', 'length'];

/** One array of a message, as the header lists it. */
interface Entry { name: string; dtype: Dtype; shape: number[]; offset: number; length: number }

// ---------------------------------------------------------------------------------------------
// Encode and decode.

/** The message for `u` (validated first: a bad unroll throws a WireError and is never shipped). */
export function encodeUnroll(u: Unroll): Uint8Array {
  checkUnroll('encodeUnroll', u);
  const arrays = wireArrays(u);
  const { header, entries, total } = layout(u.meta, arrays.map(([name, dtype, shape]) => ({ name, dtype, shape })));
  const out = new Uint8Array(total);
  writePrefix(out, header.length);
  out.set(header, PREFIX_BYTES);
  const dataStart = PREFIX_BYTES + header.length;
  arrays.forEach(([, , , data], i) => out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dataStart + (entries[i] as Entry).offset));
  return out;
}

/** The encoded size of `u` in bytes, without encoding it. */
export function encodedSize(u: Unroll): number {
  return layout(u.meta, wireArrays(u).map(([name, dtype, shape]) => ({ name, dtype, shape }))).total;
}

/** Parses and validates a message; the unroll's arrays are fresh copies. Throws only WireError. */
export function decodeUnroll(bytes: Uint8Array): Unroll {
  try {
    return decode(bytes);
  } catch (e) {
    if (e instanceof WireError) throw e;
    // A guard: the checks below should leave nothing else to throw.
    throw new WireError(`decodeUnroll: malformed message (${e instanceof Error ? e.message : String(e)})`);
  }
}

function decode(bytes: Uint8Array): Unroll {
  const W = 'decodeUnroll';
  if (!(bytes instanceof Uint8Array)) throw new WireError(`${W}: bytes must be a Uint8Array, got ${describe(bytes)}`);
  checkLittleEndian(W);
  if (bytes.length < PREFIX_BYTES) throw new WireError(`${W}: message must be at least ${PREFIX_BYTES} bytes, got ${bytes.length} (truncated?)`);
  const magic = String.fromCharCode(bytes[0] as number, bytes[1] as number, bytes[2] as number, bytes[3] as number);
  if (magic !== WIRE_MAGIC) throw new WireError(`${W}: magic must be ${JSON.stringify(WIRE_MAGIC)}, got ${JSON.stringify(magic)} (not an Engram unroll)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== WIRE_VERSION) throw new WireError(`${W}: version must be ${WIRE_VERSION}, got ${version}`);
  const flags = view.getUint16(6, true);
  if (flags !== 0) throw new WireError(`${W}: flags must be 0, got ${flags}`);
  const headerLength = view.getUint32(8, true);
  if (headerLength % 4 !== 0) throw new WireError(`${W}: header length must be a multiple of 4, got ${headerLength}`);
  if (headerLength > bytes.length - PREFIX_BYTES) {
    throw new WireError(`${W}: header length ${headerLength} must fit in the ${bytes.length - PREFIX_BYTES} bytes after the prefix (truncated?)`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength));
  } catch {
    throw new WireError(`${W}: header must be UTF-8`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new WireError(`${W}: header must be JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isRecord(header)) throw new WireError(`${W}: header must be a JSON object, got ${describe(header)}`);
  checkKeys(W, 'header', header, ['meta', 'arrays']);
  const meta = readMeta(W, header.meta);
  const entries = readEntries(W, header.arrays);
  const dataStart = PREFIX_BYTES + headerLength;
  const dataLength = bytes.length - dataStart;
  // Canonical packing: each array where the previous one ends, rounded up to 4; zero padding; no gaps or tail.
  let end = 0;
  for (const e of entries) {
    const at = align4(end);
    if (e.offset !== at) throw new WireError(`${W}: array ${e.name} must start at data offset ${at}, got ${e.offset}`);
    if (e.offset + e.length > dataLength) {
      throw new WireError(`${W}: array ${e.name} (bytes ${e.offset}..${e.offset + e.length}) must fit in the ${dataLength}-byte data section (truncated?)`);
    }
    for (let i = end; i < at; i++) if (bytes[dataStart + i] !== 0) throw new WireError(`${W}: padding before array ${e.name} must be zero`);
    end = e.offset + e.length;
  }
  const padded = align4(end);
  if (dataLength !== padded) {
    throw new WireError(dataLength > padded ? `${W}: ${dataLength - padded} trailing bytes after the last array`
      : `${W}: data section must be ${padded} bytes, got ${dataLength} (truncated?)`);
  }
  for (let i = end; i < padded; i++) if (bytes[dataStart + i] !== 0) throw new WireError(`${W}: padding after the last array must be zero`);

  const byName = new Map<string, Typed>();
  const shapes = new Map<string, number[]>();
  const state: StateArray[] = [];
  for (const e of entries) {
    // Uint8Array.prototype.slice even for a Node Buffer, whose own slice() is a view into a shared pool.
    const copy = Uint8Array.prototype.slice.call(bytes, dataStart + e.offset, dataStart + e.offset + e.length);   // own, aligned buffer
    const data = new KIND[e.dtype](copy.buffer, 0, e.length / KIND[e.dtype].BYTES_PER_ELEMENT);
    if (e.name.startsWith('state/')) {
      if (e.dtype === 'uint8') throw new WireError(`${W}: array ${e.name} must be float32 or int32, got uint8`);
      state.push({ path: e.name.slice('state/'.length), dtype: e.dtype, shape: e.shape, data: data as Float32Array | Int32Array });
    } else {
      const fixed = FIXED.find((f) => f.name === e.name);
      if (!fixed) throw new WireError(`${W}: unknown array ${e.name}; expected ${FIXED.map((f) => f.name).join(', ')} and state/<path> leaves`);
      if (e.dtype !== fixed.dtype) throw new WireError(`${W}: array ${e.name} must be ${fixed.dtype}, got ${e.dtype}`);
      byName.set(e.name, data);
      shapes.set(e.name, e.shape);
    }
  }
  for (const f of FIXED) if (!byName.has(f.name)) throw new WireError(`${W}: missing array ${f.name}`);
  const K = countOnes(byName.get('truncated') as Uint8Array);
  const { numSteps: T, numEnvs: B, obsSize: D } = meta;
  for (const f of FIXED) {
    const want = f.shape(T, B, D, K), got = shapes.get(f.name) as number[];
    if (!sameShape(got, want)) throw new WireError(`${W}: array ${f.name} must be [${want.join(', ')}] (T=${T}, B=${B}, D=${D}, K=${K}), got [${got.join(', ')}]`);
  }
  const u = { meta, ...Object.fromEntries(byName), initialState: state } as unknown as Unroll;
  checkUnroll(W, u);
  return u;
}

// ---------------------------------------------------------------------------------------------
// Split and join.

/**
 * Cuts `u` into contiguous groups of envs whose messages each fit `maxBytes` (as few parts as the
 * greedy cut needs, then as even as still fits). Every part keeps T and the metadata, with its own
 * numEnvs and envOffset; the state rows go with their envs (every leaf is [B, ...]). An unroll that
 * fits already comes back as [u] itself. Throws a WireError when a single env does not fit.
 */
export function splitUnroll(u: Unroll, maxBytes: number): Unroll[] {
  const W = 'splitUnroll';
  if (!Number.isInteger(maxBytes) || maxBytes < PREFIX_BYTES) throw new WireError(`${W}: maxBytes must be an integer >= ${PREFIX_BYTES}, got ${maxBytes}`);
  checkUnroll(W, u);
  const B = u.meta.numEnvs;
  const size = (b0: number, b1: number) => partSize(u, b0, b1);
  if (size(0, B) <= maxBytes) return [u];
  // Greedy: the largest group from each start (size grows with the group, so binary search).
  const cuts: number[] = [0];
  for (let b0 = 0; b0 < B;) {
    const one = size(b0, b0 + 1);
    if (one > maxBytes) {
      throw new WireError(`${W}: env ${u.meta.envOffset + b0} alone encodes to ${one} bytes, more than maxBytes ${maxBytes}; ship fewer steps or a smaller memory state`);
    }
    let lo = b0 + 1, hi = B;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (size(b0, mid) <= maxBytes) lo = mid;
      else hi = mid - 1;
    }
    cuts.push(b0 = lo);
  }
  const n = cuts.length - 1;
  const even = Array.from({ length: n + 1 }, (_, i) => Math.round((i * B) / n));
  const ranges = even.slice(1).every((b1, i) => size(even[i] as number, b1) <= maxBytes) ? even : cuts;
  return ranges.slice(1).map((b1, i) => sliceUnroll(u, ranges[i] as number, b1));
}

/** Envs [b0, b1) of `u` (indices within this message) as an unroll of their own. */
export function sliceUnroll(u: Unroll, b0: number, b1: number): Unroll {
  const { numSteps: T, numEnvs: B, obsSize: D } = u.meta;
  if (!Number.isInteger(b0) || !Number.isInteger(b1) || b0 < 0 || b1 > B || b0 >= b1) {
    throw new WireError(`sliceUnroll: envs must be integers with 0 <= b0 < b1 <= ${B}, got [${b0}, ${b1})`);
  }
  const tb = <A extends Typed>(a: A, X = 1): A => sliceAxis1(a, T, B, X, b0, b1);
  const rows = <A extends Typed>(a: A, X: number): A => a.slice(b0 * X, b1 * X) as A;
  const truncatedObs = new Float32Array(countRange(u.truncated, T, B, b0, b1) * D);
  let k = 0, j = 0;
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      if (!u.truncated[t * B + b]) continue;
      if (b >= b0 && b < b1) truncatedObs.set(u.truncatedObs.subarray(j * D, (j + 1) * D), (k++) * D);
      j++;
    }
  }
  return {
    meta: { ...u.meta, numEnvs: b1 - b0, envOffset: u.meta.envOffset + b0 },
    obs: tb(u.obs, D), actions: tb(u.actions), rewards: tb(u.rewards), terminated: tb(u.terminated), truncated: tb(u.truncated),
    logProbs: tb(u.logProbs), resets: tb(u.resets), write: tb(u.write), flush: tb(u.flush),
    finalObs: rows(u.finalObs, D), finalResets: rows(u.finalResets, 1), finalWrite: rows(u.finalWrite, 1), finalFlush: rows(u.finalFlush, 1),
    truncatedObs,
    initialState: u.initialState.map((a) => {
      const X = rowSize(a.shape);
      return { path: a.path, dtype: a.dtype, shape: [b1 - b0, ...a.shape.slice(1)], data: a.data.slice(b0 * X, b1 * X) };
    }),
  };
}

/** The inverse of `splitUnroll`: parts of one unroll with contiguous env ranges, in order. */
export function joinUnrolls(parts: readonly Unroll[]): Unroll {
  const W = 'joinUnrolls';
  const first = parts[0];
  if (!first) throw new WireError(`${W}: parts must not be empty`);
  parts.forEach((p) => checkUnroll(W, p));
  for (const [i, p] of parts.entries()) {
    for (const k of META_KEYS) {
      if (k === 'numEnvs' || k === 'envOffset') continue;
      if (p.meta[k] !== first.meta[k]) throw new WireError(`${W}: part ${i} meta.${k} must be ${JSON.stringify(first.meta[k])} like part 0, got ${JSON.stringify(p.meta[k])}`);
    }
    const prev = parts[i - 1];
    if (prev && p.meta.envOffset !== prev.meta.envOffset + prev.meta.numEnvs) {
      throw new WireError(`${W}: part ${i} must start at env ${prev.meta.envOffset + prev.meta.numEnvs}, got envOffset ${p.meta.envOffset}`);
    }
    if (p.initialState.length !== first.initialState.length) throw new WireError(`${W}: part ${i} must have ${first.initialState.length} state leaves, got ${p.initialState.length}`);
    p.initialState.forEach((a, j) => {
      const a0 = first.initialState[j] as StateArray;
      if (a.path !== a0.path || a.dtype !== a0.dtype || !sameShape(a.shape.slice(1), a0.shape.slice(1))) {
        throw new WireError(`${W}: part ${i} state leaf ${j} must be ${a0.path} ${a0.dtype} [B, ${a0.shape.slice(1).join(', ')}], got ${a.path} ${a.dtype} [${a.shape.join(', ')}]`);
      }
    });
  }
  const { numSteps: T, obsSize: D } = first.meta;
  const Bs = parts.map((p) => p.meta.numEnvs);
  const B = Bs.reduce((s, b) => s + b, 0);
  const tb = <A extends Typed>(get: (p: Unroll) => A, X = 1): A => concatAxis1(parts.map(get), T, Bs, X);
  const cat = <A extends Typed>(arrays: A[]): A => {
    const out = new ((arrays[0] as A).constructor as new (n: number) => A)(arrays.reduce((s, a) => s + a.length, 0));
    let at = 0;
    for (const a of arrays) { out.set(a as never, at); at += a.length; }
    return out;
  };
  // truncatedObs: within each t, the parts' rows in env order.
  const truncatedObs = new Float32Array(parts.reduce((s, p) => s + p.truncatedObs.length, 0));
  const cursor = parts.map(() => 0);
  let k = 0;
  for (let t = 0; t < T; t++) {
    parts.forEach((p, i) => {
      const n = countRange(p.truncated.subarray(t * p.meta.numEnvs, (t + 1) * p.meta.numEnvs), 1, p.meta.numEnvs, 0, p.meta.numEnvs);
      const c = cursor[i] as number;
      truncatedObs.set(p.truncatedObs.subarray(c * D, (c + n) * D), k * D);
      cursor[i] = c + n; k += n;
    });
  }
  return {
    meta: { ...first.meta, numEnvs: B },
    obs: tb((p) => p.obs, D), actions: tb((p) => p.actions), rewards: tb((p) => p.rewards), terminated: tb((p) => p.terminated),
    truncated: tb((p) => p.truncated), logProbs: tb((p) => p.logProbs), resets: tb((p) => p.resets), write: tb((p) => p.write), flush: tb((p) => p.flush),
    finalObs: cat(parts.map((p) => p.finalObs)), finalResets: cat(parts.map((p) => p.finalResets)),
    finalWrite: cat(parts.map((p) => p.finalWrite)), finalFlush: cat(parts.map((p) => p.finalFlush)),
    truncatedObs,
    initialState: first.initialState.map((a0, j) => ({
      path: a0.path, dtype: a0.dtype, shape: [B, ...a0.shape.slice(1)], data: cat(parts.map((p) => (p.initialState[j] as StateArray).data)),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Validation.

/** Throws a WireError unless `u` is a consistent unroll: meta, every array's type, size and values, the state leaves. */
export function checkUnroll(where: string, u: Unroll): void {
  if (!isRecord(u)) throw new WireError(`${where}: unroll must be an object, got ${describe(u)}`);
  const meta = readMeta(where, u.meta);
  const { numSteps: T, numEnvs: B, obsSize: D, numActions: A } = meta;
  const truncated = u.truncated;
  if (!(truncated instanceof Uint8Array)) throw new WireError(`${where}: truncated must be a Uint8Array, got ${describe(truncated)}`);
  const K = countOnes(truncated);
  for (const f of FIXED) {
    const a = (u as unknown as Record<string, unknown>)[f.name];
    const kind = KIND[f.dtype];
    if (!(a instanceof kind)) throw new WireError(`${where}: ${f.name} must be ${article(kind.name)}, got ${describe(a)}`);
    const shape = f.shape(T, B, D, K);
    const n = shape.reduce((p, x) => p * x, 1);
    if (a.length !== n) {
      throw new WireError(`${where}: ${f.name} must hold ${n} values ([${shape.join(', ')}]${f.name === 'truncatedObs' ? `, K = Σ truncated = ${K}` : ''}), got ${a.length}`);
    }
    checkValues(where, f.name, a, shape, f.check, A);
  }
  const state = u.initialState;
  if (!Array.isArray(state)) throw new WireError(`${where}: initialState must be an array of {path, dtype, shape, data}, got ${describe(state)}`);
  const seen = new Set<string>();
  for (const [i, a] of (state as unknown[]).entries()) {
    if (!isRecord(a)) throw new WireError(`${where}: initialState[${i}] must be {path, dtype, shape, data}, got ${describe(a)}`);
    const path = a.path;
    if (typeof path !== 'string' || !PATH.test(path)) throw new WireError(`${where}: initialState[${i}].path must be a dotted name like dnd.keys, got ${JSON.stringify(path)}`);
    if (seen.has(path)) throw new WireError(`${where}: state leaf ${path} appears twice`);
    seen.add(path);
    if (a.dtype !== 'float32' && a.dtype !== 'int32') throw new WireError(`${where}: state leaf ${path} dtype must be float32 or int32, got ${JSON.stringify(a.dtype)}`);
    const shape = a.shape;
    if (!Array.isArray(shape) || shape.length < 1 || shape.length > MAX_STATE_RANK || !shape.every((x) => isInt(x, 0, MAX_DIM))) {
      throw new WireError(`${where}: state leaf ${path} shape must be 1 to ${MAX_STATE_RANK} integers >= 0, got ${JSON.stringify(shape)}`);
    }
    if (shape[0] !== B) throw new WireError(`${where}: state leaf ${path} must have the batch axis first, [${B}, ...], got [${shape.join(', ')}]`);
    const kind = KIND[a.dtype];
    if (!(a.data instanceof kind)) throw new WireError(`${where}: state leaf ${path} data must be ${article(kind.name)}, got ${describe(a.data)}`);
    const n = (shape as number[]).reduce((p, x) => p * x, 1);
    if (a.data.length !== n) throw new WireError(`${where}: state leaf ${path} must hold ${n} values ([${shape.join(', ')}]), got ${a.data.length}`);
    if (a.dtype === 'float32') checkValues(where, `state leaf ${path}`, a.data, shape as number[], 'finite', A);
  }
}

function readMeta(where: string, m: unknown): UnrollMeta {
  if (!isRecord(m)) throw new WireError(`${where}: meta must be an object, got ${describe(m)}`);
  checkKeys(where, 'meta', m, META_KEYS);
  for (const k of META_KEYS) {
    const v = m[k];
    if (STRING_KEYS.has(k)) {
      if (typeof v !== 'string' || v.length < 1 || v.length > MAX_ID_LENGTH) {
        throw new WireError(`${where}: meta.${k} must be a string of 1 to ${MAX_ID_LENGTH} characters, got ${short(v)}`);
      }
    } else {
      const min = k === 'seq' || k === 'weightsVersion' || k === 'envOffset' ? 0 : 1;
      const max = k === 'seq' || k === 'weightsVersion' ? Number.MAX_SAFE_INTEGER : MAX_DIM;
      if (!isInt(v, min, max)) throw new WireError(`${where}: meta.${k} must be an integer from ${min} to ${max}, got ${short(v)}`);
    }
  }
  const meta = m as unknown as UnrollMeta;
  if (meta.envOffset + meta.numEnvs > meta.totalEnvs) {
    throw new WireError(`${where}: envs [envOffset, envOffset + numEnvs) must lie within totalEnvs ${meta.totalEnvs}, got [${meta.envOffset}, ${meta.envOffset + meta.numEnvs})`);
  }
  return Object.fromEntries(META_KEYS.map((k) => [k, meta[k]])) as unknown as UnrollMeta;
}

function readEntries(where: string, arrays: unknown): Entry[] {
  if (!Array.isArray(arrays)) throw new WireError(`${where}: header.arrays must be a list, got ${describe(arrays)}`);
  const seen = new Set<string>();
  return (arrays as unknown[]).map((e, i) => {
    if (!isRecord(e)) throw new WireError(`${where}: header.arrays[${i}] must be an object, got ${describe(e)}`);
    checkKeys(where, `header.arrays[${i}]`, e, ENTRY_KEYS);
    const { name, dtype, shape, offset, length } = e;
    if (typeof name !== 'string' || !(FIXED.some((f) => f.name === name) || (name.startsWith('state/') && PATH.test(name.slice(6))))) {
      throw new WireError(`${where}: header.arrays[${i}].name must be one of ${FIXED.map((f) => f.name).join(', ')} or state/<path>, got ${short(name)}`);
    }
    if (seen.has(name)) throw new WireError(`${where}: array ${name} appears twice`);
    seen.add(name);
    if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'uint8') throw new WireError(`${where}: array ${name} dtype must be float32, int32 or uint8, got ${short(dtype)}`);
    if (!Array.isArray(shape) || shape.length > MAX_STATE_RANK || !shape.every((x) => isInt(x, 0, MAX_DIM))) {
      throw new WireError(`${where}: array ${name} shape must be at most ${MAX_STATE_RANK} integers >= 0, got ${short(shape)}`);
    }
    if (!isInt(offset, 0, MAX_DIM)) throw new WireError(`${where}: array ${name} offset must be an integer >= 0, got ${short(offset)}`);
    const want = (shape as number[]).reduce((p, x) => p * x, 1) * KIND[dtype].BYTES_PER_ELEMENT;
    if (length !== want) throw new WireError(`${where}: array ${name} length must be ${want} bytes for ${dtype} [${(shape as number[]).join(', ')}], got ${short(length)}`);
    return { name, dtype, shape: shape as number[], offset, length: want };
  });
}

function checkValues(where: string, name: string, a: Typed, shape: readonly number[], check: Check, numActions: number): void {
  const at = (i: number) => `${where}: ${name}[${unflatten(i, shape).join(', ')}]`;
  if (check === 'finite' || check === 'logProb') {
    for (let i = 0; i < a.length; i++) {
      const v = a[i] as number;
      if (!(v - v === 0)) throw new WireError(`${at(i)} must be finite, got ${v}`);
      if (check === 'logProb' && v > 0) throw new WireError(`${at(i)} must be a log-probability (<= 0), got ${v}`);
    }
  } else if (check === 'action') {
    for (let i = 0; i < a.length; i++) {
      const v = a[i] as number;
      if (v < 0 || v >= numActions) throw new WireError(`${at(i)} must be an action in [0, ${numActions}), got ${v}`);
    }
  } else {
    for (let i = 0; i < a.length; i++) if ((a[i] as number) > 1) throw new WireError(`${at(i)} must be 0 or 1, got ${a[i]}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Layout.

/** [name, dtype, shape, data] of every array of `u`, in wire order. */
function wireArrays(u: Unroll): [string, Dtype, number[], Typed][] {
  const { numSteps: T, numEnvs: B, obsSize: D } = u.meta;
  const K = countOnes(u.truncated);
  return [
    ...FIXED.map((f): [string, Dtype, number[], Typed] => [f.name, f.dtype, f.shape(T, B, D, K), u[f.name]]),
    ...u.initialState.map((a): [string, Dtype, number[], Typed] => [`state/${a.path}`, a.dtype, [...a.shape], a.data]),
  ];
}

/** The encoded size of envs [b0, b1) of `u`, from shapes alone. */
function partSize(u: Unroll, b0: number, b1: number): number {
  const { numSteps: T, numEnvs: B, obsSize: D } = u.meta;
  const n = b1 - b0, K = countRange(u.truncated, T, B, b0, b1);
  const arrays = [
    ...FIXED.map((f) => ({ name: f.name, dtype: f.dtype, shape: f.shape(T, n, D, K) })),
    ...u.initialState.map((a) => ({ name: `state/${a.path}`, dtype: a.dtype as Dtype, shape: [n, ...a.shape.slice(1)] })),
  ];
  return layout({ ...u.meta, numEnvs: n, envOffset: u.meta.envOffset + b0 }, arrays).total;
}

function layout(meta: UnrollMeta, arrays: { name: string; dtype: Dtype; shape: number[] }[]): { header: Uint8Array; entries: Entry[]; total: number } {
  let end = 0;
  const entries = arrays.map(({ name, dtype, shape }) => {
    const offset = align4(end);
    const length = shape.reduce((p, x) => p * x, 1) * KIND[dtype].BYTES_PER_ELEMENT;
    end = offset + length;
    return { name, dtype, shape, offset, length };
  });
  const json = new TextEncoder().encode(JSON.stringify({ meta: Object.fromEntries(META_KEYS.map((k) => [k, meta[k]])), arrays: entries }));
  const header = new Uint8Array(align4(json.length)).fill(0x20);   // spaces: still JSON
  header.set(json);
  return { header, entries, total: PREFIX_BYTES + header.length + align4(end) };
}

function writePrefix(out: Uint8Array, headerLength: number): void {
  checkLittleEndian('encodeUnroll');
  for (let i = 0; i < 4; i++) out[i] = WIRE_MAGIC.charCodeAt(i);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint16(4, WIRE_VERSION, true);
  view.setUint16(6, 0, true);
  view.setUint32(8, headerLength, true);
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

/** [T, B, X] -> [T, b1 - b0, X]. */
function sliceAxis1<A extends Typed>(a: A, T: number, B: number, X: number, b0: number, b1: number): A {
  const n = b1 - b0;
  const out = new (a.constructor as new (n: number) => A)(T * n * X);
  for (let t = 0; t < T; t++) out.set(a.subarray((t * B + b0) * X, (t * B + b1) * X) as never, t * n * X);
  return out;
}

/** [T, B_i, X] for each part -> [T, Σ B_i, X]. */
function concatAxis1<A extends Typed>(parts: A[], T: number, Bs: number[], X: number): A {
  const B = Bs.reduce((s, b) => s + b, 0);
  const out = new ((parts[0] as A).constructor as new (n: number) => A)(T * B * X);
  for (let t = 0; t < T; t++) {
    let at = t * B * X;
    parts.forEach((p, i) => {
      const n = (Bs[i] as number) * X;
      out.set(p.subarray(t * n, (t + 1) * n) as never, at);
      at += n;
    });
  }
  return out;
}

/** Σ a[t, b] over t < T and b0 <= b < b1 of a [T, B] array. */
function countRange(a: Uint8Array, T: number, B: number, b0: number, b1: number): number {
  let n = 0;
  for (let t = 0; t < T; t++) for (let b = b0; b < b1; b++) n += a[t * B + b] ? 1 : 0;
  return n;
}

function countOnes(a: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) n += a[i] ? 1 : 0;
  return n;
}

function rowSize(shape: readonly number[]): number {
  return shape.slice(1).reduce((p, x) => p * x, 1);
}

function unflatten(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d] as number;
    idx[d] = i % n;
    i = Math.floor(i / n);
  }
  return idx;
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function isInt(x: unknown, min: number, max: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function checkKeys(where: string, what: string, o: Record<string, unknown>, keys: readonly string[]): void {
  for (const k of keys) if (!Object.hasOwn(o, k)) throw new WireError(`${where}: ${what}.${k} is missing`);
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new WireError(`${where}: ${what} has an unknown field ${short(k)}; expected ${keys.join(', ')}`);
}

function checkLittleEndian(where: string): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new WireError(`${where}: the wire format needs a little-endian platform`);
}

function article(name: string): string {
  return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'an object';
  return typeof x;
}

/** A value for an error message, cut to 60 characters. */
function short(x: unknown): string {
  let s: string;
  try {
    s = typeof x === 'number' ? String(x) : JSON.stringify(x) ?? String(x);
  } catch {
    s = describe(x);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
