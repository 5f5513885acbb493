/**
 * LSTM core (Hochreiter & Schmidhuber 1997), written as Sonnet's `LSTM` / `_lstm_fn` split
 * (docs/cores.md §2; docs/style.md §2.8.4): `lstmStep` is the pure step, `Lstm` only holds the variables.
 *
 *   z   = [x_t; h_{t−1}]·W + b                      W = [W_x; W_h]: [D+H, 4H], b: [4H]
 *   i, f, o = σ(z_i), σ(z_f), σ(z_o);  g = tanh(z_g)  gate blocks in the order (i, f, g, o)
 *   c_t = f ⊙ c_{t−1} + i ⊙ g;   h_t = o ⊙ tanh(c_t)  output = h_t (a clone, never the state leaf)
 *
 * Parameter layout [ours]: ONE variable `w` [D+H, 4H] whose rows 0..D−1 are W_x and rows D.. are
 * W_h, plus `b` [4H]; 4H(D+H+1) parameters (+2H for `h0`, `c0` with a trainable initial state).
 * W_x ~ glorotUniform over [D, 4H] and W_h ~ orthogonal over [H, 4H] (init 'glorot'), or
 * truncNormal(1/√D) and truncNormal(1/√H) (init 'sonnet'); b = 0 with b_f = forgetBias (Sonnet v2).
 * On wasm, one concat + one matMul measured the same as two matMuls; what did pay (about 20% of an
 * A2C update) is the gradient of that matMul using a W^T transposed once per weight version
 * (`TransposeCache`, `matMulCachedGrad` in memory/grad.ts) instead of once per time step (docs/backend.md §4).
 */
import { checkMax, checkOption, resolveKwargs } from '../envs/kwargs.ts';
import { Rng } from '../envs/rng.ts';
import {
  BaseCore, checkBatchInput, recordsDiagnostics, splitCoreBase, type CoreState, type MemoryReadout, type SpecTree, type StepControl,
  type UnrollControl,
} from './core.ts';
import { lstmSequence } from './kernels/lstm-sequence.ts';
import { TransposeCache } from './grad.ts';
import { lstmStep } from './lstm-step.ts';
import { Params, addVariable, fusedGateWeightValues, type GateBlockInit } from './params.ts';
import { rowOf } from './state.ts';
import { tf } from './tf.ts';

export { gateBlock, gatePreactivations, lstmStep, type LstmStepResult } from './lstm-step.ts';

export type LstmInit = 'glorot' | 'sonnet';

export interface LstmOptions {
  /** H: width of h, c and the output, 1 to 4096. */
  hiddenSize: number;
  /** Added to the forget-gate bias at initialisation (Jozefowicz et al. 2015); learnable after. */
  forgetBias: number;
  /** 'glorot': W_x glorotUniform, W_h orthogonal. 'sonnet': truncNormal(1/√fan_in) for both. */
  init: LstmInit;
  /** Learn h0, c0: [H] (zeros at init), broadcast to the batch at every reset. */
  trainableInitialState: boolean;
  /** Keep `state.diag.gates` [B, 4, H] = (i, f, o, |g|) for the viewer (docs/cores.md §1.4). */
  recordDiagnostics: boolean;
}

export const LSTM_DEFAULTS: Readonly<LstmOptions> = Object.freeze({
  hiddenSize: 128, forgetBias: 1.0, init: 'glorot', trainableInitialState: false, recordDiagnostics: false,
});

export interface LstmConfig extends LstmOptions {
  readonly inputSize: number;
  readonly seed: number;
}

export type LstmState = {
  readonly h: tf.Tensor2D;   // h_t [B, H]
  readonly c: tf.Tensor2D;   // c_t [B, H]
  readonly diag?: { readonly gates: tf.Tensor3D };   // [B, 4, H] (i, f, o, |g|)
};

const INITS: readonly LstmInit[] = ['glorot', 'sonnet'];
/** Upper bound that keeps a typo from exhausting memory: 4H(D+H+1) weights, 67M at H = 4096 (~1 GB with Adam's slots). */
export const LSTM_MAX = Object.freeze({ hiddenSize: 4096 });

/** Validates once (unknown keys and wrong types are ConfigErrors) and returns a frozen config. */
export function resolveLstmConfig(options: { inputSize: number; seed: number } & Record<string, unknown>): LstmConfig {
  const { inputSize, seed, rest } = splitCoreBase('LSTM', options);
  const o = resolveKwargs<LstmOptions>('LSTM', LSTM_DEFAULTS, rest);
  checkOption(Number.isInteger(o.hiddenSize) && o.hiddenSize >= 1, 'LSTM', 'hiddenSize', 'be an integer >= 1', o.hiddenSize);
  checkMax('LSTM', 'hiddenSize', o.hiddenSize, 1, LSTM_MAX.hiddenSize);
  checkOption(Number.isFinite(o.forgetBias), 'LSTM', 'forgetBias', 'be a finite number', o.forgetBias);
  checkOption(INITS.includes(o.init), 'LSTM', 'init', `be one of ${INITS.join(', ')}`, o.init);
  return Object.freeze({ ...o, inputSize, seed });
}

export function makeLstm(options: { inputSize: number; seed: number } & Record<string, unknown>): Lstm {
  return new Lstm(resolveLstmConfig(options));
}

