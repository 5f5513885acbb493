/**
 * The differentiable neural dictionary (DND) as pure tensor functions over a fixed-capacity buffer
 * carried in the state (docs/cores.md §3.1, §3.3, §3.4): Pritzel et al. 2017, "Neural Episodic Control"
 * (the kNN kernel), as used by Ritter et al. 2018, "Been There, Done That" (1-NN, qihongl/dnd-lstm
 * `DND.py`).
 *
 *   keys [B, C, E], values [B, C, H], valid [B, C] (float 0/1), count [B] (int32; next slot = count mod C)
 *
 * Nothing here is learned and no gradient flows into keys, values or the query (§3.1, §3.8.7): every
 * read and every write runs inside `offTape`, a customGrad whose forward pass tfjs does not record,
 * so argMax, oneHot and topk never meet the gradient code, and the big dictionary tensors are never
 * cloned onto the tape (tfjs saves op inputs by copying them on wasm). No gather either (its gradient
 * has no wasm kernel): retrieval is read weights [B, 1, C] matMul values [B, C, H].
 */
import { offTape } from './grad.ts';
import { EMPTY_SLOT_SCORE } from './ops.ts';
import { tf } from './tf.ts';

export const SIMILARITIES = ['l2', 'l1', 'cosine'] as const;
export type Similarity = (typeof SIMILARITIES)[number];
export const RETRIEVALS = ['1nn', 'knn'] as const;
export type Retrieval = (typeof RETRIEVALS)[number];

/** Similarity of an empty slot: about −FLT_MAX (§3.3). Finite, so 0·fill = 0 in the mask blend. */
export const INVALID_SIMILARITY = EMPTY_SLOT_SCORE;
/** Floor of the cosine denominator max(‖q‖‖k‖, ε), as the reference. */
export const COSINE_EPSILON = 1e-8;

export type DndState = {
  readonly keys: tf.Tensor3D;    // [B, C, E]
  readonly values: tf.Tensor3D;  // [B, C, H]
  readonly valid: tf.Tensor2D;   // [B, C] 1 where the slot holds an entry
  readonly count: tf.Tensor1D;   // [B] int32: writes so far
};

export interface DndReadOptions {
  readonly similarity: Similarity;
  readonly retrieval: Retrieval;
  /** p, the kNN neighbourhood (clipped to C and to the valid slots). */
  readonly neighbours: number;
  /** δ of the kNN kernel 1/(d + δ). */
  readonly delta: number;
}

/** An empty dictionary (all zeros, count 0). */
export function emptyDnd(batchSize: number, capacity: number, keySize: number, valueSize: number): DndState {
  return tf.tidy(() => ({
    keys: tf.zeros([batchSize, capacity, keySize]) as tf.Tensor3D,
    values: tf.zeros([batchSize, capacity, valueSize]) as tf.Tensor3D,
    valid: tf.zeros([batchSize, capacity]) as tf.Tensor2D,
    count: tf.zeros([batchSize], 'int32') as tf.Tensor1D,
  }));
}

/** Float one-hot rows [B] -> [B, C] (tf.oneHot needs depth >= 2). */
function oneHotRows(indices: tf.Tensor, depth: number): tf.Tensor {
  // int32 then cast: the wasm OneHot kernel ignores its dtype and writes int32 bits into a float32 tensor.
  return depth === 1 ? tf.onesLike(indices).cast('float32').expandDims(-1) : tf.cast(tf.oneHot(indices, depth), 'float32');
}

/** s·valid + (1 − valid)·fill, exact in both branches: [B, C]. */
function maskSlots(s: tf.Tensor2D, valid: tf.Tensor2D, fill: number): tf.Tensor2D {
  return tf.add(tf.mul(s, valid), tf.mul(tf.sub(1, valid), fill));
}

/**
 * Similarity of the query to every slot, valid or not (§3.3): [B, E] & [B, C, E] -> [B, C].
 * l2: −‖q − k‖₂; l1: −‖q − k‖₁; cosine: q·k / max(‖q‖‖k‖, 1e-8).
 */
