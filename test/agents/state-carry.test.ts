/**
 * Truncated BPTT over streams (docs/tasks.md §12): segments with the state carried read a stream
 * exactly as one long segment would, resets inside a segment start episodes afresh, and training on
 * segments leaves the tensor count flat.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { StateCarry, SupervisedLearner } from '../../agents/supervised/learner.ts';
import { resolveSupervisedConfig } from '../../agents/supervised/config.ts';
import type { TargetSpec } from '../../envs/env.ts';
import { make } from '../../envs/registry.ts';
import { SyncVectorEnv } from '../../envs/vector.ts';
import { makeCore } from '../../memory/registry.ts';
import { tf } from '../../memory/tf.ts';
import { SegmentSource } from '../../rollout/segments.ts';
import { ROOT } from '../fixtures/cli.ts';

// Word-level WikiText fixture in 2 pieces of ~30 tokens: segments of 25 and 50 both cross episode ends.
const KWARGS = { path: join(ROOT, 'test/fixtures/corpus/wikitext'), format: 'wikitext', unit: 'word', parts: 2 };
const CORES: Record<string, Record<string, unknown>> = { lstm: { hiddenSize: 16 }, rmc: { numSlots: 2, numHeads: 2, headSize: 8 }, 'dnd-lstm': { hiddenSize: 16 } };

function setup(core: string) {
  const venv = () => new SyncVectorEnv([make('LanguageModel-v0', KWARGS), make('LanguageModel-v0', KWARGS)], { autoresetMode: 'same-step' });
  const v = venv();
  const target = v.metadata.target as TargetSpec;
  const learner = new SupervisedLearner({
    obsShape: v.singleObservationSpace.shape, target, config: resolveSupervisedConfig({ lr: 1e-2 }), seed: 3,
    makeCore: (inputSize) => makeCore(core, { ...CORES[core], inputSize, seed: 3 }),
  });
  return { learner, source: (L: number) => new SegmentSource(venv(), target, 0, L) };
}

/** Bits over all tokens of `n` segments of length L, evaluated with or without the state carried. */
function totalBits(learner: SupervisedLearner, source: SegmentSource, n: number, carried: boolean): number {
  const carry = new StateCarry();
  let bits = 0;
  for (let i = 0; i < n; i++) {
    const m = learner.evaluate(source.next(), carried ? carry : new StateCarry());
    bits += (m['task/bits_per_token'] as number) * (m['task/tokens'] as number);
  }
  carry.dispose();
  return bits;
}

for (const core of Object.keys(CORES)) {
  test(`${core}: two segments with the state carried score as one long segment; without it, not`, () => {
    const { learner, source } = setup(core);
    const whole = totalBits(learner, source(50), 1, true);
    const halves = totalBits(learner, source(25), 2, true);
    const fresh = totalBits(learner, source(25), 2, false);
    assert.ok(Math.abs(whole - halves) < 1e-3 * whole, `carried: ${halves} bits vs one segment ${whole}`);
    assert.ok(Math.abs(whole - fresh) > 1e-2, `fresh state each segment must differ: ${fresh} vs ${whole}`);
    learner.dispose();
  });
}

test('training on segments keeps the tensor count flat and learns the stream', () => {
  const { learner, source } = setup('lstm');
  const s = source(20);
  const first = learner.learn(s.next());
  learner.learn(s.next());
  const n = tf.memory().numTensors;
  let last = first;
  for (let i = 0; i < 60; i++) last = learner.learn(s.next());
  assert.equal(tf.memory().numTensors, n, 'no tensors gained across updates');
  assert.ok((last['task/bits_per_token'] as number) < (first['task/bits_per_token'] as number) - 1, `bits per token ${first['task/bits_per_token']} -> ${last['task/bits_per_token']}`);
  assert.ok(Number.isFinite(last['task/perplexity']));
  learner.dispose();
});
