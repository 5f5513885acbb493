/**
 * Recurrent Entity Network: Henaff, Weston, Szlam, Bordes & LeCun 2017, "Tracking the World State with
 * Recurrent Entity Networks", ICLR, as built by the authors' Torch code (facebookarchive/MemNN
 * EntNet-babi). Exact equations, sharing and init: docs/cores.md §6.
 *
 * Dynamic memory (§6.1), N slots h_j ∈ R^W with keys w_j, input s_t ∈ R^W (already encoded, §6.3):
 *   g_j = σ(s_t·h_j + s_t·w_j + b_j)                 gate per slot [B, N]
 *   h̃_j = φ(h_j·U + b_U + w_j·V + s_t·Wm)            candidate; U, V, Wm shared by all slots
 *   h_j ← h_j + g_j·h̃_j;   h_j ← h_j / √(Σ h_j² + ε)   (ε form: no sqrt at 0, §1.6)
 * φ is PReLU with α ∈ R^W (init 1: φ = identity at start), ONE α shared with the output module.
 * Initial memory h_j(0) = w_j (the keys, trainable): resetWhere goes through resetBySpec, which calls
 * initialState, so inside a gradient closure resets carry gradient to the keys (§1.3).
 * Output module (§6.2): p = softmax_j(q·h_j), u = Σ_j p_j h_j, q ← φ(q + u·Hm) per hop, y = q (·R).
 * One softmax (siddk's double softmax is a bug, §9).
 *
 * Core output: the flattened memory [B, N·W] ('memory', the spec default) or, with readout 'self',
 * the output module read with q = s_t: φ(s_t + u·Hm) ∈ R^W [ours].
 * Flag channels [ours], trailing the W input channels in this order: activeChannel (0/1, multiplied
 * into g: Torch's padding mask), then queryChannel (0/1: "this step is a question": memory is carried
 * over exactly, and with readout 'self' the question is the query). queryChannel is an Engram
 * adaptation (the WMN core's idea, §7.3): it lets bAbI's sentence stream run through one core.
 * Batched over slots: one [B·N, W]·[W, W] matmul for h·U, no per-slot loops; w·V once per step.
 */
import { checkMax, checkOption, resolveKwargs } from '../envs/kwargs.ts';
import { Rng } from '../envs/rng.ts';
import {
  BaseCore, checkBatchIndex, checkBatchInput, checkStateShape, recordsDiagnostics, splitCoreBase, type CoreState, type MemoryReadout,
  type SpecTree, type StepControl,
} from './core.ts';
import { Params } from './params.ts';
import { tf } from './tf.ts';

const WHERE = 'EntNet';
/** ε of the slot normalisation [ours]: h/√(‖h‖² + ε) has a finite gradient at h = 0. */
export const ENTNET_EPSILON = 1e-12;

export type EntNetKeyMode = 'learned' | 'tied';
export type EntNetReadoutMode = 'memory' | 'self';

export interface EntNetOptions {
  /** N: memory slots (entities), 1 to 4096. */
  numSlots: number;
  /** 'learned': keys are variables, N(0, initStd²); 'tied': the constant `tiedKeys` (the paper's tied variant). */
  keyMode: EntNetKeyMode;
  /** Keys for keyMode 'tied': N rows of W numbers. */
  tiedKeys: number[][];
  /** The authors' per-slot gate bias b_j (the paper's gate has none). */
  gateBias: boolean;
  /** A trailing 0/1 input channel multiplied into the gate (0: the step leaves memory unchanged up to renormalisation). */
  activeChannel: boolean;
  /** A trailing 0/1 input channel (after activeChannel): 1 = question step, memory carried over, input used as query [ours]. */
  queryChannel: boolean;
  /** 'memory': output the flattened memory [N·W]; 'self': output φ(s_t + u·Hm) [W] with q = s_t [ours]. */
  readout: EntNetReadoutMode;
  /** Hops of the output module (Torch nhop), 1 to 64; readout 'self' only. */
  numHops: number;
  /** Std of the N(0, s²) init of every weight (Torch 0.1); α starts at 1. */
  initStd: number;
  /** Keep the gates (and the readout attention) in `state.diag` for `inspect`. */
  recordDiagnostics: boolean;
}

