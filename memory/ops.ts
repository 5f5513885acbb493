/**
 * Pure tensor helpers shared by cores (no variables here; cores own those).
 */
import { tf } from './tf.ts';

/** LayerNorm epsilon: Sonnet's 1e-5 (tfjs-layers defaults to 1e-3; cores.md §1.6). */
export const LAYER_NORM_EPSILON = 1e-5;

/** x·W + b over the last axis: [..., Din] -> [..., Dout]. */
export function linear(x: tf.Tensor, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor {
  return tf.tidy(() => {
    const [din, dout] = w.shape;
    const lead = x.shape.slice(0, -1);
    const flat = x.rank === 2 ? x as tf.Tensor2D : x.reshape([-1, din]) as tf.Tensor2D;   // [..., Din] -> [M, Din]
    const y = b ? tf.add(tf.matMul(flat, w), b) : tf.matMul(flat, w);
    return x.rank === 2 ? y : y.reshape([...lead, dout]);
  });
}

/** Per-row LayerNorm over the last axis: γ ⊙ (a − μ)/√(σ² + ε) + β. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps = LAYER_NORM_EPSILON): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gamma), beta);
  });
}

/** sg(x): the identity forward, a zero gradient backward (tfjs has no stopGradient). */
const sgGrad = tf.customGrad(((x: tf.Tensor) => ({
  value: x.clone(),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]);

export function stopGradient<T extends tf.Tensor>(x: T): T {
  return sgGrad(x) as T;
}
