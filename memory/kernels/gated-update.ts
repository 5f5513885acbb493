/**
 * The RMC's gated memory update (memory/relational.ts, gateMemory; §4.3 of the RMC paper) after its
 * two projections: i = σ(z_i + b_i), f = σ(z_f + b_f) with z = gm + gx split in two,
 * M = i ⊙ tanh(M̂) + f ⊙ M_prev. One forward and one backward kernel on the wasm backend
 * (memory/kernels/c/gated_update.c) instead of ~10 ops forward and ~20 backward per step; the
 * composite twin elsewhere. G = Dm ('unit' gates) or 1 ('memory': one pair per slot).
 */
import { tf } from '../tf.ts';
import { hasKernel, runKernel, type KernelModule } from './module.ts';

export const GATED_UPDATE = 'EngramGatedUpdate';
const GATED_UPDATE_GRAD = 'EngramGatedUpdateGrad';

export interface GatedUpdateInputs {
  readonly prev: tf.Tensor3D;        // M_prev [B, N, Dm]
  readonly candidate: tf.Tensor3D;   // M̂ [B, N, Dm]
  readonly gm: tf.Tensor3D;          // from the memory: [B, N, 2G]
  readonly gx: tf.Tensor2D;          // from the input: [B, 2G]
}
export type GatedUpdateResult = { readonly memory: tf.Tensor3D; readonly inputGate: tf.Tensor3D; readonly forgetGate: tf.Tensor3D };
type Attrs = { inputBias: number; forgetBias: number };

/** The fused kernel where the backend has it, else the composite twin. */
export function gatedUpdate(i: GatedUpdateInputs, inputBias: number, forgetBias: number): GatedUpdateResult {
  if (!hasKernel(GATED_UPDATE)) return gatedUpdateComposite(i, inputBias, forgetBias);
  return tf.tidy(() => {
    const [memory, inputGate, forgetGate] = runKernel(GATED_UPDATE, { ...i }, { inputBias, forgetBias });
    return { memory: memory as tf.Tensor3D, inputGate: inputGate as tf.Tensor3D, forgetGate: forgetGate as tf.Tensor3D };
  });
}

export function gatedUpdateComposite({ prev, candidate, gm, gx }: GatedUpdateInputs, inputBias: number, forgetBias: number): GatedUpdateResult {
  return tf.tidy(() => {
    const [B, , G2] = gm.shape;
    const [ig, fg] = tf.split(tf.add(gm, gx.reshape([B, 1, G2])), 2, 2) as [tf.Tensor3D, tf.Tensor3D]; // 2 × [B, N, G]
    const inputGate = tf.sigmoid(tf.add(ig, inputBias)) as tf.Tensor3D;
    const forgetGate = tf.sigmoid(tf.add(fg, forgetBias)) as tf.Tensor3D;
    const memory = tf.add(tf.mul(inputGate, tf.tanh(candidate)), tf.mul(forgetGate, prev)) as tf.Tensor3D;
    return { memory, inputGate, forgetGate };
  });
}

export function gatedUpdateKernels(mod: KernelModule): { kernels: tf.KernelConfig[]; gradient: tf.GradConfig } {
  const { ptr: p, output: out } = mod;
  const sizes = (prev: tf.TensorInfo, gm: tf.TensorInfo) => {
    const [B, N, Dm] = prev.shape as [number, number, number];
    return { B, N, Dm, G: (gm.shape[2] as number) / 2 };
  };
  const forward: tf.KernelConfig = {
    kernelName: GATED_UPDATE,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { prev, candidate, gm, gx } = inputs as Record<string, tf.TensorInfo>;
      const { inputBias, forgetBias } = attrs as unknown as Attrs;
      const { B, N, Dm, G } = sizes(prev as tf.TensorInfo, gm as tf.TensorInfo);
      const memory = out([B, N, Dm]), gi = out([B, N, G]), gf = out([B, N, G]);
      mod.k.gated_update_forward(B, N, Dm, G, inputBias, forgetBias, p(prev), p(candidate), p(gm), p(gx), p(memory), p(gi), p(gf));
      return [memory, gi, gf];
    },
  };
  const backward: tf.KernelConfig = {
    kernelName: GATED_UPDATE_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs }) => {
      const { prev, candidate, gm, gi, gf, dMemory, dGi, dGf } = inputs as Record<string, tf.TensorInfo>;
      const { B, N, Dm, G } = sizes(prev as tf.TensorInfo, gm as tf.TensorInfo);
      const dPrev = out([B, N, Dm]), dCandidate = out([B, N, Dm]), dGm = out([B, N, 2 * G]), dGx = out([B, 2 * G]);
      mod.k.gated_update_backward(B, N, Dm, G, p(prev), p(candidate), p(gi), p(gf), p(dMemory), p(dGi), p(dGf), p(dPrev), p(dCandidate), p(dGm), p(dGx));
      return [dPrev, dCandidate, dGm, dGx];
    },
  };
  const gradient: tf.GradConfig = {
    kernelName: GATED_UPDATE,
    inputsToSave: ['prev', 'candidate', 'gm'],
    outputsToSave: [false, true, true],
    gradFunc: (dy, s) => {
      const [dMemory, dGi, dGf] = dy as tf.Tensor[];
      const [prev, candidate, gm, gi, gf] = s;
      const g = runKernel(GATED_UPDATE_GRAD, { prev, candidate, gm, gi, gf, dMemory, dGi, dGf });
      const [dPrev, dCandidate, dGm, dGx] = g as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      return { prev: () => dPrev, candidate: () => dCandidate, gm: () => dGm, gx: () => dGx };
    },
  };
  return { kernels: [forward, backward], gradient };
}