export const ENTNET_DEFAULTS: Readonly<EntNetOptions> = Object.freeze({
  numSlots: 20, keyMode: 'learned', tiedKeys: [] as number[][], gateBias: true, activeChannel: false, queryChannel: false,
  readout: 'memory', numHops: 1, initStd: 0.1, recordDiagnostics: false,
});

export interface EntNetConfig extends Readonly<EntNetOptions> {
  readonly inputSize: number;   // D = W + flag channels
  readonly seed: number;
  readonly slotSize: number;    // W
}

const isInt = (x: unknown, min: number): boolean => Number.isInteger(x) && (x as number) >= min;

/** Upper bounds that keep a typo from exhausting memory (the state is B·N·W floats). */
export const ENTNET_MAX = Object.freeze({ numSlots: 4096, numHops: 64 });

/** Validates once (unknown keys, wrong types and bad values are ConfigErrors) and derives W. */
export function resolveEntNetConfig(options: { inputSize: number; seed: number } & Record<string, unknown>): EntNetConfig {
  const { inputSize, seed, rest } = splitCoreBase(WHERE, options);
  const o = resolveKwargs<EntNetOptions>(WHERE, ENTNET_DEFAULTS, rest);
  for (const k of ['numSlots', 'numHops'] as const) {
    checkOption(isInt(o[k], 1), WHERE, k, 'be an integer >= 1', o[k]);
    checkMax(WHERE, k, o[k], 1, ENTNET_MAX[k]);
  }
  checkOption(Number.isFinite(o.initStd) && o.initStd >= 0, WHERE, 'initStd', 'be a number >= 0', o.initStd);
  checkOption(['learned', 'tied'].includes(o.keyMode), WHERE, 'keyMode', "be one of 'learned', 'tied'", o.keyMode);
  checkOption(['memory', 'self'].includes(o.readout), WHERE, 'readout', "be one of 'memory', 'self'", o.readout);
  const flags = Number(o.activeChannel) + Number(o.queryChannel);
  const W = inputSize - flags;
  checkOption(W >= 1, WHERE, 'inputSize', `be >= ${flags + 1} (W >= 1 plus ${flags} flag channel(s))`, inputSize);
  if (o.keyMode === 'tied') {
    const k = o.tiedKeys;
    checkOption(k.length === o.numSlots && k.every((r) => Array.isArray(r) && r.length === W && r.every(Number.isFinite)),
      WHERE, 'tiedKeys', `be ${o.numSlots} rows of ${W} finite numbers for keyMode 'tied'`, `${k.length} rows`);
  } else {
    checkOption(o.tiedKeys.length === 0, WHERE, 'tiedKeys', "be empty unless keyMode is 'tied'", `${o.tiedKeys.length} rows`);
  }
  return Object.freeze({ ...o, inputSize, seed, slotSize: W });
}

/** §6.4: N·W (learned keys) + 3W² + W (U, b_U, V, Wm) + N (gate bias) + W (α), + W² (Hm, readout 'self'). */
export function entnetParamCount(c: EntNetConfig): number {
  const { numSlots: N, slotSize: W } = c;
  return (c.keyMode === 'learned' ? N * W : 0) + 3 * W * W + W + (c.gateBias ? N : 0) + W + (c.readout === 'self' ? W * W : 0);
}

// ---------------------------------------------------------------------------------------------
// Pure math (no variables): weights are passed in.

