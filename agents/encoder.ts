/**
 * Observation encoders, chosen from the observation space: identity, an MLP for vectors, and a
 * small conv net for [H, W, C] grids. The conv layers are built from slices and one matMul
 * (im2col), because the wasm backend has no Conv2DBackpropFilter kernel (docs/backend.md §5);
 * slices and matMul have gradients on every backend.
 */
import { ConfigError } from '../envs/errors.ts';
import { Rng } from '../envs/rng.ts';
import { linear } from '../memory/ops.ts';
import { Params } from '../memory/params.ts';
import { tf } from '../memory/tf.ts';
import type { EncoderConfig } from './encoder-config.ts';

export interface Encoder {
  readonly kind: 'identity' | 'mlp' | 'conv';
  readonly outputSize: number;
  /** Width of the rows `apply` takes: obsSize, or the first conv layer's patches. */
  readonly inputSize: number;
  readonly params: Params;
  /** Raw observations [M, obsSize] -> the rows `apply` takes [M, inputSize] (plain JS, no tensors). */
  prepare(obs: Float32Array, count: number): Float32Array;
  /** [M, inputSize] -> [M, outputSize] */
  apply(x: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

export function makeEncoder(obsShape: readonly number[], cfg: Readonly<EncoderConfig>, seed: number): Encoder {
  const obsSize = obsShape.reduce((a, b) => a * b, 1);
  const params = new Params('encoder', new Rng(seed));
  const kind = cfg.encoder === 'auto' ? (obsShape.length === 3 ? 'conv' : 'mlp') : cfg.encoder;
  const same = (obs: Float32Array) => obs;
  if (kind === 'identity') return { kind, outputSize: obsSize, inputSize: obsSize, params, prepare: same, apply: (x) => x.clone(), dispose: () => params.dispose() };
  if (kind === 'mlp') {
    const layers: [tf.Variable, tf.Variable][] = [];
    let din = obsSize;
    cfg.mlpSizes.forEach((h, i) => {
      layers.push([params.add(`mlp${i}/w`, [din, h], { kind: 'orthogonal', gain: Math.SQRT2 }), params.add(`mlp${i}/b`, [h], { kind: 'zeros' })]);
      din = h;
    });
    return {
      kind, outputSize: din, inputSize: obsSize, params, prepare: same,
      apply: (x) => tf.tidy(() => layers.reduce<tf.Tensor2D>((h, [w, b]) => tf.relu(linear(h, w as tf.Tensor2D, b as tf.Tensor1D)) as tf.Tensor2D, x)),
      dispose: () => params.dispose(),
    };
  }
  if (obsShape.length !== 3) throw new ConfigError(`agent: encoder 'conv' needs a [H, W, C] observation, got shape [${obsShape}]`);
  if (cfg.convChannels.length === 0) throw new ConfigError('agent: convChannels must list at least one layer for the conv encoder, got []');
  const [H, W, C] = obsShape as [number, number, number];
  const k = cfg.convKernel;
  const convs: { w: tf.Variable; b: tf.Variable }[] = [];
  let [h, w, c] = [H, W, C];
  cfg.convChannels.forEach((f, i) => {
    if (h - k + 1 < 1 || w - k + 1 < 1) throw new ConfigError(`agent: conv layer ${i} (convKernel ${k}) does not fit a ${h}x${w} input; lower convKernel or use fewer convChannels`);
    convs.push({ w: params.add(`conv${i}/w`, [k * k * c, f], { kind: 'orthogonal', gain: Math.SQRT2 }), b: params.add(`conv${i}/b`, [f], { kind: 'zeros' }) });
    [h, w, c] = [h - k + 1, w - k + 1, f];
  });
  const flat = h * w * c;
  const out = cfg.convOutput > 0
    ? { w: params.add('fc/w', [flat, cfg.convOutput], { kind: 'orthogonal', gain: Math.SQRT2 }), b: params.add('fc/b', [cfg.convOutput], { kind: 'zeros' }) }
    : undefined;
  // The first layer reads the observation, which needs no gradient: its patches (im2col) are
  // built in JS by `prepare`, far faster than gather or slices on wasm.
  const index = im2colIndices(H, W, C, k);
  const [h1, w1] = [H - k + 1, W - k + 1];
  return {
    kind: 'conv', outputSize: out ? cfg.convOutput : flat, inputSize: index.length, params,
    prepare: (obs, count) => {
      const rows = new Float32Array(count * index.length);
      for (let m = 0; m < count; m++) {
        const src = m * obsSize, dst = m * index.length;
        for (let i = 0; i < index.length; i++) rows[dst + i] = obs[src + (index[i] as number)] as number;
      }
      return rows;
    },
    apply: (x) => tf.tidy(() => {
      const M = x.shape[0];
      const [first, ...rest] = convs as [{ w: tf.Variable; b: tf.Variable }, ...{ w: tf.Variable; b: tf.Variable }[]];
      const patches = x.reshape([M * h1 * w1, k * k * C]) as tf.Tensor2D;   // [M, h1*w1*k*k*C] -> [M*h1*w1, k*k*C]
      let y = tf.relu(tf.add(tf.matMul(patches, first.w as tf.Tensor2D), first.b)).reshape([M, h1, w1, first.w.shape[1] as number]) as tf.Tensor4D;
      for (const layer of rest) y = tf.relu(conv2dValid(y, layer.w as tf.Tensor2D, layer.b as tf.Tensor1D, k)) as tf.Tensor4D;
      const z = y.reshape([M, flat]) as tf.Tensor2D;                   // [M, h, w, c] -> [M, h*w*c]
      return out ? tf.relu(linear(z, out.w as tf.Tensor2D, out.b as tf.Tensor1D)) as tf.Tensor2D : z;
    }),
    dispose: () => params.dispose(),
  };
}

/** Indices into a flat [H, W, C] image giving its k×k patches, ordered (row, col, dy, dx, c). */
export function im2colIndices(H: number, W: number, C: number, k: number): Int32Array {
  const ho = H - k + 1, wo = W - k + 1;
  const out = new Int32Array(ho * wo * k * k * C);
  let n = 0;
  for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) {
    for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) for (let c = 0; c < C; c++) out[n++] = ((i + dy) * W + (j + dx)) * C + c;
  }
  return out;
}

/**
 * 'valid' conv, stride 1, as im2col by slices: the k·k shifted views concatenated on channels,
 * then one matMul against [k·k·C, F]. Patch feature order is (dy, dx, c).
 */
export function conv2dValid(x: tf.Tensor4D, w: tf.Tensor2D, b: tf.Tensor1D, k: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [M, H, W, C] = x.shape;
    const ho = H - k + 1, wo = W - k + 1;
    const views: tf.Tensor4D[] = [];
    for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) views.push(tf.slice(x, [0, dy, dx, 0], [M, ho, wo, C]));
    const patches = (views.length === 1 ? views[0] as tf.Tensor4D : tf.concat(views, 3)).reshape([M * ho * wo, k * k * C]) as tf.Tensor2D; // [M*ho*wo, k*k*C]
    const y = tf.add(tf.matMul(patches, w), b);                       // [M*ho*wo, F]
    return y.reshape([M, ho, wo, w.shape[1]]) as tf.Tensor4D;
  });
}
