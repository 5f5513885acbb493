/**
 * DNC addressing: the pure pieces of Graves et al. 2016, "Hybrid computing using a neural network
 * with dynamic external memory" (Nature 538, Methods), split as deepmind/dnc `addressing.py`
 * (`Freeness`, `TemporalLinkage`; `CosineWeights` is shared with the NTM in memory/ops.ts).
 * Exact equations: docs/cores.md §5.4. No variables here; every function is a tf.tidy over its arguments.
 *
 *   usage        ŵ = 1 − Π_j (1 − sg(w^w_{t−1,j}))                      the write heads' aggregate
 *                u_t = (u_{t−1} + (1 − u_{t−1}) ⊙ ŵ) ⊙ ψ,   ψ = Π_r (1 − f_r · w^r_{t−1,r})
 *   allocation   ū = ε + (1 − ε)·u;   a[i] = (1 − ū[i]) · Π_{k ∈ before(i)} ū[k]
 *                before(i) = {k : ū[k] < ū[i] or (ū[k] = ū[i] and k < i)}   (the sorted form, sort-free)
 *   linkage      L_t[i,k] = (1 − w[i] − w[k]) · L_{t−1}[i,k] + w[i] · p_{t−1}[k],   L_t[i,i] = 0
 *                p_t = (1 − Σ_i w[i]) · p_{t−1} + w                              (per write head)
 *   directional  f = L_t w^r_{t−1} (forward),  b = L_tᵀ w^r_{t−1} (backward)   (per read and write head)
 *
 * Allocation is trainable without a sort on the tape (§5.4.3 A): the "comes before" rank mask is
 * built inside a customGrad (tfjs throws on comparisons on a variable path even when they only
 * build a mask), and the exclusive cumulative product is exp(mask · log ū), one batched matMul.
 * The gradient flows through the values of u with the permutation held constant, which is the
 * gradient TF defines for deepmind's top_k + cumprod version; it is written out by hand.
 */
import { customGrad, type SaveFunc } from '../grad.ts';
import { ADDRESSING_EPSILON, stopGradient } from '../ops.ts';
import { tf } from '../tf.ts';

/** L_t and p_t of every write head (deepmind `TemporalLinkageState`). */
export type LinkageState = {
  readonly link: tf.Tensor4D;         // L_t [B, Hw, N, N]; L[i, k] ≈ "slot i was written right after slot k"
  readonly precedence: tf.Tensor3D;   // p_t [B, Hw, N]; how much each slot was the last one written
};

/**
 * u_t from u_{t−1}: the previous write raises usage, the free gates release what was read.
 * prevUsage [B, N], prevWriteWeights w^w_{t−1} [B, Hw, N], freeGates f [B, R], prevReadWeights w^r_{t−1} [B, R, N] -> [B, N].
 * The write weights carry no gradient here (deepmind's stop_gradient in `Freeness`).
 */
export function usageUpdate(prevUsage: tf.Tensor2D, prevWriteWeights: tf.Tensor3D, freeGates: tf.Tensor2D,
  prevReadWeights: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => {
    const [B, Hw, N] = prevWriteWeights.shape;
    const R = freeGates.shape[1];
    const w = stopGradient(prevWriteWeights);
    const written = Hw === 1
      ? w.reshape([B, N])                                                        // [B, 1, N] -> [B, N]
      : tf.sub(1, tf.prod(tf.sub(1, w), 1));                                     // Π over heads: [B, Hw, N] -> [B, N]
    const afterWrite = tf.add(prevUsage, tf.mul(tf.sub(1, prevUsage), written)); // u' [B, N]
    const freed = tf.mul(freeGates.reshape([B, R, 1]), prevReadWeights);         // f_r w^r_r: [B, R, 1] ⊙ [B, R, N] -> [B, R, N]
    const retention = R === 1 ? tf.sub(1, freed).reshape([B, N])                 // ψ: [B, 1, N] -> [B, N]
      : tf.prod(tf.sub(1, freed), 1);                                            // Π over read heads: [B, R, N] -> [B, N]
    return tf.mul(afterWrite, retention) as tf.Tensor2D;
  });
}

