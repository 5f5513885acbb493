/**
 * CopyTask (docs/tasks.md §5.2, §8; Graves et al. 2014): the §8.4 timeline, lengths, metrics, seeding,
 * forced lengths, the curriculum, rendering and error text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEnv } from '../../envs/check.ts';
import type { SequenceFrame, BitPrediction, BitTaskInfo } from '../../envs/tasks/bits.ts';
import { COPY_DEFAULTS, copyEpisode, CopyTask } from '../../envs/tasks/copy.ts';
import { OrderEnforcing } from '../../envs/wrappers.ts';

interface Played {
  obs: Float32Array[];
  infos: BitTaskInfo[];
  last: { obs: Float32Array; terminated: boolean; truncated: boolean; info: BitTaskInfo };
  rewards: number[];
}

/** One episode; `policy` maps the info shown with an obs to the action for it. */
function play(env: CopyTask, policy: (info: BitTaskInfo) => BitPrediction, reset: Parameters<CopyTask['reset']>[0] = {}): Played {
  const first = env.reset(reset);
  const obs = [first.obs];
  const infos = [first.info];
  const rewards: number[] = [];
  for (let n = 0; n < 10_000; n++) {
    const r = env.step(policy(infos[infos.length - 1] as BitTaskInfo));
    rewards.push(r.reward);
    if (r.terminated || r.truncated) return { obs, infos, last: r, rewards };
    obs.push(r.obs);
    infos.push(r.info);
  }
  throw new Error('episode never ended');
}

const rows = (a: Float32Array[]) => a.map((x) => Array.from(x));
const oracle = (info: BitTaskInfo) => Uint8Array.from(info.target);

test('defaults and spaces follow the NTM setting', () => {
  const env = new CopyTask();
  assert.deepEqual({ ...env.options }, { bits: 8, minLength: 1, maxLength: 20, layout: 'ntm', curriculum: 'none', curriculumStart: 1 });
  assert.deepEqual(env.options, COPY_DEFAULTS);
  assert.equal(env.observationSpace.toString(), 'Box(0, 1, [9], float32)');
  assert.equal(env.actionSpace.toString(), 'MultiBinary(8)');
  assert.deepEqual(env.metadata, { renderModes: ['ansi', 'state'], renderFps: 4, rewardFree: true, target: { kind: 'bernoulli', size: 8 } });
});

