/**
 * Seeded parameter creation (docs/cores.md §0 initialisers). Values are drawn in JS from the core's
 * own Rng, so the same seed gives the same weights on every backend. Also the fused gate-weight
 * builders the LSTM-style cores share.
 */
import { Rng } from '../envs/rng.ts';
import { tf } from './tf.ts';

let uid = 0;

export type Init =
  | { kind: 'zeros' } | { kind: 'ones' } | { kind: 'constant'; value: number }
  | { kind: 'glorotUniform' } | { kind: 'orthogonal'; gain?: number }
  | { kind: 'truncNormal'; std: number } | { kind: 'lecun' } | { kind: 'normal'; std: number };

/** An affine layer's weights: x·w + b. */
export interface LinearWeights { readonly w: tf.Tensor2D; readonly b: tf.Tensor1D }

/** Owns one module's variables; names are unique per process (tfjs names are global). */
export class Params {
  readonly variables: tf.Variable[] = [];
  readonly names: string[] = [];
  private readonly prefix: string;
  constructor(owner: string, private readonly rng: Rng) {
    this.prefix = `${owner}_${uid++}`;
  }

  add(name: string, shape: number[], init: Init, trainable = true): tf.Variable {
    const values = initValues(shape, init, this.rng);
    const v = tf.variable(tf.tensor(values, shape), trainable, `${this.prefix}/${name}`);
    this.variables.push(v);
    this.names.push(name);
    return v;
  }

  /** `${name}/w` [din, dout] (lecun, Sonnet's Linear) and `${name}/b` [dout] = 0, in that order. */
  linear(name: string, din: number, dout: number): LinearWeights {
    return {
      w: this.add(`${name}/w`, [din, dout], { kind: 'lecun' }) as tf.Tensor as tf.Tensor2D,
      b: this.add(`${name}/b`, [dout], { kind: 'zeros' }) as tf.Tensor as tf.Tensor1D,
    };
  }

  dispose(): void {
    tf.dispose(this.variables);
    this.variables.length = 0;
  }
}

/** Adds a variable with the given initial values (Params draws its own; fused layouts need blocks). */
export function addVariable(params: Params, name: string, shape: number[], values: Float32Array): tf.Variable {
  const v = params.add(name, shape, { kind: 'zeros' });
  const t = tf.tensor(values, shape);
  v.assign(t);   // the variable takes a reference to t's data
  t.dispose();
  return v;
}

/** One column block of a fused gate weight: `width` columns, x rows and h rows initialised separately. */
export interface GateBlockInit {
  readonly width: number;
  readonly x: Init;   // over its [D, width] part
  readonly h: Init;   // over its [H, width] part
}

/** Values of a fused [D+H, Σwidth] weight, block by block, x part then h part (one seeded stream). */
export function fusedGateWeightValues(inputSize: number, hiddenSize: number, blocks: readonly GateBlockInit[], rng: Rng): Float32Array {
  const cols = blocks.reduce((s, blk) => s + blk.width, 0);
  const out = new Float32Array((inputSize + hiddenSize) * cols);
  let col0 = 0;
  for (const blk of blocks) {
    const parts: [number, number, Init][] = [[0, inputSize, blk.x], [inputSize, hiddenSize, blk.h]];
    for (const [row0, rows, init] of parts) {
      const v = initValues([rows, blk.width], init, rng);
      for (let r = 0; r < rows; r++) out.set(v.subarray(r * blk.width, (r + 1) * blk.width), (row0 + r) * cols + col0);
    }
    col0 += blk.width;
  }
  return out;
}

/**
 * The external-memory cores' LSTM controller: `controller/w` [D+H, 4H] (W_x glorotUniform, W_h
 * orthogonal, as the LSTM core) and `controller/b` [4H] = 0 with b_f = forgetBias.
 */
export function lstmControllerWeights(params: Params, rng: Rng, inputSize: number, hiddenSize: number, forgetBias: number): LinearWeights {
  const H = hiddenSize;
  const gates = fusedGateWeightValues(inputSize, H, [{ width: 4 * H, x: { kind: 'glorotUniform' }, h: { kind: 'orthogonal' } }], rng);
  const bias = new Float32Array(4 * H).fill(forgetBias, H, 2 * H);
  return {
    w: addVariable(params, 'controller/w', [inputSize + H, 4 * H], gates) as tf.Tensor as tf.Tensor2D,
    b: addVariable(params, 'controller/b', [4 * H], bias) as tf.Tensor as tf.Tensor1D,
  };
}

export function initValues(shape: number[], init: Init, rng: Rng): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  const fanIn = shape.length >= 2 ? shape.slice(0, -1).reduce((a, b) => a * b, 1) : (shape[0] ?? 1);
  const fanOut = shape[shape.length - 1] ?? 1;
  switch (init.kind) {
    case 'zeros': return out;
    case 'ones': return out.fill(1);
    case 'constant': return out.fill(init.value);
    case 'glorotUniform': {
      const l = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < size; i++) out[i] = (2 * rng.uniform() - 1) * l;
      return out;
    }
    case 'normal':
      for (let i = 0; i < size; i++) out[i] = rng.normal(0, init.std);
      return out;
    case 'truncNormal':
    case 'lecun': {
      const std = init.kind === 'lecun' ? 1 / Math.sqrt(fanIn) : init.std;
      for (let i = 0; i < size; i++) {
        let x = rng.normal();
        while (Math.abs(x) > 2) x = rng.normal();  // redraw beyond 2 std
        out[i] = x * std;
      }
      return out;
    }
    case 'orthogonal': return orthogonal(fanIn, fanOut, rng, init.gain ?? 1);
  }
}

/**
 * A [rows, cols] (semi-)orthogonal matrix: Gram–Schmidt QR of a Gaussian matrix with the signs
 * fixed by R's diagonal, as tfjs-layers' `orthogonal`. Orthonormal columns when rows >= cols,
 * orthonormal rows otherwise.
 */
export function orthogonal(rows: number, cols: number, rng: Rng, gain = 1): Float32Array {
  const tall = rows >= cols;
  const n = tall ? rows : cols;   // vector length
  const k = tall ? cols : rows;   // number of orthonormal vectors
  const q: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = rng.normal();
    let diag = 0;
    for (let pass = 0; pass < 2; pass++) {     // modified Gram–Schmidt, twice for stability
      for (const u of q) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += (u[i] as number) * (v[i] as number);
        for (let i = 0; i < n; i++) v[i] = (v[i] as number) - dot * (u[i] as number);
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += (v[i] as number) ** 2;
    norm = Math.sqrt(norm);
    diag = norm;
    for (let i = 0; i < n; i++) v[i] = (v[i] as number) / (diag || 1);
    q.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let j = 0; j < k; j++) {
    const u = q[j] as Float64Array;
    for (let i = 0; i < n; i++) {
      if (tall) out[i * cols + j] = gain * (u[i] as number);
      else out[j * cols + i] = gain * (u[i] as number);
    }
  }
  return out;
}
