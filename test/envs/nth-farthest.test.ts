/**
 * NthFarthestTask (docs/tasks.md §4, §8; Santoro et al. 2018): observation layout, the answer against a
 * naive sort, both rank directions, mask timing, metrics, seeding, rendering and error text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEnv } from '../../envs/check.ts';
import type { SequenceFrame } from '../../envs/tasks/bits.ts';
import { type ClassPrediction, NTH_FARTHEST_DEFAULTS, nthFarthestAnswer, NthFarthestTask, type NthFarthestInfo, type NthFarthestOptions } from '../../envs/tasks/nth-farthest.ts';
import { OrderEnforcing } from '../../envs/wrappers.ts';

interface Played {
  obs: Float32Array[];
  infos: NthFarthestInfo[];
  last: { obs: Float32Array; terminated: boolean; truncated: boolean; reward: number; info: NthFarthestInfo };
}

function play(env: NthFarthestTask, policy: (info: NthFarthestInfo) => ClassPrediction, seed?: number): Played {
  const first = env.reset(seed === undefined ? {} : { seed });
  const obs = [first.obs];
  const infos = [first.info];
  for (let n = 0; n < 1000; n++) {
    const r = env.step(policy(infos[infos.length - 1] as NthFarthestInfo));
    assert.equal(r.reward, 0);
    if (r.terminated || r.truncated) return { obs, infos, last: r };
    obs.push(r.obs);
    infos.push(r.info);
  }
  throw new Error('episode never ended');
}

const argmax = (a: ArrayLike<number>) => Array.prototype.indexOf.call(a, Math.max(...Array.from(a)));

/** Decode an episode from its observations and answer by a naive full sort. */
function naiveAnswer(obs: Float32Array[], N: number, F: number, compat: NthFarthestOptions['compat']): number {
  const vec = new Map<number, number[]>();
  for (const o of obs) vec.set(argmax(o.subarray(F, F + N)), Array.from(o.subarray(0, F)));
  const m = argmax(obs[0]!.subarray(F + N, F + 2 * N));
  const n = argmax(obs[0]!.subarray(F + 2 * N, F + 3 * N));
  const ref = vec.get(m)!;
  const byDistance = [...vec.entries()]
    .map(([id, v]) => ({ id, d: Math.hypot(...v.map((x, f) => x - ref[f]!)) }))
    .sort((a, b) => b.d - a.d); // farthest first
  const ranked = compat === 'canonical' ? byDistance : byDistance.reverse();
  return ranked[n]!.id;
}

test('defaults and spaces: N = 8, F = 16, obs width F + 3N = 40, farthest-first', () => {
  const env = new NthFarthestTask();
  assert.deepEqual(env.options, NTH_FARTHEST_DEFAULTS);
  assert.deepEqual({ ...env.options }, { numObjects: 8, numFeatures: 16, compat: 'canonical' });
  assert.deepEqual(env.observationSpace.shape, [40]);
  assert.deepEqual(Array.from(env.observationSpace.low), [...new Array(16).fill(-1), ...new Array(24).fill(0)]);
  assert.ok(env.observationSpace.high.every((x) => x === 1));
  assert.equal(env.actionSpace.toString(), 'Discrete(8)');
  assert.deepEqual(env.metadata, { renderModes: ['ansi', 'state'], renderFps: 4, rewardFree: true, target: { kind: 'categorical', numClasses: 8 } });
});

