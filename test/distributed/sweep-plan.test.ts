import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../envs/errors.ts';
import '../../envs/registry.ts';
import { parseSeeds, planSweep, splitValues } from '../../experiments/distributed/sweep-plan.ts';

test('parseSeeds reads ranges and lists, each seed once, and refuses anything else in one line', () => {
  assert.deepEqual(parseSeeds('1-5'), [1, 2, 3, 4, 5]);
  assert.deepEqual(parseSeeds('0,3,7'), [0, 3, 7]);
  assert.deepEqual(parseSeeds('1-3,8,2'), [1, 2, 3, 8]);
  assert.deepEqual(parseSeeds('4'), [4]);
  for (const bad of ['', '5-1', '1-x', '-1', '1.5', '1,,2', '0-20000']) {
    assert.throws(() => parseSeeds(bad), (e: Error) => e instanceof ConfigError && /^--seeds: /.test(e.message), bad);
  }
});

test('splitValues splits at commas outside brackets, braces and quotes', () => {
  assert.deepEqual(splitValues('1e-3,3e-3'), ['1e-3', '3e-3']);
  assert.deepEqual(splitValues('[1,2],[3,4]'), ['[1,2]', '[3,4]']);
  assert.deepEqual(splitValues('{"a":1,"b":2},"x,y",z'), ['{"a":1,"b":2}', '"x,y"', 'z']);
  assert.deepEqual(splitValues('lstm'), ['lstm']);
});

test('planSweep makes one job per seed and combination, with the swept keys named', () => {
  const def = planSweep('s1', { core: 'lstm', envModules: ['./mine.js'] }, [1, 2], ['agent.lr=1e-3,3e-3', 'core=lstm,dnd-lstm', 'totalSteps=1000']);
  assert.equal(def.jobs.length, 8);
  assert.deepEqual(def.gridKeys, ['agent.lr', 'core']);
  assert.deepEqual(def.jobs[0], { id: 'job-001', seed: 1, sets: ['agent.lr=1e-3', 'core=lstm', 'totalSteps=1000'] });
  assert.deepEqual(def.jobs[1], { id: 'job-002', seed: 2, sets: ['agent.lr=1e-3', 'core=lstm', 'totalSteps=1000'] });
  assert.deepEqual(def.jobs[7], { id: 'job-008', seed: 2, sets: ['agent.lr=3e-3', 'core=dnd-lstm', 'totalSteps=1000'] });
  assert.equal(new Set(def.jobs.map((j) => j.id)).size, 8);
  assert.deepEqual(def.values, { core: 'lstm' }, 'workers load their own env modules');
});

test('planSweep checks every job config before anything is queued, naming the job', () => {
  assert.throws(() => planSweep('s2', {}, [1], ['agent.lr=1e-3,abc']),
    (e: Error) => e instanceof ConfigError && /^sweep job job-002 \(seed 1, agent\.lr=abc\): agent: lr must be a number/.test(e.message));
  assert.throws(() => planSweep('s2', { core: 'nope' }, [1], []), (e: Error) => e instanceof ConfigError && /sweep job job-001 \(seed 1\): .*nope/.test(e.message));
  assert.throws(() => planSweep('bad name', {}, [1], []), (e: Error) => e instanceof ConfigError && /^--name: /.test(e.message));
  assert.throws(() => planSweep('s3', {}, [1], ['agent.lr']), (e: Error) => e instanceof ConfigError && /expected key=value/.test(e.message));
  assert.throws(() => planSweep('s4', {}, parseSeeds('0-999'), ['seed=1,2,3,4,5,6,7,8,9,10,11']), (e: Error) => e instanceof ConfigError && /11000 jobs .* at most 10000/.test(e.message));
});
