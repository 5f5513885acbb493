/**
 * RepeatCopyTask (docs/tasks.md §5.3, §8; Graves et al. 2014, DNC layout of Graves et al. 2016): the §8.4
 * timeline, T = L(R+1)+3, ranges, encodings, metrics, seeding, forced values, curriculum, errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEnv } from '../../envs/check.ts';
import type { BitPrediction, BitTaskInfo, SequenceFrame } from '../../envs/tasks/bits.ts';
import { REPEAT_COPY_DEFAULTS, repeatCopyEpisode, RepeatCopyTask } from '../../envs/tasks/repeat-copy.ts';
import { OrderEnforcing } from '../../envs/wrappers.ts';

interface Played {
  obs: Float32Array[];
  infos: BitTaskInfo[];
  last: { obs: Float32Array; terminated: boolean; truncated: boolean; info: BitTaskInfo };
}

function play(env: RepeatCopyTask, policy: (info: BitTaskInfo) => BitPrediction, reset: Parameters<RepeatCopyTask['reset']>[0] = {}): Played {
  const first = env.reset(reset);
  const obs = [first.obs];
  const infos = [first.info];
  for (let n = 0; n < 100_000; n++) {
    const r = env.step(policy(infos[infos.length - 1] as BitTaskInfo));
    assert.equal(r.reward, 0);
    if (r.terminated || r.truncated) return { obs, infos, last: r };
    obs.push(r.obs);
    infos.push(r.info);
  }
  throw new Error('episode never ended');
}

const oracle = (info: BitTaskInfo) => Uint8Array.from(info.target);
const metric = (env: RepeatCopyTask, key: string) => env.episodeMetrics()[key] as number;

test('defaults and spaces: W = 8, L and R in 1..10, R / 10', () => {
  const env = new RepeatCopyTask();
  assert.deepEqual({ ...env.options }, {
    bits: 8, minLength: 1, maxLength: 10, minRepeats: 1, maxRepeats: 10, normMax: 10, repeatEncoding: 'divide', curriculum: 'none', curriculumStart: 1,
  });
  assert.deepEqual(env.options, REPEAT_COPY_DEFAULTS);
  assert.deepEqual(env.observationSpace.shape, [10]);
  assert.deepEqual(Array.from(env.observationSpace.low), new Array(10).fill(0));
  assert.deepEqual(Array.from(env.observationSpace.high), [...new Array(9).fill(1), Infinity]);
  assert.equal(env.actionSpace.toString(), 'MultiBinary(9)');
  assert.deepEqual(env.metadata, { renderModes: ['ansi', 'state'], renderFps: 4, rewardFree: true, target: { kind: 'bernoulli', size: 9 } });
});

test('reproduces the §8.4 timeline for W = 4, L = 2, R = 2, normMax = 10', () => {
  const env = new RepeatCopyTask({ bits: 4, minLength: 2, maxLength: 2, minRepeats: 2, maxRepeats: 2 });
  const { obs, infos, last } = play(env, () => null, { seed: 11 });
  assert.equal(obs.length, 9);
  const p0 = Array.from(obs[1]!.subarray(0, 4));
  const p1 = Array.from(obs[2]!.subarray(0, 4));
  const z = [0, 0, 0, 0];
  const r = Math.fround(0.2);
  assert.deepEqual(obs.map((o) => Array.from(o)), [
    [...z, 1, 0], [...p0, 0, 0], [...p1, 0, 0], [...z, 0, r],
    [...z, 0, 0], [...z, 0, 0], [...z, 0, 0], [...z, 0, 0], [...z, 0, 0],
  ]);
  assert.deepEqual(infos.map((i) => Array.from(i.target)), [
    [...z, 0], [...z, 0], [...z, 0], [...z, 0],
    [...p0, 0], [...p1, 0], [...p0, 0], [...p1, 0], [...z, 1],
  ]);
  assert.deepEqual(infos.map((i) => i.targetMask), [0, 0, 0, 0, 1, 1, 1, 1, 1]);
  assert.deepEqual(infos.map((i) => i.phase), ['input', 'input', 'input', 'query', 'output', 'output', 'output', 'output', 'output']);
  assert.deepEqual(Array.from(last.obs), [0, 0, 0, 0, 0, 0]);
  assert.equal(last.terminated, true);
  assert.equal(last.truncated, false);
  assert.equal(last.info.targetMask, 0);
  assert.deepEqual(Array.from(last.info.target), [0, 0, 0, 0, 0]);
  assert.equal(last.info.t, 9);
});

test('repeatCopyEpisode lays out a fixed pattern literally', () => {
  const ep = repeatCopyEpisode(Uint8Array.from([1, 0, 1, 0, 0, 1, 1, 1]), 2, 2, 4, 0.2);
  assert.equal(ep.numSteps, 9);
  assert.deepEqual(Array.from(ep.inputs.subarray(0, 24)), [0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, Math.fround(0.2)]);
  assert.ok(ep.inputs.subarray(24).every((x) => x === 0));
  assert.deepEqual(Array.from(ep.targets.subarray(20)), [1, 0, 1, 0, 0, 0, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1]);
  assert.ok(ep.targets.subarray(0, 20).every((x) => x === 0));
  assert.deepEqual(ep.stats, { seqLength: 2, repeats: 2 });
});

test('T = L(R+1) + 3; L and R cover their ranges uniformly', () => {
  const env = new RepeatCopyTask();
  const lengths = new Array<number>(11).fill(0);
  const repeats = new Array<number>(11).fill(0);
  env.reset({ seed: 1 });
  for (let e = 0; e < 3000; e++) {
    const { obs, infos } = play(env, () => null);
    const L = metric(env, 'seqLength');
    const R = metric(env, 'repeats');
    lengths[L]!++;
    repeats[R]!++;
    assert.equal(obs.length, L * (R + 1) + 3);
    assert.equal(infos.filter((i) => i.targetMask === 1).length, L * R + 1);
    assert.equal(obs[L + 1]![9], Math.fround(R / 10));
    if (e < 30) for (const o of obs) assert.ok(env.observationSpace.contains(o));
  }
  for (let v = 1; v <= 10; v++) {
    assert.ok(lengths[v]! > 220 && lengths[v]! < 380, `length ${v} drawn ${lengths[v]} times of 3000`);
    assert.ok(repeats[v]! > 220 && repeats[v]! < 380, `repeats ${v} drawn ${repeats[v]} times of 3000`);
  }
});

test("repeatEncoding 'zscore' standardises over the training range (μ 5.5, σ √8.25 for 1..10)", () => {
  const env = new RepeatCopyTask({ repeatEncoding: 'zscore' });
  assert.equal(env.encodeRepeats(1), (1 - 5.5) / Math.sqrt(8.25));
  assert.equal(env.encodeRepeats(10), 4.5 / Math.sqrt(8.25));
  assert.equal(env.observationSpace.low[9], Math.fround(-4.5 / Math.sqrt(8.25)));
  const { obs } = play(env, () => null, { seed: 2, options: { length: 3, repeats: 4 } });
  assert.equal(obs[4]![9], Math.fround((4 - 5.5) / Math.sqrt(8.25)));
  const r = checkEnv(() => new OrderEnforcing(new RepeatCopyTask({ repeatEncoding: 'zscore' }), 'RepeatCopy-v0'));
  assert.ok(r.ok, r.results.filter((x) => !x.ok).map((x) => x.message).join('\n'));
  assert.equal(new RepeatCopyTask({ normMax: 4 }).encodeRepeats(2), 0.5);
});

test('metrics: perfect predictions solve; flipped bits (end marker included) are counted', () => {
  const env = new RepeatCopyTask({ bits: 4 });
  env.reset({ seed: 3 });
  for (let e = 0; e < 10; e++) {
    play(env, oracle);
    assert.equal(metric(env, 'bitErrors'), 0);
    assert.equal(metric(env, 'solved'), 1);
  }
  // L = 2, R = 3: outputs t = 4 … 9, end marker at t = 10. Flip 2 bits at t = 5 and the end marker.
  play(env, (info) => {
    const a = oracle(info);
    if (info.t === 5) { a[0] = 1 - a[0]!; a[3] = 1 - a[3]!; }
    if (info.t === 10) a[4] = 0;
    return a;
  }, { options: { length: 2, repeats: 3 } });
  assert.deepEqual(env.episodeMetrics(), { seqLength: 2, repeats: 3, bitErrors: 3, solved: 0 });
  play(env, () => null, { options: { length: 2, repeats: 3 } });
  assert.deepEqual(env.episodeMetrics(), { seqLength: 2, repeats: 3 });
});

test('checkEnv passes through OrderEnforcing', () => {
  const r = checkEnv(() => new OrderEnforcing(new RepeatCopyTask(), 'RepeatCopy-v0'));
  assert.ok(r.ok, r.results.filter((x) => !x.ok).map((x) => `${x.name}: ${x.message}`).join('\n'));
});

test('same seed gives identical streams', () => {
  const stream = (env: RepeatCopyTask) => Array.from({ length: 8 }, (_, e) => {
    const p = play(env, oracle, e === 0 ? { seed: 9 } : {});
    return JSON.stringify([p.obs.map((o) => Array.from(o)), p.infos.map((i) => Array.from(i.target))]);
  });
  const a = stream(new RepeatCopyTask());
  assert.deepEqual(a, stream(new RepeatCopyTask()));
  assert.equal(new Set(a).size, a.length);
});

test('reset options force length and repeats, beyond the training range too', () => {
  const env = new RepeatCopyTask();
  const { obs } = play(env, () => null, { seed: 1, options: { length: 20, repeats: 20 } });
  assert.equal(obs.length, 20 * 21 + 3);
  assert.equal(obs[21]![9], 2);
  assert.ok(obs.every((o) => env.observationSpace.contains(o)));
  play(env, () => null, { options: { repeats: 15 } });
  assert.equal(metric(env, 'repeats'), 15);
  assert.ok(metric(env, 'seqLength') <= 10);
  assert.throws(() => env.reset({ options: { repeats: -1 } }), /RepeatCopy: reset option repeats must be an integer >= 1, got -1/);
  assert.throws(() => env.reset({ options: { lenght: 3 } }), /RepeatCopy: unknown reset option "lenght"; known: length, repeats/);
});

test("curriculum: one level caps both L and R ('naive' and 'mix')", () => {
  const naive = new RepeatCopyTask({ maxLength: 3, maxRepeats: 5, curriculum: 'naive', curriculumStart: 2 });
  assert.equal(naive.curriculum.target, 5);
  play(naive, () => null, { seed: 1 });
  assert.deepEqual(naive.episodeMetrics(), { seqLength: 2, repeats: 2, curriculumLevel: 2 });
  naive.curriculum.advance();
  naive.curriculum.advance();
  play(naive, () => null);
  assert.deepEqual(naive.episodeMetrics(), { seqLength: 3, repeats: 4, curriculumLevel: 4 });
  const mix = new RepeatCopyTask({ curriculum: 'mix', curriculumStart: 3 });
  mix.reset({ seed: 2 });
  const pairs = new Set<string>();
  for (let e = 0; e < 300; e++) { play(mix, () => null); pairs.add(`${metric(mix, 'seqLength')},${metric(mix, 'repeats')}`); }
  assert.equal(pairs.size, 9, `all of {1,2,3}² seen, got ${[...pairs]}`);
});

test('render: ansi grid and a sequence frame', () => {
  const env = new RepeatCopyTask({ bits: 2 });
  play(env, oracle, { seed: 4, options: { length: 1, repeats: 2 } });
  const text = env.render('ansi') as string;
  assert.match(text, /^RepeatCopy seqLength=1 repeats=2 t=6\/6 \[done\] bitErrors=0/);
  assert.match(text, /\nstart    100000\nrepeats  00#000\n/);
  const f = env.render('state') as SequenceFrame;
  assert.equal(f.task, 'repeat-copy');
  assert.deepEqual(f.inputs[2], [0, 0, 0, 0.2]);
  assert.deepEqual(f.targets[5], [0, 0, 1]);
  assert.deepEqual(f.mask, [0, 0, 0, 1, 1, 1]);
  assert.equal(f.predictions.length, 6);
});

test('options are validated with readable messages', () => {
  assert.throws(() => new RepeatCopyTask({ minRepeats: 11 }), /RepeatCopy: minRepeats must be <= maxRepeats \(10\), got 11/);
  assert.throws(() => new RepeatCopyTask({ maxLength: 0 }), /RepeatCopy: maxLength must be an integer >= 1, got 0/);
  assert.throws(() => new RepeatCopyTask({ normMax: 0 }), /RepeatCopy: normMax must be a number > 0, got 0/);
  assert.throws(() => new RepeatCopyTask({ repeatEncoding: 'log' as 'divide' }), /RepeatCopy: repeatEncoding must be one of 'divide', 'zscore', got "log"/);
  assert.throws(() => new RepeatCopyTask({ repeatEncoding: 'zscore', minRepeats: 3, maxRepeats: 3 }), /RepeatCopy: repeatEncoding 'zscore' needs minRepeats < maxRepeats/);
  assert.throws(() => new RepeatCopyTask({ curriculum: 'naive', curriculumStart: 11 }), /RepeatCopy: curriculumStart must be an integer in \[1, 10\], got 11/);
  assert.throws(() => new RepeatCopyTask({ repeats: 3 } as never), /RepeatCopy: unknown option "repeats"/);
});
