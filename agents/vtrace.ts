/**
 * V-trace off-policy targets (Espeholt et al. 2018, "IMPALA", arXiv:1802.01561, §4.1, eq. 1–2,
 * Remarks 1–2) — pure Float32Array math over [T, B] arrays (time-major), like returns.ts.
 *
 * With π the target policy (the learner's current one) and μ the behaviour policy (the actor's):
 *
 *   ratio_t = π(a_t|x_t) / μ(a_t|x_t) = exp(logπ_t − logμ_t)
 *   ρ_t = min(ρ̄, ratio_t),   c_t = λ · min(c̄, ratio_t)
 *   δ_t = ρ_t (r_t + γ V(x_{t+1}) − V(x_t))
 *   v_s = V(x_s) + Σ_{t=s}^{s+n−1} γ^{t−s} (Π_{i=s}^{t−1} c_i) δ_t                          (eq. 1)
 *       = V(x_s) + δ_s + γ c_s (v_{s+1} − V(x_{s+1}))                           (Remark 1)
 *   A_s = min(ρ̄_pg, ratio_s) (r_s + γ v_{s+1} − V(x_s))       (policy-gradient advantage, §4.2)
 *
 * On-policy (π = μ) with ρ̄ = c̄ = 1 this is GAE: v_s = gae(x, γ, λ).returns, and with λ = 1 the
 * advantages are gae(x, γ, 1).advantages. λ (Remark 2) scales the traces c only, not ρ.
 *
 * Episode ends follow returns.ts: a terminated step bootstraps from 0; a truncated step from
 * V(final obs) = `bootstrap[t]`, never from step t+1 (the next episode under same-step autoreset);
 * the last step from `lastValues[b]`. The trace is cut at any episode end, and v_{t+1} in A_t
 * is replaced by the same bootstrap value (0, bootstrap[t] or lastValues[b]).
 */

import type { ReturnsInput } from './returns.ts';

export interface VtraceInput extends ReturnsInput {
  /** log π(a_t|x_t) under the target (learner's current) policy, [T, B]. */
  readonly targetLogProbs: Float32Array;
  /** log μ(a_t|x_t) under the behaviour (actor's) policy that chose a_t, [T, B]. */
  readonly behaviourLogProbs: Float32Array;
}

export interface VtraceOptions {
  /** Discount γ in [0, 1]. */
  readonly gamma: number;
  /** Trace decay λ in [0, 1], multiplying c_t (Remark 2). Default 1. */
  readonly lambda?: number;
  /** ρ̄ > 0: truncation of the importance weights in δ_t (fixes which value function v converges to). Default 1. */
  readonly rhoBar?: number;
  /** c̄ > 0: truncation of the trace coefficients c_t (speed of convergence). Default 1. */
  readonly cBar?: number;
  /** ρ̄_pg > 0: truncation of the importance weight in the policy-gradient advantage. Default 1. */
  readonly pgRhoBar?: number;
}

export interface VtraceOutput {
  /** Value targets v_s, [T, B]. */
  readonly vs: Float32Array;
  /** Policy-gradient advantages min(ρ̄_pg, ratio_s)(r_s + γ v_{s+1} − V(x_s)), [T, B]. */
  readonly pgAdvantages: Float32Array;
  /** Clipped importance weights ρ_t = min(ρ̄, ratio_t), [T, B] (for metrics). */
  readonly rhos: Float32Array;
}

function checkUnit(name: string, v: number): void {
  if (!(v >= 0 && v <= 1)) throw new RangeError(`vtrace: ${name} must be in [0, 1], got ${v}`);
}

function checkPositive(name: string, v: number): void {
  if (!(v > 0)) throw new RangeError(`vtrace: ${name} must be > 0, got ${v}`);
}

/** V-trace value targets and policy-gradient advantages (see the file comment). */
export function vtrace(x: VtraceInput, opts: VtraceOptions): VtraceOutput {
  const { gamma, lambda = 1, rhoBar = 1, cBar = 1, pgRhoBar = 1 } = opts;
  checkUnit('gamma', gamma);
  checkUnit('lambda', lambda);
  checkPositive('rhoBar', rhoBar);
  checkPositive('cBar', cBar);
  checkPositive('pgRhoBar', pgRhoBar);
  const { numSteps: T, numEnvs: B } = x;
  const n = T * B;
  if (x.targetLogProbs.length !== n) throw new RangeError(`vtrace: targetLogProbs has length ${x.targetLogProbs.length}, expected T*B = ${n}`);
  if (x.behaviourLogProbs.length !== n) throw new RangeError(`vtrace: behaviourLogProbs has length ${x.behaviourLogProbs.length}, expected T*B = ${n}`);

  const vs = new Float32Array(n);
  const pgAdvantages = new Float32Array(n);
  const rhos = new Float32Array(n);
  for (let b = 0; b < B; b++) {
    // acc = v_{t+1} − V(x_{t+1}), kept in float64 (as gae keeps its running advantage).
    let acc = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * B + b;
      const done = x.terminated[i] === 1 || x.truncated[i] === 1;
      const nextValue = x.terminated[i] ? 0 : x.truncated[i] ? (x.bootstrap[i] as number)
        : t === T - 1 ? (x.lastValues[b] as number) : (x.values[i + B] as number);
      const value = x.values[i] as number;
      const ratio = Math.exp((x.targetLogProbs[i] as number) - (x.behaviourLogProbs[i] as number));
      const rho = Math.min(rhoBar, ratio);
      const c = lambda * Math.min(cBar, ratio);
      // Same operation order as gae, so that on-policy results are bit-identical to it.
      const tdError = (x.rewards[i] as number) + gamma * nextValue - value;
      // r_t + γ nextVs_t − V(x_t) = tdError_t + γ (v_{t+1} − V(x_{t+1})) when not done, else tdError_t:
      // this form avoids the cancellation in (V(x_{t+1}) + acc) − V(x_t) and matches gae's rounding.
      const pgTarget = tdError + (done ? 0 : gamma * acc);
      acc = rho * tdError + (done ? 0 : gamma * c * acc);
      vs[i] = acc + value;
      pgAdvantages[i] = Math.min(pgRhoBar, ratio) * pgTarget;
      rhos[i] = rho;
    }
  }
  return { vs, pgAdvantages, rhos };
}
