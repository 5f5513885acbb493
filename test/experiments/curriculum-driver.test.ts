/** The curriculum driver: advance rule over a window of batches, resume of the level, eval at the target. */
import '../fixtures/tf-cpu.ts';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { make } from '../../envs/registry.ts';
import type { CopyTask } from '../../envs/tasks/copy.ts';
import type { ProgramEvalTask } from '../../envs/tasks/program-eval.ts';
import { resolveExperimentConfig } from '../../experiments/settings/config.ts';
import { CURRICULUM_WINDOW, CurriculumDriver } from '../../experiments/run/curriculum-driver.ts';
import { restoreArgs } from '../../experiments/cli/train-verbs.ts';
import { train } from '../../experiments/run/loop.ts';
import { makeTrainer } from '../../experiments/run/trainers.ts';

type Wrapped = { unwrapped: unknown };
const levels = (envs: object[]) => envs.map((e) => ((e as Wrapped).unwrapped as CopyTask).curriculum.level);
const copyEnvs = (curriculum: string, n = 2) => Array.from({ length: n }, () => make('Copy-v0', { bits: 4, maxLength: 4, curriculum }));
const tinySets = ['env.bits=2', 'env.maxLength=4', 'env.curriculum=naive', 'core.hiddenSize=4'];

test('copy: advances every env one level once the window mean of bits/seq is below 0.1·W, not before', () => {
  const envs = copyEnvs('naive');
  const d = CurriculumDriver.of(envs) as CurriculumDriver;
  assert.deepEqual(d.rule, { metric: 'bits_per_seq', below: 0.4 });
  for (let i = 0; i < CURRICULUM_WINDOW - 1; i++) {
    assert.deepEqual(d.observe({ 'task/bits_per_seq': 0.1 }), { 'task/curriculum_level': 1 });
  }
  assert.deepEqual(levels(envs), [1, 1]);
  assert.deepEqual(d.observe({ 'task/bits_per_seq': 0.1 }), { 'task/curriculum_level': 1 });   // the batch was drawn at 1
  assert.deepEqual(levels(envs), [2, 2]);
  assert.equal(d.level, 2);
  // The window starts over: nine more good batches are not enough.
  for (let i = 0; i < CURRICULUM_WINDOW - 1; i++) d.observe({ 'task/bits_per_seq': 0 });
  assert.equal(d.level, 2);
});

test('copy: a window whose mean is above the threshold does not advance; it slides', () => {
  const envs = copyEnvs('mix');
  const d = CurriculumDriver.of(envs) as CurriculumDriver;
  for (let i = 0; i < CURRICULUM_WINDOW; i++) d.observe({ 'task/bits_per_seq': 5 });
  d.observe({ 'losses/total': 1 });   // no metric: not counted
  assert.equal(d.level, 1);
  for (let i = 0; i < CURRICULUM_WINDOW - 1; i++) d.observe({ 'task/bits_per_seq': 0 });
  assert.equal(d.level, 1, 'one bad batch (5) still in the window: mean 0.5 >= 0.4');
  d.observe({ 'task/bits_per_seq': 0 });
  assert.deepEqual(levels(envs), [2, 2]);
});

test('copy: stops at the target', () => {
  const envs = copyEnvs('naive', 1);
  const d = CurriculumDriver.of(envs) as CurriculumDriver;
  for (let i = 0; i < 10 * CURRICULUM_WINDOW; i++) d.observe({ 'task/bits_per_seq': 0 });
  assert.equal(d.level, 4);
});

test("no driver for curriculum 'none' (copy) or 'mix' (ProgramEval), nor for envs without a curriculum", () => {
  assert.equal(CurriculumDriver.of(copyEnvs('none')), undefined);
  assert.equal(CurriculumDriver.of([make('ProgramEval-v0', { curriculum: 'mix' })]), undefined);
  assert.equal(CurriculumDriver.of([make('ProgramEval-v0', { curriculum: 'none' })]), undefined);
  assert.equal(CurriculumDriver.of([make('NthFarthest-v0')]), undefined);
});

