/**
 * Working Memory Network as an Engram recurrent core: Pavez, Allende, Allende-Cid 2018, "Working
 * Memory Networks: Augmenting Memory Networks with a Relational Reasoning Module" (ACL), after the
 * jgpavez `WMemNN_bAbI.py` script, with the Relation Network of Santoro et al. 2017 (NeurIPS) as its
 * reasoning module. Spec: docs/cores.md §7.2 (architecture) and §7.3 (the per-step adaptation, [ours]).
 *
 *   m_t = tanh(x_t·W_m + b_m),  q_t = x_t·W_q + b_q       one fused encoder [W_m | W_q]: [D', 2d]
 *   store_t: m_t → slot count mod S (FIFO), valid = 1      store_t = 1, or 1 − flag with queryChannel
 *   temporalEncoding (default): the hops attend to m_i + E[age_i] (age 0 = the newest fact), the script's time word
 *   u_1 = T(q_t);  hop p, head a:  α = softmax_i(tanh(m_i·A_{p,a})·u_p/√d) over the valid slots
 *       o_p = [Σ_i α_{1,i} m_i; …; Σ_i α_{K,i} m_i]·O_p,  u_{p+1} = T(o_p)
 *   z_t = Σ_i Σ_j g([o_i; o_j; q_t]) over the P buffer items (P² pairs);  output z_t or z_t·R + b_R
 *
 * With queryChannel the last input channel is a flag (1: a question, not stored) and the encoders
 * read the other D' = D − 1 channels. Storing happens before reading, so a fact attends to itself.
 * The write is a masked blend (storage ⊙ (1 − e) + e ⊗ m_t) whose mask e comes from the int32
 * counter and the flag off the tape, so the stored m_t stays differentiable within an unroll
 * (gradients reach W_m through stored slots) and no comparison, oneHot or gather meets the gradient
 * code. Invalid slots score −3.4e38 before the softmax and α is multiplied by `valid`, so empty
 * storage reads 0, not NaN. Each hop's K head projections come from one matMul, laid out slot-major
 * ([B, S·K, d]) so no large transpose is needed (a rank-5 transpose cost 60% of a wasm step), and
 * the logits use σ instead of tanh with the same softmax (`sigmoidScores`). The §7.3 cache of the
 * projections across steps is not done: a cached tanh(m_i·A) would be stale after every optimizer
 * update and would cut A's gradient for facts stored before the unroll, so it is not a pure speed-up.
 * Init: glorot-normal (truncNormal(√(2/(fan_in+fan_out))) per matrix, Keras) and zero biases.
 */
import { checkMax, checkOption, resolveKwargs } from '../envs/kwargs.ts';
import { Rng } from '../envs/rng.ts';
import {
  BaseCore, checkBatchIndex, checkBatchInput, checkStateShape, recordsDiagnostics, splitCoreBase, type MemoryReadout, type SpecTree,
  type StepControl,
} from './core.ts';
import { customGrad, offTape, type SaveFunc } from './grad.ts';
import { EMPTY_SLOT_SCORE, linear } from './ops.ts';
import { Params, type LinearWeights } from './params.ts';
import { relationNetwork, type RelationNetworkWeights } from './relation-network.ts';
import { tf } from './tf.ts';

const WHERE = 'WorkingMemory';

/** Score of an invalid slot before the softmax: about −FLT_MAX, finite so 0·fill = 0. */
export const INVALID_SCORE = EMPTY_SLOT_SCORE;

export interface WorkingMemoryOptions {
  /** d: memory word (slot) size, the width of m_t, q_t and every hop output; 1 to 4096. */
  wordSize: number;
  /** S: slots of the FIFO short-term storage, 1 to 4096. */
  capacity: number;
  /** P: attention hops, i.e. items in the working-memory buffer (the RN sees P² pairs); 1 to 64. */
  numHops: number;
  /** K: attention heads per hop, 1 to 64. */
  numHeads: number;
  /** G: width of every g layer and of z_t, 1 to 4096. */
  gHidden: number;
  /** Layers of g (ReLU after each), 1 to 64. */
  gLayers: number;
  /** Layers of the shared transition T (linear, with bias), 1 to 64: d → ⌊d/2⌋ → d → … → d. */
  transitionLayers: number;
  /** The last input channel is a flag, not a feature: 1 (> 0.5) means "a question: do not store it". */
  queryChannel: boolean;
  /** 0 to 4096. 0: output z_t ∈ R^G; otherwise Linear(G → outputSize). */
  outputSize: number;
  /** Keep `state.diag.attention` [B, P, K, S] for `inspect` (docs/cores.md §1.4). */
  recordDiagnostics: boolean;
  /**
   * Add a learned embedding of each fact's age (0 = newest) to the slots the hops attend to: the
   * script's time word per fact (§7.2), as MemN2N's temporal encoding. Without it attention cannot
   * tell the last of several facts about the same thing from the earlier ones.
   */
  temporalEncoding: boolean;
}

