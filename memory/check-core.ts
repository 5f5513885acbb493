/**
 * `checkCore`: the memory-core contract (memory/core.ts, docs/cores.md) checked on any core, a
 * user's as much as ours, the way `checkEnv` checks an env. Each check says what is wrong and what
 * to change. Built-in cores pass the same checks in test/conformance/memory-cores.test.ts.
 */
import type { CoreState, MemoryCore } from './core.ts';
import { disposeState, mapState, stateLeaves } from './state.ts';
import { tf } from './tf.ts';
import { unroll } from './unroll.ts';

export interface CoreCheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** What went wrong and what to change (or why a check was skipped). */
  readonly message?: string;
}

export interface CoreCheckReport {
  readonly ok: boolean;
  readonly results: readonly CoreCheckResult[];
}

/** Batch and sequence sizes of the checks: small, and more than one of each. */
const B = 3, T = 3;

class Failed extends Error {}
const fail = (message: string): never => { throw new Failed(message); };

/**
 * Runs every check on cores built by `make(seed)`: the contract's shapes and dtypes, exact resets,
 * batch independence, determinism, gradients reaching every variable, and no tensor leaks.
 */
export function checkCore(make: (seed: number) => MemoryCore): CoreCheckReport {
  const results: CoreCheckResult[] = [];
  let core: MemoryCore | undefined;
  const run = (name: string, body: (c: MemoryCore) => void) => {
    if (!core) { results.push({ name, ok: false, message: 'skipped: the core could not be built' }); return; }
    try {
      body(core);
      results.push({ name, ok: true });
    } catch (e) {
      results.push({ name, ok: false, message: e instanceof Failed ? e.message : `threw ${(e as Error).message ?? String(e)}` });
    }
  };
  try {
    core = make(7);
    checkBasics(core);
    results.push({ name: 'build', ok: true });
  } catch (e) {
    results.push({ name: 'build', ok: false, message: e instanceof Failed ? e.message : `the factory threw ${(e as Error).message ?? String(e)}` });
    core = undefined;
  }
  run('shapes', checkShapes);
  run('reset', checkReset);
  run('batch independence', checkIndependence);
  run('determinism', (c) => checkDeterminism(c, make));
  run('gradients', checkGradients);
  run('no tensor leaks', checkLeaks);
  core?.dispose();
  return { ok: results.every((r) => r.ok), results };
}

function checkBasics(c: MemoryCore): void {
  if (!Number.isInteger(c.inputSize) || c.inputSize < 1) fail(`inputSize must be an integer >= 1, got ${c.inputSize}`);
  if (!Number.isInteger(c.outputSize) || c.outputSize < 1) fail(`outputSize must be an integer >= 1, got ${c.outputSize}`);
  if (!Array.isArray(c.variables)) fail('variables must be an array of tf.Variable (pass them to the optimizer)');
}

const inputs = (c: MemoryCore, seed = 1) => tf.randomNormal([T, B, c.inputSize], 0, 1, 'float32', seed) as tf.Tensor3D;

/** Steps a core through xs [T, B, D] one step at a time; the states in between are disposed. */
export function runSteps<S extends CoreState>(c: MemoryCore<S>, xs: tf.Tensor3D, s0: S): { outs: tf.Tensor2D[]; state: S } {
  const outs: tf.Tensor2D[] = [];
  let s = s0;
  for (const x of tf.unstack(xs) as tf.Tensor2D[]) {
    const r = c.step(x, s);
    outs.push(r.output);
    if (s !== s0) disposeState(s);
    s = r.state;
    x.dispose();
  }
  return { outs, state: s };
}

/** Leaf path -> values, and whether the leaf persists across resets. */
function leaves(c: MemoryCore, s: CoreState): Map<string, { data: number[]; reset: string }> {
  const out = new Map<string, { data: number[]; reset: string }>();
  mapState(s, (t, leaf, p) => { out.set(p, { data: Array.from(t.dataSync()), reset: leaf?.reset ?? 'initial' }); return t; }, c.stateSpec());
  return out;
}

