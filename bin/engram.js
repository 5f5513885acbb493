#!/usr/bin/env node
// The `engram` command: the compiled CLI in dist/ (`npm run build`, run by `npm install` in a clone
// and before `npm pack`). A checkout that was never built runs the TypeScript sources through tsx.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/experiments/cli/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  const { register: registerCjs } = await import('tsx/cjs/api');
  register();
  registerCjs();
  await import('../experiments/cli/main.ts');
}