export const WORKING_MEMORY_DEFAULTS: Readonly<WorkingMemoryOptions> = Object.freeze({
  wordSize: 30, capacity: 30, numHops: 4, numHeads: 8, gHidden: 128, gLayers: 3, transitionLayers: 2,
  queryChannel: false, outputSize: 0, recordDiagnostics: false, temporalEncoding: true,
});

export interface WorkingMemoryConfig extends Readonly<WorkingMemoryOptions> {
  readonly inputSize: number;                   // D
  readonly seed: number;
  readonly featureSize: number;                 // D' = D − 1 with queryChannel, else D
  readonly transitionSizes: readonly number[];  // [d, ⌊d/2⌋, d, …, d]: transitionLayers + 1 widths
  readonly outputWidth: number;                 // H_out: outputSize, or G when outputSize is 0
}

const isInt = (x: number, min: number): boolean => Number.isInteger(x) && x >= min;

/** Upper bounds that keep a typo from exhausting memory (the relation network runs g on B·P² rows of width G). */
export const WORKING_MEMORY_MAX = Object.freeze({
  wordSize: 4096, capacity: 4096, numHops: 64, numHeads: 64, gHidden: 4096, gLayers: 64, transitionLayers: 64, outputSize: 4096,
});

/** Merges options onto WORKING_MEMORY_DEFAULTS, rejects unknown keys and bad values, derives the sizes. */
export function resolveWorkingMemoryConfig(options: { inputSize: number; seed: number } & Record<string, unknown>): WorkingMemoryConfig {
  const { inputSize, seed, rest } = splitCoreBase(WHERE, options);
  const o = resolveKwargs<WorkingMemoryOptions>(WHERE, WORKING_MEMORY_DEFAULTS, rest);
  for (const k of ['wordSize', 'capacity', 'numHops', 'numHeads', 'gHidden', 'gLayers', 'transitionLayers'] as const) {
    checkOption(isInt(o[k], 1), WHERE, k, 'be an integer >= 1', o[k]);
    checkMax(WHERE, k, o[k], 1, WORKING_MEMORY_MAX[k]);
  }
  checkOption(isInt(o.outputSize, 0), WHERE, 'outputSize', 'be an integer >= 0 (0 means the g width)', o.outputSize);
  checkMax(WHERE, 'outputSize', o.outputSize, 0, WORKING_MEMORY_MAX.outputSize);
  checkOption(!o.queryChannel || inputSize >= 2, WHERE, 'inputSize',
    'be >= 2 with queryChannel (the last channel is the question flag)', inputSize);
  const d = o.wordSize, L = o.transitionLayers;
  const transitionSizes = [d, ...Array.from({ length: L }, (_, k) => (k === 0 && L > 1 ? Math.max(1, Math.floor(d / 2)) : d))];
  return Object.freeze({
    ...o, inputSize, seed, featureSize: o.queryChannel ? inputSize - 1 : inputSize, transitionSizes,
    outputWidth: o.outputSize > 0 ? o.outputSize : o.gHidden,
  });
}

/** The parameter count: D'·2d + 2d + 2·P·K·d² + Σ_T (in·out + out) + 3d·G + G + (L_g − 1)(G² + G) [+ S·d] [+ G·O + O]. */
export function workingMemoryParamCount(c: WorkingMemoryConfig): number {
  const { featureSize: Df, wordSize: d, numHops: P, numHeads: K, gHidden: G, gLayers: Lg, outputSize: O, capacity: S } = c;
  const ts = c.transitionSizes;
  const t = ts.slice(1).reduce((sum, out, k) => sum + (ts[k] as number) * out + out, 0);
  return Df * 2 * d + 2 * d + 2 * P * K * d * d + t + 3 * d * G + G + (Lg - 1) * (G * G + G) + (c.temporalEncoding ? S * d : 0) + (O > 0 ? G * O + O : 0);
}

