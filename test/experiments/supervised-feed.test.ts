/** A supervised run's viewer events: the SupervisedTrainer traces the followed sequence into 'sequence' StepEvents. */
import { tf } from '../fixtures/tf-cpu.ts';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TargetSpec } from '../../envs/env.ts';
import { buildEnvs } from '../../experiments/run/build.ts';
import { resolveExperimentConfig } from '../../experiments/settings/config.ts';
import { sequenceEvents, type SequenceStepFrame } from '../../experiments/run/supervised-feed.ts';
import { makeTrainer } from '../../experiments/run/trainers.ts';
import { collectEpisodes, type EpisodeBatch } from '../../rollout/episodes.ts';
import type { EpisodeEvent, RolloutObserver, StepEvent } from '../../rollout/observer.ts';

const tmp = mkdtempSync(join(tmpdir(), 'engram-supervised-feed-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const ENV_SEED = 11;
const config = () => resolveExperimentConfig({ flags: { env: 'Copy-v0', core: 'lstm', numEnvs: 2, runDir: join(tmp, 'run') }, sets: ['core.hiddenSize=8', 'env.maxLength=3'] });

class Collector implements RolloutObserver {
  readonly steps: StepEvent[] = [];
  readonly episodes: EpisodeEvent[] = [];
  constructor(private readonly watched: number | undefined) {}
  watchedEnv(): number | undefined { return this.watched; }
  onStep(e: StepEvent): void { this.steps.push(e); }
  onEpisode(e: EpisodeEvent): void { this.episodes.push(e); }
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

test('a watched supervised run sends one sequence StepEvent per step of the followed sequence, then its episode', () => {
  const cfg = config();
  const watcher = new Collector(0);
  // The metrics log has no watchedEnv: trace episodes must not reach it (they would change the run's metrics).
  const bystander: RolloutObserver & { episodes: number } = { episodes: 0, onEpisode() { this.episodes++; } };
  const trainer = makeTrainer(cfg, { envSeed: ENV_SEED, observers: [bystander, watcher] });
  // The trainer's first batch, collected again from identical envs on the same seed.
  const venv = buildEnvs(cfg, cfg.numEnvs);
  const batch: EpisodeBatch = collectEpisodes(venv, venv.metadata.target as TargetSpec, { seed: ENV_SEED });
  venv.close();

  trainer.iterate();
  const T = batch.lengths[0] as number;
  const { numEnvs: B, targetSize: K, obsSize: D } = batch;
  assert.equal(watcher.steps.length, T, 'one step per step of sequence 0');
  watcher.steps.forEach((e, t) => {
    const f = e.frame as SequenceStepFrame;
    assert.equal(f.kind, 'sequence');
    assert.equal(f.task, 'Copy-v0');
    assert.equal(e.env, 0);
    assert.equal(e.t, t);
    assert.equal(f.t, t);
    assert.equal(f.length, T);
    assert.equal(f.targetKind, 'bernoulli');
    assert.equal(f.mask, batch.mask[t * B] as number);
    assert.deepEqual(f.target, Array.from(batch.targets.subarray(t * B * K, (t * B + 1) * K)));
    assert.deepEqual(f.input, Array.from(batch.obs.subarray(t * B * D, (t * B + 1) * D), round3));
    assert.equal(f.prediction.length, K);
    assert.deepEqual(e.probs, f.prediction);
    assert.equal(e.action, f.prediction.filter((p) => p >= 0.5).length, 'bits: the number predicted on');
    assert.equal(e.terminated, t === T - 1);
    assert.ok(Array.isArray(e.memory?.h), 'the LSTM readout');
    assert.equal(e.globalStep, trainer.globalStep);
  });
  assert.equal(watcher.episodes.length, 1);
  const ep = watcher.episodes[0] as EpisodeEvent;
  assert.equal(ep.env, 0);
  assert.equal(ep.episode.length, T);
  assert.equal(ep.episode.return, 0);
  let errors = 0;
  watcher.steps.forEach((e) => {
    const f = e.frame as SequenceStepFrame;
    if (f.mask === 1) f.prediction.forEach((p, k) => { if ((p >= 0.5 ? 1 : 0) !== f.target[k]) errors++; });
  });
  assert.equal(ep.episode.bitErrors, errors);
  assert.equal(ep.episode.scored, (T - 1) / 2, 'copy scores the L output steps of 2L + 1');
  assert.equal(bystander.episodes, 0);

  // Within TRACE_INTERVAL_MS of the last trace: nothing more.
  trainer.iterate();
  assert.equal(watcher.steps.length, T);
  trainer.dispose();
});

test('nobody watching: no trace and no events', () => {
  const cfg = config();
  const idle = new Collector(undefined);
  const trainer = makeTrainer(cfg, { envSeed: ENV_SEED, observers: [idle] });
  trainer.iterate();
  const n = tf.memory().numTensors;
  trainer.iterate();
  assert.equal(tf.memory().numTensors, n);
  assert.equal(idle.steps.length + idle.episodes.length, 0);
  trainer.dispose();
});

test('class targets: one-hot target rows, the argmax as action, and correct answers counted', () => {
  // Two sequences of 2 steps, 3 classes; sequence 1 is scored at both steps.
  const batch: EpisodeBatch = {
    numSteps: 2, numEnvs: 2, obsSize: 1, targetSize: 1, obs: Float32Array.from([0, 0.12345, 0, 1]), targets: Float32Array.from([0, 2, 0, 1]),
    mask: Float32Array.from([0, 1, 0, 1]), lengths: Int32Array.from([2, 2]),
  };
  const trace = { predictions: [[0.1, 0.2, 0.7], [0.6, 0.3, 0.1]], readouts: [] };
  const { steps, episode } = sequenceEvents(batch, 1, trace, { task: 'NthFarthest-v0', target: { kind: 'categorical', numClasses: 3 }, globalStep: 9 });
  assert.deepEqual(steps.map((e) => e.action), [2, 0]);
  assert.deepEqual(steps.map((e) => (e.frame as SequenceStepFrame).target), [[0, 0, 1], [0, 1, 0]]);
  assert.deepEqual((steps[0]?.frame as SequenceStepFrame).input, [0.123]);
  assert.ok(steps.every((e) => e.memory === undefined), 'no readout when the core has no inspect');
  assert.deepEqual(episode.episode, { return: 0, length: 2, correct: 1, scored: 2, solved: 0 });
});
