/**
 * LayerNorm over the last axis (ε = 1e-5) with a hand-written gradient: one forward and one
 * backward kernel on the wasm backend (memory/kernels/c/layer_norm.c), and on every other backend
 * the composite twin, a tf.customGrad of about 5 forward and 11 backward ops (tfjs's own gradient
 * of the same math is ~40). The RMC runs three per attention block and step.
 * With x̂ = (x − μ)/σ and g = dy ⊙ γ: dx = (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂))/σ, dγ = Σ dy ⊙ x̂, dβ = Σ dy.
 */
import { customGrad, type SaveFunc } from '../grad.ts';
import { LAYER_NORM_EPSILON } from '../ops.ts';
import { tf } from '../tf.ts';
import { hasKernel, runKernel, type KernelModule } from './module.ts';

export const LAYER_NORM = 'EngramLayerNorm';
const LAYER_NORM_GRAD = 'EngramLayerNormGrad';

/** γ ⊙ (x − μ)/σ + β over the last axis of x; γ, β of its size. The fused kernel where the backend has it. */
export function layerNormOp(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor {
  if (!hasKernel(LAYER_NORM)) return layerNormComposite(x, gamma, beta);
  return tf.tidy(() => (runKernel(LAYER_NORM, { x, gamma, beta }))[0] as tf.Tensor);
}

/** The same in tfjs ops, with the hand-written gradient. */
export const layerNormComposite = customGrad((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: SaveFunc) => {
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const invStd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), LAYER_NORM_EPSILON));  // 1/σ: [..., 1]
  const xHat = tf.mul(centred, invStd);
  save([xHat, invStd, gamma]);
  return {
    value: tf.add(tf.mul(xHat, gamma), beta),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xh, inv, g] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const lead = dy.shape.slice(0, -1).map((_, i) => i);            // every axis but the last
      const gh = tf.mul(dy, g);
      const dx = tf.mul(tf.sub(tf.sub(gh, tf.mean(gh, -1, true)), tf.mul(xh, tf.mean(tf.mul(gh, xh), -1, true))), inv);
      return [dx, tf.sum(tf.mul(dy, xh), lead), tf.sum(dy, lead)];
    },
  };
}) as (x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor;

export function layerNormKernels(mod: KernelModule): { kernels: tf.KernelConfig[]; gradient: tf.GradConfig } {
  const { ptr: p, output: out } = mod;
  const rows = (x: tf.TensorInfo) => x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const forward: tf.KernelConfig = {
    kernelName: LAYER_NORM,
    backendName: 'wasm',
    kernelFunc: ({ inputs }) => {
      const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
      const xi = x as tf.TensorInfo, F = xi.shape.at(-1) as number, M = rows(xi);
      const y = out([...xi.shape]), stats = out([M, 2]);
      mod.k.layer_norm_forward(M, F, p(xi), p(gamma), p(beta), LAYER_NORM_EPSILON, p(y), p(stats));
      return [y, stats];
    },
  };
  const backward: tf.KernelConfig = {
    kernelName: LAYER_NORM_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs }) => {
      const { x, gamma, stats, dy } = inputs as Record<string, tf.TensorInfo>;
      const xi = x as tf.TensorInfo, F = xi.shape.at(-1) as number, M = rows(xi);
      const dx = out([...xi.shape]), dgamma = out([F]), dbeta = out([F]);
      mod.k.layer_norm_backward(M, F, p(xi), p(gamma), p(stats), p(dy), p(dx), p(dgamma), p(dbeta));
      return [dx, dgamma, dbeta];
    },
  };
  const gradient: tf.GradConfig = {
    kernelName: LAYER_NORM,
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [false, true],
    gradFunc: (dy, s) => {
      const [x, gamma, stats] = s;
      const g = runKernel(LAYER_NORM_GRAD, { x, gamma, stats, dy: (dy as tf.Tensor[])[0] });
      const [dx, dgamma, dbeta] = g as [tf.Tensor, tf.Tensor, tf.Tensor];
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  };
  return { kernels: [forward, backward], gradient };
}