export interface EntNetWeights {
  readonly keys: tf.Tensor2D;        // w [N, W]
  readonly U: tf.Tensor2D;           // [W, W] memory → candidate
  readonly bU: tf.Tensor1D;          // b_U [W]
  readonly V: tf.Tensor2D;           // [W, W] keys → candidate
  readonly Wm: tf.Tensor2D;          // [W, W] input → candidate
  readonly gateBias?: tf.Tensor1D;   // b [N]
  readonly alpha: tf.Tensor1D;       // PReLU α [W], shared with the readout
}
export interface EntNetReadoutWeights {
  readonly Hm: tf.Tensor2D;          // [W, W], no bias
  readonly alpha: tf.Tensor1D;       // the same α as the memory
  readonly R?: tf.Tensor2D;          // [W, numOut], no bias (bAbI's answer layer; absent inside the core)
}
export interface EntNetStepResult {
  readonly memory: tf.Tensor3D;      // h_t [B, N, W], unit rows
  readonly gates: tf.Tensor2D;       // g [B, N] (after the flags)
  readonly candidate: tf.Tensor3D;   // h̃ [B, N, W]
}

/**
 * One dynamic-memory step (§6.1). s [B, W], memory [B, N, W]; `active` [B] multiplies the gate;
 * `query` [B] = 1 returns the old memory exactly (the flags are 0/1 data).
 */
export function entnetStep(s: tf.Tensor2D, memory: tf.Tensor3D, weights: EntNetWeights,
  flags: { active?: tf.Tensor1D; query?: tf.Tensor1D } = {}): EntNetStepResult {
  return tf.tidy(() => {
    const [B, N, W] = memory.shape;
    const sRow = s.reshape([B, 1, W]);                                              // [B, W] -> [B, 1, W]
    const logits = tf.sum(tf.mul(tf.add(memory, weights.keys), sRow), 2);          // s·(h_j + w_j): [B, N, W] -> [B, N]
    let gates = tf.sigmoid(weights.gateBias ? tf.add(logits, weights.gateBias) : logits) as tf.Tensor2D;
    if (flags.active) gates = tf.mul(gates, flags.active.reshape([B, 1]));         // [B] -> [B, 1]
    if (flags.query) gates = tf.mul(gates, tf.sub(1, flags.query).reshape([B, 1]));
    const hU = tf.matMul(memory.reshape([B * N, W]), weights.U).reshape([B, N, W]); // [B·N, W]·[W, W] -> [B·N, W] -> [B, N, W]
    const keyTerm = tf.add(tf.matMul(weights.keys, weights.V), weights.bU);        // w·V + b_U: [N, W]·[W, W] -> [N, W]
    const sTerm = tf.matMul(s, weights.Wm).reshape([B, 1, W]);                     // [B, W]·[W, W] -> [B, W] -> [B, 1, W]
    const candidate = tf.prelu(tf.add(tf.add(hU, keyTerm), sTerm), weights.alpha as tf.Tensor) as tf.Tensor3D;
    const updated = tf.add(memory, tf.mul(gates.reshape([B, N, 1]), candidate));   // g [B, N] -> [B, N, 1]
    const invNorm = tf.rsqrt(tf.add(tf.sum(tf.square(updated), 2, true), ENTNET_EPSILON)); // [B, N, 1]
    let next = tf.mul(updated, invNorm) as tf.Tensor3D;
    if (flags.query) {                                                              // exact in both branches for 0/1 flags
      const q = flags.query.reshape([B, 1, 1]);                                     // [B] -> [B, 1, 1]
      next = tf.add(tf.mul(memory, q), tf.mul(next, tf.sub(1, q))) as tf.Tensor3D;
    }
    return { memory: next, gates, candidate };
  });
}

/**
 * The output module (§6.2), numHops ≥ 1: p = softmax_j(q·h_j), u = Σ_j p_j h_j, q ← φ(q + u·Hm);
 * returns y = q (or q·R when R is given) and the last hop's attention p [B, N].
 * memory [B, N, W], q [B, W] -> output [B, W] (or [B, numOut]).
 */
