import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../envs/errors.ts';
import { listEnvs, make, register, spec, unregister } from '../../envs/registry.ts';
import { CounterEnv } from '../fixtures/counter-env.ts';

test('register, make with kwargs over defaults, spec and listEnvs', () => {
  let seen: Record<string, unknown> = {};
  register('RegCounter-v0', (kw) => { seen = kw; return new CounterEnv(kw.length as number); }, { kwargs: { length: 4, tag: 'a' }, maxEpisodeSteps: 2, description: 'counts' });
  try {
    assert.ok(listEnvs().includes('RegCounter-v0'));
    assert.equal(spec('RegCounter-v0').maxEpisodeSteps, 2);
    const env = make('RegCounter-v0', { length: 9 });
    assert.deepEqual(seen, { length: 9, tag: 'a' });
    assert.throws(() => env.step(0), /RegCounter-v0: step\(\) called before reset\(\)/);
    env.reset();
    env.step(1);
    const r = env.step(1);
    assert.equal(r.truncated, true);                       // TimeLimit from the spec
    assert.deepEqual(r.info.episode, { lastT: 2, return: 2, length: 2 });
    const unlimited = make('RegCounter-v0', {}, { maxEpisodeSteps: 0 });
    unlimited.reset();
    for (let i = 0; i < 3; i++) assert.equal(unlimited.step(0).truncated, false);
  } finally {
    unregister('RegCounter-v0');
  }
});

test('an unknown id lists the known ids and suggests the closest', () => {
  register('RegCounter-v0', () => new CounterEnv());
  try {
    assert.throws(() => make('RegCountr-v0'), (e: Error) => e instanceof ConfigError
      && /unknown env "RegCountr-v0"; did you mean "RegCounter-v0"\? known envs: .*RegCounter-v0/.test(e.message));
  } finally {
    unregister('RegCounter-v0');
  }
});

test('bad registrations are rejected with the rule', () => {
  assert.throws(() => register('nover', () => new CounterEnv()), /id must look like "Name-v0"/);
  assert.throws(() => register('X-v0', () => new CounterEnv(), { maxEpisodeSteps: -1 }), /maxEpisodeSteps for "X-v0" must be an integer >= 1, got -1/);
  register('Dup-v0', () => new CounterEnv());
  try {
    assert.throws(() => register('Dup-v0', () => new CounterEnv()), /"Dup-v0" is already registered/);
  } finally {
    unregister('Dup-v0');
  }
});
