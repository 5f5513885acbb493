import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EpisodeStatistics } from '../../envs/wrappers.ts';
import { SyncVectorEnv } from '../../envs/vector.ts';
import { CounterEnv } from '../fixtures/counter-env.ts';

const makeVec = (mode?: 'next-step' | 'same-step', lengths = [2, 3]) =>
  new SyncVectorEnv(lengths.map((l) => new EpisodeStatistics(new CounterEnv(l))), mode ? { autoresetMode: mode } : {});

test('reset seeds copy i with seed + i and batches observations', () => {
  const v = makeVec();
  const { obs } = v.reset({ seed: 10 });
  const a = new CounterEnv(2).reset({ seed: 10 }).obs;
  const b = new CounterEnv(3).reset({ seed: 11 }).obs;
  assert.deepEqual([...obs], [...a, ...b]);
  assert.deepEqual(v.observationSpace.shape, [2, 2]);
  assert.equal(v.actionSpace.toString(), 'MultiDiscrete([3, 3])');
  assert.equal(v.metadata.autoresetMode, 'next-step');
});

test('next-step autoreset: the step after an end only resets that copy', () => {
  const v = makeVec('next-step');
  v.reset({ seed: 0 });
  v.step([1, 1]);
  const end = v.step([1, 1]);            // copy 0 ends (length 2)
  assert.deepEqual([...end.terminated], [1, 0]);
  assert.deepEqual([...end.resets], [0, 0]);
  assert.equal(end.obs[1], 2);           // copy 0 still shows its last obs (t = 2)
  assert.deepEqual(end.infos[0]!.episode, { lastT: 2, return: 2, length: 2 });
  const next = v.step([2, 2]);           // copy 0 resets: action ignored, reward 0, not done
  assert.deepEqual([...next.resets], [1, 0]);
  assert.deepEqual([...next.rewards], [0, 2]);
  assert.deepEqual([...next.terminated], [0, 1]);
  assert.equal(next.obs[1], 0);          // t = 0 of the new episode
  // Valid transitions: every (t, i) with done[t-1, i] = 0. The reset step carries no transition.
});

test('same-step autoreset: a done slot already holds the new first observation', () => {
  const v = makeVec('same-step');
  v.reset({ seed: 0 });
  v.step([1, 1]);
  const end = v.step([1, 1]);
  assert.deepEqual([...end.terminated], [1, 0]);
  assert.deepEqual([...end.resets], [1, 0]);
  assert.equal(end.obs[1], 0);
  assert.equal(end.finalObs[0]![1], 2);
  assert.equal(end.finalObs[1], null);
  assert.equal(end.rewards[0], 1);
  const next = v.step([2, 2]);
  assert.deepEqual([...next.resets], [0, 1]);
  assert.equal(next.rewards[0], 2);      // copy 0 really stepped
});

test('a vector of copies matches stepping the copies one by one', () => {
  const v = makeVec('same-step', [3, 4, 5]);
  const singles = [3, 4, 5].map((l) => new CounterEnv(l));
  const vo = v.reset({ seed: 5 }).obs;
  const so = singles.map((e, i) => [...e.reset({ seed: 5 + i }).obs]).flat();
  assert.deepEqual([...vo], so);
  for (let t = 0; t < 12; t++) {
    const acts = [t % 3, (t + 1) % 3, (t + 2) % 3];
    const r = v.step(acts);
    singles.forEach((e, i) => {
      const s = e.step(acts[i]!);
      const o = s.terminated ? e.reset().obs : s.obs;
      assert.deepEqual([...r.obs.subarray(i * 2, i * 2 + 2)], [...o], `t=${t} env=${i}`);
      assert.equal(r.rewards[i], s.reward);
    });
  }
});

test('bad input: wrong action count, step before reset, mismatched spaces', () => {
  const v = makeVec();
  assert.throws(() => v.step([0, 0]), /SyncVectorEnv: step\(\) called before reset\(\)/);
  v.reset();
  assert.throws(() => v.step([0]), /actions must have length numEnvs=2, got length=1/);
  const other = { ...new CounterEnv(), observationSpace: new CounterEnv().observationSpace, actionSpace: { toString: () => 'Discrete(9)' } };
  assert.throws(() => new SyncVectorEnv([new CounterEnv(), other as never]), /env 1 has action space Discrete\(9\), expected Discrete\(3\)/);
});
