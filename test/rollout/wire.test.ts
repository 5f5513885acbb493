import { tf } from '../fixtures/tf-cpu.ts';
/**
 * The unroll wire format (rollout/wire.ts): exact round trips with the start states of real cores
 * (lstm, rmc, dnd-lstm with its dictionary), restoring that state, split and join by groups of envs,
 * and a WireError, naming the problem, for every malformed message (random bytes included).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../envs/rng.ts';
import type { CoreState, MemoryCore } from '../../memory/core.ts';
import { makeCore } from '../../memory/registry.ts';
import { stateFromArrays, stateToArrays } from '../../memory/state-arrays.ts';
import { disposeState, mapState } from '../../memory/state.ts';
import {
  NATS_MAX_PAYLOAD, WIRE_VERSION, WireError, decodeUnroll, encodeUnroll, encodedSize, joinUnrolls, sliceUnroll, splitUnroll,
  type NamedState, type Unroll,
} from '../../rollout/wire.ts';

interface Shape { T: number; B: number; D: number; A: number; seed?: number; coreId?: string }

/** A random but consistent unroll: episodes end by termination or truncation, resets follow them. */
function makeUnroll({ T, B, D, A, seed = 1, coreId = 'lstm' }: Shape, initialState: NamedState): Unroll {
  const rng = new Rng(seed);
  const floats = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const terminated = new Uint8Array(T * B), truncated = new Uint8Array(T * B), resets = new Uint8Array(T * B);
  for (let i = 0; i < T * B; i++) {
    const r = rng.uniform();
    if (r < 0.1) terminated[i] = 1;
    else if (r < 0.25) truncated[i] = 1;
    resets[i] = i < B ? 1 : (terminated[i - B] as number) | (truncated[i - B] as number);
  }
  const K = truncated.reduce((s, x) => s + x, 0);
  return {
    meta: { runId: 'run-1', actorId: 'actor-7', seq: 42, weightsVersion: 3, envId: 'Test-v0', coreId, numSteps: T, numEnvs: B, obsSize: D, numActions: A, envOffset: 0, totalEnvs: B },
    obs: floats(T * B * D),
    actions: Int32Array.from({ length: T * B }, () => rng.int(0, A - 1)),
    rewards: floats(T * B), terminated, truncated,
    logProbs: Float32Array.from({ length: T * B }, () => -2 * rng.uniform()),
    resets, write: Uint8Array.from({ length: T * B }, () => (rng.bernoulli(0.7) ? 1 : 0)),
    flush: Uint8Array.from({ length: T * B }, () => (rng.bernoulli(0.05) ? 1 : 0)),
    finalObs: floats(B * D),
    finalResets: Uint8Array.from({ length: B }, (_, b) => (terminated[(T - 1) * B + b] as number) | (truncated[(T - 1) * B + b] as number)),
    finalWrite: new Uint8Array(B).fill(1), finalFlush: new Uint8Array(B),
    truncatedObs: floats(K * D),
    initialState,
  };
}

/** A core's state after a few steps (dnd-lstm: an episode end for env 0, so the dictionary holds an entry). */
function coreState(core: MemoryCore, B: number, D: number): CoreState {
  let s = core.initialState(B);
  for (let i = 0; i < 3; i++) {
    const x = tf.randomNormal([B, D], 0, 1, 'float32', 20 + i) as tf.Tensor2D;
    const r = core.step(x, s);
    r.output.dispose(); x.dispose(); disposeState(s);
    s = r.state;
    const resets = tf.tensor1d(Array.from({ length: B }, (_, b) => (b === 0 && i === 1 ? 1 : 0)));
    const next = core.resetWhere(s, resets);
    resets.dispose(); disposeState(s);
    s = next;
  }
  return s;
}

const CORES: Record<string, Record<string, unknown>> = {
  lstm: { hiddenSize: 4 },
  rmc: { numSlots: 2, headSize: 2, numHeads: 2 },
  'dnd-lstm': { hiddenSize: 4, capacity: 5 },
};
const leafValues = (s: CoreState) => {
  const out: Record<string, { dtype: string; shape: number[]; data: number[] }> = {};
  mapState(s, (t, _l, p) => { out[p] = { dtype: t.dtype, shape: t.shape, data: Array.from(t.dataSync()) }; return t; });
  return out;
};
const isWire = (re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof WireError, `expected a WireError, got ${String(e)}`);
  assert.match(e.message, re);
  return true;
};

