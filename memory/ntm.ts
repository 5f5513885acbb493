/**
 * Neural Turing Machine: Graves, Wayne & Danihelka 2014, "Neural Turing Machines" (arXiv 1410.5401,
 * §3.3 eqs. 5–9), as specified in docs/cores.md §5.1–5.2, with defaults from the pytorch-dnc NTM preset.
 *
 *   (h_t, c_t) = LSTM([x_t; flat(r_{t−1})], (h, c)_{t−1});  h_t ← clip(h_t, ±clipValue)   (identity if clipValue >= 1)
 *   ξ_t = h_t·W_ξ + b_ξ                  one Linear for every head, then slices (layout below)
 *   write heads (on M_{t−1}):  w^w_t = address(M_{t−1}, w^w_{t−1});  M_t = M_{t−1} ⊙ Π_j(1 − w_j ⊗ e_j) + Σ_j w_jᵀ·a_j
 *   read heads (on M_t):       w^r_t = address(M_t, w^r_{t−1});      r_t = w^r_t·M_t
 *   output = [h_t; flat(r_t)]            (outputSize > 0: clip([h_t; flat(r_t)]·W_y + b_y, ±clipValue))
 * address (eqs. 5–9):  w^c = softmax_i(β·cos(k, M[i]));   w^g = g·w^c + (1 − g)·w_{t−1}
 *   w̃[i] = Σ_δ s_δ·w^g[(i − δ) mod N]  (δ = +1 moves mass to i + 1);   w = w̃^γ / (Σ_j w̃[j]^γ + ε)
 * The shift is one matMul with a constant [N, |S|·N] block of permutation matrices (its transpose kept
 * for the gradient), then a batched [1, |S|]·[|S|, N] matMul per head: no gather, no conv, no loop over
 * B or heads. It is O(N²·|S|): on wasm (fwd + bwd, B = 16) it beat slices + concat 2.2x at N = 32 and
 * 1.1x at N = 128, and lost 3.6x at N = 512.
 *
 * ξ layout [ours]: [read heads R×A | write heads Hw×A | erase Hw×W | add Hw×W], A = W + |S| + 3, each
 * head block (k̂: W, β̂: 1, ĝ: 1, ŝ: |S|, γ̂: 1); |ξ| = R(W+|S|+3) + Hw(3W+|S|+3). Activations: k = k̂ (or
 * tanh), β = oneplus(β̂) (or softplus), g = σ(ĝ), s = softmax(ŝ), γ = 1 + softplus(γ̂), e = σ, a = â (or tanh).
 * Init [ours]: the controller as the LSTM core (W_x glorotUniform, W_h orthogonal, forget bias 1);
 * W_ξ and W_y lecun (Sonnet Linear, as deepmind/dnc), biases 0 except the optional ĝ and ŝ biases of
 * every head (`gateBias`, `shiftBias`; see `interfaceBias`). Parameters: 4H(D+RW+H+1) + (H+1)|ξ|
 * (+ (H+RW+1)·O). State (all reset 'initial'): controller h, c = 0; memory = 1e-6; weightings one-hot
 * on slot 0 (pytorch-dnc); read vectors 0.
 */
import { checkMax, checkOption, resolveKwargs } from '../envs/kwargs.ts';
import { Rng } from '../envs/rng.ts';
import {
  BaseCore, checkBatchIndex, checkBatchInput, checkStateShape, recordsDiagnostics, splitCoreBase, type CoreState, type MemoryReadout,
  type SpecTree, type StepControl,
} from './core.ts';
import { TransposeCache, customGrad, matMulCachedGrad } from './grad.ts';
import { LSTM_MAX, lstmStep } from './lstm.ts';
import {
  ADDRESSING_EPSILON, STRENGTH_OPS, contentWeights, eraseAndWrite, keyStrength, linear, readMemory, type StrengthOp,
} from './ops.ts';
import { Params, addVariable, lstmControllerWeights, type LinearWeights } from './params.ts';
import { rowOf } from './state.ts';
import { tf } from './tf.ts';