export function dndSimilarity(query: tf.Tensor2D, keys: tf.Tensor3D, kind: Similarity): tf.Tensor2D {
  return tf.tidy(() => {
    const [B, E] = query.shape;
    const C = keys.shape[1];
    const q = tf.reshape(query, [B, 1, E]);                                     // [B, E] -> [B, 1, E]
    if (kind === 'l2') return tf.neg(tf.sqrt(tf.sum(tf.squaredDifference(keys, q), -1)));   // [B, C, E] -> [B, C]
    if (kind === 'l1') return tf.neg(tf.sum(tf.abs(tf.sub(keys, q)), -1));                  // [B, C, E] -> [B, C]
    const dot = tf.reshape(tf.matMul(keys, tf.reshape(query, [B, E, 1])), [B, C]);          // [B, C, E]·[B, E, 1] -> [B, C]
    const kNorm = tf.sqrt(tf.sum(tf.square(keys), -1));                          // [B, C]
    const qNorm = tf.sqrt(tf.sum(tf.square(query), -1, true));                   // [B, 1]
    return tf.div(dot, tf.maximum(tf.mul(kNorm, qNorm), COSINE_EPSILON));
  });
}

/** The similarity with empty slots at INVALID_SIMILARITY: [B, C]. */
export function dndMaskedSimilarity(query: tf.Tensor2D, dnd: DndState, kind: Similarity): tf.Tensor2D {
  return tf.tidy(() => maskSlots(dndSimilarity(query, dnd.keys, kind), dnd.valid, INVALID_SIMILARITY));
}

/**
 * The kNN distance d_j ≥ 0 (§3.3): squared Euclidean for 'l2' (the NEC kernel), ‖q − k‖₁ for 'l1',
 * 1 − cos for 'cosine'. [B, E] & [B, C, E] -> [B, C].
 */
export function dndDistance(query: tf.Tensor2D, keys: tf.Tensor3D, kind: Similarity): tf.Tensor2D {
  return tf.tidy(() => {
    const [B, E] = query.shape;
    if (kind === 'l2') return tf.sum(tf.squaredDifference(keys, tf.reshape(query, [B, 1, E])), -1);   // [B, C, E] -> [B, C]
    if (kind === 'l1') return tf.neg(dndSimilarity(query, keys, 'l1'));
    return tf.sub(1, dndSimilarity(query, keys, 'cosine'));
  });
}

/**
 * NEC kernel weights over the p nearest valid slots (§3.3): w_j = (1/(d_j + δ)) / Σ 1/(d_j' + δ),
 * 0 elsewhere; rows of an empty dictionary are all 0. [B, C].
 */
export function dndKnnWeights(query: tf.Tensor2D, dnd: DndState, kind: Similarity, neighbours: number, delta: number): tf.Tensor2D {
  return tf.tidy(() => {
    const C = dnd.valid.shape[1];
    const d = dndDistance(query, dnd.keys, kind);                                // [B, C]
    const p = Math.min(neighbours, C);
    const nearest = tf.topk(tf.neg(maskSlots(d, dnd.valid, -INVALID_SIMILARITY)), p).indices;   // [B, C] -> [B, p]
    const chosen = tf.mul(tf.sum(oneHotRows(nearest, C), 1), dnd.valid);        // [B, p, C] -> [B, C]; invalid ones dropped
    const inv = tf.div(chosen, tf.add(d, delta));                                // 1/(d + δ) on the chosen slots
    return tf.divNoNan(inv, tf.sum(inv, -1, true)) as tf.Tensor2D;               // normalise each row
  });
}

/** Read weights [B, C]: one-hot at the best valid slot ('1nn', ties to the lowest index) or kNN. */
export function dndReadWeights(query: tf.Tensor2D, dnd: DndState, options: DndReadOptions): tf.Tensor2D {
  return tf.tidy(() => {
    if (options.retrieval === 'knn') return dndKnnWeights(query, dnd, options.similarity, options.neighbours, options.delta);
    const C = dnd.valid.shape[1];
    const slot = tf.argMax(dndMaskedSimilarity(query, dnd, options.similarity), 1);   // [B, C] -> [B] int32
    return tf.mul(oneHotRows(slot, C), dnd.valid) as tf.Tensor2D;                    // all 0 when empty
  });
}

