/**
 * DND-LSTM, the episodic LSTM of Ritter et al. 2018, "Been There, Done That: Meta-Learning with
 * Episodic Recall" (ICML), after the qihongl/dnd-lstm reference (docs/cores.md §3).
 *
 *   z   = [x_t; h_{t−1}]·W + b                     W: [D+H, 5H], blocks (i, f, g, o, r)
 *   c'  = f ⊙ c_{t−1} + i ⊙ g
 *   m   = tanh(Retrieve(sg(key(x_t)), dnd))        a constant; 0 for an empty dictionary (§3.2)
 *   c_t = c' + r ⊙ m;   h_t = o ⊙ tanh(c_t)        reinstatement; output = h_t (cloned)
 *
 * The only learned route through memory is the r-gate (its columns of W and b). Writing (§3.4):
 * 'episodeEnd' records the pending pair (key(x_t), sg(c_t)) with pendingOk = control.write[b], and
 * `resetWhere` commits it where resets[b] = 1 ∧ pendingOk[b] = 1 before blending h, c and the
 * pending leaves back to their initial values; 'everyStep' writes inside `step` where write = 1;
 * 'never' does not write. The dictionary leaves are 'persistent': only flush[b] = 1 clears them
 * (after the commit, so an epoch starts empty, as the reference flushes between epochs).
 *
 * Parameters [ours]: one `w` [D+H, 5H] (rows 0..D−1 = W_x, D.. = W_h) and `b` [5H]: 5H(D+H+1).
 * Preset 'engram': the (i, f, g, o) blocks as the LSTM (glorot / orthogonal, b_f = forgetBias), the
 * r block glorotUniform over [D, H] and orthogonal over [H, H], b_r = 0. Preset 'reference': both
 * matrices orthogonal over their whole [D, 5H] / [H, 5H], every bias 0. initNoiseStd > 0 draws
 * h₀, c₀ ~ N(0, σ²) at initialState and at every resetWhere from a seeded stream the core owns
 * (the reference's fresh start noise; a re-unroll then sees different noise than the actor did).
 */
import { ConfigError } from '../envs/errors.ts';
import { checkMax, checkOption, resolveKwargs } from '../envs/kwargs.ts';
import { Rng } from '../envs/rng.ts';
import {
  BaseCore, checkBatchInput, checkControl, recordsDiagnostics, splitCoreBase, type CoreState, type MemoryReadout, type SpecTree,
  type StepControl,
} from './core.ts';
import {
  INVALID_SIMILARITY, RETRIEVALS, SIMILARITIES, dndFlush, dndMaskedSimilarity, dndNonEmpty, dndRead, dndShare, dndWrite,
  type DndReadOptions, type DndState, type Retrieval, type Similarity,
} from './dnd.ts';
import { TransposeCache, offTape } from './grad.ts';
import { dndCell, dndCellFused } from './kernels/dnd-cell.ts';
import { LSTM_MAX, gateBlock, gatePreactivations } from './lstm.ts';
import { stopGradient } from './ops.ts';
import { Params, addVariable, fusedGateWeightValues, type GateBlockInit } from './params.ts';
import { blend, rowOf } from './state.ts';
import { tf } from './tf.ts';

export type KeySource = 'input' | { readonly slice: readonly [number, number] };
export type WritePolicy = 'episodeEnd' | 'everyStep' | 'never';
export type DndLstmPreset = 'engram' | 'reference';

export interface DndLstmOptions {
  /** H: width of h, c and the output, 1 to 4096. */
  hiddenSize: number;
  /** C: entries per batch element (FIFO ring buffer), 1 to 10000. */
  capacity: number;
  /** The key: the whole input (reference) or the channels [a, b) of it (the paper's context). */
  keySource: KeySource;
  similarity: Similarity;
  retrieval: Retrieval;
  /** p of 'knn' (clipped to the valid entries), 1 to 10000. */
  knnNeighbours: number;
  /** δ of the 'knn' kernel 1/(d + δ). */
  knnDelta: number;
  writePolicy: WritePolicy;
  forgetBias: number;
  /** σ of the N(0, σ²) start state (preset 'reference' used 0.1); 0 keeps resets exact. */
  initNoiseStd: number;
  preset: DndLstmPreset;
  /** Ablation switch: false gives m = 0 at every step (a 5-gate LSTM with r unused). */
  retrieve: boolean;
  /** Keep state.diag {r, sim, slot, retrieved} for the viewer (docs/cores.md §1.4). */
  recordDiagnostics: boolean;
}

