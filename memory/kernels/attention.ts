/**
 * The RMC's multi-head attention core (memory/relational.ts, §4.3 of the RMC paper) after the q/k/v
 * projection and its LayerNorm: scaled dot products, softmax over the key rows, the weighted sum of
 * values. One forward and one backward kernel on the wasm backend (memory/kernels/c/attention.c),
 * instead of ~13 tfjs ops forward and ~30 backward per block and step; the composite twin elsewhere.
 * Head k owns qkv features [k·(2dk+dv), (k+1)·(2dk+dv)), ordered q, key, value.
 */
import { tf } from '../tf.ts';
import { hasKernel, runKernel, type KernelModule } from './module.ts';

export const ATTENTION = 'EngramAttention';
const ATTENTION_GRAD = 'EngramAttentionGrad';

export interface AttentionSizes { readonly numHeads: number; readonly keySize: number; readonly headSize: number }
type Attrs = { B: number; S: number; K: number; dk: number; dv: number };

/**
 * qkv [B·S, K·(2dk+dv)] -> output [B, S, K·dv] (before the residual), attention [B, K, S, S].
 * The fused kernel where the backend has it.
 */
export function attentionCore(qkv: tf.Tensor2D, B: number, S: number, sizes: AttentionSizes): { output: tf.Tensor3D; attention: tf.Tensor4D } {
  if (!hasKernel(ATTENTION)) return attentionCoreComposite(qkv, B, S, sizes);
  return tf.tidy(() => {
    const attrs: Attrs = { B, S, K: sizes.numHeads, dk: sizes.keySize, dv: sizes.headSize };
    const [output, attention] = runKernel(ATTENTION, { qkv }, attrs);
    return { output: output as tf.Tensor3D, attention: attention as tf.Tensor4D };
  });
}

/** The same in tfjs ops: two batched matMuls and a softmax. */
export function attentionCoreComposite(qkv: tf.Tensor2D, B: number, S: number, sizes: AttentionSizes): { output: tf.Tensor3D; attention: tf.Tensor4D } {
  return tf.tidy(() => {
    const { numHeads: K, keySize: dk, headSize: dv } = sizes;
    const heads = qkv.reshape([B, S, K, 2 * dk + dv])                              // [B·S, F] -> [B, S, K, 2dk+dv]
      .transpose([0, 2, 1, 3])                                                     // -> [B, K, S, 2dk+dv]
      .reshape([B * K, S, 2 * dk + dv]);                                           // -> [B·K, S, 2dk+dv]
    const [q, k, v] = tf.split(heads, [dk, dk, dv], 2) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D]; // -> [B·K, S, dk | dk | dv]
    const logits = tf.matMul(tf.mul(q, 1 / Math.sqrt(dk)), k, false, true);        // [B·K, S, dk]·[B·K, dk, S] -> [B·K, S, S]
    const weights = tf.softmax(logits);                                            // over the key rows
    const output = tf.matMul(weights, v)                                           // [B·K, S, S]·[B·K, S, dv] -> [B·K, S, dv]
      .reshape([B, K, S, dv])                                                      // -> [B, K, S, dv]
      .transpose([0, 2, 1, 3])                                                     // -> [B, S, K, dv]
      .reshape([B, S, K * dv]) as tf.Tensor3D;                                     // -> [B, S, Dm]
    return { output, attention: weights.reshape([B, K, S, S]) as tf.Tensor4D };  // [B·K, S, S] -> [B, K, S, S]
  });
}

export function attentionKernels(mod: KernelModule): { kernels: tf.KernelConfig[]; gradient: tf.GradConfig } {
  const { ptr: p, output: out } = mod;
  const forward: tf.KernelConfig = {
    kernelName: ATTENTION,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { B, S, K, dk, dv } = attrs as unknown as Attrs;
      const output = out([B, S, K * dv]), attention = out([B, K, S, S]);
      mod.k.attention_forward(B, S, K, dk, dv, p(inputs.qkv as tf.TensorInfo), p(output), p(attention));
      return [output, attention];
    },
  };
  const backward: tf.KernelConfig = {
    kernelName: ATTENTION_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { B, S, K, dk, dv } = attrs as unknown as Attrs;
      const { qkv, attention, dOutput, dAttention } = inputs as Record<string, tf.TensorInfo>;
      const dqkv = out([B * S, K * (2 * dk + dv)]);
      const scratch = mod.scratch(S);
      mod.k.attention_backward(B, S, K, dk, dv, p(qkv), p(attention), p(dOutput), p(dAttention), p(dqkv), scratch);
      return [dqkv];
    },
  };
  const gradient: tf.GradConfig = {
    kernelName: ATTENTION,
    inputsToSave: ['qkv'],
    outputsToSave: [false, true],
    gradFunc: (dy, s, attrs) => {
      const [dOutput, dAttention] = dy as tf.Tensor[];
      const [qkv, attention] = s;
      const [dqkv] = runKernel(ATTENTION_GRAD, { qkv, attention, dOutput, dAttention }, attrs);
      return { qkv: () => dqkv as tf.Tensor };
    },
  };
  return { kernels: [forward, backward], gradient };
}
