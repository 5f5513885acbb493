#!/usr/bin/env node
// The `engram` command: runs the TypeScript CLI through tsx, so users need no build step. Both
// hooks, as `node --import tsx` does: a user's .ts env module in a CommonJS folder needs the second.
import { register } from 'tsx/esm/api';
import { register as registerCjs } from 'tsx/cjs/api';

register();
registerCjs();
await import('../experiments/cli/main.ts');
