/**
 * Differentiable Neural Computer: Graves et al. 2016, "Hybrid computing using a neural network with
 * dynamic external memory" (Nature 538), built as deepmind/dnc `dnc.py`: an LSTM controller, the
 * memory access of ./access.ts, and an optional output Linear (docs/cores.md §5.3–5.4).
 *
 *   χ_t = [x_t; flat(r_{t−1})];  (h_t, c_t) = LSTM(χ_t, (h, c)_{t−1}), both clipped to ±clipValue (0: no clip)
 *   ξ_t = h_t·W_ξ + b_ξ  (one Linear, then slices: access.ts parseInterface)
 *   (r_t, access_t) = MemoryAccess(ξ_t, access_{t−1})          write, then read (deepmind order)
 *   y_t = [h_t; flat(r_t)]                                     outputSize = 0 (default)
 *   y_t = clip([h_t; flat(r_t)]·W_y + b_y, ±clipValue)         outputSize = O > 0 (the paper's W_y h + W_r r)
 *
 * Parameters: the controller is a fused LSTM (memory/lstm.ts; W_x glorotUniform, W_h orthogonal,
 * b_f = forgetBias) on D + R·W inputs; W_ξ [H, |ξ|] and W_y [H + R·W, O] are lecun (Sonnet's Linear,
 * as deepmind's), biases 0. Count: 4H(D + RW + H + 1) + (H + 1)|ξ| [+ (H + RW + 1)·O].
 * State: every leaf starts at 0 (deepmind zero_state) and resets to 0 (§5.4.1).
 * Differences from deepmind/dnc, on purpose: strengths use the paper's oneplus by default
 * (strengthOp 'softplus' is deepmind's), and the output Linear is optional.
 */
import { checkMax, checkOption, resolveKwargs } from '../../envs/kwargs.ts';
import { Rng } from '../../envs/rng.ts';
import {
  BaseCore, checkBatchIndex, checkBatchInput, recordsDiagnostics, splitCoreBase, type MemoryReadout, type SpecTree, type StepControl,
} from '../core.ts';
import { TransposeCache, matMulCachedGrad } from '../grad.ts';
import { LSTM_MAX, lstmStep } from '../lstm.ts';
import { STRENGTH_OPS, type StrengthOp } from '../ops.ts';
import { Params, lstmControllerWeights, type LinearWeights } from '../params.ts';
import { tf } from '../tf.ts';
import { accessStep, interfaceSize, parseInterface, type AccessState } from './access.ts';

const WHERE = 'DNC';

export interface DncOptions {
  /** H: width of the LSTM controller's h and c, 1 to 4096. */
  hiddenSize: number;
  /** N: memory slots, 1 to 1024. */
  numSlots: number;
  /** W: word (slot) size, 1 to 4096. */
  wordSize: number;
  /** R: read heads, 1 to 64. */
  numReads: number;
  /** Hw: write heads, 1 to 64. */
  numWrites: number;
  /**
   * Clips the controller's h_t, c_t and the projected output to ±clipValue (deepmind clip_value),
   * a number >= 0; 0 disables the clip (a finite value, so config.json can hold it).
   */
  clipValue: number;
  /** O, 0 to 4096: 0 returns [h_t; flat(r_t)] (H + R·W); O > 0 adds the output Linear (then the clip). */
  outputSize: number;
  /** β transform: 'oneplus' (paper) or 'softplus' (deepmind/dnc code). */
  strengthOp: StrengthOp;
  /** Added to the controller's forget-gate bias at initialisation. */
  forgetBias: number;
  /** Keep state.diag {allocation [B, Hw, N], readModes [B, R, 2Hw+1]} for `inspect` (docs/cores.md §1.4). */
  recordDiagnostics: boolean;
}

