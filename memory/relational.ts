/**
 * Relational Memory Core: Santoro et al. 2018, "Relational recurrent neural networks", NeurIPS,
 * as built by Sonnet v1 `relational_memory.py`. Exact equations, sharing and init: docs/cores.md §4.
 *
 * Memory M is N slots (rows) of width Dm = K·dv. Each step projects the input to n rows, appends
 * them to the memory ([M; x̃], S = N + n rows), runs nb attention blocks over all rows, drops the
 * input rows (M̂) and gates M̂ into the memory with an LSTM-like input/forget gate (§4.3):
 *   block j:  A ← LN_2^j(A' + MLP(A')),  A' = LN_1^j(A + MHA^j(A)),  MHA: qkv = LN_qkv^j(A·W_qkv^j + b)
 *   gates:    i = σ(Gm + Gx + inputBias), f = σ(Gm + Gx + forgetBias) (first/second half of 2G)
 *             M_t = i ⊙ tanh(M̂) + f ⊙ M_{t−1}      (gateStyle 'none': M_t = M̂)
 * Sharing (Sonnet): W_qkv, LN_qkv, LN_1, LN_2 per block; one MLP for all blocks; forget and input
 * biases are constants. The L0SG PyTorch port differs in all of these; we follow Sonnet (§4.7).
 *
 * Pure math lives in free functions (`multiheadAttention`, `attentionBlock`, `gateMemory`,
 * `relationalStep`, `fusedLayerNorm`); the class only holds variables and the state contract (docs/cores.md §1).
 */
import { checkMax, checkOption, resolveKwargs } from '../envs/kwargs.ts';
import { Rng } from '../envs/rng.ts';
import {
  BaseCore, checkBatchIndex, checkStateShape, recordsDiagnostics, type CoreState, type MemoryReadout, type SpecTree, type StepControl,
} from './core.ts';
import { attentionCore, type AttentionSizes } from './kernels/attention.ts';
import { gatedUpdate } from './kernels/gated-update.ts';
import { layerNormOp } from './kernels/layer-norm.ts';
import { linear } from './ops.ts';
import { Params, type LinearWeights } from './params.ts';
import { tf } from './tf.ts';

const WHERE = 'RelationalMemory';

/** 'unit': a gate per slot and feature (G = Dm); 'memory': one per slot (G = 1); 'none': M_t = M̂. */
export type RmcGateStyle = 'unit' | 'memory' | 'none';
export const RMC_GATE_STYLES: readonly RmcGateStyle[] = ['unit', 'memory', 'none'];

export interface RelationalMemoryOptions {
  /** N: memory slots (rows), 1 to 1024. */
  numSlots: number;
  /** dv: value size per head, 1 to 1024; the slot width is Dm = numHeads·headSize. */
  headSize: number;
  /** K: attention heads, 1 to 64. */
  numHeads: number;
  /** dk: query/key size per head, 0 to 1024; 0 means "= headSize" (Sonnet's key_size=None). */
  keySize: number;
  /** nb: attention blocks per step (each with its own qkv projection and LayerNorms), 1 to 64. */
  numBlocks: number;
  /** L: layers of the attention MLP (Dm→Dm, ReLU between layers, none after the last), 1 to 64. */
  numMlpLayers: number;
  /** Sonnet's gate_style; 'none' is Sonnet's None. */
  gateStyle: RmcGateStyle;
  /** Constant added inside the forget-gate sigmoid. */
  forgetBias: number;
  /** Constant added inside the input-gate sigmoid. */
  inputBias: number;
  /**
   * n: rows the input is read as, a divisor of D. 1 is Sonnet's vector mode; n > 1 is
   * treat_input_as_matrix: the [B, D] input is read row-major as [B, n, D/n] and each row is
   * projected by the same W_in.
   */
  inputRows: number;
  /** Keep the last block's attention and the gates in `state.diag` for `inspect` (costs a little). */
  recordDiagnostics: boolean;
}

/**
 * Engram's RL starting point (docs/cores.md §4.8: N = 4, K = 2, dv = 64, nb = 1, L = 2, 'unit').
 * Sonnet itself requires mem_slots and head_size and defaults to num_heads 1, num_blocks 1,
 * attention_mlp_layers 2, key_size = head_size, gate_style 'unit', forget_bias 1, input_bias 0.
 */
export const RMC_DEFAULTS: Readonly<RelationalMemoryOptions> = Object.freeze({
  numSlots: 4,
  headSize: 64,
  numHeads: 2,
  keySize: 0,
  numBlocks: 1,
  numMlpLayers: 2,
  gateStyle: 'unit',
  forgetBias: 1.0,
  inputBias: 0.0,
  inputRows: 1,
  recordDiagnostics: false,
});

