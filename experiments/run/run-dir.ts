/**
 * Claiming a run directory for training: one process at a time (a lock file naming it), never
 * over another run by accident, and tidy after a crash (temp files and orphaned weights removed).
 *
 * The lock is a file created exclusively (O_EXCL), holding {pid, host, started}. A lock whose
 * process is gone (this host, pid not alive) is stale and taken over; `kill -9` leaves one.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, rmdirSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError, RunError } from '../../envs/errors.ts';
import { diskError, makeDirs, removeTempFiles } from './atomic.ts';
import { readProgress } from './checkpoint.ts';

const LOCK = 'lock';
/** Files a run writes; --overwrite removes these and nothing else. */
const RUN_FILES = /^(config\.json|checkpoint\.json|weights-\d+\.bin|metrics\.jsonl|metrics\.csv|eval\.json|analysis\.json|env-modules\.json)$/;

export interface ClaimOptions {
  /** Continue the run in `dir` (it must hold one). */
  resume: boolean;
  /** Start over in a directory that holds a run, removing that run's files. */
  overwrite: boolean;
  /** The name was made up by Engram: take `dir-2`, `dir-3`, ... if `dir` exists. */
  uniqueName: boolean;
}

export interface RunDirClaim {
  /** The directory claimed (differs from the one asked for when a made-up name was taken). */
  readonly dir: string;
  /** Removes the lock (and the directory itself if a fresh run left it empty). */
  release(): void;
}

export function claimRunDir(dir: string, o: ClaimOptions): RunDirClaim {
  const created = !existsSync(dir);
  if (!created && !statSync(dir).isDirectory()) throw new ConfigError(`${dir} is a file, not a folder; name a folder for the run`);
  const claimed = o.uniqueName && !o.resume ? makeUniqueDir(dir) : dir;
  makeDirs(claimed);
  if (!o.resume && !o.overwrite && holdsRun(claimed)) {
    throw new ConfigError(`${claimed} already holds a run; continue it with engram train --resume ${claimed}, or start over with --overwrite`);
  }
  const release = lock(claimed);
  try {
    if (o.overwrite && !o.resume) for (const f of readdirSync(claimed)) if (RUN_FILES.test(f)) rmSync(join(claimed, f), { force: true });
    tidy(claimed);
  } catch (e) {
    release();
    throw diskError(e, claimed);
  }
  let released = false;
  const onExit = () => release();
  process.on('exit', onExit);   // also when a second Ctrl-C quits at once
  return {
    dir: claimed,
    release() {
      if (released) return;
      released = true;
      process.off('exit', onExit);
      release();
      if ((created || claimed !== dir) && readdirSync(claimed).length === 0) rmdirSync(claimed);
    },
  };
}

/**
 * True when the run in `dir` has finished: its evaluation (the last thing `engram train` writes)
 * and checkpoint are there, and the checkpoint has `totalSteps` when that is given (a run trained
 * for fewer steps than asked is not finished: it goes on from its checkpoint).
 */
export function runFinished(dir: string, totalSteps?: number): boolean {
  if (!existsSync(join(dir, 'eval.json')) || !existsSync(join(dir, 'checkpoint.json'))) return false;
  if (totalSteps === undefined) return true;
  try {
    return readProgress(dir).globalStep >= totalSteps;
  } catch {
    return false;   // a damaged checkpoint: training again will say what is wrong
  }
}

/** True when `dir` holds another run's files. */
export function holdsRun(dir: string): boolean {
  return existsSync(join(dir, 'config.json')) || existsSync(join(dir, 'checkpoint.json')) || existsSync(join(dir, 'metrics.jsonl'));
}

/** Creates `dir`, or `dir-2`, `dir-3`, ...: mkdir fails if the name exists, so two starts never share one. */
function makeUniqueDir(dir: string): string {
  makeDirs(dirname(dir));
  for (let i = 1; ; i++) {
    const name = i === 1 ? dir : `${dir}-${i}`;
    try {
      mkdirSync(name);
      return name;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw diskError(e, name);
    }
  }
}

interface Holder { pid: number; host: string; started: string }

/** Takes the lock of `dir`; returns its release. */
function lock(dir: string): () => void {
  const path = join(dir, LOCK);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString() } satisfies Holder));
      } finally {
        closeSync(fd);
      }
      return () => { if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true }); };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw diskError(e, path);
    }
    let holder = readHolder(path);
    if (!holder) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);   // its holder may be writing it now
      holder = readHolder(path);
    }
    if (attempt === 0 && (!holder || (holder.host === hostname() && !alive(holder.pid)))) {
      // A lock left by a process that is gone (or cut short while written): take it over.
      if (holder) console.error(`engram: ${dir} was locked by process ${holder.pid}, which is gone; taking the run over`);
      rmSync(path, { force: true });
      continue;
    }
    if (!holder) throw new RunError(`${dir} is locked by another process (${path}); try again`);
    throw new RunError(`${dir} is in use: process ${holder.pid} on ${holder.host} has trained into it since ${holder.started}; wait for it or stop it (if that process is gone, delete ${path})`);
  }
}

function readHolder(path: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Holder;
    return Number.isInteger(h.pid) && typeof h.host === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

/** True when process `pid` on this machine is alive (possibly another user's). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';   // alive, but another user's
  }
}

/**
 * After a crash: temp files of interrupted writes, and weights no checkpoint.json names. Weights
 * are removed only when checkpoint.json is absent or reads well: a damaged one may be repaired by
 * hand, and the weights it named are then the run's only copy.
 */
function tidy(dir: string): void {
  const left = removeTempFiles(dir);
  const current = currentWeights(dir);
  const orphans = current === false ? [] : readdirSync(dir).filter((f) => /^weights-\d+\.bin$/.test(f) && f !== current);
  for (const f of orphans) rmSync(join(dir, f), { force: true });
  if (left.length + orphans.length > 0) console.error(`engram: removed ${left.length + orphans.length} file(s) left by an interrupted write in ${dir}`);
}

/** The weights file checkpoint.json names; undefined when there is no checkpoint.json, false when it cannot be read. */
function currentWeights(dir: string): string | undefined | false {
  const path = join(dir, 'checkpoint.json');
  if (!existsSync(path)) return undefined;
  try {
    const file = (JSON.parse(readFileSync(path, 'utf8')) as { file?: unknown }).file;
    return typeof file === 'string' ? file : false;
  } catch {
    return false;
  }
}
