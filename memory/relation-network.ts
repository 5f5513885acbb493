/**
 * Relation Network: Santoro et al. 2017, "A simple neural network module for relational reasoning"
 * (NeurIPS), as a pure function (docs/cores.md §7.1):
 *
 *   RN(O, q) = f_φ( Σ_{i=1..n} Σ_{j=1..n} g_θ([o_i; o_j; q]) )      all n² ordered pairs, i = j included
 *
 * g_θ is an MLP with a ReLU after every layer (Keras `Dense(…, activation='relu')`, as the Working
 * Memory Network's reasoning module, Pavez et al. 2018, jgpavez `WMemNN_bAbI.py`). f_φ is optional:
 * an MLP with ReLU between its layers and none after the last (logits); the WMN script has no f_φ.
 *
 * Batched with no loop over pairs. g's first layer is linear in the concatenation, so with
 * W₁ = [W_i; W_j; W_q] (row blocks of d, d and dq rows):
 *   [o_i; o_j; q]·W₁ + b₁ = (o_i·W_i)[B, n, 1, G] + (o_j·W_j)[B, 1, n, G] + (q·W_q + b₁)[B, 1, 1, G]
 * Three small matMuls and two broadcast adds give the first layer on all B·n² pair rows
 * (`relationPairHidden`, [B·n², G]) without building the [B·n², 2d+dq] concatenation. That is
 * the same function with fewer FLOPs, and its gradient is broadcast-add sums instead of the slow
 * Tile/Concat gradients (about 10% of a wasm update measured). The other g layers are one matMul
 * chain over the B·n² rows, then a reshape and a sum over the pair axis. No gather anywhere.
 */
import { linear } from './ops.ts';
import type { LinearWeights } from './params.ts';
import { tf } from './tf.ts';

export interface RelationNetworkWeights {
  /** g_θ: layer 0 is [2d+dq, G₀], layer l is [G_{l−1}, G_l]; ReLU after every layer. At least one layer. */
  readonly g: readonly LinearWeights[];
  /** f_φ on the pair sum: ReLU between layers, none after the last. Absent: the output is the g-sum. */
  readonly f?: readonly LinearWeights[];
}

/** An MLP over the last axis: [M, in] -> [M, out]; ReLU after layer l unless it is the last and `lastRelu` is false. */
export function mlp(x: tf.Tensor2D, layers: readonly LinearWeights[], lastRelu: boolean): tf.Tensor2D {
  return tf.tidy(() => {
    let h = x;
    layers.forEach((l, i) => {
      const y = linear(h, l.w, l.b) as tf.Tensor2D;                           // [M, in]·[in, out] -> [M, out]
      h = i < layers.length - 1 || lastRelu ? tf.relu(y) : y;
    });
    return h;
  });
}

/**
 * g's first layer on every ordered pair: row b·n² + i·n + j is ReLU([o_i; o_j; q]·W₁ + b₁) of
 * element b. objects [B, n, d], q [B, dq], layer W₁ [2d+dq, G] -> [B·n², G].
 */
export function relationPairHidden(objects: tf.Tensor3D, q: tf.Tensor2D, layer: LinearWeights): tf.Tensor2D {
  const [B, n, d] = objects.shape;
  const dq = q.shape[1];
  const [rows, G] = layer.w.shape;
  if (q.rank !== 2 || q.shape[0] !== B) throw new Error(`relationNetwork: q must be [${B}, dq], got [${q.shape}]`);
  if (rows !== 2 * d + dq) throw new Error(`relationNetwork: g's first layer must take 2d+dq = ${2 * d + dq} inputs, got [${layer.w.shape}]`);
  return tf.tidy(() => {
    const flat = objects.reshape([B * n, d]);                                  // [B, n, d] -> [B·n, d]
    const wi = layer.w.slice([0, 0], [d, G]), wj = layer.w.slice([d, 0], [d, G]), wq = layer.w.slice([2 * d, 0], [dq, G]);
    const a = tf.matMul(flat, wi).reshape([B, n, 1, G]);                       // [B·n, d]·[d, G] -> [B·n, G] -> [B, n, 1, G]
    const b = tf.matMul(flat, wj).reshape([B, 1, n, G]);                       // [B·n, d]·[d, G] -> [B·n, G] -> [B, 1, n, G]
    const c = tf.add(tf.matMul(q, wq), layer.b).reshape([B, 1, 1, G]);         // [B, dq]·[dq, G] -> [B, G] -> [B, 1, 1, G]
    return tf.relu(tf.add(tf.add(a, b), c)).reshape([B * n * n, G]) as tf.Tensor2D;   // [B, n, n, G] -> [B·n², G]
  });
}

/**
 * RN(O, q): objects [B, n, d], q [B, dq] -> [B, G] (the g-sum, G = width of g's last layer),
 * or [B, F] through f_φ when `weights.f` is given.
 */
export function relationNetwork(objects: tf.Tensor3D, q: tf.Tensor2D, weights: RelationNetworkWeights): tf.Tensor2D {
  const first = weights.g[0];
  if (first === undefined) throw new Error('relationNetwork: g must have at least one layer, got 0');
  const [B, n] = objects.shape;
  return tf.tidy(() => {
    const h = mlp(relationPairHidden(objects, q, first), weights.g.slice(1), true);   // [B·n², G₀] -> [B·n², G]
    const G = h.shape[1];
    const sum = tf.sum(h.reshape([B, n * n, G]), 1) as tf.Tensor2D;            // [B·n², G] -> [B, n², G] -> [B, G]
    return weights.f && weights.f.length > 0 ? mlp(sum, weights.f, false) : sum;   // [B, G] -> [B, F]
  });
}