function checkShapes(c: MemoryCore): void {
  const check = (s: CoreState, when: string) => mapState(s, (t, leaf, p) => {
    if (!leaf) fail(`${when}: state leaf ${p} is not in stateSpec(); every leaf of the state needs an entry there`);
    const want = [B, ...(leaf as { shape: readonly number[] }).shape];
    if (t.shape.join() !== want.join()) fail(`${when}: state leaf ${p} must be [${want.join(', ')}] (the batch, then its stateSpec shape), got [${t.shape.join(', ')}]`);
    if (t.dtype !== leaf?.dtype) fail(`${when}: state leaf ${p} must be ${leaf?.dtype} as stateSpec says, got ${t.dtype}`);
    return t;
  }, c.stateSpec());
  const s0 = c.initialState(B);
  check(s0, `initialState(${B})`);
  const xs = inputs(c);
  const { outs, state } = runSteps(c, xs, s0);
  for (const o of outs) {
    if (o.shape.join() !== [B, c.outputSize].join()) fail(`step must return output [${B}, ${c.outputSize}] ([B, outputSize]), got [${o.shape.join(', ')}]`);
  }
  check(state, 'after step');
  tf.dispose([...outs, xs]); disposeState(state); disposeState(s0);
}

function checkReset(c: MemoryCore): void {
  const s0 = c.initialState(B);
  const xs = inputs(c);
  const { outs, state } = runSteps(c, xs, s0);
  const init = leaves(c, s0), before = leaves(c, state);
  const r = c.resetWhere(state, tf.tensor1d([1, 0, 0]));
  for (const [p, leaf] of leaves(c, r)) {
    const n = leaf.data.length / B;
    const want0 = leaf.reset === 'persistent' ? before.get(p)?.data : leaf.reset === 'diagnostic' ? new Array<number>(n).fill(0) : init.get(p)?.data;
    const what = leaf.reset === 'persistent' ? 'unchanged (a persistent leaf)' : leaf.reset === 'diagnostic' ? 'zero (a diagnostic leaf)' : 'back to initialState';
    if (!sameValues(leaf.data.slice(0, n), (want0 ?? []).slice(0, n))) {
      fail(`resetWhere with resets [1, 0, 0]: leaf ${p} of element 0 must be ${what}, exactly; blend with the reset mask (resetBySpec, or extend BaseCore)`);
    }
    if (!sameValues(leaf.data.slice(n), (before.get(p)?.data ?? []).slice(n))) fail(`resetWhere with resets [1, 0, 0]: leaf ${p} of elements 1 and 2 must not change`);
  }
  const same = c.resetWhere(state, tf.zeros([B]) as tf.Tensor1D);
  const a = stateLeaves(same).map((t) => Array.from(t.dataSync())), b = stateLeaves(state).map((t) => Array.from(t.dataSync()));
  if (!a.every((x, i) => sameValues(x, b[i] ?? []))) fail('resetWhere with no resets must return the state unchanged');
  tf.dispose([...outs, xs]);
  for (const s of [s0, state, r, same]) disposeState(s);
}

const sameValues = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]) || x === b[i]);

function checkIndependence(c: MemoryCore): void {
  const xs = inputs(c);
  const bump = tf.tidy(() => {
    const d = new Float32Array(T * B * c.inputSize);
    for (let k = 0; k < c.inputSize; k++) d[(1 * B + 0) * c.inputSize + k] = k % 2 ? -5 : 5;   // element 0 at t = 1
    return tf.add(xs, tf.tensor3d(d, [T, B, c.inputSize])) as tf.Tensor3D;
  });
  const a = runSteps(c, xs, c.initialState(B)), b = runSteps(c, bump, c.initialState(B));
  for (let t = 0; t < T; t++) {
    const oa = a.outs[t]!.arraySync(), ob = b.outs[t]!.arraySync();
    if (JSON.stringify(oa.slice(1)) !== JSON.stringify(ob.slice(1))) fail(`element 0's input at t=1 changed the output of other elements at t=${t}: batch rows must not mix (a mean or sum over axis 0?)`);
  }
  tf.dispose([...a.outs, ...b.outs, xs, bump]);
  disposeState(a.state); disposeState(b.state);
}

