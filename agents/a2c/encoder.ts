/**
 * Observation encoders, chosen from the observation space: identity, an MLP for vectors, and a
 * small conv net for [H, W, C] grids. The conv layers are built from slices and one matMul
 * (im2col), because the wasm backend has no Conv2DBackpropFilter kernel (tfjs-performance.md);
 * slices and matMul have gradients on every backend.
 */
import { Rng } from '../../envs/rng.ts';
import { linear } from '../../memory/ops.ts';
import { Params } from '../../memory/params.ts';
import { tf } from '../../memory/tf.ts';
import type { A2CConfig } from './config.ts';

export interface Encoder {
  readonly kind: 'identity' | 'mlp' | 'conv';
  readonly outputSize: number;
  readonly params: Params;
  /** [M, obsSize] -> [M, outputSize] */
  apply(x: tf.Tensor2D): tf.Tensor2D;
}

export function makeEncoder(obsShape: readonly number[], cfg: A2CConfig, seed: number): Encoder {
  const obsSize = obsShape.reduce((a, b) => a * b, 1);
  const params = new Params('encoder', new Rng(seed));
  const kind = cfg.encoder === 'auto' ? (obsShape.length === 3 ? 'conv' : 'mlp') : cfg.encoder;
  if (kind === 'identity') return { kind, outputSize: obsSize, params, apply: (x) => x.clone() };
  if (kind === 'mlp') {
    const layers: [tf.Variable, tf.Variable][] = [];
    let din = obsSize;
    cfg.mlpSizes.forEach((h, i) => {
      layers.push([params.add(`mlp${i}/w`, [din, h], { kind: 'orthogonal', gain: Math.SQRT2 }), params.add(`mlp${i}/b`, [h], { kind: 'zeros' })]);
      din = h;
    });
    return {
      kind, outputSize: din, params,
      apply: (x) => tf.tidy(() => layers.reduce<tf.Tensor2D>((h, [w, b]) => tf.relu(linear(h, w as tf.Tensor2D, b as tf.Tensor1D)) as tf.Tensor2D, x)),
    };
  }
  if (obsShape.length !== 3) throw new Error(`encoder: 'conv' needs a [H, W, C] observation, got shape [${obsShape}]`);
  const [H, W, C] = obsShape as [number, number, number];
  const k = cfg.convKernel;
  const convs: { w: tf.Variable; b: tf.Variable }[] = [];
  let [h, w, c] = [H, W, C];
  cfg.convChannels.forEach((f, i) => {
    if (h - k + 1 < 1 || w - k + 1 < 1) throw new Error(`encoder: conv layer ${i} (kernel ${k}) does not fit a ${h}x${w} input; lower convKernel or convChannels`);
    convs.push({ w: params.add(`conv${i}/w`, [k * k * c, f], { kind: 'orthogonal', gain: Math.SQRT2 }), b: params.add(`conv${i}/b`, [f], { kind: 'zeros' }) });
    [h, w, c] = [h - k + 1, w - k + 1, f];
  });
  const flat = h * w * c;
  const out = cfg.convOutput > 0
    ? { w: params.add('fc/w', [flat, cfg.convOutput], { kind: 'orthogonal', gain: Math.SQRT2 }), b: params.add('fc/b', [cfg.convOutput], { kind: 'zeros' }) }
    : undefined;
  return {
    kind: 'conv', outputSize: out ? cfg.convOutput : flat, params,
    apply: (x) => tf.tidy(() => {
      const M = x.shape[0];
      let y = x.reshape([M, H, W, C]) as tf.Tensor4D;                // [M, H*W*C] -> [M, H, W, C]
      for (const layer of convs) y = tf.relu(conv2dValid(y, layer.w as tf.Tensor2D, layer.b as tf.Tensor1D, k)) as tf.Tensor4D;
      const z = y.reshape([M, flat]) as tf.Tensor2D;                   // [M, h, w, c] -> [M, h*w*c]
      return out ? tf.relu(linear(z, out.w as tf.Tensor2D, out.b as tf.Tensor1D)) as tf.Tensor2D : z;
    }),
  };
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
