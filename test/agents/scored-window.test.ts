/** scoredWindow: the steps the supervised readout runs on hold every scored output of a batch, and only those. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scoredWindow } from '../../agents/supervised/learner.ts';
import type { TargetSpec } from '../../envs/env.ts';
import { buildEnvs } from '../../experiments/run/build.ts';
import { resolveExperimentConfig } from '../../experiments/settings/config.ts';
import { collectEpisodes, type EpisodeBatch } from '../../rollout/episodes.ts';

function batchOf(env: string, sets: string[]): EpisodeBatch {
  const cfg = resolveExperimentConfig({ flags: { env, numEnvs: 5, runDir: '/nonexistent' }, sets });
  const venv = buildEnvs(cfg, cfg.numEnvs);
  const batch = collectEpisodes(venv, venv.metadata.target as TargetSpec, { seed: 7 });
  venv.close();
  return batch;
}

/** Brute force: the first and last step with any mask. */
function scoredSteps(b: EpisodeBatch): number[] {
  const steps: number[] = [];
  for (let t = 0; t < b.numSteps; t++) if (b.mask.subarray(t * b.numEnvs, (t + 1) * b.numEnvs).some((m) => m > 0)) steps.push(t);
  return steps;
}

test('N-th farthest: only the last step is scored, so the window is that one step', () => {
  const b = batchOf('NthFarthest-v0', ['env.numObjects=4', 'env.numFeatures=4']);
  assert.equal(b.numSteps, 4);
  assert.deepEqual(scoredWindow(b), { start: 3, length: 1 });
});

test('copy: the window runs from the earliest to the latest output step of sequences of different lengths', () => {
  const b = batchOf('Copy-v0', ['env.minLength=1', 'env.maxLength=10']);
  const steps = scoredSteps(b);
  assert.ok(new Set(b.lengths).size > 1, 'the batch should mix lengths');
  assert.deepEqual(scoredWindow(b), { start: steps[0], length: steps.at(-1)! - steps[0]! + 1 });
  assert.ok(scoredWindow(b).start > 0, 'the input phase is not scored');
});

test('a batch with nothing scored keeps one step (all masked out)', () => {
  const b: EpisodeBatch = { numSteps: 3, numEnvs: 2, obsSize: 1, targetSize: 1, obs: new Float32Array(6), targets: new Float32Array(6), mask: new Float32Array(6), lengths: Int32Array.of(3, 3) };
  assert.deepEqual(scoredWindow(b), { start: 0, length: 1 });
});