const WHERE = 'NTM';
export type VectorActivation = 'none' | 'tanh';

export interface NtmOptions {
  /** H: LSTM controller width, 1 to 4096. */
  hiddenSize: number;
  /** N: memory slots, 1 to 4096. */
  numSlots: number;
  /** W: slot (word) width, 1 to 4096. */
  wordSize: number;
  /** R: read heads, 1 to 64. */
  numReads: number;
  /** Hw: write heads, 1 to 64. */
  numWrites: number;
  /** S: allowed shift offsets δ (distinct integers in (−N, N)); δ = +1 moves weight to the next slot. */
  shifts: readonly number[];
  /** Clip of h_t and of the projected output, a number > 0. */
  clipValue: number;
  /** β transform: 'oneplus' (paper) or 'softplus' (deepmind/dnc, pytorch-dnc). */
  strengthOp: StrengthOp;
  /** Key activation: 'none' (paper) or 'tanh' (pytorch-dnc). */
  keyActivation: VectorActivation;
  /** Add-vector activation: 'none' (paper) or 'tanh' (pytorch-dnc). */
  addActivation: VectorActivation;
  /** O, 0 to 4096: 0 outputs [h_t; flat(r_t)]; > 0 adds Linear(H+RW → O) and a clip. */
  outputSize: number;
  /** Keep per-head w^c, g, s, γ, β in `state.diag` for the viewer (docs/cores.md §1.4). */
  recordDiagnostics: boolean;
  /**
   * Initial bias of every head's shift logits ŝ, one per offset of `shifts` ([]: all 0). Copy with
   * [0, 0, 2] (heads start moving +1) reached 0 bit errors in ~150k steps; with all 0 the write head
   * settled on slot 0 and stored a superposition there (1.4 bit errors after 700k steps).
   */
  shiftBias: readonly number[];
  /** Initial bias of every head's gate logit ĝ (0: g starts at 0.5; −2 favours the shifted previous weighting). */
  gateBias: number;
}

export const NTM_DEFAULTS: Readonly<NtmOptions> = Object.freeze({
  hiddenSize: 100, numSlots: 128, wordSize: 20, numReads: 1, numWrites: 1, shifts: Object.freeze([-1, 0, 1]),
  clipValue: 20, strengthOp: 'oneplus', keyActivation: 'none', addActivation: 'none', outputSize: 0, recordDiagnostics: false,
  shiftBias: Object.freeze([]), gateBias: 0,
});

export interface NtmConfig extends Readonly<NtmOptions> {
  readonly inputSize: number;       // D
  readonly seed: number;
  readonly interfaceSize: number;   // |ξ|
}

/** |ξ| = R·(W+|S|+3) + Hw·(3W+|S|+3): 92 for W = 20, |S| = 3, R = Hw = 1. */
export function ntmInterfaceSize(wordSize: number, numShifts: number, numReads: number, numWrites: number): number {
  return numReads * (wordSize + numShifts + 3) + numWrites * (3 * wordSize + numShifts + 3);
}

/** The parameter count of §5.2: LSTM on D+RW inputs + H·|ξ| + |ξ| (+ the output Linear). */
export function ntmParamCount(c: NtmConfig): number {
  const { inputSize: D, hiddenSize: H, numReads: R, wordSize: W, interfaceSize: X, outputSize: O } = c;
  return 4 * H * (D + R * W + H + 1) + (H + 1) * X + (O > 0 ? (H + R * W + 1) * O : 0);
}

const isInt = (x: unknown, min: number): boolean => Number.isInteger(x) && (x as number) >= min;

