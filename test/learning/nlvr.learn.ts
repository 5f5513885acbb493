/**
 * Learning test: on generated NLVR scenes (Suhr et al. 2017) fed as the Working Memory Network
 * reads them (Pavez et al. 2018, arXiv 1805.09354: objects as facts, then the sentence), with the
 * existence and touching statements ("There is a yellow circle.", "There is a black item touching
 * the edge."), the WMN answers at least 75% of fresh scenes and at least 0.1 more than an LSTM given
 * the same 250k steps and seed: the answer needs an object picked out by its attributes after all of
 * them were read, which attention does and a fixed-size state struggles with.
 *
 * Seen (1000 evaluation episodes, preset sizes): seed 1 WMN 0.867, LSTM 0.608; seed 2 WMN 0.937,
 * LSTM 0.688. Expected time: under 2 minutes on an idle core (108 s measured, wasm backend: WMN
 * 2700 steps/s, LSTM 23000).
 * On all six statement families (seed 1) the WMN needs more than a CI budget: WMN 0.60, LSTM 0.64
 * at 400k steps; WMN 0.74, LSTM 0.71 at the preset's 1M (WMN ahead on exist 0.98/0.82, touching
 * 0.79/0.69 and counts 0.64/0.56, level on box-and, box-only and relations).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trainAndEvaluate } from '../fixtures/learn.ts';

const SETS = ['env.statements=["exist","touching"]', 'evalEpisodes=1000'];
const STEPS = 250_000;

test('working-memory judges NLVR existence and touching statements above chance and above an LSTM', async () => {
  const accuracy: Record<string, number> = {};
  for (const core of ['working-memory', 'lstm']) {
    const r = await trainAndEvaluate({ env: 'Nlvr-v0', core, totalSteps: STEPS }, SETS);
    accuracy[core] = r.metrics.accuracy!;
    console.log(`${core} on NLVR (exist, touching): accuracy ${r.metrics.accuracy?.toFixed(3)} (${Math.round(r.stepsPerSecond)} steps/s)`);
  }
  const { 'working-memory': wmn, lstm } = accuracy as { 'working-memory': number; lstm: number };
  assert.ok(wmn >= 0.75, `WMN accuracy ${wmn}`);
  assert.ok(wmn >= lstm + 0.1, `WMN ${wmn} vs LSTM ${lstm}`);
});
