/**
 * Learning test: A2C with `lstm` on Mini Pacman (regular mode, the RMC paper's 5x5 viewport) must
 * raise the mean episode return well above a random policy's (>= 1.5x); mini-pacman-rmc.learn.ts
 * does the same for `rmc` (separate files run in parallel, one per core).
 * Expected wall time: about 2.5 minutes on an idle core (seen: return 47.5 vs random 9.3).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomReturn, trainAndEvaluate } from '../fixtures/learn.ts';

test('lstm beats a random policy on Mini Pacman (viewport)', async () => {
  const baseline = randomReturn('MiniPacman-v0', { view: 'viewport' }, 400);
  const r = await trainAndEvaluate({ env: 'MiniPacman-v0', core: 'lstm', totalSteps: 300_000 }, ['env.view=viewport', 'evalEpisodes=160']);
  console.log(`lstm: mean return ${r.meanReturn.toFixed(2)} vs random ${baseline.toFixed(2)} (${Math.round(r.stepsPerSecond)} steps/s)`);
  assert.ok(r.meanReturn >= 1.5 * baseline, `mean return ${r.meanReturn} vs random ${baseline}`);
});