/** A small unroll with an lstm state, and its message (the malformed-message tests edit it). */
const SMALL: Shape = { T: 3, B: 2, D: 2, A: 3 };
const smallState: NamedState = [
  { path: 'c', dtype: 'float32', shape: [2, 2], data: Float32Array.of(0.5, -1, 2, 0) },
  { path: 'dnd.count', dtype: 'int32', shape: [2], data: Int32Array.of(3, 9) },
  { path: 'h', dtype: 'float32', shape: [2, 2], data: Float32Array.of(0.1, 0.2, 0.3, 0.4) },
];
const small = makeUnroll({ ...SMALL, seed: 4 }, smallState);
const valid = encodeUnroll(small);

/** The message's header and the data section's start. */
function parse(bytes: Uint8Array): { header: { meta: Record<string, unknown>; arrays: { name: string; dtype: string; shape: number[]; offset: number; length: number }[] }; dataStart: number } {
  const H = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + H))), dataStart: 12 + H };
}
/** A message from a header object and data section (the header padded to 4 bytes with spaces). */
function build(header: unknown, data: Uint8Array, version = WIRE_VERSION): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const H = Math.ceil(json.length / 4) * 4;
  const out = new Uint8Array(12 + H + data.length);
  out.set([0x45, 0x4e, 0x47, 0x55]);
  const v = new DataView(out.buffer);
  v.setUint16(4, version, true);
  v.setUint32(8, H, true);
  out.fill(0x20, 12, 12 + H);
  out.set(json, 12);
  out.set(data, 12 + H);
  return out;
}
/** The valid message with its header edited (the data section as it is). */
function withHeader(edit: (h: ReturnType<typeof parse>['header']) => unknown): Uint8Array {
  const { header, dataStart } = parse(valid);
  return build(edit(header) ?? header, valid.subarray(dataStart));
}
/** The valid message with `value` written into element i of array `name`. */
function poke(name: string, i: number, value: number): Uint8Array {
  const bytes = valid.slice();
  const { header, dataStart } = parse(bytes);
  const e = header.arrays.find((a) => a.name === name);
  assert.ok(e);
  const v = new DataView(bytes.buffer, dataStart + e.offset);
  if (e.dtype === 'float32') v.setFloat32(i * 4, value, true);
  else if (e.dtype === 'int32') v.setInt32(i * 4, value, true);
  else v.setUint8(i, value);
  return bytes;
}

test('encode -> decode is exact for the start states of lstm, rmc and dnd-lstm, and restores each state', () => {
  const B = 3, D = 4;
  for (const [coreId, options] of Object.entries(CORES)) {
    const core = makeCore(coreId, { ...options, inputSize: D, seed: 5 });
    const s = coreState(core, B, D);
    const u = makeUnroll({ T: 5, B, D, A: 4, coreId }, stateToArrays(s, core.stateSpec()));
    const bytes = encodeUnroll(u);
    assert.equal(bytes.length % 4, 0);
    assert.equal(bytes.length, encodedSize(u));
    const back = decodeUnroll(bytes);
    assert.deepStrictEqual(back, u, coreId);
    const restored = stateFromArrays(core.stateSpec(), back.initialState);
    assert.deepEqual(leafValues(restored), leafValues(s), coreId);
    if (coreId === 'dnd-lstm') {
      const valid = back.initialState.find((a) => a.path === 'dnd.valid');
      assert.ok(valid && valid.data.some((x) => x === 1), 'the dictionary holds an entry');
    }
    disposeState(restored); disposeState(s); core.dispose();
  }
});

test('decode copes with a message at an unaligned offset of a bigger buffer', () => {
  const buf = new Uint8Array(valid.length + 3);
  buf.set(valid, 1);
  assert.deepStrictEqual(decodeUnroll(buf.subarray(1, 1 + valid.length)), small);
});

