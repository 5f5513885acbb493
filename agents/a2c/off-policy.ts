/**
 * The learner's side of the wire: what `A2CAgent.learnUnroll` (./agent.ts) needs to learn from an
 * unroll some actor collected with older weights (IMPALA, Espeholt et al. 2018, arXiv:1802.01561).
 *
 * 1. `checkUnrollFits`: the unroll's T, D and number of actions are the agent's (a ConfigError
 *    naming the mismatch otherwise); `initialStateOf` rebuilds the start state from its named arrays
 *    against the core's `stateSpec()` (memory/state-arrays.ts).
 * 2. `reunroll`: the current network over the T steps from that state, step by step (`A2CNetwork.step`,
 *    the very op sequence `act` runs), so it can also evaluate, with the state after step t, V of each
 *    truncated step's final observation (as the Runner's `bootstrapTruncated` does: no resets,
 *    write 0) and, with the state after step T, V(obs[T]) after its resets and control inputs (the
 *    Runner's `lastValues`). Its logits and values carry the gradient; `readback` packs log π(a_t|x_t),
 *    V(x_t) and the bootstrap values for the update's first read-back.
 * 3. `offPolicyTargets`: V-trace (../vtrace.ts) in JS on those numbers and the actor's log μ.
 */
import { ConfigError } from '../../envs/errors.ts';
import type { CoreState } from '../../memory/core.ts';
import { stateFromArrays } from '../../memory/state-arrays.ts';
import { tf } from '../../memory/tf.ts';
import type { ActControl } from '../../rollout/policy.ts';
import type { Unroll } from '../../rollout/wire.ts';
import { vtrace, type VtraceOutput } from '../vtrace.ts';
import type { A2CNetwork, StepInputs } from './network.ts';

/** The V-trace truncation levels (IMPALA's defaults: 1 each). */
export interface OffPolicyOptions {
  /** ρ̄ > 0: clips the importance weights in the value targets' TD errors. */
  readonly rhoBar?: number;
  /** c̄ > 0: clips the trace coefficients (λ · min(c̄, ratio)). */
  readonly cBar?: number;
  /** ρ̄_pg > 0: clips the importance weight of the policy-gradient advantage. */
  readonly pgRhoBar?: number;
}

/** What the agent must match: its rollout length, raw observation size and number of actions. */
export interface UnrollExpectations {
  readonly numSteps: number;
  readonly obsSize: number;
  readonly numActions: number;
}

/**
 * Throws a ConfigError naming the first field of `u` the agent cannot learn from. The unroll's own
 * consistency (array lengths and values against its meta) is `decodeUnroll`'s job; the lengths are
 * checked again here, cheaply, since an unroll need not have come off the wire.
 */
export function checkUnrollFits(u: Unroll, want: UnrollExpectations): void {
  const W = 'learnUnroll';
  const m = u.meta;
  const fields: [keyof UnrollExpectations, string][] = [['numSteps', 'the agent\'s numSteps'], ['obsSize', 'the agent\'s observation size'], ['numActions', 'the agent\'s number of actions']];
  for (const [k, what] of fields) {
    if (m[k] !== want[k]) throw new ConfigError(`${W}: unroll ${k} is ${m[k]}, ${what} is ${want[k]} (an unroll of another env or config? actor ${m.actorId}, env ${m.envId}, core ${m.coreId})`);
  }
  const T = m.numSteps, B = m.numEnvs, D = m.obsSize;
  if (!(Number.isInteger(B) && B >= 1)) throw new ConfigError(`${W}: unroll numEnvs must be an integer >= 1, got ${B}`);
  let K = 0;
  for (const x of u.truncated) K += x ? 1 : 0;
  const lengths: [string, { length: number }, number][] = [
    ['obs', u.obs, T * B * D], ['actions', u.actions, T * B], ['rewards', u.rewards, T * B], ['terminated', u.terminated, T * B],
    ['truncated', u.truncated, T * B], ['logProbs', u.logProbs, T * B], ['resets', u.resets, T * B], ['write', u.write, T * B],
    ['flush', u.flush, T * B], ['finalObs', u.finalObs, B * D], ['finalResets', u.finalResets, B], ['finalWrite', u.finalWrite, B],
    ['finalFlush', u.finalFlush, B], ['truncatedObs', u.truncatedObs, K * D],
  ];
  for (const [name, a, n] of lengths) {
    if (a.length !== n) throw new ConfigError(`${W}: unroll ${name} must hold ${n} values for numSteps ${T}, numEnvs ${B}, obsSize ${D}${name === 'truncatedObs' ? `, ${K} truncated steps` : ''}; got ${a.length}`);
  }
}

