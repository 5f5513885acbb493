/**
 * Learning tests: character-level language modelling on the shipped corpus (Tiny Shakespeare), the
 * preset's settings and a small budget. The RMC and the LSTM each read the held-out text at least
 * 1.2 bits per character below the unigram model of the training text (4.80 bits). Seen: LSTM 2.89
 * bits after 1M steps (88 s), RMC 2.78 after 600k (105 s); these budgets take about a minute each.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LanguageModelTask } from '../../envs/tasks/language-model.ts';
import { trainAndEvaluate } from '../fixtures/learn.ts';

const unigram = new LanguageModelTask({ split: 'valid' }).corpus.unigramBits;

for (const [core, totalSteps] of [['lstm', 640_000], ['rmc', 320_000]] as const) {
  test(`${core} reads Shakespeare well below the unigram bits per character`, async () => {
    const r = await trainAndEvaluate({ env: 'LanguageModel-v0', core, totalSteps });
    const bits = r.metrics.bits_per_token as number;
    console.log(`${core} on Tiny Shakespeare: ${bits.toFixed(3)} bits per character on the held-out text (unigram ${unigram.toFixed(3)}), accuracy ${r.metrics.accuracy?.toFixed(3)} (${Math.round(r.stepsPerSecond)} steps/s)`);
    assert.ok(bits <= unigram - 1.2, `bits per character ${bits} vs unigram ${unigram}`);
  });
}