function checkDeterminism(c: MemoryCore, make: (seed: number) => MemoryCore): void {
  const twin = make(7), other = make(8);
  try {
    const values = (k: MemoryCore) => JSON.stringify(k.variables.map((v) => Array.from(v.dataSync())));
    if (values(c) !== values(twin)) fail('two cores built with the same seed have different variables: draw initial values from the seed (Rng), never Math.random');
    if (c.variables.length > 0 && values(c) === values(other)) fail('cores built with seeds 7 and 8 have the same variables: use the seed the factory receives');
    const xs = inputs(c);
    const a = runSteps(c, xs, c.initialState(B)), b = runSteps(twin, xs, twin.initialState(B));
    if (JSON.stringify(a.outs.map((o) => o.arraySync())) !== JSON.stringify(b.outs.map((o) => o.arraySync()))) {
      fail('two cores built with the same seed give different outputs on the same input: step must depend on variables, input and state only');
    }
    tf.dispose([...a.outs, ...b.outs, xs]);
    disposeState(a.state); disposeState(b.state);
  } finally {
    twin.dispose();
    other.dispose();
  }
}

function checkGradients(c: MemoryCore): void {
  if (c.variables.length === 0) return;
  const xs = inputs(c);
  const s0 = c.initialState(B);
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(unroll(c, xs, s0, tf.zeros([T, B]) as tf.Tensor2D).outputs)) as tf.Scalar, [...c.variables]);
  try {
    for (const v of c.variables) {
      const g = grads[v.name];
      if (!g) fail(`variable ${v.name} gets no gradient from the outputs: step does not use it (or not differentiably)`);
      const d = (g as tf.Tensor).dataSync();
      if (!d.every(Number.isFinite)) fail(`variable ${v.name}'s gradient is not finite`);
      if (!d.some((x) => x !== 0)) fail(`variable ${v.name}'s gradient is zero everywhere: step does not use it (or not differentiably)`);
    }
  } finally {
    tf.dispose([value, xs, ...Object.values(grads)]);
    disposeState(s0);
  }
}

/** The inputs of a leak check: a sequence for the unroll, one step, its resets and a reset mask. */
export interface LeakCheckInputs {
  readonly xs: tf.Tensor3D;        // [T, B, D] for the unroll
  readonly x: tf.Tensor2D;         // [B, D] for the single step
  readonly resets: tf.Tensor2D;    // [T, B]
  readonly mask: tf.Tensor1D;      // [B] for resetWhere
}

/**
 * Runs resetWhere, step, (inspect) and an unroll + Adam minimize, repeated; returns the live tensor
 * counts after the first round and after the last. A core that leaks has more after.
 */
export function tensorCounts<S extends CoreState>(core: MemoryCore<S>, inputs: LeakCheckInputs,
  options: { rounds: number; inspect?: boolean }): { first: number; last: number } {
  const { xs, x, resets, mask } = inputs;
  const opt = tf.train.adam(1e-3);
  let state = core.initialState(x.shape[0]);
  const once = () => {
    const r = core.resetWhere(state, mask);
    const s = core.step(x, r);
    if (options.inspect) core.inspect?.(s.state, 1);
    disposeState(r); s.output.dispose(); disposeState(state);
    state = s.state;
    if (core.variables.length > 0) opt.minimize(() => tf.sum(tf.square(unroll(core, xs, state, resets).outputs)) as tf.Scalar, true, [...core.variables])?.dispose();
  };
  once();
  const first = tf.memory().numTensors;
  for (let i = 0; i < options.rounds; i++) once();
  const last = tf.memory().numTensors;
  disposeState(state); opt.dispose();
  return { first, last };
}

function checkLeaks(c: MemoryCore): void {
  const data = {
    xs: inputs(c), x: tf.randomNormal([B, c.inputSize], 0, 1, 'float32', 2) as tf.Tensor2D,
    resets: tf.tensor2d([[1, 1, 1], [0, 1, 0], [0, 0, 1]]), mask: tf.tensor1d([1, 0, 1]),
  };
  const { first, last } = tensorCounts(c, data, { rounds: 5, inspect: true });
  tf.dispose(Object.values(data));
  if (last !== first) fail(`${last - first} more live tensors after 5 rounds of resetWhere, step, inspect and a training step: wrap step in tf.tidy and return only the new state and output`);
}