/** The unroll's start state as tensors the caller owns, checked against the core's spec (a ConfigError naming the leaf otherwise). */
export function initialStateOf(net: A2CNetwork, u: Unroll): CoreState {
  try {
    return stateFromArrays(net.core.stateSpec(), u.initialState, { batchSize: u.meta.numEnvs });
  } catch (e) {
    if (e instanceof ConfigError || e instanceof RangeError) {
      throw new ConfigError(`learnUnroll: the unroll's initial state does not fit core ${net.core.name} (core ${u.meta.coreId} on the actor?): ${e.message}`);
    }
    throw e;
  }
}

/** Throws a ConfigError for a truncation level that is not > 0 (Infinity: no clipping). */
export function checkOffPolicyOptions(o: OffPolicyOptions): Required<OffPolicyOptions> {
  const out = { rhoBar: o.rhoBar ?? 1, cBar: o.cBar ?? 1, pgRhoBar: o.pgRhoBar ?? 1 };
  for (const [k, v] of Object.entries(out)) {
    if (typeof v !== 'number' || !(v > 0)) throw new ConfigError(`learnUnroll: ${k} must be a number > 0, got ${String(v)}`);
  }
  return out;
}

/** The network's step inputs for B raw observations and their resets and control (as `A2CAgent.act` builds them). */
export function stepInputsOf(net: A2CNetwork, obs: Float32Array, resets: Uint8Array, control: ActControl): StepInputs {
  const B = resets.length;
  return {
    obs: net.prepare(obs, B),
    ...(resets.some((x) => x === 1) ? { resets: tf.tensor1d(Float32Array.from(resets)) } : {}),
    ...(control.flush.some((x) => x === 1) ? { flush: tf.tensor1d(Float32Array.from(control.flush)) } : {}),
    write: tf.tensor1d(Float32Array.from(control.write)),
  };
}

export interface Reunrolled {
  /** [T·B, A], time-major like the unroll's actions; carries the gradient. */
  readonly logits: tf.Tensor2D;
  /** [T·B] V(x_t); carries the gradient. */
  readonly values: tf.Tensor1D;
  /** [T·B + T·B + K + B]: log π(a_t|x_t), V(x_t), V(final obs) of the K truncated steps in (t, b) order, V(obs[T]). */
  readonly readback: tf.Tensor1D;
}

/**
 * The current network over the unroll from `state` (see the file comment). Call it inside a tidy
 * (clippedStep's loss): every tensor it makes, the per-step states included, is left to that scope.
 */