/** Validated options plus the derived sizes. */
export interface RelationalMemoryConfig extends Readonly<RelationalMemoryOptions> {
  readonly inputSize: number;     // D
  readonly seed: number;
  readonly memorySize: number;    // Dm = K·dv
  readonly qkvSize: number;       // F = K·(2dk + dv)
  readonly gateSize: number;      // G: Dm ('unit'), 1 ('memory'), 0 ('none')
}

const isInt = (x: number, min: number): boolean => Number.isInteger(x) && x >= min;

/**
 * Upper bounds that keep a typo from exhausting memory: attention is [B, K, S, S] (S = N + n) per
 * block and step, and the MLP and qkv weights grow as Dm², so N and dv stop at 1024 and K at 64.
 */
export const RMC_MAX = Object.freeze({
  numSlots: 1024, headSize: 1024, numHeads: 64, keySize: 1024, numBlocks: 64, numMlpLayers: 64,
});

/** Merges options onto RMC_DEFAULTS, rejects unknown keys and bad values, derives the sizes. */
export function resolveRelationalMemoryConfig(options: { inputSize: number; seed: number } & Record<string, unknown>): RelationalMemoryConfig {
  const { inputSize, seed, ...rest } = options;
  const o = resolveKwargs(WHERE, RMC_DEFAULTS, rest);
  checkOption(isInt(inputSize, 1), WHERE, 'inputSize', 'be an integer >= 1', inputSize);
  checkOption(Number.isInteger(seed), WHERE, 'seed', 'be an integer', seed);
  for (const k of ['numSlots', 'headSize', 'numHeads', 'numBlocks', 'numMlpLayers', 'inputRows'] as const) {
    checkOption(isInt(o[k], 1), WHERE, k, 'be >= 1', o[k]);
    if (k !== 'inputRows') checkMax(WHERE, k, o[k], 1, RMC_MAX[k]);
  }
  checkOption(isInt(o.keySize, 0), WHERE, 'keySize', 'be an integer >= 0 (0 means = headSize)', o.keySize);
  checkMax(WHERE, 'keySize', o.keySize, 0, RMC_MAX.keySize);
  checkOption(RMC_GATE_STYLES.includes(o.gateStyle), WHERE, 'gateStyle',
    `be one of ${RMC_GATE_STYLES.map((s) => `'${s}'`).join(', ')}`, o.gateStyle);
  checkOption(Number.isFinite(o.forgetBias), WHERE, 'forgetBias', 'be finite', o.forgetBias);
  checkOption(Number.isFinite(o.inputBias), WHERE, 'inputBias', 'be finite', o.inputBias);
  checkOption(inputSize % o.inputRows === 0, WHERE, 'inputRows', `divide inputSize (${inputSize})`, o.inputRows);
  const keySize = o.keySize === 0 ? o.headSize : o.keySize;
  const memorySize = o.numHeads * o.headSize;
  const gateSize = o.gateStyle === 'unit' ? memorySize : o.gateStyle === 'memory' ? 1 : 0;
  return Object.freeze({ ...o, keySize, inputSize, seed, memorySize, qkvSize: o.numHeads * (2 * keySize + o.headSize), gateSize });
}

// ---------------------------------------------------------------------------------------------
// Pure math (no variables): weights are passed in.

export interface NormWeights { readonly gamma: tf.Tensor1D; readonly beta: tf.Tensor1D }
/** One attention block's own weights (Sonnet builds these anew inside every block). */
export interface AttentionBlockWeights {
  readonly qkv: LinearWeights;      // W_qkv: [Dm, F]
  readonly lnQkv: NormWeights;      // [F]
  readonly ln1: NormWeights;        // [Dm]
  readonly ln2: NormWeights;        // [Dm]
}
export interface RmcWeights {
  readonly input: LinearWeights;             // W_in: [D/n, Dm]
  readonly blocks: readonly AttentionBlockWeights[];
  readonly mlp: readonly LinearWeights[];    // shared by all blocks: L × [Dm, Dm]
  readonly gateInput?: LinearWeights;        // W_gx: [n·Dm, 2G]
  readonly gateMemory?: LinearWeights;       // W_gm: [Dm, 2G]
}
export type { AttentionSizes };

/**
 * Per-row LayerNorm over the last axis, as ops.layerNorm (ε = 1e-5), with a hand-written gradient and
 * a fused kernel on wasm (memory/kernels/layer-norm.ts).
 */
