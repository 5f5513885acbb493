/**
 * The signals that ask Engram to stop: Ctrl-C (SIGINT), SIGTERM (what process managers and batch
 * schedulers send) and SIGHUP (a closed terminal) all mean the same. The first asks for a clean
 * stop; a second one quits at once with the shell's usual code, 128 + the signal number.
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
  for (const s of SIGNALS) process.on(s, handler);
  return () => { for (const s of SIGNALS) process.off(s, handler); };
}

/** Resolves at the next stop signal (a viewer that stays up until the user leaves). */
export function untilStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const off = onStopSignal(() => { off(); resolve(); });
  });
}