export function entnetReadout(memory: tf.Tensor3D, q: tf.Tensor2D, weights: EntNetReadoutWeights,
  numHops = 1): { output: tf.Tensor2D; attention: tf.Tensor2D } {
  return tf.tidy(() => {
    const [B, N, W] = memory.shape;
    let query = q;
    let attention = tf.zeros([B, N]) as tf.Tensor2D;
    for (let hop = 0; hop < numHops; hop++) {
      const scores = tf.sum(tf.mul(memory, query.reshape([B, 1, W])), 2);           // q·h_j: [B, N, W] -> [B, N]
      attention = tf.softmax(scores) as tf.Tensor2D;                               // p [B, N]
      const u = tf.sum(tf.mul(memory, attention.reshape([B, N, 1])), 1);           // Σ_j p_j h_j: [B, N, W] -> [B, W]
      query = tf.prelu(tf.add(query, tf.matMul(u, weights.Hm)), weights.alpha as tf.Tensor) as tf.Tensor2D; // [B, W]·[W, W] -> [B, W]
    }
    const output = weights.R ? tf.matMul(query, weights.R) : query;                // [B, W]·[W, O] -> [B, O]
    return { output: output as tf.Tensor2D, attention };
  });
}

/**
 * The §6.3 input encoder's sum: s = Σ_i f_i ⊙ e_i. embedded [B, T_w, W] (PAD rows already 0),
 * positionMask f [T_w, W] (init 1 = bag of words) -> [B, W]. The embedding lookup stays with the task.
 */
export function entnetEncode(embedded: tf.Tensor3D, positionMask: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.sum(tf.mul(embedded, positionMask), 1) as tf.Tensor2D);   // [B, T_w, W] -> [B, W]
}

// ---------------------------------------------------------------------------------------------
// The core: variables and the state contract.

export type EntNetDiagnostics = {
  readonly gates: tf.Tensor2D;        // g [B, N]
  readonly attention?: tf.Tensor2D;   // readout p [B, N] (readout 'self')
};
export type EntNetState = {
  readonly memory: tf.Tensor3D;       // h_t [B, N, W]
  readonly diag?: EntNetDiagnostics;
};

export class EntNet extends BaseCore<EntNetState> {
  readonly weights: EntNetWeights;
  readonly readoutWeights?: EntNetReadoutWeights;
  private readonly tiedKeys?: tf.Tensor2D;   // kept constant for keyMode 'tied'

  constructor(readonly config: EntNetConfig) {
    const { numSlots: N, slotSize: W, initStd } = config;
    const p = new Params('EntNet', new Rng(config.seed));
    super('entnet', config.inputSize, config.readout === 'self' ? W : N * W, p);
    const normal = { kind: 'normal', std: initStd } as const;
    const v2 = (name: string, shape: [number, number]) => p.add(name, shape, normal) as tf.Tensor as tf.Tensor2D;
    const v1 = (name: string, size: number, init: Parameters<Params['add']>[2] = normal) => p.add(name, [size], init) as tf.Tensor as tf.Tensor1D;
    if (config.keyMode === 'tied') this.tiedKeys = tf.keep(tf.tensor2d(config.tiedKeys, [N, W]));
    const keys = this.tiedKeys ?? v2('keys', [N, W]);
    const U = v2('U', [W, W]), bU = v1('bU', W), V = v2('V', [W, W]), Wm = v2('Wm', [W, W]);
    const gateBias = config.gateBias ? v1('gateBias', N) : undefined;
    const alpha = v1('alpha', W, { kind: 'ones' });
    this.weights = { keys, U, bU, V, Wm, alpha, ...(gateBias ? { gateBias } : {}) };
    if (config.readout === 'self') this.readoutWeights = { Hm: v2('Hm', [W, W]), alpha };
  }

  stateSpec(): SpecTree {
    const { numSlots: N, slotSize: W } = this.config;
    const memory = { shape: [N, W], dtype: 'float32', reset: 'initial' } as const;
    if (!this.config.recordDiagnostics) return { memory };
    const perSlot = { shape: [N], dtype: 'float32', reset: 'diagnostic' } as const;
    return { memory, diag: this.readoutWeights ? { gates: perSlot, attention: perSlot } : { gates: perSlot } };
  }