/** Upper bounds that keep a typo from exhausting memory (the state is B·N·W floats, the interface grows with R·W). */
export const NTM_MAX = Object.freeze({
  hiddenSize: LSTM_MAX.hiddenSize, numSlots: 4096, wordSize: 4096, numReads: 64, numWrites: 64, outputSize: 4096,
});

/** Validates once (unknown keys, wrong types and bad values are ConfigErrors) and returns a frozen config. */
export function resolveNtmConfig(options: { inputSize: number; seed: number } & Record<string, unknown>): NtmConfig {
  const { inputSize, seed, rest } = splitCoreBase(WHERE, options);
  const o = resolveKwargs<NtmOptions>(WHERE, NTM_DEFAULTS, rest);
  for (const k of ['hiddenSize', 'numSlots', 'wordSize', 'numReads', 'numWrites'] as const) {
    checkOption(isInt(o[k], 1), WHERE, k, 'be an integer >= 1', o[k]);
    checkMax(WHERE, k, o[k], 1, NTM_MAX[k]);
  }
  checkOption(isInt(o.outputSize, 0), WHERE, 'outputSize', 'be an integer >= 0 (0: no output Linear)', o.outputSize);
  checkMax(WHERE, 'outputSize', o.outputSize, 0, NTM_MAX.outputSize);
  const N = o.numSlots, S: unknown[] = Array.isArray(o.shifts) ? o.shifts : [];
  checkOption(S.length >= 1 && S.every((d) => Number.isInteger(d) && Math.abs(d as number) < N) && new Set(S).size === S.length,
    WHERE, 'shifts', `be a non-empty list of distinct integers in (−${N}, ${N})`, o.shifts);
  checkOption(Number.isFinite(o.clipValue) && o.clipValue > 0, WHERE, 'clipValue', 'be a number > 0', o.clipValue);
  const SB: unknown[] = Array.isArray(o.shiftBias) ? o.shiftBias : [0];
  checkOption(Array.isArray(o.shiftBias) && (SB.length === 0 || SB.length === S.length) && SB.every((b) => Number.isFinite(b)),
    WHERE, 'shiftBias', `be [] or a list of ${S.length} numbers (one per shift)`, o.shiftBias);
  checkOption(Number.isFinite(o.gateBias), WHERE, 'gateBias', 'be a number', o.gateBias);
  for (const [k, choices] of [['strengthOp', STRENGTH_OPS], ['keyActivation', ['none', 'tanh']], ['addActivation', ['none', 'tanh']]] as const) {
    checkOption((choices as readonly string[]).includes(o[k]), WHERE, k, `be one of ${choices.map((c) => `'${c}'`).join(', ')}`, o[k]);
  }
  const interfaceSize = ntmInterfaceSize(o.wordSize, S.length, o.numReads, o.numWrites);
  return Object.freeze({ ...o, shifts: Object.freeze([...o.shifts]), shiftBias: Object.freeze([...o.shiftBias]), inputSize, seed, interfaceSize });
}

export function makeNtm(options: { inputSize: number; seed: number } & Record<string, unknown>): Ntm {
  return new Ntm(resolveNtmConfig(options));
}

// ---------------------------------------------------------------------------------------------
// Pure addressing pieces (eqs. 5–9). h = heads of one kind; weightings are [B, h, N].

/** One kind of heads' addressing parameters, after their activations. */
export interface HeadParams {
  readonly key: tf.Tensor3D;        // k_t [B, h, W]
  readonly strength: tf.Tensor2D;   // β_t [B, h], >= 1 (oneplus) or > 0 (softplus)
  readonly gate: tf.Tensor2D;       // g_t [B, h] in (0, 1)
  readonly shift: tf.Tensor3D;      // s_t [B, h, |S|], a softmax
  readonly gamma: tf.Tensor2D;      // γ_t [B, h], >= 1
}