// ---------------------------------------------------------------------------------------------
// Pure math (no variables): weights are passed in.

export interface HopWeights {
  readonly heads: tf.Tensor2D;                   // A_{p,1..K} side by side: [d, K·d], column block a; no bias
  readonly out: tf.Tensor2D;                     // O_p: [K·d, d], no bias
}
export interface WorkingMemoryWeights {
  readonly encoder: LinearWeights;               // [W_m | W_q]: [D', 2d], [b_m | b_q]: [2d]
  readonly hops: readonly HopWeights[];          // P hops, each with its own heads and output projection
  readonly transition: readonly LinearWeights[]; // T, shared by the question and all hops
  readonly relation: RelationNetworkWeights;     // g (no f: the script wires the answer to the g-sum)
  readonly readout?: LinearWeights;              // R: [G, outputSize]
  readonly age?: tf.Tensor2D;                    // E: [S, d], row k added to the fact k steps old (temporalEncoding)
}

export type WorkingMemoryStorage = {
  readonly storage: tf.Tensor3D;   // m_1..m_S [B, S, d]
  readonly valid: tf.Tensor2D;     // [B, S] 1 where the slot holds a fact
  readonly count: tf.Tensor1D;     // [B] int32: facts stored so far (next slot = count mod S)
};
export type WorkingMemoryState = WorkingMemoryStorage & {
  readonly diag?: { readonly attention: tf.Tensor4D };   // α [B, P, K, S]
};

/**
 * [B] float 1 where the input is stored: all ones, or 1 − [flag > 0.5] with queryChannel.
 * Off the tape (a comparison on a gradient path throws in tfjs, even for a mask).
 */
export function storeMask(x: tf.Tensor2D, queryChannel: boolean): tf.Tensor1D {
  const [B, D] = x.shape;
  if (!queryChannel) return tf.ones([B]) as tf.Tensor1D;
  return offTape(x, () => tf.tidy(() =>
    tf.sub(1, tf.cast(tf.greater(x.slice([0, D - 1], [B, 1]).reshape([B]), 0.5), 'float32')) as tf.Tensor1D));  // [B, 1] -> [B]
}

/**
 * FIFO masked write of m [B, d] where store[b] = 1: e = store ⊙ oneHot(count mod S) [B, S] (off the
 * tape, from data), storage ← storage ⊙ (1 − e) + e ⊗ m (exact in both branches, differentiable in
 * storage and m), valid ← max(valid, e), count ← count + store. Once full it evicts the oldest fact.
 */
export function storeFact(mem: WorkingMemoryStorage, m: tf.Tensor2D, store: tf.Tensor1D): WorkingMemoryStorage {
  return tf.tidy(() => {
    const [B, S] = mem.valid.shape;
    const d = m.shape[1];
    const e = offTape(store, () => tf.tidy(() => {
      const slot = tf.mod(mem.count, tf.scalar(S, 'int32'));                  // [B] int32
      // int32 then cast: the wasm OneHot kernel writes int32 bits into a float32 tensor.
      const hot = S === 1 ? tf.ones([B, 1]) : tf.cast(tf.oneHot(slot, S), 'float32');   // [B, S]
      return tf.mul(hot, store.reshape([B, 1])) as tf.Tensor2D;              // [B] -> [B, 1]; [B, S]
    }));
    const e3 = e.reshape([B, S, 1]);                                          // [B, S] -> [B, S, 1]
    const storage = tf.add(tf.mul(mem.storage, tf.sub(1, e3)), tf.mul(e3, m.reshape([B, 1, d]))) as tf.Tensor3D;   // [B, S, d]
    const valid = offTape(store, () => tf.maximum(mem.valid, e) as tf.Tensor2D);
    const count = offTape(store, () => tf.add(mem.count, tf.cast(store, 'int32')) as tf.Tensor1D);
    return { storage, valid, count };
  });
}

/**
 * storage + E[age]: each slot plus the embedding of its fact's age, age_i = (count − 1 − i) mod S
 * (0: the newest fact). The ages come from the int32 counter off the tape; E gets the gradient.
 */