/** deepmind/dnc train.py sizes (docs/cores.md §5.3). */
export const DNC_DEFAULTS: Readonly<DncOptions> = Object.freeze({
  hiddenSize: 64, numSlots: 16, wordSize: 16, numReads: 4, numWrites: 1, clipValue: 20, outputSize: 0,
  strengthOp: 'oneplus', forgetBias: 1.0, recordDiagnostics: false,
});

export interface DncConfig extends Readonly<DncOptions> {
  readonly inputSize: number;       // D
  readonly seed: number;
  readonly interfaceSize: number;   // |ξ|
}

/**
 * Upper bounds that keep a typo from exhausting memory. N stops at 1024 because the temporal link
 * matrix is [B, Hw, N, N] at every step.
 */
export const DNC_MAX = Object.freeze({
  hiddenSize: LSTM_MAX.hiddenSize, numSlots: 1024, wordSize: 4096, numReads: 64, numWrites: 64, outputSize: 4096,
});

/** Merges options onto DNC_DEFAULTS, rejects unknown keys and bad values (once), derives |ξ|. */
export function resolveDncConfig(options: { inputSize: number; seed: number } & Record<string, unknown>): DncConfig {
  const { inputSize, seed, rest } = splitCoreBase(WHERE, options);
  const o = resolveKwargs<DncOptions>(WHERE, DNC_DEFAULTS, rest);
  for (const k of ['hiddenSize', 'numSlots', 'wordSize', 'numReads', 'numWrites'] as const) {
    checkOption(Number.isInteger(o[k]), WHERE, k, 'be an integer', o[k]);
    checkOption(o[k] >= 1, WHERE, k, 'be >= 1', o[k]);
    checkMax(WHERE, k, o[k], 1, DNC_MAX[k]);
  }
  checkOption(Number.isInteger(o.outputSize) && o.outputSize >= 0, WHERE, 'outputSize', 'be an integer >= 0 (0: no output Linear)', o.outputSize);
  checkMax(WHERE, 'outputSize', o.outputSize, 0, DNC_MAX.outputSize);
  checkOption(o.clipValue >= 0, WHERE, 'clipValue', 'be >= 0 (0 disables clipping)', o.clipValue);
  checkOption(STRENGTH_OPS.includes(o.strengthOp), WHERE, 'strengthOp', `be one of ${STRENGTH_OPS.join(', ')}`, o.strengthOp);
  checkOption(Number.isFinite(o.forgetBias), WHERE, 'forgetBias', 'be a finite number', o.forgetBias);
  return Object.freeze({ ...o, inputSize, seed, interfaceSize: interfaceSize(o) });
}

export function makeDnc(options: { inputSize: number; seed: number } & Record<string, unknown>): Dnc {
  return new Dnc(resolveDncConfig(options));
}

/** The parameter count of a config (docs/cores.md §5.5 test 10). */
export function dncParamCount(c: DncConfig): number {
  const { inputSize: D, hiddenSize: H, wordSize: W, numReads: R, outputSize: O, interfaceSize: X } = c;
  return 4 * H * (D + R * W + H + 1) + (H + 1) * X + (O > 0 ? (H + R * W + 1) * O : 0);
}

// ---------------------------------------------------------------------------------------------
// State and the pure step.

export type DncDiagnostics = {
  readonly allocation: tf.Tensor3D;   // a_j [B, Hw, N]
  readonly readModes: tf.Tensor3D;    // π [B, R, 2Hw+1] (backward × Hw, forward × Hw, content)
};

/** deepmind `DNCState(access_output, access_state, controller_state)`, with named leaves. */
export type DncState = {
  readonly controller: { readonly h: tf.Tensor2D; readonly c: tf.Tensor2D };   // h_t, c_t [B, H]
  readonly access: AccessState;        // M_t, w^r_t, w^w_t, (L_t, p_t), u_t
  readonly readVectors: tf.Tensor3D;   // r_t [B, R, W], the next step's controller input
  readonly diag?: DncDiagnostics;
};