/** Splits raw head blocks [B, h, W+|S|+3] as (k̂, β̂, ĝ, ŝ, γ̂) and applies the activations. */
export function headParams(raw: tf.Tensor3D, numShifts: number,
  options: { strengthOp: StrengthOp; keyActivation: VectorActivation }): HeadParams {
  return tf.tidy(() => {
    const [B, h, A] = raw.shape;
    const W = A - numShifts - 3;
    const [k, b, g, s, y] = tf.split(raw, [W, 1, 1, numShifts, 1], 2);   // [B, h, A] -> [B, h, W | 1 | 1 | S | 1]
    const scalar = (t: tf.Tensor) => t.reshape([B, h]) as tf.Tensor2D;   // [B, h, 1] -> [B, h]
    return {
      key: (options.keyActivation === 'tanh' ? tf.tanh(k as tf.Tensor) : k) as tf.Tensor3D,
      strength: scalar(keyStrength(b as tf.Tensor, options.strengthOp)),
      gate: scalar(tf.sigmoid(g as tf.Tensor)),
      shift: tf.softmax(s as tf.Tensor) as tf.Tensor3D,
      gamma: scalar(tf.add(1, tf.softplus(y as tf.Tensor))),
    };
  });
}

/** Interpolation (eq. 7): w^g = g·w^c + (1 − g)·w_{t−1}. content, prev [B, h, N], gate [B, h]. */
export function interpolate(content: tf.Tensor3D, prev: tf.Tensor3D, gate: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const g = gate.expandDims(2);                                                   // [B, h] -> [B, h, 1]
    return tf.add(tf.mul(g, content), tf.mul(tf.sub(1, g), prev)) as tf.Tensor3D;
  });
}

/**
 * The shift as a fixed linear map: `forward` [N, |S|·N], whose column block k is the permutation P_δ
 * (δ = shifts[k]) with (w·P_δ)[i] = w[(i − δ) mod N], and `adjoint` = forwardᵀ [|S|·N, N] for the
 * gradient. Built in JS (no one-hot op). A core keeps one, so XNNPACK packs both matrices once.
 */
export interface ShiftOperator { readonly forward: tf.Tensor2D; readonly adjoint: tf.Tensor2D }

export function shiftOperator(numSlots: number, shifts: readonly number[]): ShiftOperator {
  const N = numSlots, S = shifts.length;
  const m = new Float32Array(N * S * N), mT = new Float32Array(N * S * N);
  shifts.forEach((d, k) => {
    for (let i = 0; i < N; i++) {
      const j = (((i - d) % N) + N) % N;          // w̃[i] takes w[j]
      m[j * S * N + k * N + i] = 1;
      mT[(k * N + i) * N + j] = 1;
    }
  });
  return { forward: tf.tensor2d(m, [N, S * N]), adjoint: tf.tensor2d(mT, [S * N, N]) };
}

/** w·forward with the gradient dy·adjoint: no per-step transpose of the constant (docs/backend.md §4). */
function rollAll(w: tf.Tensor2D, op: ShiftOperator): tf.Tensor2D {
  const f = customGrad((x: tf.Tensor2D) => ({
    value: tf.matMul(x, op.forward) as tf.Tensor2D,                                 // [B·h, N]·[N, |S|·N] -> [B·h, |S|·N]
    gradFunc: (dy: tf.Tensor2D) => [tf.matMul(dy, op.adjoint)],                     // [B·h, |S|·N]·[|S|·N, N] -> [B·h, N]
  }));
  return f(w);
}

/**
 * Circular convolution (eq. 8): w̃[i] = Σ_δ s_δ·w[(i − δ) mod N]. weights [B, h, N], shift s [B, h, |S|];
 * `shifts` is the offsets, or a kept `shiftOperator` (what a core passes: no rebuild, cached packing).
 */