export function withAges(storage: tf.Tensor3D, count: tf.Tensor1D, ages: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, S, d] = storage.shape;
    const hot = S === 1 ? tf.ones([B, 1]) as tf.Tensor2D : offTape(count, () => tf.tidy(() => {
      const int = (x: number) => tf.scalar(x, 'int32');
      const newest = tf.add(count.reshape([B, 1]), int(S - 1));                          // count − 1 + S >= 0
      const age = tf.mod(tf.sub(newest, tf.range(0, S, 1, 'int32').reshape([1, S])), int(S));   // [B, S] int32 in [0, S)
      return tf.cast(tf.oneHot(age.reshape([B * S]), S), 'float32') as tf.Tensor2D;   // [B·S, S]; int32 then cast (wasm OneHot)
    }));
    return tf.add(storage, tf.matMul(hot, ages).reshape([B, S, d])) as tf.Tensor3D;   // [B·S, S]·[S, d] -> [B·S, d] -> [B, S, d]
  });
}

/** T(x): the shared linear transition, [B, d] -> [B, d]. */
function transition(x: tf.Tensor2D, layers: readonly LinearWeights[]): tf.Tensor2D {
  return layers.reduce((h, l) => linear(h, l.w, l.b) as tf.Tensor2D, x);     // [B, in]·[in, out] -> [B, out]
}

/**
 * One hop's attention logits up to a constant per element: tanh(x) = 2σ(2x) − 1, so
 * tanh(m·A)·u/√d = σ(2m·A)·(2u/√d) − Σ_e u_e/√d, and the last term is the same for every slot and
 * head of element b at this hop: a shift of all valid logits, which the softmax ignores (exact up
 * to float rounding; the tests compare with a tanh loop). wasm's Tanh is scalar code, ~9× its Sigmoid.
 * pre = 2m·A [B, R, d] (R = S·K), v = 2u/√d [B, d] -> [B, R].
 * Hand gradient (saves σ once, no outer-product matMul): dpre = (dy ⊗ v) ⊙ σ(1 − σ), dv = dy·σ.
 */
export const sigmoidScores = customGrad((pre: tf.Tensor3D, v: tf.Tensor2D, save: SaveFunc) => {
  const [B, R, d] = pre.shape;
  const k = tf.sigmoid(pre);                                                  // [B, R, d]
  save([k, v]);
  return {
    value: tf.matMul(k, v.reshape([B, d, 1])).reshape([B, R]) as tf.Tensor2D, // [B, R, d]·[B, d, 1] -> [B, R, 1] -> [B, R]
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [ks, vs] = saved as [tf.Tensor3D, tf.Tensor2D];
      const dk = tf.mul(dy.reshape([B, R, 1]), vs.reshape([B, 1, d]));        // [B, R] -> [B, R, 1]; [B, d] -> [B, 1, d]; [B, R, d]
      const dpre = tf.mul(dk, tf.mul(ks, tf.sub(1, ks)));                     // [B, R, d]
      const dv = tf.matMul(dy.reshape([B, 1, R]), ks).reshape([B, d]);        // [B, 1, R]·[B, R, d] -> [B, 1, d] -> [B, d]
      return [dpre, dv];
    },
  };
});

export type HopsResult = {
  readonly buffer: tf.Tensor3D;                  // o_1..o_P [B, P, d]
  readonly attention: tf.Tensor3D[];             // P × α [B, K, S] (0 on invalid slots)
  readonly reads: tf.Tensor3D[];                 // P × [B, K, d]: Σ_i α_{a,i} m_i per head
};

/**
 * The attentional controller (§7.2 step 2): P hops of K heads over the valid slots, with fresh
 * A_{p,·} and O_p per hop and the shared T. storage [B, S, d], valid [B, S], u = q_t [B, d].
 */
