/**
 * checkEnv — the contract test for any Env (Gymnasium `utils/env_checker.py`), for our envs and
 * for users' own. Each check reports what failed and what to fix; nothing throws out of it.
 */
import type { Env, EnvFrame, Info, StepResult } from './env.ts';
import { Rng } from './rng.ts';
import { Box, isSpace } from './space.ts';

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** What failed and how to fix it (empty when ok), or why the check was skipped. */
  readonly message: string;
  readonly skipped?: boolean;
}

export interface CheckReport {
  readonly ok: boolean;
  readonly results: readonly CheckResult[];
}

export interface CheckOptions {
  seed?: number;
  /** Steps per rollout in the step and determinism checks. */
  numSteps?: number;
}

type AnyEnv = Env<unknown, unknown, Info>;
type Source = AnyEnv | (() => AnyEnv);

class CheckFailure extends Error {}
function fail(msg: string): never { throw new CheckFailure(msg); }

/**
 * Runs every check on `source`. Pass a factory (`() => make(id)`) to also check fresh copies:
 * step before reset, an invalid action, and two copies with one seed giving one trajectory.
 */
export function checkEnv(source: Source, opts: CheckOptions = {}): CheckReport {
  const seed = opts.seed ?? 0;
  const numSteps = opts.numSteps ?? 200;
  const factory = typeof source === 'function' ? source : undefined;
  const env = factory ? factory() : source as AnyEnv;
  const results: CheckResult[] = [];
  const run = (name: string, body: () => string | void): void => {
    try {
      const skip = body();
      results.push(skip ? { name, ok: true, message: skip, skipped: true } : { name, ok: true, message: '' });
    } catch (e) {
      const msg = e instanceof CheckFailure ? e.message : `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
      results.push({ name, ok: false, message: msg });
    }
  };

  run('spaces', () => checkSpaces(env));
  const spacesOk = results[0]?.ok === true;
  run('metadata', () => checkMetadata(env));
  if (factory) {
    run('step before reset', () => {
      const fresh = factory();
      let threw = false;
      try { fresh.step(fresh.actionSpace.sample(new Rng(seed))); } catch { threw = true; }
      fresh.close?.();
      if (!threw) fail('step() before reset() must throw a clear error (wrap the env with OrderEnforcing, as make() does)');
    });
  }
  if (!spacesOk) {
    results.push({ name: 'reset and step', ok: false, message: 'not run: fix the spaces first' });
    return report(results);
  }
  run('reset', () => {
    const r = env.reset({ seed });
    checkResetResult(env, r);
  });
  run('step', () => { rollout(env, seed, numSteps, true); });
  run('determinism', () => {
    const a = rollout(env, seed, numSteps, false);
    const b = rollout(env, seed, numSteps, false);
    compareTrajectories(a, b, 'resetting with the same seed');
    if (factory) {
      const copy = factory();
      const c = rollout(copy, seed, numSteps, false);
      copy.close?.();
      compareTrajectories(a, c, 'a second copy made with the same seed');
    }
  });
  run('reset without seed', () => {
    // Compare the first few observations under fixed actions: one observation can repeat by chance.
    const first = opening(env, { seed });
    const again = opening(env, {});
    const otherSeed = opening(env, { seed: seed + 1 });
    if (first === otherSeed) return 'skipped: the opening of an episode does not depend on the seed';
    if (first === again) fail('reset() without a seed must continue the random stream, not re-seed (it repeated the seeded episode\'s opening)');
  });
  if (factory) {
    run('invalid action', () => {
      const invalid = invalidAction(env);
      if (invalid === undefined) return 'skipped: no value outside this action space to try';
      const e2 = factory();
      e2.reset({ seed });
      let threw = false;
      try { e2.step(invalid); } catch { threw = true; }
      e2.close?.();
      if (!threw) fail(`step(${JSON.stringify(invalid)}) must throw for an action outside ${env.actionSpace.toString()}`);
    });
  }
  run('render', () => checkRender(env, seed));
  run('close', () => { env.close?.(); env.close?.(); });
  return report(results);
}

function report(results: CheckResult[]): CheckReport {
  return { ok: results.every((r) => r.ok), results };
}

function checkSpaces(env: AnyEnv): void {
  for (const [name, space] of [['observationSpace', env.observationSpace], ['actionSpace', env.actionSpace]] as const) {
    if (!isSpace(space)) fail(`${name} must be a Space (Discrete, Box, MultiDiscrete, MultiBinary), got ${typeof space}`);
    if (space.shape.some((d) => !Number.isInteger(d) || d < 1)) fail(`${name}.shape must hold positive integers, got [${space.shape}]`);
    const s = space.sample(new Rng(1));
    if (!space.contains(s)) fail(`${name}.sample() returned a value its own contains() rejects`);
  }
}

function checkMetadata(env: AnyEnv): void {
  const m = env.metadata as unknown;
  if (!m || typeof m !== 'object') fail('metadata must be an object like { renderModes: [\'ansi\', \'state\'], renderFps: 4 }');
  const md = m as { renderModes?: unknown; renderFps?: unknown };
  if (!Array.isArray(md.renderModes) || md.renderModes.some((x) => x !== 'ansi' && x !== 'state')) {
    fail(`metadata.renderModes must be a list of 'ansi' and/or 'state', got ${JSON.stringify(md.renderModes)}`);
  }
  if (typeof md.renderFps !== 'number' || !(md.renderFps > 0)) fail(`metadata.renderFps must be a positive number, got ${JSON.stringify(md.renderFps)}`);
  if (md.renderModes.length > 0 && typeof env.render !== 'function') fail('metadata.renderModes lists modes but the env has no render(mode) method');
}

function checkResetResult(env: AnyEnv, r: unknown): void {
  if (Array.isArray(r)) fail('reset() must return a named object {obs, info}, not an array (Gymnasium tuples)');
  if (!r || typeof r !== 'object' || !('obs' in r) || !('info' in r)) fail(`reset() must return {obs, info}, got ${describeKeys(r)}`);
  const { obs, info } = r as { obs: unknown; info: unknown };
  checkObs(env, obs, 'reset()');
  if (!info || typeof info !== 'object' || Array.isArray(info)) fail(`reset() info must be a plain object, got ${JSON.stringify(info)}`);
}

function checkObs(env: AnyEnv, obs: unknown, where: string): void {
  if (env.observationSpace.contains(obs)) return;
  const why = env.observationSpace instanceof Box ? env.observationSpace.explain(obs) : undefined;
  fail(`${where} returned an observation outside ${env.observationSpace.toString()}${why ? `: ${why}` : ''}`);
}

function checkStepResult(env: AnyEnv, r: unknown, t: number): asserts r is StepResult<unknown, Info> {
  const where = `step() at t=${t}`;
  if (Array.isArray(r)) fail('step() must return a named object {obs, reward, terminated, truncated, info}, not an array (Gymnasium tuples)');
  if (!r || typeof r !== 'object') fail(`${where} must return {obs, reward, terminated, truncated, info}, got ${describeKeys(r)}`);
  const s = r as Record<string, unknown>;
  for (const k of ['obs', 'reward', 'terminated', 'truncated', 'info']) if (!(k in s)) fail(`${where} result is missing "${k}" (got ${describeKeys(r)})`);
  checkObs(env, s.obs, where);
  if (typeof s.reward !== 'number' || !Number.isFinite(s.reward)) fail(`${where} reward must be a finite number, got ${String(s.reward)}`);
  if (typeof s.terminated !== 'boolean') fail(`${where} terminated must be a boolean, got ${JSON.stringify(s.terminated)}`);
  if (typeof s.truncated !== 'boolean') fail(`${where} truncated must be a boolean, got ${JSON.stringify(s.truncated)}`);
  if (s.terminated && s.truncated) fail(`${where} set both terminated and truncated; a natural end is terminated only`);
  if (!s.info || typeof s.info !== 'object' || Array.isArray(s.info)) fail(`${where} info must be a plain object`);
}

interface Trajectory { obs: string[]; rewards: number[]; flags: string }

/** Seeded reset then `numSteps` seeded random actions, resetting (unseeded) at episode ends. */
function rollout(env: AnyEnv, seed: number, numSteps: number, validate: boolean): Trajectory {
  const rng = new Rng(seed + 12345);
  const first = env.reset({ seed });
  if (validate) checkResetResult(env, first);
  const out: Trajectory = { obs: [serialize(first.obs)], rewards: [], flags: '' };
  for (let t = 0; t < numSteps; t++) {
    const r = env.step(env.actionSpace.sample(rng));
    if (validate) checkStepResult(env, r, t);
    out.obs.push(serialize(r.obs));
    out.rewards.push(r.reward);
    out.flags += r.terminated ? 'T' : r.truncated ? 't' : '.';
    if (r.terminated || r.truncated) out.obs.push(serialize(env.reset().obs));
  }
  return out;
}

/** The first few observations after reset(opts) under a fixed action sequence, serialised. */
function opening(env: AnyEnv, opts: { seed?: number }): string {
  const rng = new Rng(777);
  const parts = [serialize(env.reset(opts).obs)];
  for (let t = 0; t < 8; t++) {
    const r = env.step(env.actionSpace.sample(rng));
    parts.push(serialize(r.obs));
    if (r.terminated || r.truncated) break;
  }
  return parts.join('|');
}

function compareTrajectories(a: Trajectory, b: Trajectory, how: string): void {
  const n = Math.min(a.obs.length, b.obs.length);
  for (let i = 0; i < n; i++) {
    if (a.obs[i] !== b.obs[i]) fail(`${how} gave a different observation at index ${i}: draw all randomness from an Rng seeded in reset({seed}), never Math.random`);
  }
  for (let i = 0; i < a.rewards.length; i++) {
    if (!Object.is(a.rewards[i], b.rewards[i])) fail(`${how} gave a different reward at step ${i} (${a.rewards[i]} vs ${b.rewards[i]})`);
  }
  if (a.flags !== b.flags || a.obs.length !== b.obs.length) fail(`${how} gave different episode ends`);
}

function checkRender(env: AnyEnv, seed: number): string | void {
  if (!env.render || env.metadata.renderModes.length === 0) return 'skipped: the env declares no render modes';
  env.reset({ seed });
  for (const mode of env.metadata.renderModes) {
    const out = env.render(mode);
    if (mode === 'ansi' && typeof out !== 'string') fail(`render('ansi') must return a string, got ${typeof out}`);
    if (mode === 'state') {
      const frame = out as EnvFrame;
      if (!frame || typeof frame !== 'object' || typeof frame.kind !== 'string') fail(`render('state') must return a JSON object with a string "kind", got ${describeKeys(out)}`);
      const bad = nonJsonPath(frame, 'frame');
      if (bad) fail(`render('state') must return plain JSON: ${bad}`);
    }
  }
}

/** The path of the first value JSON cannot carry faithfully, or undefined. */
function nonJsonPath(x: unknown, path: string): string | undefined {
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return undefined;
  if (typeof x === 'number') return Number.isFinite(x) ? undefined : `${path} is ${x}`;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) { const b = nonJsonPath(x[i], `${path}[${i}]`); if (b) return b; }
    return undefined;
  }
  if (typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    for (const [k, v] of Object.entries(x)) { const b = nonJsonPath(v, `${path}.${k}`); if (b) return b; }
    return undefined;
  }
  return `${path} is a ${ArrayBuffer.isView(x) ? x.constructor.name : typeof x} (use plain arrays and objects)`;
}

function invalidAction(env: AnyEnv): unknown {
  const s = env.actionSpace as unknown as { kind?: string; n?: number; start?: number };
  if (s.kind === 'discrete' && typeof s.n === 'number') return (s.start ?? 0) + s.n;
  return undefined;
}

function serialize(x: unknown): string {
  if (ArrayBuffer.isView(x)) {
    const bytes = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    return Buffer.from(bytes).toString('base64');
  }
  return JSON.stringify(x) ?? String(x);
}

function describeKeys(x: unknown): string {
  if (x && typeof x === 'object') return `an object with keys {${Object.keys(x).join(', ')}}`;
  return String(x);
}