export function circularShift(weights: tf.Tensor3D, shift: tf.Tensor3D, shifts: readonly number[] | ShiftOperator): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, h, N] = weights.shape;
    const S = shift.shape[2];
    const flat = weights.reshape([B * h, N]) as tf.Tensor2D;                        // [B, h, N] -> [B·h, N]
    const rolled = ('forward' in shifts ? rollAll(flat, shifts) : tf.matMul(flat, shiftOperator(N, shifts).forward))
      .reshape([B * h, S, N]);                                                      // [B·h, |S|·N] -> [B·h, |S|, N]: w rolled by each δ
    return tf.matMul(shift.reshape([B * h, 1, S]), rolled)                          // [B·h, 1, |S|]·[B·h, |S|, N] -> [B·h, 1, N]
      .reshape([B, h, N]) as tf.Tensor3D;                                           // -> [B, h, N]
  });
}

/** Sharpening (eq. 9): w[i] = w̃[i]^γ / (Σ_j w̃[j]^γ + ε), ε = 1e-6. weights [B, h, N], gamma [B, h]. */
export function sharpen(weights: tf.Tensor3D, gamma: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    // γ broadcast to [B, h, N] first: a broadcasting Pow is ~2x slower on wasm (fwd + bwd).
    const p = tf.pow(weights, tf.mul(tf.onesLike(weights), gamma.expandDims(2)));   // γ [B, h] -> [B, h, 1] -> [B, h, N]
    return tf.div(p, tf.add(tf.sum(p, 2, true), ADDRESSING_EPSILON)) as tf.Tensor3D;
  });
}

/** The whole pipeline (eqs. 5–9) for h heads on memory [B, N, W] with previous weights [B, h, N]. */
export function ntmAddress(memory: tf.Tensor3D, prev: tf.Tensor3D, head: HeadParams, shifts: readonly number[] | ShiftOperator):
  { weights: tf.Tensor3D; content: tf.Tensor3D } {
  return tf.tidy(() => {
    const content = contentWeights(memory, head.key, head.strength);               // w^c [B, h, N]
    const gated = interpolate(content, prev, head.gate);                            // w^g
    const weights = sharpen(circularShift(gated, head.shift, shifts), head.gamma);  // w̃ -> w_t
    return { weights, content };
  });
}

// ---------------------------------------------------------------------------------------------
// One step, pure: the class below only holds variables.

export interface NtmWeights {
  readonly controller: LinearWeights;   // fused LSTM [D+RW+H, 4H], [4H]
  readonly interface: LinearWeights;    // W_ξ [H, |ξ|], b_ξ [|ξ|]
  readonly output?: LinearWeights;      // W_y [H+RW, O], b_y [O]
}

/** Per-head introspection leaves, read heads first, then write heads (R + Hw rows). */
export type NtmDiagnostics = {
  readonly contentWeights: tf.Tensor3D;   // w^c [B, R+Hw, N]
  readonly gate: tf.Tensor2D;             // g_t [B, R+Hw]
  readonly shift: tf.Tensor3D;            // s_t [B, R+Hw, |S|]
  readonly gamma: tf.Tensor2D;            // γ_t [B, R+Hw]
  readonly strength: tf.Tensor2D;         // β_t [B, R+Hw]
};
export type NtmState = {
  readonly controller: { readonly h: tf.Tensor2D; readonly c: tf.Tensor2D };   // h_t, c_t [B, H]
  readonly memory: tf.Tensor3D;           // M_t [B, N, W]
  readonly readWeights: tf.Tensor3D;      // w^r_t [B, R, N]
  readonly writeWeights: tf.Tensor3D;     // w^w_t [B, Hw, N]
  readonly readVectors: tf.Tensor3D;      // r_t [B, R, W]
  readonly diag?: NtmDiagnostics;
};

/** Kept helpers a core passes to `ntmStep`: the shift operator and W^T of the controller and ξ weights (cached gradients). */
export interface NtmStepCache {
  readonly shift: ShiftOperator;
  readonly controllerT: tf.Tensor2D;   // [4H, D+RW+H]
  readonly interfaceT: tf.Tensor2D;    // [|ξ|, H]
}

