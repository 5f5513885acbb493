/**
 * Checkpoints: weights and optimizer slots in one binary file, everything else in
 * checkpoint.json that names it. Both are written atomically and the JSON goes last, so a
 * crash or Ctrl-C at any moment leaves the previous checkpoint intact.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentSnapshot, NamedArrays } from '../agents/agent.ts';
import type { RngState } from '../envs/rng.ts';
import { ConfigError } from '../envs/errors.ts';
import { writeFileAtomic } from './atomic.ts';

export interface Progress {
  readonly updates: number;
  readonly globalStep: number;
  readonly rngState: RngState;
  readonly elapsedSeconds: number;
  readonly backend: string;
  /** The task curriculum's level (curriculum-driver.ts); absent without one, and in older checkpoints. */
  readonly curriculumLevel?: number;
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

export function saveCheckpoint(runDir: string, snap: AgentSnapshot, progress: Progress): void {
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

export function loadCheckpoint(runDir: string): { snapshot: AgentSnapshot; progress: Progress } {
  const path = join(runDir, MANIFEST);
  if (!existsSync(path)) throw new ConfigError(`no checkpoint in "${runDir}" (expected ${path}); pass the run directory that engram train wrote`);
  const m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  const bytes = readFileSync(join(runDir, m.file));
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  let off = 0;
  const take = (shapes: number[][]): Float32Array[] => shapes.map((s) => {
    const n = s.reduce((a, b) => a * b, 1);
    const out = all.slice(off, off + n);
    off += n;
    return out;
  });
  const weights: NamedArrays = { ...m.weights, data: take(m.weights.shapes) };
  const optimizer: NamedArrays = { ...m.optimizer, data: take(m.optimizer.shapes) };
  if (off !== all.length) throw new Error(`checkpoint ${m.file}: expected ${off} floats, found ${all.length}`);
  return { snapshot: { weights, optimizer, counters: m.counters }, progress: m.progress };
}
