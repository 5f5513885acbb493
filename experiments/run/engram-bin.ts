/**
 * The `engram` command's script, for the processes Engram starts itself (a learner's actors, a
 * worker's training runs). This file is experiments/run/engram-bin.ts in the sources and
 * dist/experiments/run/engram-bin.js once compiled: bin/ is two or three levels up.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ENGRAM_BIN = fileURLToPath([new URL('../../bin/engram.js', import.meta.url), new URL('../../../bin/engram.js', import.meta.url)]
  .find((u) => existsSync(u)) ?? new URL('../../bin/engram.js', import.meta.url));
