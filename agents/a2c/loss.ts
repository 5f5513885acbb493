/**
 * The A2C loss (Mnih et al. 2016): policy gradient with a detached advantage, a value loss and an
 * entropy bonus. All inputs are flat over N = T·B samples.
 */
import { tf } from '../../memory/tf.ts';

export interface A2CLossInput {
  readonly logits: tf.Tensor2D;       // [N, A]
  readonly values: tf.Tensor1D;       // [N]
  readonly actions: tf.Tensor1D;      // [N] int32
  readonly advantages: tf.Tensor1D;   // [N] data (no gradient)
  readonly returns: tf.Tensor1D;      // [N] data
}

export interface A2CLossWeights {
  readonly valueCoef: number;
  readonly entropyCoef: number;
  readonly valueLoss: 'mse' | 'huber';
}

/** Returns the total loss and its named parts. */
export function a2cLoss(x: A2CLossInput, w: A2CLossWeights): { total: tf.Scalar; parts: Record<'policy' | 'value' | 'entropy', tf.Scalar> } {
  return tf.tidy(() => {
    const numActions = x.logits.shape[1];
    const logp = tf.logSoftmax(x.logits);                                        // [N, A]
    const logpTaken = tf.sum(tf.mul(logp, tf.oneHot(x.actions, numActions)), 1); // [N]
    const policy = tf.neg(tf.mean(tf.mul(logpTaken, x.advantages)));
    const entropy = tf.mean(tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1)));
    const err = tf.sub(x.returns, x.values);
    const value = w.valueLoss === 'mse'
      ? tf.mul(0.5, tf.mean(tf.square(err)))
      : tf.mean(huber(err));
    const total = tf.add(tf.sub(policy, tf.mul(w.entropyCoef, entropy)), tf.mul(w.valueCoef, value)) as tf.Scalar;
    return { total, parts: { policy, value, entropy } as Record<'policy' | 'value' | 'entropy', tf.Scalar> };
  });
}

/** Smooth L1 with δ = 1: 0.5e² where |e| < 1, |e| − 0.5 elsewhere (written with min, no comparisons). */
function huber(e: tf.Tensor): tf.Tensor {
  const a = tf.abs(e);
  const q = tf.minimum(a, 1);
  return tf.add(tf.mul(0.5, tf.square(q)), tf.sub(a, q));
}
