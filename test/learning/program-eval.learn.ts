/**
 * Learning test: Learning to Execute, addition of 2-digit literals without nesting. `rmc` and `lstm`
 * read the program one character at a time and must emit the answer's digits well above chance
 * (0.1 per character) after a CI-sized budget.
 * Expected wall time: about 3 minutes on an idle core (seen: rmc 0.51 after 37k steps).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveExperimentConfig } from '../../experiments/config.ts';
import { train } from '../../experiments/train.ts';

for (const core of ['rmc', 'lstm']) {
  test(`${core} evaluates small additions well above chance per character`, async () => {
    const dir = mkdtempSync(join(tmpdir(), `engram-lte-${core}-`));
    try {
      const cfg = resolveExperimentConfig({
        flags: { env: 'ProgramEval-v0', core, seed: 1, totalSteps: 40_000, runDir: dir },
        sets: ['env.maxLength=2', 'env.maxNesting=1', 'evalEpisodes=320'],
      });
      const r = await train({ ...cfg }, { progress: false, verbose: false });
      console.log(`${core} on LTE addition: per-character accuracy ${r.eval!.metrics.accuracy?.toFixed(3)}, solved ${r.eval!.metrics.solved?.toFixed(3)}`);
      assert.ok(r.eval!.metrics.accuracy! >= 0.3, `per-character accuracy ${r.eval!.metrics.accuracy}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