// ---------------------------------------------------------------------------------------------

export class Lstm extends BaseCore<LstmState> {
  private readonly w: tf.Variable;        // [D+H, 4H] = [W_x; W_h]
  private readonly b: tf.Variable;        // [4H]
  private readonly h0?: tf.Variable;      // [H], trainable initial state
  private readonly c0?: tf.Variable;      // [H]
  private readonly wT = new TransposeCache();

  constructor(readonly config: LstmConfig) {
    const D = config.inputSize, H = config.hiddenSize;
    const rng = new Rng(config.seed);
    super('lstm', D, H, new Params('lstm', rng));
    const block: GateBlockInit = config.init === 'glorot'
      ? { width: 4 * H, x: { kind: 'glorotUniform' }, h: { kind: 'orthogonal' } }
      : { width: 4 * H, x: { kind: 'truncNormal', std: 1 / Math.sqrt(D) }, h: { kind: 'truncNormal', std: 1 / Math.sqrt(H) } };
    this.w = addVariable(this.params, 'w', [D + H, 4 * H], fusedGateWeightValues(D, H, [block], rng));
    const bias = new Float32Array(4 * H);
    bias.fill(config.forgetBias, H, 2 * H);   // b_f += forgetBias
    this.b = addVariable(this.params, 'b', [4 * H], bias);
    if (config.trainableInitialState) {
      this.h0 = this.params.add('h0', [H], { kind: 'zeros' });
      this.c0 = this.params.add('c0', [H], { kind: 'zeros' });
    }
  }

  /** The fused weight [D+H, 4H] and bias [4H] (borrowed; for tests and weight import). */
  get weights(): { readonly w: tf.Variable; readonly b: tf.Variable } {
    return { w: this.w, b: this.b };
  }

  stateSpec(): SpecTree {
    const H = this.config.hiddenSize;
    const spec: Record<string, SpecTree[string]> = {
      h: { shape: [H], dtype: 'float32', reset: 'initial' },
      c: { shape: [H], dtype: 'float32', reset: 'initial' },
    };
    if (this.config.recordDiagnostics) spec.diag = { gates: { shape: [4, H], dtype: 'float32', reset: 'diagnostic' } };
    return spec;
  }

  /** With a trainable initial state, h0 and c0. */
  protected override initialLeaves(batchSize: number): CoreState | undefined {
    if (!this.h0 || !this.c0) return undefined;
    const H = this.config.hiddenSize;
    // [H] -> [B, H] by a broadcast add (tf.tile is very slow on wasm); its gradient sums over B
    return { h: tf.add(tf.zeros([batchSize, H]), this.h0), c: tf.add(tf.zeros([batchSize, H]), this.c0) };
  }

  step(input: tf.Tensor2D, state: LstmState, control?: StepControl): { output: tf.Tensor2D; state: LstmState } {
    checkBatchInput('LSTM', input, this.inputSize);
    return tf.tidy(() => {
      const r = lstmStep(input, state.h, state.c, this.w as tf.Tensor2D, this.b as tf.Tensor1D,
        { wT: this.wT.get(this.w), gates: recordsDiagnostics(this.config.recordDiagnostics, control) });
      const next: LstmState = r.gates ? { h: r.h, c: r.c, diag: { gates: r.gates } } : { h: r.h, c: r.c };
      return { output: r.h.clone(), state: next };
    });
  }

  /** The fused whole-sequence op (memory/kernels/lstm-sequence.ts), unless per-step gates are to be recorded. */
  unrollSequence(inputs: tf.Tensor3D, state: LstmState, resets: tf.Tensor2D, control: UnrollControl): { outputs: tf.Tensor3D; state: LstmState } | undefined {
    if (recordsDiagnostics(this.config.recordDiagnostics, control)) return undefined;
    return tf.tidy(() => {
      const [T, B] = [inputs.shape[0], inputs.shape[1]];
      const init = this.initialLeaves(B) as { h: tf.Tensor2D; c: tf.Tensor2D } | undefined;
      const zeros = init ? undefined : tf.zeros([B, this.config.hiddenSize]) as tf.Tensor2D;
      const { hs, cs } = lstmSequence({
        x: inputs, w: this.w as tf.Tensor2D, b: this.b as tf.Tensor1D, h0: state.h, c0: state.c,
        hInit: init?.h ?? zeros as tf.Tensor2D, cInit: init?.c ?? zeros as tf.Tensor2D, resets: resets.dtype === 'float32' ? resets : tf.cast(resets, 'float32'),
      }, this.wT.get(this.w));
      const last = (s: tf.Tensor3D) => tf.squeeze(tf.slice(s, [T - 1, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D;
      return { outputs: hs, state: { h: last(hs), c: last(cs) } };
    });
  }

  inspect(state: LstmState, batchIndex: number): MemoryReadout {
    const out: MemoryReadout = { h: rowOf(state.h, batchIndex), c: rowOf(state.c, batchIndex) };
    if (state.diag) {
      const H = this.config.hiddenSize;
      const g = rowOf(state.diag.gates, batchIndex);   // [4·H], rows (i, f, o, |g|)
      out.gates = [0, 1, 2, 3].map((k) => g.slice(k * H, (k + 1) * H));
    }
    return out;
  }

  override dispose(): void {
    this.wT.dispose();
    super.dispose();
  }
}