/** A constant [N, N] matrix from a JS rule (one upload, no ops): rows i, columns k. */
function constantMatrix(N: number, rule: (i: number, k: number) => boolean): tf.Tensor2D {
  const values = new Float32Array(N * N);
  for (let i = 0; i < N; i++) for (let k = 0; k < N; k++) values[i * N + k] = rule(i, k) ? 1 : 0;
  return tf.tensor2d(values, [N, N]);
}

/**
 * mask[b, i, k] = 1 where slot k comes before slot i in ascending ū (ties: lower index first);
 * uBar [B, N] -> [B, N, N], rows i, columns k. Built from step(ū_i − ū_k), not less/equal: those
 * have no gradient (tfjs throws when they sit on a variable path) and broadcasting comparisons take
 * a slow path on wasm (~10x an arithmetic op). a − b > 0 exactly when a > b for finite floats.
 * Its gradient is 0 everywhere; `allocation` builds it off the tape (inside its customGrad).
 */
export function rankMask(uBar: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, N] = uBar.shape;
    const d = tf.sub(uBar.reshape([B, N, 1]), uBar.reshape([B, 1, N]));        // ū_i − ū_k: [B, N, 1] − [B, 1, N] -> [B, N, N]
    const below = tf.step(d);                                                  // ū_k < ū_i
    const tie = tf.sub(1, tf.add(below, tf.step(tf.neg(d))));                  // ū_k = ū_i
    return tf.add(below, tf.mul(tie, constantMatrix(N, (i, k) => k < i))) as tf.Tensor3D;   // ties: the lower index first
  });
}

/**
 * a = (1 − ū) ⊙ P with P_i = Π_{k ∈ before(i)} ū_k = exp(mask·log ū), and the gradient TF defines
 * for the sorted form (permutation held constant), written out: with g = dy ⊙ a,
 *   ∂/∂ū_m = −dy_m P_m + (Σ_i g_i mask[i, m]) / ū_m,   ∂ū/∂u = 1 − ε.
 * Hand-written, it skips autodiff's gradient of the [N, N] mask and the log/exp chain (~40% of
 * allocation's fwd+bwd time on wasm), and nothing of the mask ever reaches the tape.
 */
const allocationOp = customGrad((usage: tf.Tensor, save: SaveFunc) => {
  const [B, N] = usage.shape as [number, number];
  const uBar = tf.add(ADDRESSING_EPSILON, tf.mul(1 - ADDRESSING_EPSILON, usage)) as tf.Tensor2D;   // > 0, so log is finite
  const mask = rankMask(uBar);                                                                      // [B, N, N]
  const before = tf.exp(tf.matMul(mask, tf.log(uBar).reshape([B, N, 1])).reshape([B, N]));       // [B, N, N] x [B, N, 1] -> [B, N, 1] -> [B, N]
  const a = tf.mul(tf.sub(1, uBar), before);
  save([uBar, mask, before, a]);
  return {
    value: a,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [ub, m, p, alloc] = saved as [tf.Tensor, tf.Tensor3D, tf.Tensor, tf.Tensor];
      const spread = tf.matMul(tf.mul(dy, alloc).reshape([B, 1, N]), m).reshape([B, N]);           // [B, 1, N] x [B, N, N] -> [B, 1, N] -> [B, N]
      return tf.mul(tf.sub(tf.div(spread, ub), tf.mul(dy, p)), 1 - ADDRESSING_EPSILON);
    },
  };
});

/**
 * Alloc(u) (§5.4.2): the sorted allocation weighting, computed without a sort.
 * usage [B, N] in [0, 1] -> [B, N]; Σ a = 1 − Π ū, most weight on the least-used slot.
 */
export function allocation(usage: tf.Tensor2D): tf.Tensor2D {
  return allocationOp(usage) as tf.Tensor2D;
}

/**
 * Allocation weights a_j for every write head in order (deepmind `write_allocation_weights`):
 * head j allocates on a simulated usage that already counts the writes of heads 1..j−1, so two
 * heads do not pick the same free slot. The state keeps the unsimulated u_t.
 * usage [B, N], writeGates g^a ⊙ g^w [B, Hw] -> [B, Hw, N].
 */
