import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gae, nStepReturns, type ReturnsInput } from '../../agents/returns.ts';
import { Rng } from '../../envs/rng.ts';

/** A naive per-sequence reference: walk each env's steps, splitting at episode ends. */
function naiveGae(x: ReturnsInput, gamma: number, lambda: number): Float32Array {
  const { numSteps: T, numEnvs: B } = x;
  const out = new Float32Array(T * B);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      // A_t = Σ_k (γλ)^k δ_{t+k}, stopping after the step that ends the episode.
      let adv = 0, w = 1;
      for (let k = t; k < T; k++) {
        const i = k * B + b;
        const next = x.terminated[i] ? 0 : x.truncated[i] ? x.bootstrap[i]! : k === T - 1 ? x.lastValues[b]! : x.values[i + B]!;
        adv += w * (x.rewards[i]! + gamma * next - x.values[i]!);
        if (x.terminated[i] || x.truncated[i]) break;
        w *= gamma * lambda;
      }
      out[t * B + b] = adv;
    }
  }
  return out;
}

function randomInput(seed: number, T = 7, B = 3): ReturnsInput {
  const r = new Rng(seed);
  const f = (n: number, g: () => number) => Float32Array.from({ length: n }, g);
  const terminated = Uint8Array.from({ length: T * B }, () => (r.uniform() < 0.15 ? 1 : 0));
  const truncated = Uint8Array.from(terminated, (d) => (d === 0 && r.uniform() < 0.1 ? 1 : 0));
  return {
    numSteps: T, numEnvs: B, rewards: f(T * B, () => r.normal()), values: f(T * B, () => r.normal()), lastValues: f(B, () => r.normal()),
    terminated, truncated, bootstrap: Float32Array.from(truncated, (d) => (d ? r.normal() : 0)),
  };
}

test('gae matches a naive per-episode reference, with terminations and truncations', () => {
  for (let seed = 0; seed < 5; seed++) {
    const x = randomInput(seed);
    for (const [g, l] of [[0.99, 0.95], [0.9, 1], [0.5, 0], [0, 1]] as const) {
      const { advantages, returns } = gae(x, g, l);
      const ref = naiveGae(x, g, l);
      for (let i = 0; i < ref.length; i++) {
        assert.ok(Math.abs(advantages[i]! - ref[i]!) < 1e-4, `seed ${seed} γ=${g} λ=${l} i=${i}`);
        assert.ok(Math.abs(returns[i]! - (ref[i]! + x.values[i]!)) < 1e-4);
      }
    }
  }
});

test('λ = 1 GAE returns equal n-step returns', () => {
  const x = randomInput(9);
  const { returns } = gae(x, 0.97, 1);
  const n = nStepReturns(x, 0.97);
  for (let i = 0; i < n.length; i++) assert.ok(Math.abs(returns[i]! - n[i]!) < 1e-4);
});

test('terminated never bootstraps; truncated bootstraps from V(final obs), not from the next episode', () => {
  const base = { numSteps: 1, numEnvs: 2, rewards: Float32Array.of(1, 1), values: Float32Array.of(0, 0), lastValues: Float32Array.of(100, 100), bootstrap: Float32Array.of(5, 5) };
  const term = nStepReturns({ ...base, terminated: Uint8Array.of(1, 0), truncated: Uint8Array.of(0, 0) }, 0.5);
  assert.deepEqual([...term], [1, 51]);
  const trunc = nStepReturns({ ...base, terminated: Uint8Array.of(0, 0), truncated: Uint8Array.of(1, 0) }, 0.5);
  assert.deepEqual([...trunc], [3.5, 51]);
});
