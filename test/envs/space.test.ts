import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../envs/rng.ts';
import { Box, Discrete, MultiBinary, MultiDiscrete, spaceFromJSON } from '../../envs/space.ts';

test('Discrete contains integers in [start, start+n) only', () => {
  const d = new Discrete(5);
  assert.ok(d.contains(0) && d.contains(4));
  for (const bad of [-1, 5, 1.5, '1', NaN, null]) assert.equal(d.contains(bad), false);
  const s = new Discrete(3, -1);
  assert.ok(s.contains(-1) && s.contains(1) && !s.contains(2));
  assert.equal(s.toString(), 'Discrete(3, start=-1)');
});

test('samples lie in their space and cover it', () => {
  const rng = new Rng(3);
  const d = new Discrete(4);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) { const x = d.sample(rng); assert.ok(d.contains(x)); seen.add(x); }
  assert.equal(seen.size, 4);
  for (const sp of [new Box(-1, 2, [2, 3]), new Box(-Infinity, Infinity, [4]), new Box(0, Infinity, [3]), new MultiDiscrete([2, 5]), new MultiBinary(6)]) {
    for (let i = 0; i < 50; i++) assert.ok((sp.contains as (x: unknown) => boolean)(sp.sample(rng)), sp.toString());
  }
});

test('Box rejects wrong type, length, NaN and out-of-bounds values', () => {
  const b = new Box(0, 1, [2, 2]);
  assert.equal(b.size, 4);
  assert.ok(b.contains(new Float32Array(4)));
  assert.equal(b.contains(new Float64Array(4)), false);
  assert.equal(b.contains(new Float32Array(3)), false);
  assert.equal(b.contains(Float32Array.of(0, 0, NaN, 0)), false);
  assert.equal(b.contains(Float32Array.of(0, 0, 1.5, 0)), false);
  assert.match(b.explain(Float32Array.of(0, 0, 1.5, 0)) ?? '', /element 2 is 1.5, outside \[0, 1\]/);
  assert.equal(b.toString(), 'Box(0, 1, [2, 2], float32)');
});

test('invalid spaces throw messages that name the rule and the value', () => {
  assert.throws(() => new Discrete(0), /Discrete: n must be an integer >= 1, got 0/);
  assert.throws(() => new Box(0, 1, [2, 0]), /Box: shape must be a list of positive integers, got \[2,0\]/);
  assert.throws(() => new Box(1, 0, [1]), /Box: low must be <= high/);
  assert.throws(() => new Box([0, 0], 1, [3]), /Box: low must be a number or have 3 values, got 2/);
  assert.throws(() => new MultiDiscrete([]), /MultiDiscrete: nvec must be a non-empty list/);
});

test('spaces round-trip through JSON, infinite bounds included', () => {
  for (const sp of [new Discrete(5, 2), new Box(-Infinity, Infinity, [3]), new Box([0, -1], [1, 1], [2]), new MultiDiscrete([3, 4]), new MultiBinary(2)]) {
    const back = spaceFromJSON(JSON.parse(JSON.stringify(sp.toJSON())));
    assert.equal(back.toString(), sp.toString());
    assert.deepEqual(back.toJSON(), sp.toJSON());
  }
});