export interface DncWeights {
  readonly controller: LinearWeights;   // [D + RW + H, 4H], [4H]: LSTM gates (i, f, g, o)
  readonly interface: LinearWeights;    // W_ξ [H, |ξ|], b_ξ
  readonly output?: LinearWeights;      // W_y [H + RW, O], b_y
}
/** W^T of each weight, for the cached-transpose matMul gradient (memory/grad.ts); optional. */
export interface DncTransposes { readonly controller?: tf.Tensor2D; readonly interface?: tf.Tensor2D; readonly output?: tf.Tensor2D }

/** x·W + b, with the cached-transpose gradient when W^T is given: [B, K]·[K, M] -> [B, M]. */
function affine(x: tf.Tensor2D, a: LinearWeights, wT?: tf.Tensor2D): tf.Tensor2D {
  return tf.add(wT ? matMulCachedGrad(x, a.w, wT) : tf.matMul(x, a.w), a.b);
}

/** ±value, or x itself for value 0 (clipping off). */
function clip<T extends tf.Tensor>(x: T, value: number): T {
  return value > 0 ? tf.clipByValue(x, -value, value) : x;
}

/**
 * One DNC step (docs/cores.md §5.4, steps 1–11). x [B, D] -> output [B, outputSize]. Pure.
 * `diagnostics` (config.recordDiagnostics by default) adds state.diag.
 */
export function dncStep(x: tf.Tensor2D, state: DncState, weights: DncWeights, config: DncConfig,
  transposes: DncTransposes = {}, diagnostics = config.recordDiagnostics): { output: tf.Tensor2D; state: DncState } {
  return tf.tidy(() => {
    const B = x.shape[0];
    const { numReads: R, wordSize: W, clipValue } = config;
    const prevReads = state.readVectors.reshape([B, R * W]) as tf.Tensor2D;       // [B, R, W] -> [B, R·W]
    const chi = tf.concat([x, prevReads], 1) as tf.Tensor2D;                      // χ_t: [B, D] ++ [B, R·W] -> [B, D+RW]
    // The controller keeps tfjs's ops, not the fused cell: exact to rounding, that rounding still sent the
    // copy learning test's seed down another path (docs/kernels.md §4).
    const lstm = lstmStep(chi, state.controller.h, state.controller.c, weights.controller.w, weights.controller.b,
      { wT: transposes.controller, composite: true });
    const h = clip(lstm.h, clipValue), c = clip(lstm.c, clipValue);
    const xi = affine(h, weights.interface, transposes.interface);                // ξ_t: [B, H]·[H, |ξ|] -> [B, |ξ|]
    const iface = parseInterface(xi, config, config.strengthOp);
    const access = accessStep(iface, state.access);
    const features = tf.concat([h, access.reads.reshape([B, R * W])], 1) as tf.Tensor2D;   // [B, H] ++ [B, R·W] -> [B, H+RW]
    const output = weights.output
      ? clip(affine(features, weights.output, transposes.output), clipValue)     // [B, H+RW]·[H+RW, O] -> [B, O]
      : features;                                                                  // a new tensor: never aliases the state
    const next: DncState = { controller: { h, c }, access: access.state, readVectors: access.reads };
    if (!diagnostics) return { output, state: next };
    return { output, state: { ...next, diag: { allocation: access.allocation, readModes: iface.readModes } } };
  });
}

// ---------------------------------------------------------------------------------------------
// The core: variables and the state contract.

export class Dnc extends BaseCore<DncState> {
  readonly weights: DncWeights;
  private readonly transposes = { controller: new TransposeCache(), interface: new TransposeCache(), output: new TransposeCache() };

  constructor(readonly config: DncConfig) {
    const { inputSize: D, hiddenSize: H, wordSize: W, numReads: R, outputSize: O, interfaceSize: X } = config;
    const rng = new Rng(config.seed);
    const p = new Params('dnc', rng);
    super('dnc', D, O > 0 ? O : H + R * W, p);
    const Dc = D + R * W;                                                         // controller input size
    this.weights = {
      controller: lstmControllerWeights(p, rng, Dc, H, config.forgetBias),
      interface: p.linear('interface', H, X),
      ...(O > 0 ? { output: p.linear('output', H + R * W, O) } : {}),
    };
  }