test('split by groups of envs: every part fits, ranges are contiguous, joining gives the original bytes', () => {
  const B = 6, D = 4;
  const core = makeCore('dnd-lstm', { hiddenSize: 4, capacity: 5, inputSize: D, seed: 5 });
  const s = coreState(core, B, D);
  const u = makeUnroll({ T: 4, B, D, A: 4, coreId: 'dnd-lstm', seed: 9 }, stateToArrays(s, core.stateSpec()));
  const one = encodedSize(sliceUnroll(u, 0, 1)), four = encodedSize(sliceUnroll(u, 0, 4));
  const anyOne = Math.max(...Array.from({ length: B }, (_, b) => encodedSize(sliceUnroll(u, b, b + 1))));   // envs differ by their truncations
  const parts = splitUnroll(u, four);
  assert.deepEqual(parts.map((p) => [p.meta.envOffset, p.meta.numEnvs]), [[0, 3], [3, 3]]);   // greedy 4 + 2, evened to 3 + 3
  for (const p of parts) assert.ok(encodeUnroll(p).length <= four);
  const joined = joinUnrolls(parts.map((p) => decodeUnroll(encodeUnroll(p))));
  assert.deepStrictEqual(joined, u);
  assert.deepEqual(encodeUnroll(joined), encodeUnroll(u));
  // Parts of a part keep counting envs from the actor's first env.
  const small = splitUnroll(parts[1] as Unroll, anyOne);
  assert.deepEqual(small.map((p) => [p.meta.envOffset, p.meta.numEnvs, p.meta.totalEnvs]), [[3, 1, 6], [4, 1, 6], [5, 1, 6]]);
  assert.deepStrictEqual(joinUnrolls([parts[0] as Unroll, ...small]), u);
  // Truncated-step final observations go with their envs.
  assert.equal(parts.reduce((n, p) => n + p.truncatedObs.length, 0), u.truncatedObs.length);
  assert.deepEqual(splitUnroll(u, encodedSize(u)), [u]);
  assert.throws(() => splitUnroll(u, one - 1), isWire(/splitUnroll: env 0 alone encodes to \d+ bytes, more than maxBytes \d+/));
  assert.throws(() => joinUnrolls([parts[1] as Unroll, parts[0] as Unroll]), isWire(/part 1 must start at env 6, got envOffset 0/));
  assert.throws(() => joinUnrolls([parts[0] as Unroll, { ...(parts[1] as Unroll), meta: { ...(parts[1] as Unroll).meta, seq: 43 } }]), isWire(/part 1 meta\.seq must be 42 like part 0, got 43/));
  disposeState(s); core.dispose();
});

test('an lstm(128) MiniPacman viewport unroll (T=20, B=16, D=75) fits one NATS message', () => {
  const core = makeCore('lstm', { hiddenSize: 128, inputSize: 128, seed: 1 });
  const s = core.initialState(16);
  const u = makeUnroll({ T: 20, B: 16, D: 75, A: 5 }, stateToArrays(s, core.stateSpec()));
  const bytes = encodeUnroll(u);
  assert.ok(bytes.length < NATS_MAX_PAYLOAD / 4, `${bytes.length} bytes`);
  assert.deepStrictEqual(decodeUnroll(bytes), u);
  disposeState(s); core.dispose();
});

test('encode refuses an inconsistent unroll', () => {
  const bad = (edit: Partial<Unroll>, re: RegExp) => assert.throws(() => encodeUnroll({ ...small, ...edit }), isWire(re));
  bad({ rewards: Float32Array.of(0, 0, Infinity, 0, 0, 0) }, /encodeUnroll: rewards\[1, 0\] must be finite, got Infinity/);
  bad({ logProbs: new Float32Array(6).fill(0.5) }, /logProbs\[0, 0\] must be a log-probability \(<= 0\), got 0\.5/);
  bad({ obs: new Float32Array(5) }, /obs must hold 12 values \(\[3, 2, 2\]\), got 5/);
  bad({ actions: new Float32Array(6) as unknown as Int32Array }, /actions must be an Int32Array, got Float32Array/);
  bad({ truncatedObs: new Float32Array(0) }, /truncatedObs must hold \d+ values \(\[\d+, 2\], K = Σ truncated = \d+\)/);
  bad({ meta: { ...small.meta, runId: '' } }, /meta\.runId must be a string of 1 to 256 characters, got ""/);
  bad({ meta: { ...small.meta, envOffset: 1 } }, /must lie within totalEnvs 2, got \[1, 3\)/);
  bad({ initialState: [{ path: 'h', dtype: 'float32', shape: [3, 2], data: new Float32Array(6) }] }, /state leaf h must have the batch axis first, \[2, \.\.\.\], got \[3, 2\]/);
  bad({ initialState: [{ path: 'h', dtype: 'float32', shape: [2, 2], data: Float32Array.of(0, NaN, 0, 0) }] }, /state leaf h\[0, 1\] must be finite, got NaN/);
});

