/**
 * Atomic file writes: write a temp file in the same folder, flush it to the disk, then rename it
 * over the target. A crash or a full disk at any moment leaves either the old file or the new one,
 * never a mix; the temp file of a failed write is removed, and one left by a killed process is
 * removed by `removeTempFiles` when the run directory is next opened.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { RunError } from '../../envs/errors.ts';

const TEMP = /\.tmp-\d+$/;

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw diskError(e, path);
  }
}

/**
 * `mkdir -p`, one level at a time. Node's `mkdirSync(dir, {recursive: true})` never returns for a
 * path under /proc (it retries the ENOENT it gets there forever); this fails with one line instead.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.unshift(d);
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw diskError(e, d);
    }
  }
}

/** Removes temp files that a killed process left in `dir`; returns their names. */
export function removeTempFiles(dir: string): string[] {
  const left = readdirSync(dir).filter((f) => TEMP.test(f));
  for (const f of left) rmSync(join(dir, f), { force: true });
  return left;
}

/** A full disk or a read-only place is the user's to fix: one line naming the file, not a stack trace. */
export function diskError(e: unknown, path: string): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new RunError(`no space left on the disk writing ${path}; free some space (the files written before are intact)`);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new RunError(`cannot write ${path}: permission denied or read-only (${code})`);
  if (code === 'ENOTDIR' || code === 'ENOENT') return new RunError(`cannot write ${path}: its folder does not exist or is not a folder (${code})`);
  if (code === 'EISDIR') return new RunError(`cannot write ${path}: it is a folder`);
  return e;
}
