/**
 * The signals that ask Engram to stop: Ctrl-C (SIGINT), SIGTERM (what process managers and batch
 * schedulers send) and SIGHUP (a closed terminal) all mean the same. The first asks for a clean
 * stop; a second one quits at once with the shell's usual code, 128 + the signal number.
 *
 * A process started by another Engram process with an IPC channel (a worker's training run, a
 * learner's actors) also stops cleanly when that channel closes: its parent died, even by `kill -9`,
 * and nobody is left to stop it or use its results.
 */
import { constants } from 'node:os';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Calls `onStop` on the first stop signal and quits on the second; returns the unsubscribe. */
export function onStopSignal(onStop: (name: string) => void): () => void {
  let stopping = false;
  const handler = (sig: NodeJS.Signals) => {
    if (stopping) process.exit(128 + constants.signals[sig]);   // the last checkpoint stays valid
    stopping = true;
    onStop(sig === 'SIGINT' ? 'Ctrl-C' : sig);
  };
  const orphaned = () => { if (!stopping) { stopping = true; onStop('its parent process exited'); } };
  for (const s of SIGNALS) process.on(s, handler);
  process.on('disconnect', orphaned);
  return () => {
    for (const s of SIGNALS) process.off(s, handler);
    process.off('disconnect', orphaned);
  };
}

/**
 * Keeps the viewer up after its episodes (`what` has ended), so the last episode and the curves
 * stay on screen, until the user stops it.
 */
export function keepViewerOpen(what: string, url?: string): Promise<void> {
  console.log(`engram: ${what}; the viewer keeps the last episode${url ? ` at ${url}` : ''} (Ctrl-C to quit)`);
  return new Promise((resolve) => {
    const off = onStopSignal(() => { off(); resolve(); });
  });
}