test('malformed messages are rejected with a WireError naming the problem', () => {
  const { header, dataStart } = parse(valid);
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /message must be at least 12 bytes, got 0/],
    ['truncated prefix', valid.subarray(0, 7), /at least 12 bytes, got 7/],
    ['truncated header', valid.subarray(0, dataStart - 5), /header length \d+ must fit in the \d+ bytes after the prefix \(truncated\?\)/],
    ['truncated data', valid.subarray(0, valid.length - 9), /must fit in the \d+-byte data section \(truncated\?\)|data section must be \d+ bytes/],
    ['truncated by 1', valid.subarray(0, valid.length - 1), /decodeUnroll: array state\/h \(bytes \d+\.\.\d+\) must fit in the \d+-byte data section \(truncated\?\)/],
    ['bad magic', Uint8Array.from(valid, (x, i) => (i === 0 ? 0x58 : x)), /magic must be "ENGU", got "XNGU"/],
    ['wrong version', withVersion(2), /version must be 1, got 2/],
    ['flags', Uint8Array.from(valid, (x, i) => (i === 6 ? 1 : x)), /flags must be 0, got 1/],
    ['header not JSON', Uint8Array.from(valid, (x, i) => (i >= 12 && i < 16 ? 0x7b : x)), /header must be JSON/],
    ['header not UTF-8', Uint8Array.from(valid, (x, i) => (i === 12 ? 0xff : x)), /header must be UTF-8/],
    ['header a list', withHeader(() => []), /header must be a JSON object, got an array/],
    ['unknown header field', withHeader((h) => ({ ...h, extra: 1 })), /header has an unknown field "extra"/],
    ['meta missing a field', withHeader((h) => { delete h.meta.seq; }), /meta\.seq is missing/],
    ['meta T not an integer', withHeader((h) => { h.meta.numSteps = 2.5; }), /meta\.numSteps must be an integer from 1 to 2147483647, got 2\.5/],
    ['missing array', withoutArray('rewards'), /missing array rewards/],
    ['unknown array', withHeader((h) => { (h.arrays[1] as { name: string }).name = 'bogus'; }), /header\.arrays\[1\]\.name must be one of obs, actions/],
    ['duplicate array', withHeader((h) => { (h.arrays[2] as { name: string }).name = 'obs'; }), /array obs appears twice/],
    ['wrong shape', withHeader((h) => { (h.arrays[0] as { shape: number[] }).shape = [2, 3, 2]; }), /array obs must be \[3, 2, 2\] \(T=3, B=2, D=2, K=\d+\), got \[2, 3, 2\]/],
    ['wrong dtype', withHeader((h) => { Object.assign(h.arrays[2] as object, { dtype: 'int32' }); }), /array rewards must be float32, got int32/],
    ['length disagrees with shape', withHeader((h) => { (h.arrays[0] as { length: number }).length = 44; }), /array obs length must be 48 bytes for float32 \[3, 2, 2\], got 44/],
    ['offset moved', withHeader((h) => { (h.arrays[1] as { offset: number }).offset = 52; }), /array actions must start at data offset 48, got 52/],
    ['state batch axis', withHeader((h) => { (h.arrays.find((a) => a.name === 'state/h') as { shape: number[] }).shape = [4, 1]; }), /state leaf h must have the batch axis first, \[2, \.\.\.\], got \[4, 1\]/],
    ['NaN in rewards', poke('rewards', 3, NaN), /decodeUnroll: rewards\[1, 1\] must be finite, got NaN/],
    ['Infinity in obs', poke('obs', 5, -Infinity), /obs\[1, 0, 1\] must be finite, got -Infinity/],
    ['NaN in the state', poke('state/c', 2, NaN), /state leaf c\[1, 0\] must be finite, got NaN/],
    ['action out of range', poke('actions', 4, 3), /actions\[2, 0\] must be an action in \[0, 3\), got 3/],
    ['negative action', poke('actions', 0, -1), /actions\[0, 0\] must be an action in \[0, 3\), got -1/],
    ['flag of 2', poke('terminated', 1, 2), /terminated\[0, 1\] must be 0 or 1, got 2/],
    ['final flag of 2', poke('finalFlush', 0, 2), /finalFlush\[0\] must be 0 or 1, got 2/],
    ['positive log-probability', poke('logProbs', 0, 0.25), /logProbs\[0, 0\] must be a log-probability \(<= 0\), got 0\.25/],
    ['a truncation without its final obs', withTruncation(), /array truncatedObs must be \[\d+, 2\] \(T=3, B=2, D=2, K=\d+\)/],
    ['trailing bytes', concat(valid, new Uint8Array(4)), /4 trailing bytes after the last array/],
    ['one trailing byte', concat(valid, new Uint8Array(1)), /1 trailing bytes after the last array/],
    ['not bytes', [1, 2, 3] as unknown as Uint8Array, /bytes must be a Uint8Array, got an array/],
  ];
  assert.ok(header.arrays.length > 14);
  for (const [what, bytes, re] of cases) assert.throws(() => decodeUnroll(bytes), isWire(re), what);
});