  stateSpec(): SpecTree {
    const { hiddenSize: H, numSlots: N, wordSize: W, numReads: R, numWrites: Hw } = this.config;
    const leaf = (...shape: number[]) => ({ shape, dtype: 'float32', reset: 'initial' } as const);
    const spec: Record<string, SpecTree[string]> = {
      controller: { h: leaf(H), c: leaf(H) },
      access: {
        memory: leaf(N, W), readWeights: leaf(R, N), writeWeights: leaf(Hw, N),
        linkage: { link: leaf(Hw, N, N), precedence: leaf(Hw, N) }, usage: leaf(N),
      },
      readVectors: leaf(R, W),
    };
    if (this.config.recordDiagnostics) {
      const diag = (...shape: number[]) => ({ shape, dtype: 'float32', reset: 'diagnostic' } as const);
      spec.diag = { allocation: diag(Hw, N), readModes: diag(R, 2 * Hw + 1) };
    }
    return spec;
  }

  step(input: tf.Tensor2D, state: DncState, control?: StepControl): { output: tf.Tensor2D; state: DncState } {
    checkBatchInput(WHERE, input, this.inputSize);
    const t = this.transposes;
    const w = this.weights;
    return dncStep(input, state, w, this.config, {
      controller: t.controller.get(w.controller.w as tf.Variable),
      interface: t.interface.get(w.interface.w as tf.Variable),
      output: w.output ? t.output.get(w.output.w as tf.Variable) : undefined,
    }, recordsDiagnostics(this.config.recordDiagnostics, control));
  }

  /**
   * Element b as plain JSON, what the viewer draws: `readWeights` [R][N], `writeWeights` [Hw][N],
   * `usage` [N], `memoryNorms` [N] (L2 norm per slot), `precedence` [Hw][N]; with diagnostics also
   * `readModes` [R][2Hw+1] (columns: backward × Hw, forward × Hw, content) and `allocation` [Hw][N].
   * One read-back per call.
   */
  inspect(state: DncState, batchIndex: number): MemoryReadout {
    const { numSlots: N, wordSize: W, numReads: R, numWrites: Hw } = this.config;
    const B = state.access.usage.shape[0];
    checkBatchIndex(WHERE, batchIndex, B);
    const a = state.access;
    const parts: [string, tf.Tensor, number][] = [                               // name, leaf, rows of the readout (0: a flat list)
      ['readWeights', a.readWeights, R], ['writeWeights', a.writeWeights, Hw], ['usage', a.usage, 0],
      ['precedence', a.linkage.precedence, Hw],
    ];
    if (state.diag) parts.push(['readModes', state.diag.readModes, R], ['allocation', state.diag.allocation, Hw]);
    const flat = tf.tidy(() => {
      const row = (t: tf.Tensor) => t.slice([batchIndex], [1]).reshape([-1]);   // [B, ...] -> [prod(...)]
      const m = a.memory.slice([batchIndex, 0, 0], [1, N, W]).reshape([N, W]);     // [1, N, W] -> [N, W]
      return tf.concat([...parts.map(([, t]) => row(t)), tf.sqrt(tf.sum(tf.square(m), 1))]);
    });
    const data = Array.from(flat.dataSync());
    flat.dispose();
    const out: MemoryReadout = {};
    let at = 0;
    for (const [name, t, rows] of parts) {
      const size = t.size / B;
      const values = data.slice(at, at + size);
      at += size;
      out[name] = rows === 0 ? values : Array.from({ length: rows }, (_, i) => values.slice(i * size / rows, (i + 1) * size / rows));
    }
    out.memoryNorms = data.slice(at, at + N);
    return out;
  }

  override dispose(): void {
    Object.values(this.transposes).forEach((t) => t.dispose());
    super.dispose();
  }
}