export function fusedLayerNorm(x: tf.Tensor, norm: NormWeights): tf.Tensor {
  return layerNormOp(x, norm.gamma, norm.beta);
}

/**
 * Multi-head dot-product attention over all rows (§4.3): one qkv matmul, its LayerNorm, then the
 * attention core (memory/kernels/attention.ts: fused on wasm, two batched matmuls elsewhere).
 * rows [B, S, Dm] -> output [B, S, Dm] (before the residual), attention [B, K, S, S].
 */
export function multiheadAttention(rows: tf.Tensor3D, block: AttentionBlockWeights, sizes: AttentionSizes): { output: tf.Tensor3D; attention: tf.Tensor4D } {
  return tf.tidy(() => {
    const [B, S, Dm] = rows.shape;
    const flat = rows.reshape([B * S, Dm]) as tf.Tensor2D;                          // [B, S, Dm] -> [B·S, Dm]
    const qkv = fusedLayerNorm(linear(flat, block.qkv.w, block.qkv.b), block.lnQkv); // [B·S, Dm]·[Dm, F] -> [B·S, F]
    return attentionCore(qkv as tf.Tensor2D, B, S, sizes);                        // -> [B, S, Dm], [B, K, S, S]
  });
}

/** The shared MLP: ReLU between layers, none after the last (snt.nets.MLP defaults). [M, Dm] -> [M, Dm]. */
export function attentionMlp(x: tf.Tensor2D, layers: readonly LinearWeights[]): tf.Tensor2D {
  return tf.tidy(() => {
    let h = x;
    layers.forEach((l, i) => {
      const y = linear(h, l.w, l.b) as tf.Tensor2D;                                  // [M, Dm]·[Dm, Dm] -> [M, Dm]
      h = i < layers.length - 1 ? tf.relu(y) : y;
    });
    return h;
  });
}

/** One block: A' = LN_1(A + MHA(A)); A ← LN_2(A' + MLP(A')). rows [B, S, Dm] -> [B, S, Dm]. */
export function attentionBlock(rows: tf.Tensor3D, block: AttentionBlockWeights, mlpLayers: readonly LinearWeights[],
  sizes: AttentionSizes): { rows: tf.Tensor3D; attention: tf.Tensor4D } {
  return tf.tidy(() => {
    const [B, S, Dm] = rows.shape;
    const { output, attention } = multiheadAttention(rows, block, sizes);
    const a = fusedLayerNorm(tf.add(rows, output).reshape([B * S, Dm]), block.ln1) as tf.Tensor2D; // [B, S, Dm] -> [B·S, Dm]
    const out = fusedLayerNorm(tf.add(a, attentionMlp(a, mlpLayers)), block.ln2);
    return { rows: out.reshape([B, S, Dm]) as tf.Tensor3D, attention };           // [B·S, Dm] -> [B, S, Dm]
  });
}

/**
 * The gates (§4.3): they read the previous memory through tanh and the projected input.
 * prev, candidate [B, N, Dm]; inputFlat [B, n·Dm] -> memory [B, N, Dm], gates [B, N, G].
 */
export function gateMemory(prev: tf.Tensor3D, candidate: tf.Tensor3D, inputFlat: tf.Tensor2D, fromInput: LinearWeights,
  fromMemory: LinearWeights, inputBias: number, forgetBias: number): { memory: tf.Tensor3D; inputGate: tf.Tensor3D; forgetGate: tf.Tensor3D } {
  return tf.tidy(() => {
    const [B, N, Dm] = prev.shape;
    const G2 = fromMemory.w.shape[1];
    const gm = linear(tf.tanh(prev).reshape([B * N, Dm]), fromMemory.w, fromMemory.b)  // [B·N, Dm]·[Dm, 2G] -> [B·N, 2G]
      .reshape([B, N, G2]) as tf.Tensor3D;                                         // -> [B, N, 2G]
    const gx = linear(inputFlat, fromInput.w, fromInput.b) as tf.Tensor2D;          // [B, n·Dm]·[n·Dm, 2G] -> [B, 2G]
    return gatedUpdate({ prev, candidate, gm, gx }, inputBias, forgetBias);        // memory/kernels/gated-update.ts
  });
}

export interface RelationalStepResult {
  readonly memory: tf.Tensor3D;          // M_t [B, N, Dm]
  readonly candidate: tf.Tensor3D;       // M̂ [B, N, Dm]
  readonly attention: tf.Tensor4D[];     // one [B, K, S, S] per block
  readonly inputGate?: tf.Tensor3D;      // [B, N, G]
  readonly forgetGate?: tf.Tensor3D;     // [B, N, G]
}

