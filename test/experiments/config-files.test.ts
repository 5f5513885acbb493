/** Every config in experiments/configs resolves, and its env, core and learner build from it. */
import '../fixtures/tf-cpu.ts';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveExperimentConfig } from '../../experiments/settings/config.ts';
import { makeTrainer } from '../../experiments/run/trainers.ts';
import { ROOT } from '../fixtures/cli.ts';

const DIR = join(ROOT, 'experiments', 'configs');
const files = readdirSync(DIR).filter((f) => /\.(ya?ml|json)$/.test(f));

test('experiments/configs holds the N-th farthest pair', () => {
  assert.ok(files.includes('nth-farthest-3x2-rmc.yaml') && files.includes('nth-farthest-3x2-lstm.yaml'), files.join(', '));
});

for (const f of files) {
  test(`experiments/configs/${f} builds`, () => {
    const cfg = resolveExperimentConfig({ file: join(DIR, f), flags: { runDir: join(ROOT, 'runs', 'unused') } });
    const trainer = makeTrainer(cfg, { envSeed: 1 });
    trainer.dispose();
  });
}