test('reproduces the §8.4 timeline for W = 4, L = 3', () => {
  const env = new CopyTask({ bits: 4, minLength: 3, maxLength: 3 });
  const { obs, infos, last, rewards } = play(env, () => null, { seed: 7 });
  assert.equal(obs.length, 7);
  const v = obs.slice(0, 3).map((x) => Array.from(x.subarray(0, 4)));
  assert.deepEqual(rows(obs), [
    [...v[0]!, 0], [...v[1]!, 0], [...v[2]!, 0],
    [0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0],
  ]);
  const zero = [0, 0, 0, 0];
  assert.deepEqual(infos.map((i) => Array.from(i.target)), [zero, zero, zero, zero, v[0], v[1], v[2]]);
  assert.deepEqual(infos.map((i) => i.targetMask), [0, 0, 0, 0, 1, 1, 1]);
  assert.deepEqual(infos.map((i) => i.t), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(infos.map((i) => i.phase), ['input', 'input', 'input', 'query', 'output', 'output', 'output']);
  assert.ok(infos.every((i) => i.target instanceof Float32Array));
  assert.equal(new Set([...obs, ...infos.map((i) => i.target)].map((a) => a.buffer)).size, 14, 'a fresh array per call');
  assert.deepEqual(Array.from(last.obs), [0, 0, 0, 0, 0]);
  assert.equal(last.terminated, true);
  assert.equal(last.truncated, false);
  assert.equal(last.info.targetMask, 0);
  assert.deepEqual(Array.from(last.info.target), zero);
  assert.deepEqual(rewards, [0, 0, 0, 0, 0, 0, 0]);
  assert.throws(() => env.step(null), /Copy: step\(\) called after the episode ended/);
});

test('copyEpisode lays out a fixed pattern literally (ntm and start-end)', () => {
  const p = Uint8Array.from([1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1]); // v0 = 1001, v1 = 0110, v2 = 1111
  const ntm = copyEpisode(p, 3, 4, 'ntm');
  assert.equal(ntm.numSteps, 7);
  assert.deepEqual(Array.from(ntm.inputs), [1, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, ...new Array(15).fill(0)]);
  assert.deepEqual(Array.from(ntm.targets), [...new Array(16).fill(0), 1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1]);
  assert.deepEqual(Array.from(ntm.mask), [0, 0, 0, 0, 1, 1, 1]);
  const se = copyEpisode(p, 3, 4, 'start-end'); // T = 2L + 2, obs bits ‖ start ‖ end
  assert.equal(se.numSteps, 8);
  assert.deepEqual(Array.from(se.inputs.subarray(0, 6)), [0, 0, 0, 0, 1, 0]);
  assert.deepEqual(Array.from(se.inputs.subarray(6, 12)), [1, 0, 0, 1, 0, 0]);
  assert.deepEqual(Array.from(se.inputs.subarray(24, 30)), [0, 0, 0, 0, 0, 1]);
  assert.ok(se.inputs.subarray(30).every((x) => x === 0));
  assert.deepEqual(Array.from(se.mask), [0, 0, 0, 0, 0, 1, 1, 1]);
  assert.deepEqual(Array.from(se.targets.subarray(20)), [1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1]);
  assert.deepEqual(se.phases, ['input', 'input', 'input', 'input', 'query', 'output', 'output', 'output']);
});

test('start-end layout plays T = 2L + 2 steps with a [W + 2] obs', () => {
  const env = new CopyTask({ bits: 3, layout: 'start-end' });
  assert.deepEqual(env.observationSpace.shape, [5]);
  for (let i = 0; i < 20; i++) {
    const { obs, infos } = play(env, oracle, i === 0 ? { seed: 1 } : {});
    const L = (obs.length - 2) / 2;
    assert.ok(Number.isInteger(L) && L >= 1 && L <= 20);
    assert.deepEqual(Array.from(obs[0]!), [0, 0, 0, 1, 0]);
    assert.equal(infos.filter((x) => x.targetMask === 1).length, L);
    assert.deepEqual(env.episodeMetrics(), { seqLength: L, bitErrors: 0, solved: 1 });
  }
});

test('T = 2L + 1, lengths cover 1..20 uniformly, observations in the space', () => {
  const env = new CopyTask();
  const counts = new Array<number>(21).fill(0);
  env.reset({ seed: 3 });
  for (let e = 0; e < 4000; e++) {
    const { obs, infos } = play(env, () => null);
    const L = env.episodeMetrics()['seqLength'] as number;
    counts[L]!++;
    assert.equal(obs.length, 2 * L + 1);
    assert.equal(infos.filter((i) => i.targetMask === 1).length, L);
    if (e < 50) for (const o of obs) assert.ok(env.observationSpace.contains(o));
  }
  assert.equal(counts[0], 0);
  for (let L = 1; L <= 20; L++) assert.ok(counts[L]! > 140 && counts[L]! < 260, `length ${L} drawn ${counts[L]} times of 4000`);
});

test('bits are fair coins', () => {
  const env = new CopyTask({ minLength: 20 });
  let ones = 0;
  let n = 0;
  env.reset({ seed: 4 });
  for (let e = 0; e < 100; e++) {
    const { obs } = play(env, () => null);
    for (const o of obs.slice(0, 20)) for (let k = 0; k < 8; k++) { ones += o[k]!; n++; }
  }
  assert.ok(Math.abs(ones / n - 0.5) < 0.02, `fraction of ones ${ones / n}`);
});

test('metrics: perfect predictions solve, k flipped bits give bitErrors = k', () => {
  const env = new CopyTask();
  env.reset({ seed: 5 });
  for (let e = 0; e < 20; e++) {
    play(env, oracle);
    const L = env.episodeMetrics()['seqLength'];
    assert.deepEqual(env.episodeMetrics(), { seqLength: L, bitErrors: 0, solved: 1 });
  }
  for (const k of [1, 3, 8]) { // length 5: outputs at t = 6 … 10; flip the first k bits at t = 6
    play(env, (info) => {
      const a = Uint8Array.from(info.target);
      if (info.t === 6) for (let i = 0; i < k; i++) a[i] = 1 - a[i]!;
      return a;
    }, { options: { length: 5 } });
    assert.deepEqual(env.episodeMetrics(), { seqLength: 5, bitErrors: k, solved: 0 });
  }
  // Float32Array probabilities are thresholded at 0.5; wrong guesses at unmasked steps do not count.
  play(env, (info) => (info.targetMask ? Float32Array.from(info.target, (b) => (b ? 0.9 : 0.2)) : new Float32Array(8).fill(0.7)), { options: { length: 4 } });
  assert.deepEqual(env.episodeMetrics(), { seqLength: 4, bitErrors: 0, solved: 1 });
  play(env, () => new Float32Array(8).fill(0.5), { options: { length: 4 } });
  const ones = env.render('state') as SequenceFrame;
  assert.deepEqual(ones.predictions[0], [1, 1, 1, 1, 1, 1, 1, 1]);
});

test('null actions are accepted; bitErrors and solved appear only for predicted steps', () => {
  const env = new CopyTask({ bits: 4 });
  play(env, () => null, { seed: 6, options: { length: 3 } });
  assert.deepEqual(env.episodeMetrics(), { seqLength: 3 });
  play(env, () => undefined, { options: { length: 3 } });
  assert.deepEqual(env.episodeMetrics(), { seqLength: 3 });
  play(env, (info) => (info.t === 5 ? null : oracle(info)), { options: { length: 3 } });
  assert.deepEqual(env.episodeMetrics(), { seqLength: 3, bitErrors: 0, solved: 0 }, 'a skipped output step is not solved');
  const frame = env.render('state') as SequenceFrame;
  assert.equal(frame.predictions.length, 7);
  assert.equal(frame.predictions[5], null);
});

test('checkEnv passes through OrderEnforcing, for both layouts', () => {
  for (const layout of ['ntm', 'start-end'] as const) {
    const r = checkEnv(() => new OrderEnforcing(new CopyTask({ layout }), 'Copy-v0'));
    assert.ok(r.ok, r.results.filter((x) => !x.ok).map((x) => `${x.name}: ${x.message}`).join('\n'));
  }
  const wrapped = new OrderEnforcing(new CopyTask(), 'Copy-v0');
  wrapped.reset({ seed: 1 });
  assert.equal(wrapped.step(null).reward, 0, 'OrderEnforcing lets null through for reward-free envs');
});

test('same seed gives identical streams; reset() continues the stream', () => {
  const a = new CopyTask();
  const b = new CopyTask();
  const runs = (env: CopyTask) => {
    const out: string[] = [];
    for (let e = 0; e < 10; e++) {
      const p = play(env, oracle, e === 0 ? { seed: 42 } : {});
      out.push(JSON.stringify([rows(p.obs), p.infos.map((i) => [Array.from(i.target), i.targetMask])]));
    }
    return out;
  };
  const ra = runs(a);
  assert.deepEqual(ra, runs(b));
  assert.deepEqual(ra, runs(a), 'reseeding repeats the stream');
  assert.notEqual(ra[0], ra[1], 'reset() without a seed moves on');
  const other = play(new CopyTask(), oracle, { seed: 43 });
  assert.notEqual(JSON.stringify([rows(other.obs), other.infos.map((i) => [Array.from(i.target), i.targetMask])]), ra[0]);
});

test('reset({options: {length}}) forces one episode, beyond maxLength too', () => {
  const env = new CopyTask();
  for (const L of [1, 30, 120]) {
    const { obs } = play(env, () => null, { seed: 1, options: { length: L } });
    assert.equal(obs.length, 2 * L + 1);
    assert.equal(env.episodeMetrics()['seqLength'], L);
  }
  const lengths = new Set(Array.from({ length: 30 }, () => (play(env, () => null), env.episodeMetrics()['seqLength'])));
  assert.ok(lengths.size > 5, 'the next resets sample again');
  assert.throws(() => env.reset({ options: { length: 0 } }), /Copy: reset option length must be an integer >= 1, got 0/);
  assert.throws(() => env.reset({ options: { length: 2.5 } }), /must be an integer >= 1, got 2.5/);
  assert.throws(() => env.reset({ options: { repeats: 2 } }), /Copy: unknown reset option "repeats"; known: length/);
});

test('curriculum none: full range, level fixed at maxLength, advance() is false', () => {
  const env = new CopyTask();
  assert.equal(env.curriculum.mode, 'none');
  assert.equal(env.curriculum.level, 20);
  assert.equal(env.curriculum.atTarget, true);
  assert.equal(env.curriculum.advance(), false);
  assert.throws(() => env.curriculum.setLevel(3), /Copy: setLevel needs curriculum 'naive' or 'mix', got 'none'/);
  play(env, () => null, { seed: 1 });
  assert.equal(env.episodeMetrics()['curriculumLevel'], undefined);
});

test("curriculum 'naive' plays the current level; advance() moves it up to maxLength", () => {
  const env = new CopyTask({ maxLength: 6, curriculum: 'naive', curriculumStart: 3 });
  env.reset({ seed: 1 });
  for (let e = 0; e < 5; e++) { play(env, () => null); assert.equal(env.episodeMetrics()['seqLength'], 3); }
  assert.equal(env.episodeMetrics()['curriculumLevel'], 3);
  assert.equal(env.curriculum.advance(), true);
  play(env, () => null);
  assert.equal(env.episodeMetrics()['seqLength'], 4);
  assert.equal(env.curriculum.advance(), true);
  assert.equal(env.curriculum.advance(), true);
  assert.equal(env.curriculum.atTarget, true);
  assert.equal(env.curriculum.advance(), false);
  assert.equal(env.curriculum.level, 6);
  env.curriculum.setLevel(2);
  play(env, () => null);
  assert.equal(env.episodeMetrics()['seqLength'], 2);
  assert.throws(() => env.curriculum.setLevel(7), /Copy: curriculum level must be an integer in \[1, 6\], got 7/);
  play(env, () => null, { options: { length: 9 } });
  assert.equal(env.episodeMetrics()['seqLength'], 9, 'a forced length overrides the curriculum');
});

test("curriculum 'mix' samples every length up to the level, and respects minLength", () => {
  const env = new CopyTask({ minLength: 2, maxLength: 10, curriculum: 'mix', curriculumStart: 4 });
  env.reset({ seed: 2 });
  const seen = () => {
    const s = new Set<number>();
    for (let e = 0; e < 300; e++) { play(env, () => null); s.add(env.episodeMetrics()['seqLength']!); }
    return [...s].sort((a, b) => a - b);
  };
  assert.deepEqual(seen(), [2, 3, 4]);
  env.curriculum.advance();
  env.curriculum.advance();
  assert.deepEqual(seen(), [2, 3, 4, 5, 6]);
  env.curriculum.setLevel(1); // below minLength: clamps to minLength
  assert.deepEqual(seen(), [2]);
});

test('render: ansi grid and a small JSON sequence frame', () => {
  const env = new CopyTask({ bits: 4 });
  assert.equal(env.render('ansi'), 'Copy: not reset yet');
  play(env, oracle, { seed: 3, options: { length: 2 } });
  const text = env.render('ansi') as string;
  assert.match(text, /^Copy seqLength=2 t=5\/5 \[done\] bitErrors=0/);
  assert.match(text, /\ndelim    00100\n/);
  const frame = env.render('state') as SequenceFrame;
  assert.equal(frame.kind, 'sequence');
  assert.equal(frame.task, 'copy');
  assert.equal(frame.t, 5);
  assert.equal(frame.inputs.length, 5);
  assert.deepEqual(frame.inputs[2], [0, 0, 0, 0, 1]);
  assert.deepEqual(frame.mask, [0, 0, 0, 1, 1]);
  assert.deepEqual(frame.predictions[3], frame.targets[3]);
  assert.deepEqual(JSON.parse(JSON.stringify(frame)), frame);
  assert.throws(() => env.render('rgb' as 'ansi'), /Copy: render mode must be one of 'ansi', 'state', got "rgb"/);
});

test('bad actions and misuse throw clear errors', () => {
  const env = new CopyTask({ bits: 4 });
  assert.throws(() => env.step(null), /Copy: step\(\) called before reset\(\); call reset\(\) first/);
  env.reset({ seed: 1 });
  assert.throws(() => env.step(new Uint8Array(3)), /Copy: action must be a Uint8Array or Float32Array of 4 bits, or null, got Uint8Array of length 3/);
  assert.throws(() => env.step(Uint8Array.from([0, 2, 0, 0])), /Copy: action bits must be 0 or 1, got 2 at index 1/);
  assert.throws(() => env.step(Float32Array.from([0, NaN, 0, 0])), /action bits must be finite, got NaN/);
  assert.throws(() => env.step(3 as unknown as Uint8Array), /action must be a Uint8Array or Float32Array of 4 bits, or null, got 3/);
});

test('options are validated with readable messages', () => {
  assert.throws(() => new CopyTask({ minLength: 30 }), /^ConfigError: Copy: minLength must be <= maxLength \(20\), got 30$/);
  assert.throws(() => new CopyTask({ bits: 0 }), /Copy: bits must be an integer >= 1, got 0/);
  assert.throws(() => new CopyTask({ minLength: 0 }), /Copy: minLength must be an integer >= 1, got 0/);
  assert.throws(() => new CopyTask({ layout: 'dnc' as 'ntm' }), /Copy: layout must be one of 'ntm', 'start-end', got "dnc"/);
  assert.throws(() => new CopyTask({ curriculum: 'combined' as 'mix' }), /Copy: curriculum must be one of 'none', 'naive', 'mix', got "combined"/);
  assert.throws(() => new CopyTask({ curriculum: 'naive', curriculumStart: 21 }), /Copy: curriculumStart must be an integer in \[1, 20\], got 21/);
  assert.throws(() => new CopyTask({ maxLenght: 5 } as never), /Copy: unknown option "maxLenght"; did you mean "maxLength"\?/);
  assert.throws(() => new CopyTask({ bits: '8' } as never), /Copy: bits must be a number, got "8"/);
});