/**
 * One NTM step (docs/cores.md §5.2 order), pure. Without `cache` it is the same function, only slower on wasm.
 * `diagnostics` (config.recordDiagnostics by default) adds state.diag.
 */
export function ntmStep(input: tf.Tensor2D, state: NtmState, weights: NtmWeights, config: NtmConfig,
  cache?: NtmStepCache, diagnostics = config.recordDiagnostics): { output: tf.Tensor2D; state: NtmState } {
  return tf.tidy(() => {
    const { wordSize: W, numReads: R, numWrites: Hw, shifts, clipValue: clip } = config;
    const B = input.shape[0], S = shifts.length, A = W + S + 3;
    const op = cache?.shift ?? shifts;
    const chi = tf.concat([input, state.readVectors.reshape([B, R * W])], 1) as tf.Tensor2D;   // [B, D] ++ ([B, R, W] -> [B, RW]) -> [B, D+RW]
    const ctrl = lstmStep(chi, state.controller.h, state.controller.c, weights.controller.w, weights.controller.b, { wT: cache?.controllerT });
    // |h| = |o ⊙ tanh(c)| <= 1, so the clip is the identity (and skipped) for clipValue >= 1.
    const h = clip < 1 ? tf.clipByValue(ctrl.h, -clip, clip) as tf.Tensor2D : ctrl.h;
    const xi = tf.add(cache ? matMulCachedGrad(h, weights.interface.w, cache.interfaceT)   // ξ_t: [B, H]·[H, |ξ|] -> [B, |ξ|]
      : tf.matMul(h, weights.interface.w), weights.interface.b) as tf.Tensor2D;
    const [readRaw, writeRaw, eraseRaw, addRaw] = tf.split(xi, [R * A, Hw * A, Hw * W, Hw * W], 1) as tf.Tensor2D[];
    // Write heads address M_{t−1}, then erase and add.
    const wHead = headParams(writeRaw!.reshape([B, Hw, A]), S, config);            // [B, Hw·A] -> [B, Hw, A]
    const write = ntmAddress(state.memory, state.writeWeights, wHead, op);
    const erase = tf.sigmoid(eraseRaw!.reshape([B, Hw, W])) as tf.Tensor3D;        // e_t: [B, Hw·W] -> [B, Hw, W]
    const addHat = addRaw!.reshape([B, Hw, W]) as tf.Tensor3D;                     // a_t: [B, Hw·W] -> [B, Hw, W]
    const memory = eraseAndWrite(state.memory, write.weights, erase, config.addActivation === 'tanh' ? tf.tanh(addHat) : addHat);
    // Read heads address M_t, then read.
    const rHead = headParams(readRaw!.reshape([B, R, A]), S, config);              // [B, R·A] -> [B, R, A]
    const read = ntmAddress(memory, state.readWeights, rHead, op);
    const readVectors = readMemory(memory, read.weights);                          // [B, R, N]·[B, N, W] -> [B, R, W]
    const hr = tf.concat([h, readVectors.reshape([B, R * W])], 1) as tf.Tensor2D;  // [B, H] ++ [B, RW] -> [B, H+RW]
    const output = weights.output
      ? tf.clipByValue(linear(hr, weights.output.w, weights.output.b), -clip, clip) as tf.Tensor2D   // [B, H+RW]·[H+RW, O] -> [B, O]
      : hr;
    const next: NtmState = { controller: { h, c: ctrl.c }, memory, readWeights: read.weights, writeWeights: write.weights, readVectors };
    if (!diagnostics) return { output, state: next };
    const both = <T extends tf.Tensor>(r: T, w: T) => tf.concat([r, w], 1) as T;   // read heads, then write heads
    const diag: NtmDiagnostics = {
      contentWeights: both(read.content, write.content), gate: both(rHead.gate, wHead.gate), shift: both(rHead.shift, wHead.shift),
      gamma: both(rHead.gamma, wHead.gamma), strength: both(rHead.strength, wHead.strength),
    };
    return { output, state: { ...next, diag } };
  });
}

