/**
 * Weights as bytes for the object store: a little-endian uint32 header length, a JSON header of
 * names and shapes, then the float32 values (4-byte aligned). Actors check every name and shape
 * against their own network when they restore (agents/optim.ts restoreInto).
 */
import type { NamedArrays } from '../../agents/learner.ts';
import type { NamedVariable } from '../../agents/optim.ts';
import { RunError } from '../../envs/errors.ts';

export function encodeWeights(named: readonly NamedVariable[]): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify({ names: named.map((n) => n.name), shapes: named.map((n) => n.variable.shape) }));
  const headerBytes = Math.ceil(header.length / 4) * 4;
  const values = named.reduce((a, n) => a + n.variable.size, 0);
  const out = new Uint8Array(4 + headerBytes + values * 4);
  new DataView(out.buffer).setUint32(0, headerBytes, true);
  out.fill(0x20, 4, 4 + headerBytes);   // pad the JSON with spaces
  out.set(header, 4);
  const floats = new Float32Array(out.buffer, 4 + headerBytes, values);
  let at = 0;
  for (const n of named) {
    floats.set(n.variable.dataSync() as Float32Array, at);
    at += n.variable.size;
  }
  return out;
}

export function decodeWeights(bytes: Uint8Array): NamedArrays {
  const bad = (why: string) => new RunError(`weights from the broker: ${why}`);
  if (bytes.length < 4) throw bad('too short');
  const copy = new Uint8Array(bytes);   // a copy (Buffer.slice would be a view): aligned, and ours
  const headerBytes = new DataView(copy.buffer).getUint32(0, true);
  if (headerBytes % 4 !== 0 || 4 + headerBytes > copy.length) throw bad('bad header length');
  let header: { names?: unknown; shapes?: unknown };
  try { header = JSON.parse(new TextDecoder().decode(copy.subarray(4, 4 + headerBytes))); } catch { throw bad('header is not JSON'); }
  const { names, shapes } = header;
  if (!Array.isArray(names) || !Array.isArray(shapes) || names.length !== shapes.length
    || !names.every((n) => typeof n === 'string') || !shapes.every((s) => Array.isArray(s) && s.every((d) => Number.isInteger(d) && d >= 0))) {
    throw bad('header must list names and shapes');
  }
  const floats = new Float32Array(copy.buffer, 4 + headerBytes, (copy.length - 4 - headerBytes) / 4);
  const data: Float32Array[] = [];
  let at = 0;
  for (const shape of shapes as number[][]) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (at + size > floats.length) throw bad('fewer values than the shapes need');
    data.push(floats.slice(at, at + size));
    at += size;
  }
  if (at !== floats.length) throw bad('more values than the shapes need');
  if (!data.every((d) => d.every(Number.isFinite))) throw bad('a weight is not finite');
  return { names: names as string[], shapes: shapes as number[][], data };
}