export const DND_LSTM_DEFAULTS: Readonly<DndLstmOptions> = Object.freeze({
  hiddenSize: 32, capacity: 100, keySource: 'input', similarity: 'l2', retrieval: '1nn', knnNeighbours: 50, knnDelta: 1e-3,
  writePolicy: 'episodeEnd', forgetBias: 1.0, initNoiseStd: 0, preset: 'engram', retrieve: true, recordDiagnostics: false,
});

export interface DndLstmConfig extends DndLstmOptions {
  readonly inputSize: number;
  readonly seed: number;
  /** E: key width, D for keySource 'input', b − a for a slice. */
  readonly keySize: number;
}

export type DndLstmState = {
  readonly h: tf.Tensor2D;             // h_t [B, H]
  readonly c: tf.Tensor2D;             // c_t [B, H]
  readonly dnd: DndState;              // persistent
  readonly pendingKey?: tf.Tensor2D;   // [B, E]  ('episodeEnd' only)
  readonly pendingValue?: tf.Tensor2D; // [B, H]  sg(c_t)
  readonly pendingOk?: tf.Tensor1D;    // [B] 1 where the pair may be committed
  readonly diag?: {
    readonly r: tf.Tensor2D;           // reinstatement gate [B, H]
    readonly sim: tf.Tensor2D;         // [B, C] similarity of this step's query (empty slots −3.4e38)
    readonly slot: tf.Tensor1D;        // [B] int32 best-matching slot
    readonly retrieved: tf.Tensor1D;   // [B] 1 where m came from a non-empty dictionary
  };
};

const WRITE_POLICIES: readonly WritePolicy[] = ['episodeEnd', 'everyStep', 'never'];
const PRESETS: readonly DndLstmPreset[] = ['engram', 'reference'];
const W = 'DND-LSTM';
/** Upper bounds against a typo: the dictionary holds B·C·(E + H) floats and every step scores all C entries. */
export const DND_LSTM_MAX = Object.freeze({ hiddenSize: LSTM_MAX.hiddenSize, capacity: 10_000, knnNeighbours: 10_000 });

export function resolveDndLstmConfig(options: { inputSize: number; seed: number } & Record<string, unknown>): DndLstmConfig {
  const { inputSize, seed, rest } = splitCoreBase(W, options);
  const { keySource: rawKey, ...others } = rest;
  const { keySource: _k, ...defaults } = DND_LSTM_DEFAULTS;
  const o = resolveKwargs(W, defaults, others);
  for (const k of ['hiddenSize', 'capacity', 'knnNeighbours'] as const) {
    checkOption(Number.isInteger(o[k]) && o[k] >= 1, W, k, 'be an integer >= 1', o[k]);
    checkMax(W, k, o[k], 1, DND_LSTM_MAX[k]);
  }
  checkOption(Number.isFinite(o.knnDelta) && o.knnDelta > 0, W, 'knnDelta', 'be a number > 0', o.knnDelta);
  checkOption(Number.isFinite(o.forgetBias), W, 'forgetBias', 'be a finite number', o.forgetBias);
  checkOption(Number.isFinite(o.initNoiseStd) && o.initNoiseStd >= 0, W, 'initNoiseStd', 'be a number >= 0', o.initNoiseStd);
  const oneOf = (name: keyof DndLstmOptions, choices: readonly string[], v: string) =>
    checkOption(choices.includes(v), W, name, `be one of ${choices.join(', ')}`, v);
  oneOf('similarity', SIMILARITIES, o.similarity);
  oneOf('retrieval', RETRIEVALS, o.retrieval);
  oneOf('writePolicy', WRITE_POLICIES, o.writePolicy);
  oneOf('preset', PRESETS, o.preset);
  if (o.preset === 'reference' && options.forgetBias !== undefined && o.forgetBias !== 0) {
    throw new ConfigError(`${W}: forgetBias must be 0 with preset "reference" (every bias starts at 0), got ${o.forgetBias}`);
  }
  const keySource = (rawKey ?? 'input') as KeySource;
  let keySize = inputSize;
  if (keySource !== 'input') {
    const s = (keySource as { slice?: unknown }).slice;
    const ok = typeof keySource === 'object' && Array.isArray(s) && s.length === 2 && Number.isInteger(s[0]) && Number.isInteger(s[1])
      && s[0] >= 0 && s[0] < s[1] && s[1] <= inputSize;
    checkOption(ok, W, 'keySource', `be "input" or {slice: [a, b]} with 0 <= a < b <= inputSize (${inputSize})`, keySource);
    keySize = (s as number[])[1]! - (s as number[])[0]!;
  }
  return Object.freeze({ ...o, keySource, inputSize, seed, keySize });
}

