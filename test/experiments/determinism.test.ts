/** Seeded runs give the same results on repeated runs of the same backend (A2C and supervised). */
import '../fixtures/tf-cpu.ts';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveExperimentConfig } from '../../experiments/settings/config.ts';
import { makeTrainer } from '../../experiments/run/trainers.ts';

function losses(env: string, core: string, seed: number, sets: string[]): number[][] {
  const cfg = resolveExperimentConfig({ flags: { env, core, seed, numEnvs: 2, runDir: 'unused' }, sets });
  const t = makeTrainer(cfg, { envSeed: seed });
  const out = [0, 1, 2].map(() => Object.values(t.iterate()));
  t.dispose();
  return out;
}

for (const [env, core, sets] of [
  ['MiniPacman-v0', 'rmc', ['env.view=viewport', 'core.numSlots=2', 'core.headSize=4']],
  ['ContextualChoice-v0', 'dnd-lstm', ['core.hiddenSize=4', 'env.nUniqueTrials=3']],
  ['Copy-v0', 'ntm', ['core.hiddenSize=4', 'core.numSlots=5', 'core.wordSize=3', 'env.maxLength=3']],
] as const) {
  test(`${env} with ${core}: the same seed gives the same losses; another seed does not`, () => {
    const a = losses(env, core, 3, [...sets]);
    assert.deepEqual(losses(env, core, 3, [...sets]), a);
    assert.notDeepEqual(losses(env, core, 4, [...sets]), a);
    assert.ok(a.flat().every(Number.isFinite));
  });
}
