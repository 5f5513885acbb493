import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EnvError } from '../../envs/errors.ts';
import { EpisodeStatistics, OrderEnforcing, TimeLimit } from '../../envs/wrappers.ts';
import { CounterEnv } from '../fixtures/counter-env.ts';

test('OrderEnforcing: step before reset and after the end are clear errors', () => {
  const env = new OrderEnforcing(new CounterEnv(2), 'Counter-v0');
  assert.throws(() => env.step(0), (e: Error) => e instanceof EnvError && /Counter-v0: step\(\) called before reset\(\); call reset\(\) first/.test(e.message));
  env.reset({ seed: 1 });
  env.step(0);
  assert.equal(env.step(0).terminated, true);
  assert.throws(() => env.step(0), /step\(\) called after the episode ended; call reset\(\)/);
  env.reset();
  assert.doesNotThrow(() => env.step(1));
});

test('OrderEnforcing: an invalid action names the action and the space', () => {
  const env = new OrderEnforcing(new CounterEnv(), 'Counter-v0');
  env.reset();
  assert.throws(() => env.step(7), /Counter-v0: invalid action 7; expected an element of Discrete\(3\)/);
  assert.throws(() => env.step(1.5), /invalid action 1.5/);
  assert.throws(() => env.step('1' as unknown as number), /invalid action "1"/);
});

test('TimeLimit truncates at maxEpisodeSteps, never on a terminating step', () => {
  const long = new TimeLimit(new CounterEnv(10), 3);
  long.reset();
  assert.deepEqual([long.step(0), long.step(0), long.step(0)].map((r) => [r.terminated, r.truncated]), [[false, false], [false, false], [false, true]]);
  const exact = new TimeLimit(new CounterEnv(3), 3);
  exact.reset();
  exact.step(0); exact.step(0);
  const last = exact.step(0);
  assert.equal(last.terminated, true);
  assert.equal(last.truncated, false);
  assert.throws(() => new TimeLimit(new CounterEnv(), 0), /maxEpisodeSteps must be an integer >= 1, got 0/);
});

test('EpisodeStatistics adds return, length and the env metrics at the end only', () => {
  const env = new EpisodeStatistics(new TimeLimit(new CounterEnv(5), 4));
  env.reset();
  const rs = [env.step(2), env.step(1), env.step(0), env.step(2)];
  assert.equal(rs[0]!.info.episode, undefined);
  assert.deepEqual(rs[3]!.info.episode, { lastT: 4, return: 5, length: 4 });
  env.reset();
  env.step(1);
  assert.equal(env.unwrapped instanceof CounterEnv, true);
});
