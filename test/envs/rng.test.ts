import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../envs/rng.ts';

test('the same seed gives the same stream; different seeds differ', () => {
  const a = new Rng(42), b = new Rng(42), c = new Rng(43);
  const xs = Array.from({ length: 10 }, () => a.nextUint32());
  assert.deepEqual(xs, Array.from({ length: 10 }, () => b.nextUint32()));
  assert.notDeepEqual(xs, Array.from({ length: 10 }, () => c.nextUint32()));
});

test('state round-trips through JSON and resumes the stream exactly', () => {
  const a = new Rng(7);
  for (let i = 0; i < 5; i++) a.uniform();
  const saved = JSON.parse(JSON.stringify(a.getState()));
  const expected = [a.uniform(), a.normal(), a.int(3, 9)];
  const b = Rng.fromState(saved);
  assert.deepEqual([b.uniform(), b.normal(), b.int(3, 9)], expected);
  assert.throws(() => a.setState([1, 2, 3] as never), /Rng: state must be 4 uint32 words/);
});

test('uniform is in [0,1) and int covers [lo, hi] inclusive without bias', () => {
  const r = new Rng(1);
  const counts = new Array(6).fill(0);
  for (let i = 0; i < 60000; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
    counts[r.int(1, 6) - 1]++;
  }
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 400, `count ${c}`);
  assert.throws(() => r.int(3, 2), /Rng.int: need lo <= hi/);
});

test('normal has mean 0 and variance 1', () => {
  const r = new Rng(2);
  let s = 0, s2 = 0;
  const n = 50000;
  for (let i = 0; i < n; i++) { const x = r.normal(); s += x; s2 += x * x; }
  assert.ok(Math.abs(s / n) < 0.02);
  assert.ok(Math.abs(s2 / n - 1) < 0.03);
});

test('permutation and shuffle are permutations; split streams are independent of the parent', () => {
  const r = new Rng(5);
  const p = [...r.permutation(10)].sort((a, b) => a - b);
  assert.deepEqual(p, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(r.shuffle([1, 2, 3, 4]).sort(), [1, 2, 3, 4]);
  const child = r.split();
  assert.notEqual(child.nextUint32(), r.nextUint32());
  assert.throws(() => new Rng(1.5), /Rng: seed must be an integer, got 1.5/);
});

test('categorical follows the weights', () => {
  const r = new Rng(9);
  const counts = [0, 0, 0];
  for (let i = 0; i < 30000; i++) counts[r.categorical([1, 0, 3])]!++;
  assert.equal(counts[1], 0);
  assert.ok(Math.abs(counts[2]! / 30000 - 0.75) < 0.02);
});
