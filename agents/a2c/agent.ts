/**
 * A2CAgent — advantage actor-critic over any memory core (Mnih et al. 2016, synchronous).
 * Acting: one batched forward per env step, actions sampled in JS with the rollout's Rng from the
 * probabilities read back once. Learning: re-unroll the trajectory from its initial state (BPTT),
 * GAE in JS, one optimizer step with global-norm clipping.
 *
 * One update across the files (docs/layout.md): the trainer (experiments/run/trainers.ts) takes a
 * trajectory from its RolloutSource (rollout/source.ts), collected by the Runner (rollout/runner.ts)
 * calling `act` once per step; `learn` below computes advantages (../returns.ts), re-unrolls the
 * network (./network.ts: ../encoder.ts, the core, the heads) inside `clippedStep` (../optim.ts) on
 * `a2cLoss` (./loss.ts), and reports the loss parts by name (../named-stats.ts).
 *
 * `learnUnroll` is the IMPALA learner's update (Espeholt et al. 2018): an unroll from a remote actor
 * (rollout/wire.ts) acted with older weights, re-unrolled with the current ones, V-trace targets
 * (../vtrace.ts) in place of GAE, the same loss and optimizer step (the pieces are in ./off-policy.ts).
 */
import { argMax } from '../../envs/arg-max.ts';
import type { Rng } from '../../envs/rng.ts';
import type { CoreState, MemoryCore } from '../../memory/core.ts';
import { disposeState } from '../../memory/state.ts';
import { tf } from '../../memory/tf.ts';
import type { Metrics } from '../../rollout/observer.ts';
import type { ActControl, ActOptions, ActResult } from '../../rollout/policy.ts';
import type { Trajectory } from '../../rollout/trajectory.ts';
import type { Unroll } from '../../rollout/wire.ts';
import type { Agent } from '../agent.ts';
import type { LearnerOptions, LearnerSnapshot } from '../learner.ts';
import { clippedStep, makeOptimizer, restoreInto, setLearningRate, snapshotOf, type NamedVariable } from '../optim.ts';
import { gae } from '../returns.ts';
import type { A2CConfig } from './config.ts';
import { a2cLoss } from './loss.ts';
import { A2CNetwork } from './network.ts';
import {
  checkOffPolicyOptions, checkUnrollFits, initialStateOf, offPolicyTargets, reunroll, stepInputsOf, type OffPolicyOptions, type OffPolicyTargets,
} from './off-policy.ts';

export interface A2CAgentOptions extends LearnerOptions<A2CConfig> {
  readonly numActions: number;
  /** Updates in the whole run, for the linear learning-rate schedule. */
  readonly totalUpdates?: number;
}

export class A2CAgent implements Agent<CoreState> {
  readonly net: A2CNetwork;
  readonly numActions: number;
  /** Raw observation size (the product of obsShape). */
  readonly obsSize: number;
  readonly config: Readonly<A2CConfig>;
  private readonly optimizer: tf.Optimizer;
  private readonly totalUpdates: number;
  updates = 0;

  constructor(opts: A2CAgentOptions) {
    this.config = opts.config;
    this.numActions = opts.numActions;
    this.obsSize = opts.obsShape.reduce((a, b) => a * b, 1);
    this.net = new A2CNetwork(opts.obsShape, opts.numActions, opts.makeCore, opts.config, opts.seed);
    this.totalUpdates = opts.totalUpdates ?? 0;
    this.optimizer = makeOptimizer(opts.config);
  }

  get core(): MemoryCore { return this.net.core; }

  initialState(numEnvs: number): CoreState {
    return this.net.core.initialState(numEnvs);
  }

  disposeState(state: CoreState): void {
    disposeState(state);
  }

