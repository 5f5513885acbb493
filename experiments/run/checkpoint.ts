/**
 * Checkpoints: weights and optimizer slots in one binary file, everything else in
 * checkpoint.json that names it. Both are written atomically and the JSON goes last, so a
 * crash or Ctrl-C at any moment leaves the previous checkpoint intact.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LearnerSnapshot, NamedArrays } from '../../agents/learner.ts';
import type { RngState } from '../../envs/rng.ts';
import { ConfigError, RunError } from '../../envs/errors.ts';
import { writeFileAtomic } from './atomic.ts';

export interface Progress {
  readonly updates: number;
  readonly globalStep: number;
  /** The action sampler's state (A2C); absent for a learner that samples nothing. */
  readonly rngState?: RngState;
  readonly elapsedSeconds: number;
  readonly backend: string;
  /** Engram's version and the machine, e.g. "engram 0.1.0 on 2 × AMD EPYC, 24 GiB, Node 20.20.2" (absent in older checkpoints). */
  readonly trainedOn?: string;
  /** The task curriculum's level (curriculum-driver.ts); absent without one, and in older checkpoints. */
  readonly curriculumLevel?: number;
  /** A remote source's ids of the unrolls this checkpoint used (experiments/distributed/); absent otherwise. */
  readonly sourceState?: { readonly consumed: number[] };
}

interface Manifest {
  version: 1;
  file: string;
  progress: Progress;
  counters: Record<string, number>;
  weights: { names: string[]; shapes: number[][] };
  optimizer: { names: string[]; shapes: number[][] };
}

const MANIFEST = 'checkpoint.json';

/**
 * Writes the weights file, then checkpoint.json naming it, then removes older weights files.
 * Refuses (RunError) weights or optimizer slots that are not finite: such a checkpoint could
 * only replace a good one with a broken one.
 */
/** saveCheckpoint's refusal of weights that are not finite: the run has diverged. */
export class NonFiniteWeights extends RunError {}

export function saveCheckpoint(runDir: string, snap: LearnerSnapshot, progress: Progress): void {
  for (const part of [snap.weights, snap.optimizer]) {
    const i = part.data.findIndex((a) => !allFinite(a));
    if (i >= 0) throw new NonFiniteWeights(`${part === snap.weights ? 'weight' : 'optimizer slot'} ${part.names[i]} holds non-finite values; checkpoint not written`);
  }
  const file = `weights-${progress.updates}.bin`;
  const arrays = [...snap.weights.data, ...snap.optimizer.data];
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const buf = new Float32Array(total);
  let off = 0;
  for (const a of arrays) { buf.set(a, off); off += a.length; }
  writeFileAtomic(join(runDir, file), new Uint8Array(buf.buffer));
  const manifest: Manifest = {
    version: 1, file, progress, counters: snap.counters,
    weights: { names: snap.weights.names, shapes: snap.weights.shapes },
    optimizer: { names: snap.optimizer.names, shapes: snap.optimizer.shapes },
  };
  writeFileAtomic(join(runDir, MANIFEST), JSON.stringify(manifest, null, 1));
  for (const f of readdirSync(runDir)) if (/^weights-\d+\.bin$/.test(f) && f !== file) rmSync(join(runDir, f), { force: true });
}

export function hasCheckpoint(runDir: string): boolean {
  return existsSync(join(runDir, MANIFEST));
}

/**
 * Reads the checkpoint back. Anything damaged (a cut or hand-edited checkpoint.json, a missing or
 * truncated weights file, non-finite weights) is a ConfigError naming the file.
 */
export function loadCheckpoint(runDir: string): { snapshot: LearnerSnapshot; progress: Progress } {
  const path = join(runDir, MANIFEST);
  if (!existsSync(path)) {
    if (existsSync(join(runDir, 'config.json'))) throw new ConfigError(`the run in ${runDir} stopped before its first checkpoint; resume it with engram train --resume ${runDir}`);
    throw new ConfigError(`no checkpoint in "${runDir}" (expected ${path}); pass the run directory that engram train wrote`);
  }
  const m = readManifest(path);
  const file = join(runDir, m.file);
  if (!existsSync(file)) throw new ConfigError(`${path} names ${m.file}, which is missing; the checkpoint is damaged`);
  const bytes = readFileSync(file);
  const expected = [...m.weights.shapes, ...m.optimizer.shapes].reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
  if (bytes.byteLength !== expected * 4) throw new ConfigError(`${file} holds ${bytes.byteLength} bytes, checkpoint.json describes ${expected * 4}; the weights file is truncated or damaged`);
  const all = new Float32Array(Uint8Array.from(bytes).buffer);   // a copy: Float32Array needs 4-byte alignment
  if (!allFinite(all)) throw new ConfigError(`${file} holds non-finite weights (NaN or Infinity); this checkpoint cannot be used`);
  let off = 0;
  const take = (shapes: number[][]): Float32Array[] => shapes.map((s) => {
    const n = s.reduce((a, b) => a * b, 1);
    const out = all.slice(off, off + n);
    off += n;
    return out;
  });
  const weights: NamedArrays = { ...m.weights, data: take(m.weights.shapes) };
  const optimizer: NamedArrays = { ...m.optimizer, data: take(m.optimizer.shapes) };
  return { snapshot: { weights, optimizer, counters: m.counters }, progress: m.progress };
}

/** The checkpoint's progress (steps, backend, where it trained), without reading its weights. */
export function readProgress(runDir: string): Progress {
  return readManifest(join(runDir, MANIFEST)).progress;
}

/** checkpoint.json, its fields checked: a damaged file is one line, not a crash further on. */
function readManifest(path: string): Manifest {
  const bad = (why: string) => new ConfigError(`${path}: ${why}; the checkpoint is damaged (train again, or restore the file)`);
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch (e) {
    throw bad(`not valid JSON (${(e as Error).message.split('\n')[0]?.slice(0, 80)})`);
  }
  if (!m || typeof m !== 'object' || Array.isArray(m)) throw bad('expected an object');
  if (m.version !== 1) throw bad(`unknown version ${JSON.stringify(m.version)} (this Engram reads version 1)`);
  if (typeof m.file !== 'string' || !/^weights-\d+\.bin$/.test(m.file)) throw bad('"file" must name a weights-N.bin file');
  for (const key of ['weights', 'optimizer'] as const) {
    const part = m[key];
    const ok = part && Array.isArray(part.names) && Array.isArray(part.shapes) && part.names.length === part.shapes.length
      && part.names.every((n) => typeof n === 'string')
      && part.shapes.every((s) => Array.isArray(s) && s.every((d) => Number.isInteger(d) && d >= 0));
    if (!ok) throw bad(`"${key}" must hold names and shapes of the same length`);
  }
  const p = m.progress;
  const counts = p && [p.updates, p.globalStep].every((n) => Number.isInteger(n) && n >= 0) && Number.isFinite(p.elapsedSeconds);
  const rng = p && (p.rngState === undefined || (Array.isArray(p.rngState) && p.rngState.length === 4 && p.rngState.every(Number.isInteger)));
  if (!counts || !rng) throw bad('"progress" must hold updates, globalStep and elapsedSeconds, and rngState must be 4 integers if present');
  const source = p.sourceState;
  if (source !== undefined && !(Array.isArray(source?.consumed) && source.consumed.every((n) => Number.isSafeInteger(n) && n > 0))) {
    throw bad('"progress.sourceState.consumed" must be a list of message ids');
  }
  if (!m.counters || typeof m.counters !== 'object' || Object.values(m.counters).some((v) => !Number.isFinite(v))) throw bad('"counters" must be an object of numbers');
  return m;
}

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}
