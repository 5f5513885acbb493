import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkEnv } from '../../envs/check.ts';
import type { Env, StepResult } from '../../envs/env.ts';
import { Discrete } from '../../envs/space.ts';
import { OrderEnforcing } from '../../envs/wrappers.ts';
import { CounterEnv } from '../fixtures/counter-env.ts';

const failures = (r: ReturnType<typeof checkEnv>) => r.results.filter((x) => !x.ok).map((x) => `${x.name}: ${x.message}`);

test('a well-formed env passes every check', () => {
  const r = checkEnv(() => new OrderEnforcing(new CounterEnv()));
  assert.deepEqual(failures(r), []);
  assert.equal(r.ok, true);
  assert.ok(r.results.length >= 9);
});

test('without OrderEnforcing, step before reset and invalid actions are reported', () => {
  const r = checkEnv(() => new CounterEnv());
  const f = failures(r).join('\n');
  assert.match(f, /step before reset: step\(\) before reset\(\) must throw/);
  assert.match(f, /invalid action: step\(3\) must throw for an action outside Discrete\(3\)/);
});

class Faulty extends CounterEnv {
  constructor(private readonly fault: string) { super(); }
  override reset(opts: { seed?: number } = {}) {
    const r = super.reset(opts);
    if (this.fault === 'tuple') return [r.obs, r.info] as never;
    if (this.fault === 'random') r.obs[0] = Math.floor(Math.random() * 1000);
    return r;
  }
  override step(a: number): StepResult {
    const r = super.step(a);
    if (this.fault === 'both') return { ...r, terminated: true, truncated: true };
    if (this.fault === 'nan') return { ...r, reward: NaN };
    if (this.fault === 'shape') return { ...r, obs: new Float32Array(3) };
    return r;
  }
}

for (const [fault, check, pattern] of [
  ['tuple', 'reset', /must return a named object \{obs, info\}, not an array/],
  ['random', 'determinism', /never Math.random/],
  ['both', 'step', /set both terminated and truncated/],
  ['nan', 'step', /reward must be a finite number, got NaN/],
  ['shape', 'step', /expected length 2 \(shape \[2\]\), got length 3/],
] as const) {
  test(`reports a ${fault} fault under "${check}" with a fix`, () => {
    const r = checkEnv(new OrderEnforcing(new Faulty(fault)));
    const hit = r.results.find((x) => x.name === check);
    assert.equal(hit?.ok, false, JSON.stringify(r.results));
    assert.match(hit!.message, pattern);
  });
}

test('reset() that re-seeds itself is caught', () => {
  class Reseeding extends CounterEnv {
    override reset(opts: { seed?: number } = {}) { return super.reset({ seed: opts.seed ?? 0 }); }
  }
  const r = checkEnv(new OrderEnforcing(new Reseeding()));
  assert.match(r.results.find((x) => x.name === 'reset without seed')!.message, /must continue the random stream/);
});

test('bad spaces, metadata and render output are named', () => {
  const bad = { ...new CounterEnv(), observationSpace: { shape: [2] }, actionSpace: new Discrete(2) } as unknown as Env;
  assert.match(failures(checkEnv(bad)).join('\n'), /spaces: observationSpace must be a Space/);
  class BadRender extends CounterEnv {
    override render(mode: 'ansi' | 'state') { return mode === 'ansi' ? 'x' : { kind: 'c', data: new Float32Array(2) } as never; }
  }
  assert.match(failures(checkEnv(new BadRender())).join('\n'), /render\('state'\) must return plain JSON: frame.data is a Float32Array/);
  class BadMeta extends CounterEnv { override readonly metadata = { renderModes: ['human'], renderFps: 0 } as never; }
  assert.match(failures(checkEnv(new BadMeta())).join('\n'), /metadata.renderModes must be a list of 'ansi' and\/or 'state', got \["human"\]/);
});