/** b_ξ at init: 0 except every head's ĝ (`gateBias`) and ŝ (`shiftBias`), read and write heads alike. */
export function interfaceBias(c: NtmConfig): Float32Array {
  const b = new Float32Array(c.interfaceSize);
  const W = c.wordSize, A = W + c.shifts.length + 3;
  for (let j = 0; j < c.numReads + c.numWrites; j++) {
    b[j * A + W + 1] = c.gateBias;
    b.set(c.shiftBias, j * A + W + 2);
  }
  return b;
}

// ---------------------------------------------------------------------------------------------

/** Memory up to this many numbers is also inspected row by row (`memory` N×W). */
const INSPECT_MEMORY_LIMIT = 4096;
/** M₀: a small constant (pytorch-dnc; Collier & Beel 2018), so no slot starts as a zero vector. */
const INITIAL_MEMORY = 1e-6;

type Constants = { memory: tf.Tensor3D; readWeights: tf.Tensor3D; writeWeights: tf.Tensor3D };

export class Ntm extends BaseCore<NtmState> {
  readonly weights: NtmWeights;
  private readonly controllerW: tf.Variable;
  private readonly interfaceW: tf.Variable;
  private readonly controllerT = new TransposeCache();
  private readonly interfaceT = new TransposeCache();
  private readonly shiftOp: ShiftOperator;                   // kept: [N, |S|·N] and its transpose
  private readonly constants = new Map<number, Constants>(); // kept per batch size: every resetWhere reads them

  constructor(readonly config: NtmConfig) {
    const { inputSize: D, hiddenSize: H, wordSize: W, numReads: R, interfaceSize: X, outputSize: O } = config;
    const rng = new Rng(config.seed);
    const p = new Params('ntm', rng);
    super('ntm', D, O > 0 ? O : H + R * W, p);
    const Dc = D + R * W;                                     // controller input [x_t; flat(r_{t−1})]
    const controller = lstmControllerWeights(p, rng, Dc, H, 1);  // b_f = 1 (the LSTM core's forgetBias)
    this.controllerW = controller.w as tf.Tensor as tf.Variable;
    const iface = { w: p.add('interface/w', [H, X], { kind: 'lecun' }) as tf.Tensor as tf.Tensor2D,
      b: addVariable(p, 'interface/b', [X], interfaceBias(config)) as tf.Tensor as tf.Tensor1D };
    this.interfaceW = iface.w as tf.Tensor as tf.Variable;
    this.weights = O > 0 ? { controller, interface: iface, output: p.linear('output', H + R * W, O) } : { controller, interface: iface };
    const op = shiftOperator(config.numSlots, config.shifts);
    this.shiftOp = { forward: tf.keep(op.forward), adjoint: tf.keep(op.adjoint) };
  }

  stateSpec(): SpecTree {
    const { hiddenSize: H, numSlots: N, wordSize: W, numReads: R, numWrites: Hw, shifts } = this.config;
    const f = (shape: number[], reset: 'initial' | 'diagnostic' = 'initial') => ({ shape, dtype: 'float32' as const, reset });
    const spec = { controller: { h: f([H]), c: f([H]) }, memory: f([N, W]), readWeights: f([R, N]), writeWeights: f([Hw, N]), readVectors: f([R, W]) };
    if (!this.config.recordDiagnostics) return spec;
    const K = R + Hw;
    return { ...spec, diag: { contentWeights: f([K, N], 'diagnostic'), gate: f([K], 'diagnostic'), shift: f([K, shifts.length], 'diagnostic'),
      gamma: f([K], 'diagnostic'), strength: f([K], 'diagnostic') } };
  }