  act(obs: Float32Array, state: CoreState, resets: Uint8Array, control: ActControl, rng: Rng, opts: ActOptions = {}): ActResult<CoreState> {
    const B = resets.length, A = this.numActions;
    const out = tf.tidy(() => {
      const r = this.net.step({ ...this.stepInputs(obs, resets, control), diagnostics: opts.inspect !== undefined }, state);
      const packed = tf.concat([tf.softmax(r.logits), r.values.reshape([B, 1])], 1);   // [B, A+1]
      return { packed, state: r.state };
    });
    const data = out.packed.dataSync() as Float32Array;   // the one read-back of this step
    out.packed.dispose();
    const actions = new Int32Array(B), values = new Float32Array(B), probs = new Float32Array(B * A);
    for (let b = 0; b < B; b++) {
      const row = b * (A + 1);
      probs.set(data.subarray(row, row + A), b * A);
      values[b] = data[row + A] as number;
      actions[b] = opts.greedy ? argMax(data, row, A) : rng.categorical(data, row, A);
    }
    const readout = opts.inspect !== undefined && this.net.core.inspect ? this.net.core.inspect(out.state, opts.inspect) : undefined;
    return { actions, values, probs, state: out.state, ...(readout ? { readout } : {}) };
  }

  value(obs: Float32Array, state: CoreState, resets: Uint8Array, control: ActControl): Float32Array {
    const v = tf.tidy(() => this.net.step(this.stepInputs(obs, resets, control), state).values);
    const data = v.dataSync() as Float32Array;
    v.dispose();
    return data;
  }

  /**
   * One A2C update. When the loss, a loss part or the gradient norm is not finite the step is not
   * applied: weights, optimizer slots and `updates` stay as they were, and the metrics carry the
   * non-finite values as they came (see `Agent.learn`).
   */
  learn(traj: Trajectory<CoreState>): Metrics {
    const c = this.config;
    const { numSteps: T, numEnvs: B } = traj;
    const { advantages, returns } = gae(traj, c.gamma, c.gaeLambda);
    if (c.normalizeAdvantages) normalize(advantages);
    const lr = this.learningRate();
    setLearningRate(this.optimizer, lr);
    const vars = this.net.namedVariables().map((n) => n.variable);
    const inputs = tf.tidy(() => ({
      obs: this.net.prepare(traj.obs, T * B).reshape([T, B, this.net.encoder.inputSize]) as tf.Tensor3D,
      resets: tf.tensor2d(Float32Array.from(traj.resets), [T, B]),
      write: tf.tensor2d(Float32Array.from(traj.write), [T, B]),
      ...(traj.flush.some((x) => x === 1) ? { flush: tf.tensor2d(Float32Array.from(traj.flush), [T, B]) } : {}),
      actions: tf.tensor1d(traj.actions, 'int32'),
      advantages: tf.tensor1d(advantages),
      returns: tf.tensor1d(returns),
    }));
    const s = clippedStep(this.optimizer, vars, c.maxGradNorm, () => {
      const { logits, values } = this.net.unroll(inputs, traj.initialState);
      const loss = a2cLoss({ logits, values, actions: inputs.actions, advantages: inputs.advantages, returns: inputs.returns }, c);
      return { total: loss.total, stats: { scalars: loss.parts } };
    });
    tf.dispose(Object.values(inputs));
    // A skipped step does not count: the lr schedule stays where it was.
    if (s.applied) this.updates++;
    const { policy, value, entropy } = s.stats.scalars;
    return {
      'losses/total': s.loss, 'losses/policy': policy, 'losses/value': value, 'losses/entropy': entropy,
      'losses/grad_norm': s.gradNorm, 'losses/explained_variance': explainedVariance(returns, traj.values), 'charts/lr': lr,
    };
  }

