#!/usr/bin/env node
// The `engram` command: runs the TypeScript CLI through tsx, so users need no build step.
import { register } from 'tsx/esm/api';

register();
await import('../experiments/cli.ts');