/** One full RMC step (§4.3). x [B, D], memory [B, N, Dm]. */
export function relationalStep(x: tf.Tensor2D, memory: tf.Tensor3D, weights: RmcWeights, config: RelationalMemoryConfig): RelationalStepResult {
  return tf.tidy(() => {
    const [B, D] = x.shape;
    const [, N, Dm] = memory.shape;
    const n = config.inputRows;
    const projected = linear(x.reshape([B * n, D / n]), weights.input.w, weights.input.b);  // [B·n, D/n]·[D/n, Dm] -> [B·n, Dm]
    let rows = tf.concat([memory, projected.reshape([B, n, Dm])], 1) as tf.Tensor3D;       // [B, N, Dm] ++ [B, n, Dm] -> [B, S, Dm]
    const attention: tf.Tensor4D[] = [];
    for (const block of weights.blocks) {
      const r = attentionBlock(rows, block, weights.mlp, config);
      rows = r.rows;
      attention.push(r.attention);
    }
    const candidate = rows.slice([0, 0, 0], [B, N, Dm]) as tf.Tensor3D;           // [B, S, Dm] -> [B, N, Dm]: drop the input rows
    if (!weights.gateInput || !weights.gateMemory) return { memory: candidate, candidate, attention };
    const gated = gateMemory(memory, candidate, projected.reshape([B, n * Dm]),    // [B·n, Dm] -> [B, n·Dm]
      weights.gateInput, weights.gateMemory, config.inputBias, config.forgetBias);
    return { ...gated, candidate, attention };
  });
}

// ---------------------------------------------------------------------------------------------
// The core: variables and the state contract.

/** Introspection leaves, present only with recordDiagnostics (docs/cores.md §4.5). */
export type RmcDiagnostics = {
  readonly attention: tf.Tensor4D;       // last block, [B, K, S, S]; row/column N.. are the input rows
  readonly inputGate?: tf.Tensor3D;      // [B, N, G] (absent for gateStyle 'none')
  readonly forgetGate?: tf.Tensor3D;     // [B, N, G]
};
export type RmcState = {
  readonly memory: tf.Tensor3D;          // M_t [B, N, Dm]
  readonly diag?: RmcDiagnostics;
};

export class RelationalMemory extends BaseCore<RmcState> {
  readonly weights: RmcWeights;
  /** M₀ per batch size, kept: not trainable (§4.2), and building it (a Tile) is slow on wasm. */
  private readonly identity = new Map<number, tf.Tensor3D>();

  constructor(readonly config: RelationalMemoryConfig) {
    const { inputSize: D, numSlots: N, memorySize: Dm, qkvSize: F, gateSize: G, inputRows: n } = config;
    const p = new Params('RelationalMemory', new Rng(config.seed));
    super('rmc', D, N * Dm, p);
    const norm = (name: string, size: number): NormWeights => ({
      gamma: p.add(`${name}/gamma`, [size], { kind: 'ones' }) as tf.Tensor as tf.Tensor1D,
      beta: p.add(`${name}/beta`, [size], { kind: 'zeros' }) as tf.Tensor as tf.Tensor1D,
    });
    const input = p.linear('input', D / n, Dm);
    const blocks = Array.from({ length: config.numBlocks }, (_, j) => ({
      qkv: p.linear(`block${j}/qkv`, Dm, F), lnQkv: norm(`block${j}/lnQkv`, F), ln1: norm(`block${j}/ln1`, Dm), ln2: norm(`block${j}/ln2`, Dm),
    }));
    const mlpLayers = Array.from({ length: config.numMlpLayers }, (_, l) => p.linear(`mlp${l}`, Dm, Dm));
    const gates = G > 0 ? { gateInput: p.linear('gateInput', n * Dm, 2 * G), gateMemory: p.linear('gateMemory', Dm, 2 * G) } : {};
    this.weights = { input, blocks, mlp: mlpLayers, ...gates };
  }

  stateSpec(): SpecTree {
    const { numSlots: N, memorySize: Dm, numHeads: K, inputRows: n, gateSize: G } = this.config;
    const S = N + n;
    const memory = { shape: [N, Dm], dtype: 'float32', reset: 'initial' } as const;
    if (!this.config.recordDiagnostics) return { memory };
    const gate = { shape: [N, G], dtype: 'float32', reset: 'diagnostic' } as const;
    const attention = { shape: [K, S, S], dtype: 'float32', reset: 'diagnostic' } as const;
    return { memory, diag: G > 0 ? { attention, inputGate: gate, forgetGate: gate } : { attention } };
  }

