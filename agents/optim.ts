/**
 * What every learner shares: the optimizer, one clipped gradient step, and checkpointing
 * named variables with the optimizer's slots.
 */
import { ConfigError } from '../envs/errors.ts';
import { tf } from '../memory/tf.ts';
import type { LearnerSnapshot, NamedArrays } from './learner.ts';
import type { OptimizerConfig } from './optimizer-config.ts';
import { packNamed, unpackNamed, type NamedTensors, type NamedValues } from './named-stats.ts';

export interface NamedVariable { readonly name: string; readonly variable: tf.Variable }


export function makeOptimizer(c: Readonly<OptimizerConfig>): tf.Optimizer {
  return c.optimizer === 'adam' ? tf.train.adam(c.lr, 0.9, 0.999, c.optimizerEps) : tf.train.rmsprop(c.lr, c.rmspropDecay, 0, c.optimizerEps);
}

export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  (opt as unknown as { learningRate: number }).learningRate = lr;
}

/** What one `clippedStep` reports, read back in its one sync. */
export interface StepStats<K extends string, V extends string> {
  /** The total loss before the step. */
  readonly loss: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** The statistics the loss named (none when it named none). */
  readonly stats: NamedValues<K, V>;
  /** False when the loss, a statistic or the norm was not finite: nothing was changed. */
  readonly applied: boolean;
}

/**
 * One optimizer step on `loss()` with global-norm clipping (0: none). `loss` may name statistics
 * to report, which are kept out of the gradient scope. The gradients are applied only when the
 * loss, every statistic and the gradient norm are finite (one NaN step would turn every weight
 * into NaN); otherwise the weights and the optimizer's slots and step count stay as they were.
 */
export function clippedStep<K extends string = never, V extends string = never>(opt: tf.Optimizer, vars: tf.Variable[], maxGradNorm: number,
  loss: () => { total: tf.Scalar; stats?: NamedTensors<K, V> }): StepStats<K, V> {
  let named: NamedTensors<K, V> = { scalars: {} as Record<K, tf.Scalar> };
  const { grads, stats } = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const l = loss();
      if (l.stats) named = keepNamed(l.stats);
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
    return { grads, stats: tf.concat([value.reshape([1]), norm.reshape([1]), packNamed(named)]) };
  });
  const s = stats.dataSync() as Float32Array;   // the one read-back of the update
  const applied = s.every(Number.isFinite);
  if (applied) tf.tidy(() => opt.applyGradients(grads));
  tf.dispose([stats, ...Object.values(grads), ...Object.values<tf.Tensor>(named.scalars), ...Object.values<tf.Tensor>(named.vectors ?? {})]);
  return { loss: s[0] as number, gradNorm: s[1] as number, stats: unpackNamed(named, s, 2), applied };
}

/** The statistics kept past the gradient scope's tidy. */
function keepNamed<K extends string, V extends string>(t: NamedTensors<K, V>): NamedTensors<K, V> {
  for (const x of [...Object.values<tf.Tensor>(t.scalars), ...Object.values<tf.Tensor>(t.vectors ?? {})]) tf.keep(x);
  return t;
}

export async function snapshotOf(named: NamedVariable[], opt: tf.Optimizer, counters: Record<string, number>): Promise<LearnerSnapshot> {
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
export async function restoreInto(named: NamedVariable[], opt: tf.Optimizer, s: LearnerSnapshot): Promise<void> {
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