/** v* = Σ_j w_j values_j: [B, 1, C]·[B, C, H] -> [B, H]; zeros for an empty dictionary. */
export function dndRead(query: tf.Tensor2D, dnd: DndState, options: DndReadOptions): tf.Tensor2D {
  return tf.tidy(() => {
    const [B, C, H] = dnd.values.shape;
    const w = tf.reshape(dndReadWeights(query, dnd, options), [B, 1, C]);       // [B, C] -> [B, 1, C]
    return tf.reshape(tf.matMul(w, dnd.values), [B, H]) as tf.Tensor2D;         // [B, 1, H] -> [B, H]
  });
}

/** [B] 1 where the dictionary holds at least one entry. */
export function dndNonEmpty(dnd: DndState): tf.Tensor1D {
  return tf.tidy(() => tf.max(dnd.valid, 1) as tf.Tensor1D);                    // [B, C] -> [B]
}

/**
 * FIFO write of (key [B, E], value [B, H]) where mask[b] = 1 (§3.4): slot = count mod C,
 * e = mask·oneHot(slot) [B, C]; keys ← keys ⊙ (1 − e) + e ⊗ key (exact), the same for values;
 * valid ← max(valid, e); count ← count + mask. Once full this evicts the oldest entry.
 * Off the tape: no gradient reaches key or value.
 */
export function dndWrite(dnd: DndState, key: tf.Tensor2D, value: tf.Tensor2D, mask: tf.Tensor1D): DndState {
  return tf.tidy(() => {
    const [B, C] = dnd.valid.shape;
    const m = mask.dtype === 'float32' ? mask : tf.cast(mask, 'float32');
    const e = offTape(mask, () => tf.tidy(() => {
      const slot = tf.mod(dnd.count, tf.scalar(C, 'int32'));                     // [B] int32, the FIFO position
      return tf.mul(oneHotRows(slot, C), tf.reshape(m, [B, 1])) as tf.Tensor2D;  // [B, C]
    }));
    const put = (mem: tf.Tensor3D, x: tf.Tensor2D) => offTape(mask, () => tf.tidy(() => {
      const e3 = tf.reshape(e, [B, C, 1]);                                       // [B, C] -> [B, C, 1]
      const x3 = tf.reshape(x, [B, 1, x.shape[1]]);                              // [B, W] -> [B, 1, W]
      return tf.add(tf.mul(mem, tf.sub(1, e3)), tf.mul(e3, x3)) as tf.Tensor3D;  // [B, C, W]
    }));
    return {
      keys: put(dnd.keys, key),
      values: put(dnd.values, value),
      valid: offTape(mask, () => tf.maximum(dnd.valid, e) as tf.Tensor2D),
      count: offTape(mask, () => tf.add(dnd.count, tf.cast(m, 'int32')) as tf.Tensor1D),
    };
  });
}

/** Clears element b's dictionary where mask[b] = 1 (keys, values, valid to +0, count to 0). Off the tape. */
export function dndFlush(dnd: DndState, mask: tf.Tensor1D): DndState {
  return tf.tidy(() => {
    const B = mask.shape[0];
    const keep = tf.sub(1, mask.dtype === 'float32' ? mask : tf.cast(mask, 'float32'));   // [B]
    // x·keep + 0: the + 0 turns the −0 of a negative entry times 0 into +0, so a flushed
    // element equals a fresh empty dictionary bitwise.
    const clear = <T extends tf.Tensor>(x: T) => offTape(mask, () => tf.tidy(() =>
      tf.add(tf.mul(x, tf.reshape(keep, [B, ...new Array<number>(x.rank - 1).fill(1)])), 0) as T));   // [B] -> [B, 1, ...]
    return {
      keys: clear(dnd.keys),
      values: clear(dnd.values),
      valid: clear(dnd.valid),
      count: offTape(mask, () => tf.mul(dnd.count, tf.cast(keep, 'int32')) as tf.Tensor1D),
    };
  });
}

/** New handles on the same data (reshape views: no copy, unlike clone on wasm), off the tape. */
export function dndShare(dnd: DndState): DndState {
  const view = <T extends tf.Tensor>(x: T) => offTape(x, () => tf.reshape(x, x.shape) as T);
  return { keys: view(dnd.keys), values: view(dnd.values), valid: view(dnd.valid), count: view(dnd.count) };
}