  /**
   * h(0) = the keys for every element: a broadcast add (not a tile), so gradients reach the keys; resets
   * go through initialState, so inside a gradient closure they carry gradient to the keys too.
   */
  protected override initialLeaves(batchSize: number): CoreState {
    return { memory: tf.add(tf.zeros([batchSize, 1, 1]), this.weights.keys) };   // [N, W] -> [B, N, W]
  }

  /** [B, D] -> the flattened memory [B, N·W] or, with readout 'self', φ(s + u·Hm) [B, W]; never aliases state. */
  step(input: tf.Tensor2D, state: EntNetState, control?: StepControl): { output: tf.Tensor2D; state: EntNetState } {
    const { numSlots: N, slotSize: W, activeChannel, queryChannel } = this.config;
    checkBatchInput(WHERE, input, this.inputSize);
    const B = input.shape[0];
    checkStateShape(WHERE, 'state.memory', state.memory, [B, N, W]);
    return tf.tidy(() => {
      const s = (activeChannel || queryChannel ? tf.slice(input, [0, 0], [B, W]) : input) as tf.Tensor2D;  // [B, D] -> [B, W]
      const flag = (k: number) => tf.slice(input, [0, W + k], [B, 1]).reshape([B]) as tf.Tensor1D;      // [B, 1] -> [B]
      const flags = {
        ...(activeChannel ? { active: flag(0) } : {}),
        ...(queryChannel ? { query: flag(activeChannel ? 1 : 0) } : {}),
      };
      const r = entnetStep(s, state.memory, this.weights, flags);
      let output: tf.Tensor2D;
      let attention: tf.Tensor2D | undefined;
      if (this.readoutWeights) {
        ({ output, attention } = entnetReadout(r.memory, s, this.readoutWeights, this.config.numHops));
      } else {
        output = r.memory.reshape([B, N * W]) as tf.Tensor2D;                         // [B, N, W] -> [B, N·W]
      }
      if (!recordsDiagnostics(this.config.recordDiagnostics, control)) return { output, state: { memory: r.memory } };
      return { output, state: { memory: r.memory, diag: { gates: r.gates, ...(attention ? { attention } : {}) } } };
    });
  }

  /**
   * Element b as plain JSON: `memoryNorms` [N] (‖h_j‖), `keySimilarity` [N] (cos(h_j, w_j): has slot j
   * drifted from its entity key?), and with diagnostics `gates` [N] (g_j of the last step) and, with
   * readout 'self', `attention` [N] (the readout's p_j).
   */
  inspect(state: EntNetState, batchIndex: number): MemoryReadout {
    const { numSlots: N, slotSize: W } = this.config;
    checkBatchIndex(WHERE, batchIndex, state.memory.shape[0]);
    const row = tf.tidy(() => state.memory.slice([batchIndex, 0, 0], [1, N, W]));   // [1, N, W]
    const h = row.dataSync(), w = this.weights.keys.dataSync();
    row.dispose();
    const memoryNorms: number[] = [], keySimilarity: number[] = [];
    for (let j = 0; j < N; j++) {
      let hh = 0, ww = 0, hw = 0;
      for (let i = 0; i < W; i++) {
        const a = h[j * W + i] as number, k = w[j * W + i] as number;
        hh += a * a; ww += k * k; hw += a * k;
      }
      memoryNorms.push(Math.sqrt(hh));
      keySimilarity.push(hw / Math.sqrt(hh * ww + ENTNET_EPSILON));
    }
    const out: MemoryReadout = { memoryNorms, keySimilarity };
    const d = state.diag;
    if (d) {
      const pick = (t: tf.Tensor2D) => { const r = tf.tidy(() => t.slice([batchIndex, 0], [1, N])); const a = Array.from(r.dataSync()); r.dispose(); return a; };
      out.gates = pick(d.gates);
      if (d.attention) out.attention = pick(d.attention);
    }
    return out;
  }

  override dispose(): void {
    super.dispose();
    this.tiedKeys?.dispose();
  }
}

/** Validates `options` once (unknown keys are errors) and builds the core. */
export function makeEntNet(options: { inputSize: number; seed: number } & Record<string, unknown>): EntNet {
  return new EntNet(resolveEntNetConfig(options));
}
