/**
 * A2CAgent — advantage actor-critic over any memory core (Mnih et al. 2016, synchronous).
 * Acting: one batched forward per env step, actions sampled in JS with the rollout's Rng from the
 * probabilities read back once. Learning: re-unroll the trajectory from its initial state (BPTT),
 * GAE in JS, one optimizer step with global-norm clipping.
 */
import type { Rng } from '../../envs/rng.ts';
import type { CoreState, MemoryCore } from '../../memory/core.ts';
import { disposeState } from '../../memory/state.ts';
import { tf } from '../../memory/tf.ts';
import type { Metrics } from '../../rollout/observer.ts';
import type { ActControl, ActOptions, ActResult } from '../../rollout/policy.ts';
import type { Trajectory } from '../../rollout/trajectory.ts';
import type { Agent, AgentSnapshot, NamedArrays } from '../agent.ts';
import { gae } from '../returns.ts';
import type { A2CConfig } from './config.ts';
import { a2cLoss } from './loss.ts';
import { A2CNetwork } from './network.ts';

export interface A2CAgentOptions {
  readonly obsShape: readonly number[];
  readonly numActions: number;
  readonly makeCore: (inputSize: number) => MemoryCore;
  readonly config: Readonly<A2CConfig>;
  readonly seed: number;
  /** Updates in the whole run, for the linear learning-rate schedule. */
  readonly totalUpdates?: number;
}

export class A2CAgent implements Agent<CoreState> {
  readonly net: A2CNetwork;
  readonly numActions: number;
  readonly config: Readonly<A2CConfig>;
  private readonly optimizer: tf.Optimizer;
  private readonly totalUpdates: number;
  updates = 0;

