/**
 * The dependency direction of docs/style.md §2.2, read from the import lines:
 * envs -> nothing; memory -> tfjs (+ envs' leaf utilities rng, errors, kwargs, state-array);
 * rollout -> envs, ws (the viewer page bundles uplot with esbuild), never agents/ or memory/;
 * agents -> memory, rollout, envs; nothing imports experiments.
 * Two exceptions, the backend's Node plumbing, use node: built-ins: memory/wasm-threads.ts (worker
 * threads) and memory/kernels/module.ts (reads the kernels' .wasm file).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../fixtures/cli.ts';

interface Rule { areas: string[]; files?: RegExp; packages: RegExp }
const RULES: Record<string, Rule> = {
  envs: { areas: ['envs'], packages: /^(fastest-levenshtein|node:.*)$/ },
  memory: { areas: ['memory'], files: /^envs\/(rng|errors|kwargs|state-array)\.ts$/, packages: /^(@tensorflow\/tfjs(-backend-wasm)?|fastest-levenshtein)$/ },
  rollout: { areas: ['rollout', 'envs'], packages: /^(ws|uplot|esbuild|node:.*)$/ },
  agents: { areas: ['agents', 'memory', 'rollout', 'envs'], packages: /^$/ },
  'experiments/settings': { areas: ['experiments/settings', 'agents', 'memory', 'envs'], packages: /^(yaml|node:.*)$/ },
  'experiments/run': { areas: ['experiments/run', 'experiments/settings', 'agents', 'memory', 'rollout', 'envs'], packages: /^(cli-progress|node:.*)$/ },
  'experiments/distributed': { areas: ['experiments/distributed', 'experiments/run', 'experiments/settings', 'agents', 'memory', 'rollout', 'envs'], packages: /^(@nats-io\/(transport-node|jetstream|kv|obj)|node:.*)$/ },
  'experiments/lab': { areas: ['experiments/lab', 'experiments/run', 'experiments/settings', 'agents', 'memory', 'rollout', 'envs'], packages: /^node:.*$/ },
  'experiments/report': { areas: ['experiments/report', 'experiments/lab', 'experiments/run', 'experiments/settings', 'envs'], packages: /^(vega|vega-lite|mathjs|jstat|node:.*)$/ },
  'experiments/cli': { areas: ['experiments/cli', 'experiments/report', 'experiments/lab', 'experiments/distributed', 'experiments/run', 'experiments/settings', 'agents', 'memory', 'rollout', 'envs'], packages: /^(@commander-js\/extra-typings|node:.*)$/ },
};

const NODE_PLUMBING = new Set(['memory/wasm-threads.ts', 'memory/kernels/module.ts']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('imports follow the dependency direction', () => {
  const bad: string[] = [];
  for (const [area, rule] of Object.entries(RULES)) {
    for (const file of files(join(ROOT, area))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) {
        const spec = m[1] as string;
        let ok: boolean;
        if (spec.startsWith('.')) {
          const target = relative(ROOT, resolve(dirname(file), spec));
          ok = rule.areas.some((a) => target.startsWith(`${a}/`)) || (rule.files?.test(target) ?? false);
        } else {
          ok = rule.packages.test(spec) || (NODE_PLUMBING.has(relative(ROOT, file)) && spec.startsWith('node:'));
        }
        if (!ok) bad.push(`${relative(ROOT, file)} imports ${spec}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});
