/**
 * What every learner shares: the optimizer, one clipped gradient step, and checkpointing
 * named variables with the optimizer's slots.
 */
import { ConfigError } from '../envs/errors.ts';
import { tf } from '../memory/tf.ts';
import type { AgentSnapshot, NamedArrays } from './agent.ts';

export interface NamedVariable { readonly name: string; readonly variable: tf.Variable }

export interface OptimizerConfig {
  readonly optimizer: 'adam' | 'rmsprop';
  readonly lr: number;
  readonly optimizerEps: number;
  readonly rmspropDecay?: number;
}

export function makeOptimizer(c: OptimizerConfig): tf.Optimizer {
  return c.optimizer === 'adam' ? tf.train.adam(c.lr, 0.9, 0.999, c.optimizerEps) : tf.train.rmsprop(c.lr, c.rmspropDecay ?? 0.99, 0, c.optimizerEps);
}

export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  (opt as unknown as { learningRate: number }).learningRate = lr;
}

/** What one `clippedStep` reports, read back in its one sync. */
export interface StepStats {
  /** The total loss before the step. */
  readonly loss: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** The `extras` the loss returned (empty when none). */
  readonly extras: Float32Array;
  /** False when the loss, an extra or the norm was not finite: nothing was changed. */
  readonly applied: boolean;
}

/**
 * One optimizer step on `loss()` with global-norm clipping (0: none). `loss` may return extra
 * scalars to report, which are kept out of the gradient scope. The gradients are applied only when
 * the loss, every extra and the gradient norm are finite (one NaN step would turn every weight into
 * NaN); otherwise the weights and the optimizer's slots and step count stay as they were.
 */
export function clippedStep(opt: tf.Optimizer, vars: tf.Variable[], maxGradNorm: number,
  loss: () => { total: tf.Scalar; extras?: tf.Tensor1D }): StepStats {
  let extras: tf.Tensor | undefined;
  const { grads, stats } = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const l = loss();
      if (l.extras) extras = tf.keep(l.extras);
      return l.total;
    }, vars);
    // Every variable gets a gradient every step, so the optimizer's slots keep their order.
    for (const v of vars) grads[v.name] ??= tf.zerosLike(v);
    const gs = Object.values(grads);
    const norm = tf.sqrt(tf.addN(gs.map((g) => tf.sum(tf.square(g)))));
    if (maxGradNorm > 0) {
      const scale = tf.minimum(1, tf.div(maxGradNorm, tf.add(norm, 1e-6)));
      for (const k of Object.keys(grads)) grads[k] = tf.mul(grads[k] as tf.Tensor, scale);
    }
    return { grads, stats: tf.concat([value.reshape([1]), norm.reshape([1]), ...(extras ? [extras] : [])]) };
  });
  const s = stats.dataSync() as Float32Array;   // the one read-back of the update
  const applied = s.every(Number.isFinite);
  if (applied) tf.tidy(() => opt.applyGradients(grads));
  tf.dispose([stats, ...Object.values(grads)]);
  extras?.dispose();
  return { loss: s[0] as number, gradNorm: s[1] as number, extras: s.subarray(2), applied };
}

export async function snapshotOf(named: NamedVariable[], opt: tf.Optimizer, counters: Record<string, number>): Promise<AgentSnapshot> {
  const weights: NamedArrays = {
    names: named.map((n) => n.name), shapes: named.map((n) => n.variable.shape), data: named.map((n) => n.variable.dataSync() as Float32Array),
  };
  const slots = await opt.getWeights();
  const optimizer: NamedArrays = { names: slots.map((w) => w.name), shapes: slots.map((w) => w.tensor.shape), data: slots.map((w) => w.tensor.dataSync() as Float32Array) };
  // The slots are the optimizer's own variables, but the step count ('iter') is a new tensor each call.
  tf.dispose(slots.flatMap((w) => (w.tensor instanceof tf.Variable ? [] : [w.tensor])));
  return { weights, optimizer, counters };
}

/** Checks every name and shape first, so a checkpoint of another core or config changes nothing. */
export async function restoreInto(named: NamedVariable[], opt: tf.Optimizer, s: AgentSnapshot): Promise<void> {
  if (s.weights.names.length !== named.length) {
    throw new ConfigError(`checkpoint: has ${s.weights.names.length} weights, this agent has ${named.length} (a checkpoint of another core or config?)`);
  }
  named.forEach((n, i) => {
    const shape = s.weights.shapes[i] as number[];
    if (s.weights.names[i] !== n.name || shape.join() !== n.variable.shape.join()) {
      throw new ConfigError(`checkpoint: weight ${i} is ${s.weights.names[i]} [${shape}], this agent expects ${n.name} [${n.variable.shape}] (a checkpoint of another core or config?)`);
    }
  });
  named.forEach((n, i) => n.variable.assign(tf.tensor(s.weights.data[i] as Float32Array, s.weights.shapes[i])));
  if (s.optimizer.names.length > 0) {
    const tensors = s.optimizer.names.map((name, i) => ({ name, tensor: tf.tensor(s.optimizer.data[i] as Float32Array, s.optimizer.shapes[i]) }));
    await opt.setWeights(tensors);
    tf.dispose(tensors.map((t) => t.tensor));
  }
}

/** A variable's name without the per-process unique prefix (stable across runs). */
export function localName(v: tf.Variable): string {
  return v.name.slice(v.name.indexOf('/') + 1);
}