function anyNonZero(mask: tf.Tensor1D): boolean {
  return mask.dataSync().some((v) => v !== 0);
}

export function makeDndLstm(options: { inputSize: number; seed: number } & Record<string, unknown>): DndLstm {
  return new DndLstm(resolveDndLstmConfig(options));
}

export type DndLstmStepResult = {
  readonly h: tf.Tensor2D;
  readonly c: tf.Tensor2D;
  readonly r: tf.Tensor2D;   // reinstatement gate σ(z_r) [B, H]
};

/**
 * One DND-LSTM cell step with the retrieved memory `m` (= tanh(v*)) given, pure (§3.2).
 * `m` undefined means retrieval off: c_t = c'. `wT` = W^T enables the cached-transpose gradient.
 * The fused cell where the backend has it.
 */
export function dndLstmStep(x: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D,
  m?: tf.Tensor2D, wT?: tf.Tensor2D): DndLstmStepResult {
  if (dndCellFused()) return dndCell(x, h, c, w, b, m);   // one kernel (memory/kernels/dnd-cell.ts)
  return dndLstmStepComposite(x, h, c, w, b, m, wT);
}

/** `dndLstmStep` in tfjs ops, on every backend (the fused cell's twin and test reference). */
export function dndLstmStepComposite(x: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D,
  m?: tf.Tensor2D, wT?: tf.Tensor2D): DndLstmStepResult {
  return tf.tidy(() => {
    const H = h.shape[1];
    const z = gatePreactivations(x, h, w, b, wT);                // [B, 5H]
    const i = tf.sigmoid(gateBlock(z, 0, H));
    const f = tf.sigmoid(gateBlock(z, 1, H));
    const g = tf.tanh(gateBlock(z, 2, H));
    const o = tf.sigmoid(gateBlock(z, 3, H));
    const r = tf.sigmoid(gateBlock(z, 4, H)) as tf.Tensor2D;     // reinstatement gate
    const cPrime = tf.add(tf.mul(f, c), tf.mul(i, g));
    const cNext = (m ? tf.add(cPrime, tf.mul(r, m)) : cPrime) as tf.Tensor2D;
    return { h: tf.mul(o, tf.tanh(cNext)) as tf.Tensor2D, c: cNext, r };
  });
}

export class DndLstm extends BaseCore<DndLstmState> {
  private readonly w: tf.Variable;        // [D+H, 5H] = [W_x; W_h], blocks (i, f, g, o, r)
  private readonly b: tf.Variable;        // [5H]
  private readonly wT = new TransposeCache();
  private readonly noise: Rng;            // start-state noise stream (initNoiseStd > 0)
  private readonly read: DndReadOptions;

  constructor(readonly config: DndLstmConfig) {
    const D = config.inputSize, H = config.hiddenSize;
    const rng = new Rng(config.seed);
    super('dnd-lstm', D, H, new Params('dnd_lstm', rng));
    const blocks: GateBlockInit[] = config.preset === 'reference'
      ? [{ width: 5 * H, x: { kind: 'orthogonal' }, h: { kind: 'orthogonal' } }]
      : [{ width: 4 * H, x: { kind: 'glorotUniform' }, h: { kind: 'orthogonal' } },
        { width: H, x: { kind: 'glorotUniform' }, h: { kind: 'orthogonal' } }];
    this.w = addVariable(this.params, 'w', [D + H, 5 * H], fusedGateWeightValues(D, H, blocks, rng));
    const bias = new Float32Array(5 * H);
    if (config.preset === 'engram') bias.fill(config.forgetBias, H, 2 * H);   // b_f += forgetBias
    this.b = addVariable(this.params, 'b', [5 * H], bias);
    this.noise = rng.split();
    this.read = { similarity: config.similarity, retrieval: config.retrieval, neighbours: config.knnNeighbours, delta: config.knnDelta };
  }