test('layout: T = N, IDs a permutation, (m, n) repeated every step, mask only at t = N−1', () => {
  for (const [N, F] of [[8, 16], [4, 4], [5, 3]] as const) {
    const env = new NthFarthestTask({ numObjects: N, numFeatures: F });
    env.reset({ seed: N });
    for (let e = 0; e < 30; e++) {
      const { obs, infos, last } = play(env, () => null);
      assert.equal(obs.length, N);
      assert.equal(new Set(obs.map((o) => o.buffer)).size, N, 'a fresh array per call');
      for (const o of obs) {
        assert.equal(o.length, F + 3 * N);
        assert.ok(env.observationSpace.contains(o));
        for (const part of [o.subarray(F, F + N), o.subarray(F + N, F + 2 * N), o.subarray(F + 2 * N)]) {
          assert.equal(part.reduce((s, x) => s + x, 0), 1);
          assert.ok(part.every((x) => x === 0 || x === 1));
        }
        assert.deepEqual(Array.from(o.subarray(F + N)), Array.from(obs[0]!.subarray(F + N)), 'm and n one-hots repeat');
      }
      assert.deepEqual(obs.map((o) => argmax(o.subarray(F, F + N))).sort(), Array.from({ length: N }, (_, i) => i));
      assert.deepEqual(infos.map((i) => i.targetMask), Array.from({ length: N }, (_, t) => (t === N - 1 ? 1 : 0)));
      assert.deepEqual(infos.map((i) => i.t), Array.from({ length: N }, (_, t) => t));
      assert.ok(infos.slice(0, -1).every((i) => i.target === 0));
      assert.deepEqual(Array.from(last.obs), new Array(F + 3 * N).fill(0));
      assert.equal(last.terminated, true);
      assert.equal(last.truncated, false);
      assert.deepEqual(last.info, { target: 0, targetMask: 0, t: N });
    }
  }
});

test('the answer equals a naive sort by distance, in both rank directions', () => {
  for (const compat of ['canonical', 'sonnet'] as const) {
    const env = new NthFarthestTask({ compat });
    env.reset({ seed: 21 });
    for (let e = 0; e < 300; e++) {
      const { obs, infos } = play(env, () => null);
      assert.equal(infos[7]!.target, naiveAnswer(obs, 8, 16, compat));
      const m = argmax(obs[0]!.subarray(24, 32));
      const n = argmax(obs[0]!.subarray(32, 40));
      if (n === (compat === 'canonical' ? 7 : 0)) assert.equal(infos[7]!.target, m, 'the reference itself is at this rank');
    }
  }
});

test('rank ends: canonical n = N−1 and sonnet n = 0 give the reference; the orders are reverses', () => {
  const v = [0, 0, 3, 0, 1, 0, 2, 0]; // four objects on a line: distances to object 0 are 0, 3, 1, 2
  assert.deepEqual([0, 1, 2, 3].map((n) => nthFarthestAnswer(v, 4, 2, 0, n, 'canonical')), [1, 3, 2, 0]);
  assert.deepEqual([0, 1, 2, 3].map((n) => nthFarthestAnswer(v, 4, 2, 0, n, 'sonnet')), [0, 2, 3, 1]);
  // From object 2 (x = 1), objects 0 and 3 tie at distance 1: increasing order breaks ties by ID (2, 0, 3, 1).
  assert.deepEqual([0, 1, 2, 3].map((n) => nthFarthestAnswer(v, 4, 2, 2, n)), [1, 3, 0, 2]);
});

test('m and n are uniform over 0..N−1 and the answer is rarely the reference', () => {
  const env = new NthFarthestTask();
  const ms = new Array<number>(8).fill(0);
  const ns = new Array<number>(8).fill(0);
  let refAnswers = 0;
  env.reset({ seed: 5 });
  for (let e = 0; e < 4000; e++) {
    const { obs, infos } = play(env, () => null);
    const m = argmax(obs[0]!.subarray(24, 32)); // [v 0..15 | ID 16..23 | m 24..31 | n 32..39]
    const n = argmax(obs[0]!.subarray(32, 40));
    ms[m]!++;
    ns[n]!++;
    if (infos[7]!.target === m) refAnswers++;
  }
  for (let i = 0; i < 8; i++) {
    assert.ok(ms[i]! > 400 && ms[i]! < 600, `m = ${i} drawn ${ms[i]} times of 4000`);
    assert.ok(ns[i]! > 400 && ns[i]! < 600, `n = ${i} drawn ${ns[i]} times of 4000`);
  }
  assert.ok(Math.abs(refAnswers / 4000 - 1 / 8) < 0.03, 'the reference is the answer only when n = N−1');
});

test('metrics: accuracy 1 for the right ID, 0 for a wrong one, absent for null', () => {
  const env = new NthFarthestTask({ numObjects: 4, numFeatures: 4 });
  env.reset({ seed: 1 });
  for (let e = 0; e < 10; e++) {
    play(env, (info) => info.target);
    assert.deepEqual(env.episodeMetrics(), { accuracy: 1 });
    play(env, (info) => (info.targetMask ? (info.target + 1) % 4 : 0));
    assert.deepEqual(env.episodeMetrics(), { accuracy: 0 });
  }
  play(env, () => null);
  assert.deepEqual(env.episodeMetrics(), {});
  play(env, (info) => (info.targetMask ? info.target : undefined));
  assert.deepEqual(env.episodeMetrics(), { accuracy: 1 }, 'only the answer step counts');
  env.reset();
  assert.deepEqual(env.episodeMetrics(), {});
});