export function attendHops(storage: tf.Tensor3D, valid: tf.Tensor2D, u: tf.Tensor2D, weights: WorkingMemoryWeights,
  sizes: { readonly numHops: number; readonly numHeads: number }): HopsResult {
  return tf.tidy(() => {
    const [B, S, d] = storage.shape;
    const { numHops: P, numHeads: K } = sizes;
    const flat2 = tf.mul(storage.reshape([B * S, d]), 2);                     // [B, S, d] -> [B·S, d]: 2m
    const v3 = valid.reshape([B, 1, S]);                                      // [B, S] -> [B, 1, S]
    const fill = tf.mul(tf.sub(1, v3), INVALID_SCORE);                        // [B, 1, S]: −3.4e38 on invalid slots
    const outs: tf.Tensor2D[] = [], attention: tf.Tensor3D[] = [], reads: tf.Tensor3D[] = [];
    let up = transition(u, weights.transition);                               // u_1 = T(u)
    for (let p = 0; p < P; p++) {
      const hop = weights.hops[p] as HopWeights;
      const pre = tf.matMul(flat2, hop.heads).reshape([B, S * K, d]) as tf.Tensor3D;   // 2m·A: [B·S, d]·[d, K·d] -> [B·S, K·d] -> [B, S·K, d]
      const scores = sigmoidScores(pre, tf.mul(up, 2 / Math.sqrt(d)) as tf.Tensor2D)   // κ·u_p/√d + c_b: [B, S·K]
        .reshape([B, S, K]).transpose([0, 2, 1]);                             // -> [B, S, K] -> [B, K, S]
      const alpha = tf.mul(tf.softmax(tf.add(tf.mul(scores, v3), fill)), v3) as tf.Tensor3D;   // [B, K, S]; all 0 when empty
      const read = tf.matMul(alpha, storage) as tf.Tensor3D;                  // [B, K, S]·[B, S, d] -> [B, K, d]
      const o = tf.matMul(read.reshape([B, K * d]), hop.out) as tf.Tensor2D; // [B, K·d]·[K·d, d] -> [B, d]
      outs.push(o); attention.push(alpha); reads.push(read);
      if (p < P - 1) up = transition(o, weights.transition);                  // u_{p+1} = T(o_p)
    }
    return { buffer: tf.stack(outs, 1) as tf.Tensor3D, attention, reads };  // P × [B, d] -> [B, P, d]
  });
}

export type WorkingMemoryStepResult = {
  readonly output: tf.Tensor2D;                  // [B, H_out]
  readonly memory: WorkingMemoryStorage;
  readonly hops: HopsResult;
  readonly query: tf.Tensor2D;                   // q_t [B, d]
};

/** One full step (§7.3): encode, store, attend, relate. x [B, D]. */
export function workingMemoryStep(x: tf.Tensor2D, mem: WorkingMemoryStorage, weights: WorkingMemoryWeights,
  config: WorkingMemoryConfig): WorkingMemoryStepResult {
  return tf.tidy(() => {
    const B = x.shape[0];
    const features = config.queryChannel ? x.slice([0, 0], [B, config.featureSize]) : x;   // [B, D] -> [B, D']
    const [mPre, query] = tf.split(linear(features, weights.encoder.w, weights.encoder.b), 2, 1) as [tf.Tensor2D, tf.Tensor2D];   // [B, D']·[D', 2d] -> 2 × [B, d]
    const memory = storeFact(mem, tf.tanh(mPre), storeMask(x, config.queryChannel));
    const slots = weights.age ? withAges(memory.storage, memory.count, weights.age) : memory.storage;
    const hops = attendHops(slots, memory.valid, query, weights, config);
    const z = relationNetwork(hops.buffer, query, weights.relation);          // [B, P, d] & [B, d] -> [B, G]
    const output = weights.readout ? linear(z, weights.readout.w, weights.readout.b) as tf.Tensor2D : z;   // [B, G]·[G, O] -> [B, O]
    return { output, memory, hops, query };
  });
}

// ---------------------------------------------------------------------------------------------
// The core: variables and the state contract.

export class WorkingMemory extends BaseCore<WorkingMemoryState> {
  readonly weights: WorkingMemoryWeights;

  constructor(readonly config: WorkingMemoryConfig) {
    const { featureSize: Df, wordSize: d, numHops: P, numHeads: K, gHidden: G, gLayers: Lg, outputSize: O } = config;
    const p = new Params(WHERE, new Rng(config.seed));
    super('working-memory', config.inputSize, config.outputWidth, p);
    const glorot = (din: number, dout: number) => ({ kind: 'truncNormal', std: Math.sqrt(2 / (din + dout)) }) as const;
    const lin = (name: string, din: number, dout: number, cols = dout): LinearWeights => ({
      w: p.add(`${name}/w`, [din, cols], glorot(din, dout)) as tf.Tensor as tf.Tensor2D,
      b: p.add(`${name}/b`, [cols], { kind: 'zeros' }) as tf.Tensor as tf.Tensor1D,
    });
    const encoder = lin('encoder', Df, d, 2 * d);                               // W_m and W_q each [D', d]
    const hops = Array.from({ length: P }, (_, h) => ({
      heads: p.add(`hop${h}/heads`, [d, K * d], glorot(d, d)) as tf.Tensor as tf.Tensor2D,   // each A_{p,a} [d, d]
      out: p.add(`hop${h}/out`, [K * d, d], glorot(K * d, d)) as tf.Tensor as tf.Tensor2D,
    }));
    const ts = config.transitionSizes;
    const transitionW = Array.from({ length: ts.length - 1 }, (_, k) => lin(`transition${k}`, ts[k] as number, ts[k + 1] as number));
    const g = Array.from({ length: Lg }, (_, k) => lin(`g${k}`, k === 0 ? 3 * d : G, G));
    const readout = O > 0 ? { readout: lin('readout', G, O) } : {};
    const S = config.capacity;
    const age = config.temporalEncoding ? { age: p.add('age', [S, d], glorot(S, d)) as tf.Tensor as tf.Tensor2D } : {};
    this.weights = { encoder, hops, transition: transitionW, relation: { g }, ...readout, ...age };
  }