  /** The fused weight [D+H, 5H] and bias [5H] (borrowed; for tests and weight import). */
  get weights(): { readonly w: tf.Variable; readonly b: tf.Variable } {
    return { w: this.w, b: this.b };
  }

  stateSpec(): SpecTree {
    const { hiddenSize: H, capacity: C, keySize: E } = this.config;
    const f = (shape: number[], reset: 'initial' | 'persistent' | 'diagnostic') => ({ shape, dtype: 'float32' as const, reset });
    const spec: Record<string, SpecTree[string]> = {
      h: f([H], 'initial'),
      c: f([H], 'initial'),
      dnd: { keys: f([C, E], 'persistent'), values: f([C, H], 'persistent'), valid: f([C], 'persistent'),
        count: { shape: [], dtype: 'int32', reset: 'persistent' } },
    };
    if (this.config.writePolicy === 'episodeEnd') {
      Object.assign(spec, { pendingKey: f([E], 'initial'), pendingValue: f([H], 'initial'), pendingOk: f([], 'initial') });
    }
    if (this.config.recordDiagnostics) {
      spec.diag = { r: f([H], 'diagnostic'), sim: f([C], 'diagnostic'),
        slot: { shape: [], dtype: 'int32', reset: 'diagnostic' }, retrieved: f([], 'diagnostic') };
    }
    return spec;
  }

  /** With initNoiseStd > 0, the noisy h₀, c₀; everything else starts at zero (an empty dictionary). */
  protected override initialLeaves(batchSize: number): CoreState | undefined {
    const hc = this.noisyHC(batchSize);
    return hc && { h: hc[0], c: hc[1] };
  }

  step(input: tf.Tensor2D, state: DndLstmState, control?: StepControl): { output: tf.Tensor2D; state: DndLstmState } {
    checkBatchInput(W, input, this.inputSize);
    const B = input.shape[0];
    checkControl(W, control, B);
    return tf.tidy(() => {
      const q = this.query(input);                                               // [B, E]
      const dnd = state.dnd;
      const m = this.config.retrieve ? offTape(q, () => tf.tanh(dndRead(q, dnd, this.read)) as tf.Tensor2D) : undefined;   // [B, H]
      const cell = dndLstmStep(input, state.h, state.c, this.w as tf.Tensor2D, this.b as tf.Tensor1D, m, this.wT.get(this.w));
      const write = control?.write ? tf.cast(control.write, 'float32') : tf.ones([B]) as tf.Tensor1D;   // a new tensor, never the argument
      const policy = this.config.writePolicy;
      let next: DndLstmState = { h: cell.h, c: cell.c, dnd: policy === 'everyStep' ? dndWrite(dnd, q, cell.c, write) : dndShare(dnd) };
      if (policy === 'episodeEnd') {
        next = { ...next, pendingKey: stopGradient(q), pendingValue: stopGradient(cell.c), pendingOk: write };
      }
      if (recordsDiagnostics(this.config.recordDiagnostics, control)) {
        const sim = offTape(q, () => dndMaskedSimilarity(q, dnd, this.config.similarity));    // [B, C]
        next = { ...next, diag: {
          r: cell.r, sim, slot: offTape(q, () => tf.argMax(sim, 1) as tf.Tensor1D),
          retrieved: offTape(q, () => tf.mul(dndNonEmpty(dnd), this.config.retrieve ? 1 : 0) as tf.Tensor1D),
        } };
      }
      return { output: cell.h.clone(), state: next };
    });
  }