test('ProgramEval naive: advances when accuracy exceeds 95% (not at exactly 95%)', () => {
  const env = make('ProgramEval-v0', { curriculum: 'naive', maxLength: 2, maxNesting: 2 });
  const d = CurriculumDriver.of([env]) as CurriculumDriver;
  assert.deepEqual(d.rule, { metric: 'accuracy', above: 0.95 });
  for (let i = 0; i < CURRICULUM_WINDOW; i++) d.observe({ 'task/accuracy': 0.95 });
  assert.equal(d.level, 1);
  for (let i = 0; i < CURRICULUM_WINDOW; i++) d.observe({ 'task/accuracy': 0.97 });
  assert.equal(d.level, 2);
  assert.deepEqual(((env as unknown as Wrapped).unwrapped as ProgramEvalTask).curriculum.current, { length: 2, nesting: 1 });
});

test('trainer: metrics carry task/curriculum_level only when a curriculum moves', () => {
  const build = (curriculum: string) => makeTrainer(
    resolveExperimentConfig({ flags: { env: 'Copy-v0', core: 'lstm', seed: 1, numEnvs: 2, runDir: 'unused' }, sets: [...tinySets, `env.curriculum=${curriculum}`] }),
    { envSeed: 1 },
  );
  const naive = build('naive');
  assert.equal(naive.iterate()['task/curriculum_level'], 1);
  assert.equal(naive.curriculumLevel, 1);
  naive.dispose();
  const none = build('none');
  assert.equal(none.iterate()['task/curriculum_level'], undefined);
  assert.equal(none.curriculumLevel, undefined);
  none.dispose();
});

test('evaluation runs at the target difficulty, not the training level', () => {
  const cfg = resolveExperimentConfig({ flags: { env: 'Copy-v0', core: 'lstm', seed: 1, numEnvs: 2, runDir: 'unused' }, sets: tinySets });
  const t = makeTrainer(cfg, { envSeed: 1 });
  assert.equal(t.curriculumLevel, 1);
  assert.equal(t.evaluate({ episodes: 2 }).meanLength, 2 * 4 + 1);   // L = maxLength = 4 (ntm layout: T = 2L + 1)
  assert.equal(t.curriculumLevel, 1);
  t.dispose();
});

test('resume restores the level from the checkpoint; a checkpoint without one still loads', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'engram-curriculum-'));
  try {
    const cfg = resolveExperimentConfig({
      flags: { env: 'Copy-v0', core: 'lstm', seed: 1, numEnvs: 2, runDir: dir, totalSteps: 20, backend: 'cpu' },
      sets: [...tinySets, 'evalEpisodes=0', 'logEvery=1'],
    });
    const first = await train(cfg, { progress: false, verbose: false });
    const path = join(dir, 'checkpoint.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as { progress: Record<string, unknown> };
    assert.equal(manifest.progress.curriculumLevel, 1);

    manifest.progress.curriculumLevel = 3;   // as if the run had climbed to level 3
    writeFileSync(path, JSON.stringify(manifest));
    await train({ ...cfg, totalSteps: 40 }, { resume: true, progress: false, verbose: false });
    const rows = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    const resumed = rows.filter((row) => (row.iteration as number) > first.updates);
    assert.ok(resumed.length > 0);
    assert.ok(resumed.every((row) => row['task/curriculum_level'] === 3));
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).progress.curriculumLevel, 3);

    const latest = JSON.parse(readFileSync(path, 'utf8')) as { progress: Record<string, unknown> };
    delete latest.progress.curriculumLevel;   // a checkpoint from before the driver
    writeFileSync(path, JSON.stringify(latest));
    const t = makeTrainer(cfg, { envSeed: 1 });
    await t.restore(...restoreArgs(dir));
    assert.equal(t.curriculumLevel, 1);
    t.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
