/**
 * The dependency direction of STYLE.md §2.2, read from the import lines:
 * envs -> nothing; memory -> tfjs (+ envs' leaf utilities rng, errors, kwargs);
 * rollout -> envs (never agents/ or memory/); agents -> memory, rollout, envs; nothing -> experiments.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../fixtures/cli.ts';

const ALLOWED: Record<string, RegExp> = {
  envs: /^(\.\/|fastest-levenshtein$)/,
  memory: /^(\.\/|\.\.\/envs\/(rng|errors|kwargs)\.ts$|@tensorflow\/tfjs(-backend-wasm)?$|fastest-levenshtein$)/,
  rollout: /^(\.\/|\.\.\/envs\/|ws$|node:)/,
  agents: /^(\.\/|\.\.\/|\.\.\/\.\.\/(envs|memory|rollout)\/)/,
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('imports follow the dependency direction', () => {
  const bad: string[] = [];
  for (const [area, allowed] of Object.entries(ALLOWED)) {
    for (const file of files(join(ROOT, area))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) {
        const spec = m[1] as string;
        const depth = relative(join(ROOT, area), file).split('/').length - 1;
        const normalised = depth > 0 && spec.startsWith('../') && !spec.startsWith('../'.repeat(depth + 1)) ? './' : spec;
        if (!allowed.test(normalised) || /experiments\//.test(spec)) bad.push(`${relative(ROOT, file)} imports ${spec}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});
