/**
 * One training run in a child `engram train` process, as a sweep worker and `engram experiment
 * run` start them: a fresh run from a config file, or `--resume` where the run directory holds a
 * checkpoint (the run goes on where it stopped). Its output goes to `<runDir>.log`.
 *
 * The child has its own process group, so a Ctrl-C in the terminal reaches the parent only, which
 * asks the child to stop once (SIGTERM: a checkpoint, then exit 0); a second signal to the child
 * would make it quit at once. Its IPC channel stops it the same way if the parent dies
 * (stop-signals.ts).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './atomic.ts';
import { ENGRAM_BIN } from './engram-bin.ts';

export interface ChildRunOptions {
  readonly runDir: string;
  /** The run's settings, written to `<runDir>.config.json` and passed with --config. */
  readonly values: Record<string, unknown>;
  readonly seed: number;
  readonly sets?: readonly string[];
  readonly envModules?: readonly string[];
  readonly backend?: string | undefined;
  readonly threads?: number | undefined;
  /** The run's steps when it is resumed (default: its config's); more than it has trained extends it. */
  readonly steps?: number;
  /** Aborting it stops the run with a checkpoint. */
  readonly signal: AbortSignal;
}

export interface ChildRunResult {
  /** The child's exit code (0: finished, or stopped cleanly when the signal aborted). */
  readonly code: number | null;
  /** The child's last line on stderr, without the `engram: ` prefix. */
  readonly lastError: string;
  readonly seconds: number;
}

/** What became of a list of runs trained here or by sweep workers (experiments/lab/runner.ts, distributed/sweep-follow.ts). */
export interface RunsOutcome<R> {
  readonly finished: number;
  /** Finished before this call. */
  readonly skipped: number;
  readonly failed: readonly { readonly run: R; readonly error: string }[];
  /** Not finished because of a stop signal. */
  readonly stopped: number;
}

/** True when the run directory holds a checkpoint to resume from. */
export const canResume = (runDir: string) => existsSync(join(runDir, 'checkpoint.json'));

export async function trainInChild(o: ChildRunOptions): Promise<ChildRunResult> {
  mkdirSync(dirname(o.runDir), { recursive: true });
  const configFile = `${o.runDir}.config.json`;
  writeFileAtomic(configFile, JSON.stringify(o.values, null, 2));
  const args = canResume(o.runDir)
    ? ['train', '--resume', o.runDir, ...(o.steps !== undefined ? ['--steps', String(o.steps)] : [])]
    : ['train', '--config', configFile, '--seed', String(o.seed), '--run-dir', o.runDir, ...(existsSync(o.runDir) ? ['--overwrite'] : []),
      ...(o.sets ?? []).flatMap((e) => ['--set', e])];
  args.push(...(o.envModules ?? []).flatMap((f) => ['--env-module', f]));
  if (o.backend !== undefined) args.push('--backend', o.backend);
  if (o.threads !== undefined) args.push('--threads', String(o.threads));

  const started = performance.now();
  const log = createWriteStream(`${o.runDir}.log`, { flags: 'a' });
  const child = spawn(process.execPath, [ENGRAM_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true, env: { ...process.env, CI: '1' },
  });
  child.stdout?.pipe(log, { end: false });
  let lastError = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    log.write(d);
    const lines = d.trim().split('\n').filter(Boolean);
    if (lines.length) lastError = (lines.at(-1) as string).replace(/^engram: /, '');
  });
  const stop = () => child.kill('SIGTERM');
  o.signal.addEventListener('abort', stop, { once: true });
  if (o.signal.aborted) stop();
  const code = await new Promise<number | null>((res) => child.once('close', (c) => res(c)));
  o.signal.removeEventListener('abort', stop);
  await new Promise((res) => log.end(res));
  return { code, lastError, seconds: (performance.now() - started) / 1000 };
}
