/**
 * Learning test: copy (8-bit vectors, NTM layout). The DNC and the NTM trained on lengths 1-10 copy
 * them with under 1 bit error per sequence, and stay far better than an LSTM with the same budget
 * on longer sequences (11-15) than they were trained on.
 * Expected wall time: about 12 minutes on an idle core (seen: DNC under 1 bit error after ~250k
 * steps, the NTM after ~100k).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCheckpoint } from '../../experiments/run/checkpoint.ts';
import { resolveExperimentConfig } from '../../experiments/settings/config.ts';
import type { EvalResult } from '../../experiments/run/evaluate.ts';
import { train } from '../../experiments/run/loop.ts';
import { makeTrainer } from '../../experiments/run/trainers.ts';

/** Trains on lengths 1-10, then evaluates on the training range and on lengths 11-15. */
async function trainCopy(core: string, steps: number): Promise<{ trained: EvalResult; longer: EvalResult }> {
  const dir = mkdtempSync(join(tmpdir(), `engram-copy-${core}-`));
  try {
    const cfg = resolveExperimentConfig({ flags: { env: 'Copy-v0', core, seed: 1, totalSteps: steps, runDir: dir }, sets: ['env.maxLength=10', 'evalEpisodes=160'] });
    const r = await train({ ...cfg }, { progress: false, verbose: false });
    const trainer = makeTrainer(cfg, { envSeed: 1 });
    const { snapshot, progress } = loadCheckpoint(dir);
    await trainer.restore(snapshot, progress);
    const longer = trainer.evaluate({ episodes: 160, envOverrides: { minLength: 11, maxLength: 15 } });
    trainer.dispose();
    return { trained: r.eval!, longer };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let lstmRun: Promise<{ trained: EvalResult; longer: EvalResult }> | undefined;
/** The LSTM baseline, trained once for both comparisons. */
const lstmBaseline = () => (lstmRun ??= trainCopy('lstm', 300_000));
const errors = (r: EvalResult) => r.metrics.bit_errors_per_seq as number;

for (const [core, steps] of [['dnc', 300_000], ['ntm', 200_000]] as const) {
  test(`${core} copies lengths 1-10 with < 1 bit error and generalises far better than lstm`, async () => {
    const mem = await trainCopy(core, steps);
    const lstm = await lstmBaseline();
    console.log(`${core}: ${errors(mem.trained).toFixed(2)} bit errors/seq on lengths 1-10, ${errors(mem.longer).toFixed(2)} on 11-15`);
    console.log(`lstm: ${errors(lstm.trained).toFixed(2)} bit errors/seq on lengths 1-10, ${errors(lstm.longer).toFixed(2)} on 11-15`);
    assert.ok(errors(mem.trained) < 1, `${core} bit errors per sequence ${errors(mem.trained)}`);
    assert.ok(errors(mem.longer) < 0.5 * errors(lstm.longer), `longer sequences: ${core} ${errors(mem.longer)} vs lstm ${errors(lstm.longer)}`);
  });
}