  stateSpec(): SpecTree {
    const { capacity: S, wordSize: d, numHops: P, numHeads: K } = this.config;
    const base = {
      storage: { shape: [S, d], dtype: 'float32', reset: 'initial' },
      valid: { shape: [S], dtype: 'float32', reset: 'initial' },
      count: { shape: [], dtype: 'int32', reset: 'initial' },
    } as const;
    if (!this.config.recordDiagnostics) return base;
    return { ...base, diag: { attention: { shape: [P, K, S], dtype: 'float32', reset: 'diagnostic' } } };
  }

  /** [B, D] -> z_t [B, G] (or [B, outputSize]); a new tensor, never a state leaf. */
  step(input: tf.Tensor2D, state: WorkingMemoryState, control?: StepControl): { output: tf.Tensor2D; state: WorkingMemoryState } {
    checkBatchInput(WHERE, input, this.inputSize);
    const { capacity: S, wordSize: d } = this.config;
    const B = input.shape[0];
    checkStateShape(WHERE, 'state.storage', state.storage, [B, S, d]);
    return tf.tidy(() => {
      const r = workingMemoryStep(input, state, this.weights, this.config);
      if (!recordsDiagnostics(this.config.recordDiagnostics, control)) return { output: r.output, state: r.memory };
      const attention = tf.stack(r.hops.attention, 1) as tf.Tensor4D;         // P × [B, K, S] -> [B, P, K, S]
      return { output: r.output, state: { ...r.memory, diag: { attention } } };
    });
  }

  /**
   * Element b as plain JSON: `valid` [S], `count` (facts stored so far), `nextSlot`, `storageNorms`
   * [S]; with diagnostics also `attention` [P·K][S] (row p·K + a is hop p's head a; 0 on invalid
   * slots), `numHops` P and `numHeads` K.
   */
  inspect(state: WorkingMemoryState, batchIndex: number): MemoryReadout {
    const { capacity: S, wordSize: d, numHops: P, numHeads: K } = this.config;
    checkBatchIndex(WHERE, batchIndex, state.storage.shape[0]);
    const parts = tf.tidy(() => {
      const m = state.storage.slice([batchIndex, 0, 0], [1, S, d]).reshape([S, d]);   // [1, S, d] -> [S, d]
      const out: Record<string, tf.Tensor> = {
        valid: state.valid.slice([batchIndex, 0], [1, S]).reshape([S]),              // [1, S] -> [S]
        storageNorms: tf.sqrt(tf.sum(tf.square(m), 1)),                              // [S, d] -> [S]
      };
      if (state.diag) out.attention = state.diag.attention.slice([batchIndex, 0, 0, 0], [1, P, K, S]).reshape([P * K, S]);   // [1, P, K, S] -> [P·K, S]
      return out;
    });
    const readout: MemoryReadout = {};
    for (const [k, t] of Object.entries(parts)) {
      readout[k] = t.arraySync() as number[] | number[][];
      t.dispose();
    }
    const count = state.count.dataSync()[batchIndex] as number;
    Object.assign(readout, { count, nextSlot: count % S });
    if (state.diag) Object.assign(readout, { numHops: P, numHeads: K });
    return readout;
  }
}

/** Validates `options` once (unknown keys are errors) and builds the core. */
export function makeWorkingMemory(options: { inputSize: number; seed: number } & Record<string, unknown>): WorkingMemory {
  return new WorkingMemory(resolveWorkingMemoryConfig(options));
}