  /**
   * One V-trace update (IMPALA) from an actor's unroll: the start state rebuilt from its named
   * arrays, the current network re-unrolled over its T steps (also giving V of each truncated step's
   * final observation and of obs[T]), read back once; V-trace in JS with γ = gamma and λ = gaeLambda;
   * then one `clippedStep` on `a2cLoss` with V-trace's policy-gradient advantages and its v_s as the
   * value targets. On-policy with ρ̄ = c̄ = 1 this is `learn` (up to rounding). Same contract as
   * `learn`: a non-finite loss, loss part or gradient norm applies nothing.
   * Throws a ConfigError when the unroll's numSteps, obsSize or numActions, or its state, is not
   * this agent's (the unroll's values are trusted: `decodeUnroll` validated them).
   */
  learnUnroll(u: Unroll, opts: OffPolicyOptions = {}): Metrics {
    const c = this.config;
    checkUnrollFits(u, { numSteps: c.numSteps, obsSize: this.obsSize, numActions: this.numActions });
    const bars = checkOffPolicyOptions(opts);
    const lr = this.learningRate();
    setLearningRate(this.optimizer, lr);
    const vars = this.net.namedVariables().map((n) => n.variable);
    const state = initialStateOf(this.net, u);
    const actions = tf.tensor1d(u.actions, 'int32');
    let targets: OffPolicyTargets | undefined;
    let s;
    try {
      s = clippedStep(this.optimizer, vars, c.maxGradNorm, () => {
        const r = reunroll(this.net, u, state, actions);
        // The update's first read-back: the targets need V and log π as numbers (the second is clippedStep's).
        targets = offPolicyTargets(u, r.readback.dataSync() as Float32Array, { ...bars, gamma: c.gamma, lambda: c.gaeLambda });
        const advantages = targets.pgAdvantages.slice();
        if (c.normalizeAdvantages) normalize(advantages);
        const loss = a2cLoss({ logits: r.logits, values: r.values, actions, advantages: tf.tensor1d(advantages), returns: tf.tensor1d(targets.vs) }, c);
        return { total: loss.total, stats: { scalars: loss.parts } };
      });
    } finally {
      disposeState(state);
      actions.dispose();
    }
    const t = targets as OffPolicyTargets;
    if (s.applied) this.updates++;
    const { policy, value, entropy } = s.stats.scalars;
    return {
      'losses/total': s.loss, 'losses/policy': policy, 'losses/value': value, 'losses/entropy': entropy,
      'losses/grad_norm': s.gradNorm, 'losses/explained_variance': explainedVariance(t.vs, t.values), 'charts/lr': lr,
      'vtrace/rho_mean': t.rhoMean, 'vtrace/clipped_fraction': t.clippedFraction,
    };
  }

  namedVariables(): NamedVariable[] { return this.net.namedVariables(); }

  snapshot(): Promise<LearnerSnapshot> {
    return snapshotOf(this.net.namedVariables(), this.optimizer, { updates: this.updates });
  }

  async restore(s: LearnerSnapshot): Promise<void> {
    await restoreInto(this.net.namedVariables(), this.optimizer, s);
    this.updates = s.counters.updates ?? 0;
  }

  dispose(): void {
    this.net.dispose();
    this.optimizer.dispose();
  }

  /** The learning rate of the next update (the linear schedule counts applied updates). */
  private learningRate(): number {
    const c = this.config;
    return c.lrSchedule === 'linear' && this.totalUpdates > 0 ? c.lr * Math.max(0, 1 - this.updates / this.totalUpdates) : c.lr;
  }

  private stepInputs(obs: Float32Array, resets: Uint8Array, control: ActControl) {
    return stepInputsOf(this.net, obs, resets, control);
  }
}

function normalize(x: Float32Array): void {
  let m = 0, v = 0;
  for (const a of x) m += a;
  m /= x.length;
  for (const a of x) v += (a - m) ** 2;
  const sd = Math.sqrt(v / x.length) + 1e-8;
  for (let i = 0; i < x.length; i++) x[i] = ((x[i] as number) - m) / sd;
}

/** 1 − Var(R − V)/Var(R): how much of the return the value head explains. */
function explainedVariance(returns: Float32Array, values: Float32Array): number {
  let m = 0, me = 0;
  for (let i = 0; i < returns.length; i++) { m += returns[i] as number; me += (returns[i] as number) - (values[i] as number); }
  m /= returns.length; me /= returns.length;
  let vr = 0, ve = 0;
  for (let i = 0; i < returns.length; i++) {
    vr += ((returns[i] as number) - m) ** 2;
    ve += ((returns[i] as number) - (values[i] as number) - me) ** 2;
  }
  return vr > 0 ? 1 - ve / vr : 0;
}