  /**
   * Commits the pending pair where resets = 1 ∧ pendingOk = 1 ('episodeEnd'), clears the dictionary
   * where flush = 1, then blends h, c, the pending leaves (to initial) and diag (to 0) where resets = 1.
   */
  override resetWhere(state: DndLstmState, resets: tf.Tensor1D, flush?: tf.Tensor1D): DndLstmState {
    return tf.tidy(() => {
      const B = resets.shape[0];
      const r = resets.dtype === 'float32' ? resets : tf.cast(resets, 'float32') as tf.Tensor1D;
      let dnd = state.dnd;
      // The commit and the flush touch the whole [B, C, E + H] buffer (about 0.5 ms at B = 16, C = 100
      // on wasm), so they are skipped when their [B] mask is all zero, as in most steps of an unroll:
      // a tiny synchronous read, and the same result either way.
      if (state.pendingKey && state.pendingValue && state.pendingOk) {
        const commit = tf.mul(r, state.pendingOk) as tf.Tensor1D;
        if (anyNonZero(commit)) dnd = dndWrite(dnd, state.pendingKey, state.pendingValue, commit);
      }
      if (flush && anyNonZero(flush)) dnd = dndFlush(dnd, flush);
      if (dnd === state.dnd) dnd = dndShare(dnd);
      // The §1.2 blend s·(1 − r) + s₀·r with one shared mask. For s₀ = 0 it is s·keep + 0 (the + 0
      // turns the −0 of a negative entry times 0 into +0), so a reset element equals initialState bitwise.
      const keep = tf.sub(1, r) as tf.Tensor1D;                                    // [B]
      const keepCol = tf.reshape(keep, [B, 1]);                                    // [B] -> [B, 1]
      const zero = <T extends tf.Tensor>(t: T): T => (t.dtype === 'int32' ? tf.mul(t, tf.cast(keep, 'int32'))
        : tf.add(tf.mul(t, t.rank === 1 ? keep : keepCol), 0)) as T;
      const start = (t: tf.Tensor2D, s0: tf.Tensor2D | undefined) => s0 ? blend(t, s0, r) as tf.Tensor2D : zero(t);
      const [h0, c0] = this.noisyHC(B) ?? [];
      let next: DndLstmState = { h: start(state.h, h0), c: start(state.c, c0), dnd };
      if (state.pendingKey && state.pendingValue && state.pendingOk) {
        next = { ...next, pendingKey: zero(state.pendingKey), pendingValue: zero(state.pendingValue), pendingOk: zero(state.pendingOk) };
      }
      if (state.diag) {
        const d = state.diag;
        next = { ...next, diag: { r: zero(d.r), sim: zero(d.sim), slot: zero(d.slot), retrieved: zero(d.retrieved) } };
      }
      return next;
    });
  }

  /**
   * What element b's memory holds and, with recordDiagnostics, what its last step retrieved:
   * the best slots by similarity (top 3 valid ones), the retrieved slot, and the r-gate.
   */
  inspect(state: DndLstmState, batchIndex: number): MemoryReadout {
    const valid = rowOf(state.dnd.valid, batchIndex);
    const out: MemoryReadout = {
      h: rowOf(state.h, batchIndex), c: rowOf(state.c, batchIndex),
      size: valid.reduce((a, v) => a + v, 0), count: rowOf(state.dnd.count, batchIndex)[0] ?? 0, capacity: this.config.capacity,
    };
    if (state.pendingOk) out.pendingOk = rowOf(state.pendingOk, batchIndex)[0] ?? 0;
    if (state.diag) {
      const sim = rowOf(state.diag.sim, batchIndex);
      const top = sim.map((s, j) => [s, j] as const)
        .filter(([v]) => v > INVALID_SIMILARITY / 2)      // the slots that were valid when this step read
        .sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, 3);
      const rg = rowOf(state.diag.r, batchIndex);
      Object.assign(out, {
        r: rg, rMean: rg.reduce((a, v) => a + v, 0) / rg.length,
        retrieved: rowOf(state.diag.retrieved, batchIndex)[0] ?? 0, slot: rowOf(state.diag.slot, batchIndex)[0] ?? 0,
        topSlots: top.map(([, j]) => j), topSimilarities: top.map(([s]) => s),
      });
    }
    return out;
  }

  override dispose(): void {
    this.wT.dispose();
    super.dispose();
  }

  /** key(x): [B, D] -> [B, E]. */
  private query(x: tf.Tensor2D): tf.Tensor2D {
    const ks = this.config.keySource;
    return ks === 'input' ? x : tf.slice(x, [0, ks.slice[0]], [-1, ks.slice[1] - ks.slice[0]]);
  }

  /** h₀, c₀ [B, H] ~ N(0, σ²) from the core's noise stream; undefined for σ = 0 (zeros). */
  private noisyHC(batchSize: number): [tf.Tensor2D, tf.Tensor2D] | undefined {
    const H = this.config.hiddenSize, std = this.config.initNoiseStd;
    if (std === 0) return undefined;
    const draw = () => {
      const v = new Float32Array(batchSize * H);
      for (let i = 0; i < v.length; i++) v[i] = this.noise.normal(0, std);
      return tf.tensor2d(v, [batchSize, H]);
    };
    return [draw(), draw()];
  }
}