export function reunroll(net: A2CNetwork, u: Unroll, state: CoreState, actions: tf.Tensor1D): Reunrolled {
  const { numSteps: T, numEnvs: B, obsSize: D, numActions: A } = u.meta;
  const rows = <X extends Uint8Array | Float32Array>(a: X, t: number, width = 1): X => a.subarray(t * B * width, (t + 1) * B * width) as X;
  const logits: tf.Tensor2D[] = [], values: tf.Tensor1D[] = [], boots: tf.Tensor1D[] = [];
  const none = new Uint8Array(B);
  let s = state, k = 0;
  for (let t = 0; t < T; t++) {
    const r = net.step(stepInputsOf(net, rows(u.obs, t, D), rows(u.resets, t), { write: rows(u.write, t), flush: rows(u.flush, t) }), s);
    logits.push(r.logits);
    values.push(r.values);
    s = r.state;
    const cut: number[] = [];
    for (let b = 0; b < B; b++) if (u.truncated[t * B + b]) cut.push(b);
    if (cut.length > 0) {
      // As the Runner's bootstrapTruncated: the next observations with the cut envs' final ones, no resets, write 0.
      const batch = (t + 1 < T ? rows(u.obs, t + 1, D) : u.finalObs).slice();
      for (const b of cut) { batch.set(u.truncatedObs.subarray(k * D, (k + 1) * D), b * D); k++; }
      const v = net.step(stepInputsOf(net, batch, none, { write: none, flush: none }), s).values;
      boots.push(tf.gather(v, tf.tensor1d(cut, 'int32')) as tf.Tensor1D);
    }
  }
  const last = net.step(stepInputsOf(net, u.finalObs, u.finalResets, { write: u.finalWrite, flush: u.finalFlush }), s).values;
  const allLogits = tf.concat(logits) as tf.Tensor2D;   // T x [B, A] -> [T·B, A]
  const allValues = tf.concat(values) as tf.Tensor1D;   // T x [B] -> [T·B]
  const logpTaken = tf.sum(tf.mul(tf.logSoftmax(allLogits), tf.oneHot(actions, A)), 1) as tf.Tensor1D;   // as a2cLoss computes it
  return { logits: allLogits, values: allValues, readback: tf.concat([logpTaken, allValues, ...boots, last]) as tf.Tensor1D };
}

export interface OffPolicyTargets extends VtraceOutput {
  /** [T·B] V(x_t) under the current weights (read back). */
  readonly values: Float32Array;
  /** Mean of the clipped importance weights ρ_t = min(ρ̄, π/μ). */
  readonly rhoMean: number;
  /** Fraction of steps whose ratio π/μ exceeded ρ̄ by more than rounding (log π − log μ > log ρ̄ + CLIP_TOLERANCE). */
  readonly clippedFraction: number;
}

/**
 * Log-ratios within this of log ρ̄ do not count as clipped in `clippedFraction`: on-policy, the actor's
 * log μ (Math.log of a float32 softmax) and the learner's log π (tf.logSoftmax) differ by rounding,
 * ~1e-7, which would otherwise count a fair share of steps as clipped at ρ̄ = 1.
 */
export const CLIP_TOLERANCE = 1e-5;

/** V-trace on the read-back `data` (the layout of `Reunrolled.readback`) and the unroll's log μ. */
export function offPolicyTargets(u: Unroll, data: Float32Array, o: Required<OffPolicyOptions> & { gamma: number; lambda: number }): OffPolicyTargets {
  const { numSteps: T, numEnvs: B } = u.meta;
  const n = T * B;
  const targetLogProbs = data.slice(0, n), values = data.slice(n, 2 * n);
  const bootstrap = new Float32Array(n);
  let k = 2 * n;
  for (let i = 0; i < n; i++) if (u.truncated[i]) bootstrap[i] = data[k++] as number;
  const lastValues = data.slice(k, k + B);
  const out = vtrace({
    numSteps: T, numEnvs: B, rewards: u.rewards, values, lastValues, terminated: u.terminated, truncated: u.truncated, bootstrap,
    targetLogProbs, behaviourLogProbs: u.logProbs,
  }, { gamma: o.gamma, lambda: o.lambda, rhoBar: o.rhoBar, cBar: o.cBar, pgRhoBar: o.pgRhoBar });
  const clipAt = Math.log(o.rhoBar) + CLIP_TOLERANCE;
  let rhoSum = 0, clipped = 0;
  for (let i = 0; i < n; i++) {
    rhoSum += out.rhos[i] as number;
    if ((targetLogProbs[i] as number) - (u.logProbs[i] as number) > clipAt) clipped++;
  }
  return { ...out, values, rhoMean: rhoSum / n, clippedFraction: clipped / n };
}