export function writeAllocationWeights(usage: tf.Tensor2D, writeGates: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, Hw] = writeGates.shape;
    const heads: tf.Tensor2D[] = [];
    let u = usage;
    for (let j = 0; j < Hw; j++) {
      const a = allocation(u);
      heads.push(a);
      if (j < Hw - 1) {
        const g = writeGates.slice([0, j], [B, 1]);                              // [B, Hw] -> [B, 1]
        u = tf.add(u, tf.mul(tf.sub(1, u), tf.mul(g, a))) as tf.Tensor2D;       // ũ ← ũ + (1 − ũ) ⊙ g_j a_j
      }
    }
    return tf.stack(heads, 1) as tf.Tensor3D;                                    // Hw × [B, N] -> [B, Hw, N]
  });
}

/**
 * L_t and p_t from this step's write weights (deepmind `TemporalLinkage._build`), every write head
 * at once. writeWeights w^w_t [B, Hw, N]; the diagonal is zeroed with a constant (1 − I) mask.
 */
export function linkageUpdate(prev: LinkageState, writeWeights: tf.Tensor3D): LinkageState {
  return tf.tidy(() => {
    const [B, Hw, N] = writeWeights.shape;
    const wi = writeWeights.reshape([B, Hw, N, 1]);                              // w[i]: [B, Hw, N] -> [B, Hw, N, 1]
    const wk = writeWeights.reshape([B, Hw, 1, N]);                              // w[k]: [B, Hw, N] -> [B, Hw, 1, N]
    const pk = prev.precedence.reshape([B, Hw, 1, N]);                           // p_{t−1}[k]: [B, Hw, N] -> [B, Hw, 1, N]
    const kept = tf.mul(tf.sub(tf.sub(1, wi), wk), prev.link);                   // (1 − w[i] − w[k]) L[i, k]: [B, Hw, N, N]
    const offDiagonal = constantMatrix(N, (i, k) => i !== k);                   // 1 − I: [N, N], broadcast over [B, Hw]
    const link = tf.mul(tf.add(kept, tf.mul(wi, pk)), offDiagonal) as tf.Tensor4D;   // + w[i] p[k]: [B, Hw, N, N]
    const notWritten = tf.sub(1, tf.sum(writeWeights, 2, true));                // 1 − Σ_i w[i]: [B, Hw, 1]
    const precedence = tf.add(tf.mul(notWritten, prev.precedence), writeWeights) as tf.Tensor3D;   // [B, Hw, N]
    return { link, precedence };
  });
}

/**
 * The temporal read weightings of every read head through every write head's link matrix
 * (deepmind `directional_read_weights`, both directions in one matMul):
 *   backward b_{r,j} = w^r·L_j   (b[k] = Σ_i L[i, k] w[i]: the slot written before the one read)
 *   forward  f_{r,j} = w^r·L_jᵀ  (f[i] = Σ_k L[i, k] w[k]: the slot written after the one read)
 * link [B, Hw, N, N], prevReadWeights w^r_{t−1} [B, R, N] -> [B, R, 2Hw, N] with the modes in
 * deepmind's order: (backward × Hw, forward × Hw), matching the read modes π.
 */
export function directionalReadWeights(link: tf.Tensor4D, prevReadWeights: tf.Tensor3D): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, Hw, N] = link.shape;
    const R = prevReadWeights.shape[1];
    const backward = Hw === 1
      ? link.reshape([B, N, N])                                                  // L_j as [i, k]: [B, 1, N, N] -> [B, N, N]
      : link.transpose([0, 2, 1, 3]).reshape([B, N, Hw * N]);                    // [B, Hw, N(i), N(k)] -> [B, N(i), Hw, N(k)] -> [B, N, Hw·N]
    const forward = link.transpose([0, 3, 1, 2]).reshape([B, N, Hw * N]);        // L_jᵀ as [k, i]: -> [B, N(k), Hw, N(i)] -> [B, N, Hw·N]
    const operand = tf.concat([backward, forward], 2);                           // [B, N, 2Hw·N]
    return tf.matMul(prevReadWeights, operand)                                   // [B, R, N] x [B, N, 2Hw·N] -> [B, R, 2Hw·N]
      .reshape([B, R, 2 * Hw, N]) as tf.Tensor4D;                                // -> [B, R, 2Hw, N]
  });
}
