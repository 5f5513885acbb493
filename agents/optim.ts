/**
 * What every learner shares: the optimizer, one clipped gradient step, and checkpointing
 * named variables with the optimizer's slots.
 */
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

/**
 * One optimizer step on `loss()` with global-norm clipping (0: none). `loss` may return extra
 * scalars to report, which are kept out of the gradient scope. Returns [loss, gradNorm, ...extras]
 * read back in one sync.
 */
export function clippedStep(opt: tf.Optimizer, vars: tf.Variable[], maxGradNorm: number,
  loss: () => { total: tf.Scalar; extras?: tf.Tensor1D }): Float32Array {
  let extras: tf.Tensor | undefined;
  const stats = tf.tidy(() => {
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
    opt.applyGradients(grads);
    return tf.concat([value.reshape([1]), norm.reshape([1]), ...(extras ? [extras] : [])]);
  });
  const out = stats.dataSync() as Float32Array;
  stats.dispose();
  extras?.dispose();
  return out;
}

export async function snapshotOf(named: NamedVariable[], opt: tf.Optimizer, counters: Record<string, number>): Promise<AgentSnapshot> {
  const weights: NamedArrays = {
    names: named.map((n) => n.name), shapes: named.map((n) => n.variable.shape), data: named.map((n) => n.variable.dataSync() as Float32Array),
  };
  const slots = await opt.getWeights();
  const optimizer: NamedArrays = { names: slots.map((w) => w.name), shapes: slots.map((w) => w.tensor.shape), data: slots.map((w) => w.tensor.dataSync() as Float32Array) };
  return { weights, optimizer, counters };
}

export async function restoreInto(named: NamedVariable[], opt: tf.Optimizer, s: AgentSnapshot): Promise<void> {
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
    await opt.setWeights(tensors);
    tf.dispose(tensors.map((t) => t.tensor));
  }
}

/** A variable's name without the per-process unique prefix (stable across runs). */
export function localName(v: tf.Variable): string {
  return v.name.slice(v.name.indexOf('/') + 1);
}
