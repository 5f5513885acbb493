/**
 * Pure tensor helpers shared by cores (no variables here; cores own those).
 */
import { customGrad } from './grad.ts';
import { tf } from './tf.ts';

/** Score of an empty memory slot: about −FLT_MAX; finite, so 0·fill = 0 in a mask blend. */
export const EMPTY_SLOT_SCORE = -3.4e38;

/** LayerNorm epsilon: Sonnet's 1e-5 (tfjs-layers defaults to 1e-3; docs/cores.md §1.6). */
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
const sgGrad = customGrad((x: tf.Tensor) => ({
  value: x.clone(),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

export function stopGradient<T extends tf.Tensor>(x: T): T {
  return sgGrad(x) as T;
}

/** ε of the content-addressing norms (deepmind/dnc `_EPSILON`): keeps the cosine finite at zero vectors. */
export const ADDRESSING_EPSILON = 1e-6;

/** oneplus(x) = 1 + softplus(x) ∈ [1, ∞): the paper's key-strength transform. */
export function oneplus(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(1, tf.softplus(x)));
}

/** β transform of the NTM and DNC: the paper's oneplus or softplus (deepmind/dnc, pytorch-dnc). */
export type StrengthOp = 'oneplus' | 'softplus';
export const STRENGTH_OPS: readonly StrengthOp[] = ['oneplus', 'softplus'];

export function keyStrength(x: tf.Tensor, op: StrengthOp): tf.Tensor {
  return op === 'oneplus' ? oneplus(x) : tf.softplus(x);
}

/**
 * Content weighting C(M, k, β) (docs/cores.md §5.1): softmax over slots of β·cos(k, M[i]).
 * memory M [B, N, W], keys k [B, h, W], strengths β [B, h] (already transformed) -> [B, h, N].
 * Norms are √(Σx² + ε), never tf.norm, so the gradient stays finite at zero vectors.
 */
export function contentWeights(memory: tf.Tensor3D, keys: tf.Tensor3D, strengths: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const dot = tf.matMul(keys, memory, false, true);                                    // [B, h, W] x [B, N, W]ᵀ -> [B, h, N]
    const keyNorm = tf.sqrt(tf.add(tf.sum(tf.square(keys), 2, true), ADDRESSING_EPSILON));       // [B, h, 1]
    const memNorm = tf.sqrt(tf.add(tf.sum(tf.square(memory), 2), ADDRESSING_EPSILON)).expandDims(1); // [B, N] -> [B, 1, N]
    const cos = tf.div(dot, tf.add(tf.mul(keyNorm, memNorm), ADDRESSING_EPSILON));       // [B, h, N]
    return tf.softmax(tf.mul(cos, strengths.expandDims(2))) as tf.Tensor3D;               // β [B, h] -> [B, h, 1]
  });
}

/**
 * Erase-then-add write (docs/cores.md §5.1): M ⊙ Π_j (1 − w_j ⊗ e_j) + Σ_j w_jᵀ·a_j.
 * memory [B, N, W], weights w [B, Hw, N], erase e [B, Hw, W] in (0, 1), add a [B, Hw, W] -> [B, N, W].
 */
export function eraseAndWrite(memory: tf.Tensor3D, weights: tf.Tensor3D, erase: tf.Tensor3D, add: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, Hw, N] = weights.shape;
    // Broadcast products per write head: faster on wasm than transposed batched matMuls.
    let keep: tf.Tensor | undefined;
    let added: tf.Tensor | undefined;
    for (let j = 0; j < Hw; j++) {   // a product over write heads (Hw is 1 or 2 in practice)
      const w = (Hw === 1 ? weights : tf.slice(weights, [0, j, 0], [-1, 1, -1])).reshape([B, N, 1]);   // [B, 1, N] -> [B, N, 1]
      const e = Hw === 1 ? erase : tf.slice(erase, [0, j, 0], [-1, 1, -1]);                            // [B, 1, W]
      const a = Hw === 1 ? add : tf.slice(add, [0, j, 0], [-1, 1, -1]);                                // [B, 1, W]
      const k = tf.sub(1, tf.mul(w, e));                                                               // [B, N, W]
      const v = tf.mul(w, a);                                                                          // [B, N, W]
      keep = keep ? tf.mul(keep, k) : k;
      added = added ? tf.add(added, v) : v;
    }
    return tf.add(tf.mul(memory, keep as tf.Tensor), added as tf.Tensor) as tf.Tensor3D;
  });
}

/** Read vectors r = w·M: weights [B, R, N], memory [B, N, W] -> [B, R, W]. */
export function readMemory(memory: tf.Tensor3D, weights: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => tf.matMul(weights, memory) as tf.Tensor3D);
}

/**
 * tf.unstack along axis 0, whose gradient also works for a single slice: tfjs hands a one-output
 * op's gradient a lone dy, and Unpack's gradient then stacks a tensor instead of a list.
 */
export function unstackSteps<T extends tf.Tensor>(x: tf.Tensor): T[] {
  return x.shape[0] === 1 ? [tf.squeeze(x, [0]) as T] : tf.unstack(x) as T[];
}

/** For each of the T rows of a [T, B] mask, whether any entry is non-zero (a mask read back once, so steps without one skip work). */
export function rowsWithAny(mask: ArrayLike<number>, T: number, B: number): boolean[] {
  const out = new Array<boolean>(T).fill(false);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) if (mask[t * B + b] !== 0) { out[t] = true; break; }
  return out;
}