  /** M = 1e-6 and every weighting one-hot on slot 0; h, c, r and diag start at 0. */
  protected override initialLeaves(batchSize: number): CoreState {
    const { numSlots: N, wordSize: W, numReads: R, numWrites: Hw } = this.config;
    let k = this.constants.get(batchSize);
    if (!k) {
      const oneHot = (heads: number) => {
        const v = new Float32Array(batchSize * heads * N);
        for (let i = 0; i < batchSize * heads; i++) v[i * N] = 1;
        return tf.keep(tf.tensor3d(v, [batchSize, heads, N]));
      };
      k = { memory: tf.keep(tf.fill([batchSize, N, W], INITIAL_MEMORY) as tf.Tensor3D), readWeights: oneHot(R), writeWeights: oneHot(Hw) };
      this.constants.set(batchSize, k);
    }
    return { memory: k.memory.clone(), readWeights: k.readWeights.clone(), writeWeights: k.writeWeights.clone() };
  }

  /** [B, D] -> [B, H+RW] (or [B, O]); the output is a new tensor, never a state leaf. */
  step(input: tf.Tensor2D, state: NtmState, control?: StepControl): { output: tf.Tensor2D; state: NtmState } {
    checkBatchInput(WHERE, input, this.inputSize);
    const { numSlots: N, wordSize: W } = this.config;
    checkStateShape(WHERE, 'state.memory', state.memory, [input.shape[0], N, W]);
    return ntmStep(input, state, this.weights, this.config,
      { shift: this.shiftOp, controllerT: this.controllerT.get(this.controllerW), interfaceT: this.interfaceT.get(this.interfaceW) },
      recordsDiagnostics(this.config.recordDiagnostics, control));
  }

  /**
   * Element b as plain JSON: `readWeights` R×N, `writeWeights` Hw×N, `memoryNorms` [N] (L2 per slot),
   * `memory` N×W (when N·W <= 4096), `readVectors` R×W, `h` [H]; with diagnostics also per head (read
   * heads first) `contentWeights` (R+Hw)×N, `gate`, `gamma`, `strength` [R+Hw], `shift` (R+Hw)×|S|, and `shifts`.
   */
  inspect(state: NtmState, batchIndex: number): MemoryReadout {
    const { numSlots: N, wordSize: W, shifts } = this.config;
    checkBatchIndex(WHERE, batchIndex, state.memory.shape[0]);
    const rows = (t: tf.Tensor, width: number): number[][] => {
      const v = rowOf(t, batchIndex);
      return Array.from({ length: v.length / width }, (_, i) => v.slice(i * width, (i + 1) * width));
    };
    const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(state.memory.slice([batchIndex, 0, 0], [1, N, W])), [0, 2])));   // [1, N, W] -> [N]
    const out: MemoryReadout = {
      readWeights: rows(state.readWeights, N), writeWeights: rows(state.writeWeights, N), memoryNorms: Array.from(norms.dataSync()),
      readVectors: rows(state.readVectors, W), h: rowOf(state.controller.h, batchIndex),
    };
    norms.dispose();
    if (N * W <= INSPECT_MEMORY_LIMIT) out.memory = rows(state.memory, W);
    const d = state.diag;
    if (d) {
      Object.assign(out, { contentWeights: rows(d.contentWeights, N), gate: rowOf(d.gate, batchIndex), shift: rows(d.shift, shifts.length),
        gamma: rowOf(d.gamma, batchIndex), strength: rowOf(d.strength, batchIndex), shifts: [...shifts] });
    }
    return out;
  }

  override dispose(): void {
    this.controllerT.dispose();
    this.interfaceT.dispose();
    super.dispose();
    tf.dispose([this.shiftOp.forward, this.shiftOp.adjoint]);
    for (const k of this.constants.values()) tf.dispose([k.memory, k.readWeights, k.writeWeights]);
    this.constants.clear();
  }
}