test('200 random byte strings and 300 mutated messages throw nothing but WireError', () => {
  const rng = new Rng(2024);
  const prefix = valid.subarray(0, 12);
  for (let i = 0; i < 200; i++) {
    const bytes = Uint8Array.from({ length: rng.int(0, 400) }, () => rng.int(0, 255));
    if (i % 2 === 1 && bytes.length >= 12) bytes.set(prefix.subarray(0, rng.int(4, 12)));   // get past the magic
    assert.throws(() => decodeUnroll(bytes), (e) => e instanceof WireError, `random string ${i}`);
  }
  for (let i = 0; i < 300; i++) {
    let bytes: Uint8Array = valid.slice();
    const kind = i % 3;
    if (kind === 0) for (let j = rng.int(1, 3); j > 0; j--) bytes[rng.int(0, bytes.length - 1)] = rng.int(0, 255);
    else if (kind === 1) bytes = bytes.subarray(0, rng.int(0, bytes.length - 1));
    else bytes = concat(bytes.subarray(0, rng.int(0, bytes.length)), Uint8Array.from({ length: rng.int(1, 8) }, () => rng.int(0, 255)));
    try {
      const u = decodeUnroll(bytes);
      assert.deepStrictEqual(decodeUnroll(encodeUnroll(u)), u);   // a mutation that decodes is a valid unroll
    } catch (e) {
      assert.ok(e instanceof WireError, `mutation ${i}: ${String(e)}`);
    }
  }
});

function withVersion(v: number): Uint8Array {
  const { header, dataStart } = parse(valid);
  return build(header, valid.subarray(dataStart), v);
}

/** The valid message without one array (the others repacked). */
function withoutArray(name: string): Uint8Array {
  const { header, dataStart } = parse(valid);
  const chunks: Uint8Array[] = [];
  let at = 0;
  const arrays = header.arrays.filter((a) => a.name !== name).map((a) => {
    const offset = Math.ceil(at / 4) * 4;
    const chunk = new Uint8Array(offset - at + a.length);
    chunk.set(valid.subarray(dataStart + a.offset, dataStart + a.offset + a.length), offset - at);
    chunks.push(chunk);
    at = offset + a.length;
    return { ...a, offset };
  });
  chunks.push(new Uint8Array(Math.ceil(at / 4) * 4 - at));
  return build({ ...header, arrays }, concat(...chunks));
}

/** The valid message with one more truncated flag set (so truncatedObs is a row short). */
function withTruncation(): Uint8Array {
  const i = small.truncated.findIndex((x) => x === 0);
  return poke('truncated', i, 1);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

test('a message in a Node Buffer from the shared pool decodes like any Uint8Array (Buffer.slice is a view)', () => {
  const u = makeUnroll({ T: 8, B: 6, D: 4, A: 3, seed: 3 }, []);
  assert.ok(u.truncated.some((x) => x === 1), 'truncated steps, so that misread flags would show');
  const pooled = Buffer.from(encodeUnroll(u));   // small buffers share a pool: byteOffset > 0, buffer bigger than the message
  assert.deepEqual(decodeUnroll(pooled), decodeUnroll(encodeUnroll(u)));
});