  constructor(opts: A2CAgentOptions) {
    this.config = opts.config;
    this.numActions = opts.numActions;
    this.net = new A2CNetwork(opts.obsShape, opts.numActions, opts.makeCore, opts.config, opts.seed);
    this.totalUpdates = opts.totalUpdates ?? 0;
    const c = opts.config;
    this.optimizer = c.optimizer === 'adam'
      ? tf.train.adam(c.lr, 0.9, 0.999, c.optimizerEps)
      : tf.train.rmsprop(c.lr, c.rmspropDecay, 0, c.optimizerEps);
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
      const r = this.net.step(this.stepInputs(obs, resets, control), state);
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

  learn(traj: Trajectory<CoreState>): Metrics {
    const c = this.config;
    const { numSteps: T, numEnvs: B, obsSize: D } = traj;
    const { advantages, returns } = gae(traj, c.gamma, c.gaeLambda);
    if (c.normalizeAdvantages) normalize(advantages);
    const lr = c.lrSchedule === 'linear' && this.totalUpdates > 0 ? c.lr * Math.max(0, 1 - this.updates / this.totalUpdates) : c.lr;
    (this.optimizer as unknown as { learningRate: number }).learningRate = lr;
    const named = this.net.namedVariables();
    const vars = named.map((n) => n.variable);
    let parts: tf.Tensor | undefined;
    const stats = tf.tidy(() => {
      const inputs = {
        obs: this.net.prepare(traj.obs, T * B).reshape([T, B, this.net.encoder.inputSize]) as tf.Tensor3D,
        resets: tf.tensor2d(Float32Array.from(traj.resets), [T, B]),
        write: tf.tensor2d(Float32Array.from(traj.write), [T, B]),
        ...(traj.flush.some((x) => x === 1) ? { flush: tf.tensor2d(Float32Array.from(traj.flush), [T, B]) } : {}),
      };
      const actions = tf.tensor1d(traj.actions, 'int32');
      const adv = tf.tensor1d(advantages);
      const ret = tf.tensor1d(returns);
      const { value, grads } = tf.variableGrads(() => {
        const { logits, values } = this.net.unroll(inputs, traj.initialState);
        const loss = a2cLoss({ logits, values, actions, advantages: adv, returns: ret }, c);
        parts = tf.keep(loss.parts);
        return loss.total;
      }, vars);
      // Every variable gets a gradient every update, so optimizer slots keep their order.
      for (const v of vars) grads[v.name] ??= tf.zerosLike(v);
      const norm = globalNorm(Object.values(grads));
      const clipped = c.maxGradNorm > 0 ? scaleGrads(grads, tf.minimum(1, tf.div(c.maxGradNorm, tf.add(norm, 1e-6)))) : grads;
      this.optimizer.applyGradients(clipped);
      return tf.concat([value.reshape([1]), parts as tf.Tensor, norm.reshape([1])]);  // [5]
    });
    const s = stats.dataSync();
    stats.dispose();
    parts?.dispose();
    this.updates++;
    return {
      'losses/total': s[0] as number, 'losses/policy': s[1] as number, 'losses/value': s[2] as number,
      'losses/entropy': s[3] as number, 'losses/grad_norm': s[4] as number, 'losses/explained_variance': explainedVariance(returns, traj.values), 'charts/lr': lr,
    };
  }

  async snapshot(): Promise<AgentSnapshot> {
    const named = this.net.namedVariables();
    const weights: NamedArrays = {
      names: named.map((n) => n.name), shapes: named.map((n) => n.variable.shape),
      data: named.map((n) => n.variable.dataSync() as Float32Array),
    };
    const opt = await this.optimizer.getWeights();
    const optimizer: NamedArrays = { names: opt.map((w) => w.name), shapes: opt.map((w) => w.tensor.shape), data: opt.map((w) => w.tensor.dataSync() as Float32Array) };
    return { weights, optimizer, counters: { updates: this.updates } };
  }

  async restore(s: AgentSnapshot): Promise<void> {
    const named = this.net.namedVariables();
    if (s.weights.names.length !== named.length) {
      throw new Error(`checkpoint: has ${s.weights.names.length} weights, this agent has ${named.length} (different core or config?)`);
    }
    named.forEach((n, i) => {
      const shape = s.weights.shapes[i] as number[];
      if (s.weights.names[i] !== n.name || shape.join() !== n.variable.shape.join()) {
        throw new Error(`checkpoint: weight ${i} is ${s.weights.names[i]} [${shape}], expected ${n.name} [${n.variable.shape}] (different core or config?)`);
      }
      n.variable.assign(tf.tensor(s.weights.data[i] as Float32Array, shape));
    });
    if (s.optimizer.names.length > 0) {
      const tensors = s.optimizer.names.map((name, i) => ({ name, tensor: tf.tensor(s.optimizer.data[i] as Float32Array, s.optimizer.shapes[i]) }));
      await this.optimizer.setWeights(tensors);
      tf.dispose(tensors.map((t) => t.tensor));
    }
    this.updates = s.counters.updates ?? 0;
  }

  dispose(): void {
    this.net.dispose();
    this.optimizer.dispose();
  }

  private stepInputs(obs: Float32Array, resets: Uint8Array, control: ActControl) {
    const B = resets.length;
    return {
      obs: this.net.prepare(obs, B),
      ...(resets.some((x) => x === 1) ? { resets: tf.tensor1d(Float32Array.from(resets)) } : {}),
      ...(control.flush.some((x) => x === 1) ? { flush: tf.tensor1d(Float32Array.from(control.flush)) } : {}),
      write: tf.tensor1d(Float32Array.from(control.write)),
    };
  }
}

function argMax(a: Float32Array, offset: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if ((a[offset + i] as number) > (a[offset + best] as number)) best = i;
  return best;
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

function globalNorm(gs: tf.Tensor[]): tf.Scalar {
  return tf.sqrt(tf.addN(gs.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
}

function scaleGrads(grads: tf.NamedTensorMap, scale: tf.Tensor): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  for (const [k, g] of Object.entries(grads)) out[k] = tf.mul(g, scale);
  return out;
}