  /** M₀ = the identity, padded or truncated to [N, Dm], for every element (§4.2); diag leaves 0. */
  protected override initialLeaves(batchSize: number): CoreState {
    const { numSlots: N, memorySize: Dm } = this.config;
    let m0 = this.identity.get(batchSize);
    if (!m0) this.identity.set(batchSize, m0 = tf.keep(tf.eye(N, Dm, [batchSize]) as tf.Tensor as tf.Tensor3D)); // [B, N, Dm]
    return { memory: m0.clone() };
  }

  /** [B, D] -> output reshape(M_t, [B, N·Dm]) (a new tensor; disposing it leaves the state intact). */
  step(input: tf.Tensor2D, state: RmcState, control?: StepControl): { output: tf.Tensor2D; state: RmcState } {
    const { numSlots: N, memorySize: Dm } = this.config;
    const B = input.shape[0];
    tf.util.assert(input.rank === 2 && input.shape[1] === this.inputSize,
      () => `${WHERE}: input must be [B, ${this.inputSize}], got [${input.shape}]`);
    checkStateShape(WHERE, 'state.memory', state.memory, [B, N, Dm]);
    return tf.tidy(() => {
      const r = relationalStep(input, state.memory, this.weights, this.config);
      const output = r.memory.reshape([B, N * Dm]) as tf.Tensor2D;                  // [B, N, Dm] -> [B, N·Dm]
      if (!recordsDiagnostics(this.config.recordDiagnostics, control)) return { output, state: { memory: r.memory } };
      const attention = r.attention[r.attention.length - 1] as tf.Tensor4D;
      const gates = r.inputGate && r.forgetGate ? { inputGate: r.inputGate, forgetGate: r.forgetGate } : {};
      return { output, state: { memory: r.memory, diag: { attention, ...gates } } };
    });
  }

  /**
   * Element b as plain JSON: `memoryNorms` [N] (L2 norm per slot); with diagnostics also
   * `attention` [K·S][S] (head-major: row k·S + i is head k's query row i; rows and columns N..S-1
   * are the input rows), `numHeads` K, `numSlots` N, and the per-slot gate means `inputGate`,
   * `forgetGate` [N].
   */
  inspect(state: RmcState, batchIndex: number): MemoryReadout {
    const { numSlots: N, memorySize: Dm, numHeads: K, inputRows: n } = this.config;
    checkBatchIndex(WHERE, batchIndex, state.memory.shape[0]);
    const S = N + n;
    const parts = tf.tidy(() => {
      const m = state.memory.slice([batchIndex, 0, 0], [1, N, Dm]).reshape([N, Dm]); // [1, N, Dm] -> [N, Dm]
      const out: Record<string, tf.Tensor> = { memoryNorms: tf.sqrt(tf.sum(tf.square(m), 1)) };
      const d = state.diag;
      if (d) {
        out.attention = d.attention.slice([batchIndex, 0, 0, 0], [1, K, S, S]).reshape([K * S, S]); // [1, K, S, S] -> [K·S, S]
        if (d.inputGate) out.inputGate = tf.mean(d.inputGate.slice([batchIndex, 0, 0], [1, N, -1]), [0, 2]);   // [1, N, G] -> [N]
        if (d.forgetGate) out.forgetGate = tf.mean(d.forgetGate.slice([batchIndex, 0, 0], [1, N, -1]), [0, 2]);
      }
      return out;
    });
    const readout: MemoryReadout = {};
    for (const [k, t] of Object.entries(parts)) {
      readout[k] = t.arraySync() as number[] | number[][];
      t.dispose();
    }
    if (state.diag) Object.assign(readout, { numHeads: K, numSlots: N });
    return readout;
  }

  override dispose(): void {
    super.dispose();
    tf.dispose([...this.identity.values()]);
    this.identity.clear();
  }
}

/** Validates `options` once (unknown keys are errors) and builds the core. */
export function makeRelationalMemory(options: { inputSize: number; seed: number } & Record<string, unknown>): RelationalMemory {
  return new RelationalMemory(resolveRelationalMemoryConfig(options));
}

/** The §4.4 parameter count, for a check against `variables`. */
export function relationalMemoryParamCount(c: RelationalMemoryConfig): number {
  const { inputSize: D, inputRows: n, memorySize: Dm, qkvSize: F, gateSize: G, numBlocks: nb, numMlpLayers: L } = c;
  const gates = G > 0 ? n * Dm * 2 * G + 2 * G + Dm * 2 * G + 2 * G : 0;
  return (D / n) * Dm + Dm + nb * (Dm * F + F + 2 * F + 4 * Dm) + L * (Dm * Dm + Dm) + gates;
}
