/**
 * Returns and advantages — pure Float32Array math over [T, B] arrays (time-major).
 *
 * Episode ends inside the rollout: a terminated step bootstraps from nothing; a truncated step
 * bootstraps from V(final obs) (`bootstrap[t]`), never from obs[t+1], which already belongs to
 * the next episode (same-step autoreset).
 */

export interface ReturnsInput {
  readonly numSteps: number;          // T
  readonly numEnvs: number;           // B
  readonly rewards: Float32Array;     // [T, B]
  readonly values: Float32Array;      // [T, B]
  readonly lastValues: Float32Array;  // [B]
  readonly terminated: Uint8Array;    // [T, B]
  readonly truncated: Uint8Array;     // [T, B]
  readonly bootstrap: Float32Array;   // [T, B]
}

/**
 * Generalised advantage estimation (Schulman et al. 2016). λ = 1 gives n-step returns minus V;
 * λ = 0 the one-step TD error. Returns `advantages` and `returns = advantages + values`.
 */
export function gae(x: ReturnsInput, gamma: number, lambda: number): { advantages: Float32Array; returns: Float32Array } {
  const { numSteps: T, numEnvs: B } = x;
  const advantages = new Float32Array(T * B);
  const returns = new Float32Array(T * B);
  for (let b = 0; b < B; b++) {
    let next = 0;  // running advantage of step t+1
    for (let t = T - 1; t >= 0; t--) {
      const i = t * B + b;
      const done = x.terminated[i] === 1 || x.truncated[i] === 1;
      const nextValue = x.terminated[i] ? 0 : x.truncated[i] ? (x.bootstrap[i] as number)
        : t === T - 1 ? (x.lastValues[b] as number) : (x.values[i + B] as number);
      const delta = (x.rewards[i] as number) + gamma * nextValue - (x.values[i] as number);
      next = delta + (done ? 0 : gamma * lambda * next);
      advantages[i] = next;
      returns[i] = next + (x.values[i] as number);
    }
  }
  return { advantages, returns };
}

/** Discounted n-step returns (cleanrl's non-GAE branch); equal to gae with λ = 1, plus values. */
export function nStepReturns(x: ReturnsInput, gamma: number): Float32Array {
  const { numSteps: T, numEnvs: B } = x;
  const out = new Float32Array(T * B);
  for (let b = 0; b < B; b++) {
    let ret = x.lastValues[b] as number;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * B + b;
      if (x.terminated[i]) ret = 0;
      else if (x.truncated[i]) ret = x.bootstrap[i] as number;
      ret = (x.rewards[i] as number) + gamma * ret;
      out[i] = ret;
    }
  }
  return out;
}
