/**
 * Learning test: Learning to Execute, addition of 2-digit literals without nesting. `rmc` and `lstm`
 * read the program one character at a time and must emit the answer's digits well above chance
 * (0.1 per character) after a CI-sized budget.
 * Expected wall time: about 3 minutes on an idle core (seen: rmc 0.51 after 37k steps).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trainAndEvaluate } from '../fixtures/learn.ts';

for (const core of ['rmc', 'lstm']) {
  test(`${core} evaluates small additions well above chance per character`, async () => {
    const r = await trainAndEvaluate({ env: 'ProgramEval-v0', core, totalSteps: 40_000 }, ['env.maxLength=2', 'env.maxNesting=1', 'evalEpisodes=320']);
    console.log(`${core} on LTE addition: per-character accuracy ${r.metrics.accuracy?.toFixed(3)}, solved ${r.metrics.solved?.toFixed(3)}`);
    assert.ok(r.metrics.accuracy! >= 0.3, `per-character accuracy ${r.metrics.accuracy}`);
  });
}