test('checkEnv passes through OrderEnforcing', () => {
  for (const kw of [{}, { numObjects: 4, numFeatures: 4, compat: 'sonnet' as const }]) {
    const r = checkEnv(() => new OrderEnforcing(new NthFarthestTask(kw), 'NthFarthest-v0'));
    assert.ok(r.ok, r.results.filter((x) => !x.ok).map((x) => `${x.name}: ${x.message}`).join('\n'));
  }
  const wrapped = new OrderEnforcing(new NthFarthestTask(), 'NthFarthest-v0');
  wrapped.reset({ seed: 1 });
  assert.equal(wrapped.step(null).reward, 0, 'OrderEnforcing lets null through for reward-free envs');
});

test('same seed gives identical streams; reset() continues it', () => {
  const stream = (env: NthFarthestTask) => Array.from({ length: 6 }, (_, e) => {
    const p = play(env, (info) => info.target, e === 0 ? 17 : undefined);
    return JSON.stringify([p.obs.map((o) => Array.from(o)), p.infos.map((i) => i.target)]);
  });
  const a = stream(new NthFarthestTask());
  assert.deepEqual(a, stream(new NthFarthestTask()));
  assert.equal(new Set(a).size, 6);
});

test('render: ansi table and a sequence frame with one-hot targets', () => {
  const env = new NthFarthestTask({ numObjects: 3, numFeatures: 2 });
  assert.equal(env.render('ansi'), 'NthFarthest: not reset yet');
  const { infos } = play(env, (info) => info.target, 2);
  const text = env.render('ansi') as string;
  assert.match(text, /^NthFarthest m=\d n=\d \(farthest-first\) answer=\d t=3\/3 \[done\]\n t {2}id {2}dist\n/);
  assert.match(text, / m( answer)?\n/);
  assert.match(text, /prediction: \d \(right\)$/);
  const f = env.render('state') as SequenceFrame;
  assert.equal(f.kind, 'sequence');
  assert.equal(f.task, 'nth-farthest');
  assert.equal(f.t, 3);
  assert.equal(f.inputs.length, 3);
  assert.equal(f.inputs[0]!.length, 11);
  assert.ok(f.inputs.flat().every((x) => Math.round(x * 1000) / 1000 === x));
  const answer = [0, 0, 0];
  answer[infos[2]!.target] = 1;
  assert.deepEqual(f.targets, [[0, 0, 0], [0, 0, 0], answer]);
  assert.deepEqual(f.mask, [0, 0, 1]);
  assert.deepEqual(f.predictions[2], answer);
  assert.deepEqual(JSON.parse(JSON.stringify(f)), f);
});

test('bad actions, misuse and options give readable errors', () => {
  const env = new NthFarthestTask();
  assert.throws(() => env.step(0), /NthFarthest: step\(\) called before reset\(\); call reset\(\) first/);
  env.reset({ seed: 1 });
  assert.throws(() => env.step(8), /NthFarthest: action must be an integer ID in \[0, 7\] or null, got 8/);
  assert.throws(() => env.step(1.5), /got 1.5/);
  assert.throws(() => env.reset({ options: { length: 3 } }), /NthFarthest: unknown reset option "length"; known: \(none\)/);
  assert.throws(() => new NthFarthestTask({ numObjects: 1 }), /NthFarthest: numObjects must be an integer >= 2, got 1/);
  assert.throws(() => new NthFarthestTask({ numFeatures: 0 }), /NthFarthest: numFeatures must be an integer >= 1, got 0/);
  assert.throws(() => new NthFarthestTask({ compat: 'numpy' as 'sonnet' }), /NthFarthest: compat must be one of 'canonical', 'sonnet', got "numpy"/);
  assert.throws(() => new NthFarthestTask({ numObject: 8 } as never), /NthFarthest: unknown option "numObject"; did you mean "numObjects"\?/);
});
