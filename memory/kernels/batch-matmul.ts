/**
 * BatchMatMul on the wasm backend through Engram's SIMD GEMM. tfjs-backend-wasm sends only batch-1,
 * untransposed matMuls to XNNPACK and runs every batched, broadcast or transposed one in a scalar
 * loop at ~1 GFLOP/s (docs/kernels.md §1): the RMC's attention and every backward pass. This
 * kernel serves all of them, with the batch dimensions broadcast as tfjs-core defines.
 */
import { tf } from '../tf.ts';
import type { KernelModule } from './module.ts';

type MatMulAttrs = { transposeA: boolean; transposeB: boolean };

/** Strides (in elements) of each batch dimension of `shape` broadcast to `out` (0 where broadcast). */
function batchStrides(shape: readonly number[], out: readonly number[], matrix: number): number[] {
  const strides = new Array<number>(out.length).fill(0);
  let stride = matrix;
  for (let i = shape.length - 1, o = out.length - 1; i >= 0; i--, o--) {
    if ((shape[i] as number) !== 1) strides[o] = stride;
    stride *= shape[i] as number;
  }
  return strides;
}

/** `stock` is tfjs's own wasm kernel: it keeps the batch-1 untransposed case, which it gives XNNPACK (threaded). */
export function batchMatMulKernel(mod: KernelModule, stock: tf.KernelFunc): tf.KernelConfig {
  return {
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const a = inputs.a as tf.TensorInfo, b = inputs.b as tf.TensorInfo;
      const { transposeA, transposeB } = attrs as unknown as MatMulAttrs;
      if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new Error('BatchMatMul: only float32 tensors');
      const ra = a.shape.length, rb = b.shape.length;
      const K = transposeA ? a.shape[ra - 2] as number : a.shape[ra - 1] as number;
      const kb = transposeB ? b.shape[rb - 1] as number : b.shape[rb - 2] as number;
      const M = transposeA ? a.shape[ra - 1] as number : a.shape[ra - 2] as number;
      const N = transposeB ? b.shape[rb - 2] as number : b.shape[rb - 1] as number;
      if (K !== kb) {
        throw new Error(`Error in matMul: inner shapes (${K}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
      }
      const batch = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
      const count = batch.reduce((x, y) => x * y, 1);
      if (count === 1 && !transposeA && !transposeB) return stock({ inputs, attrs, backend: mod.backend as unknown as tf.KernelBackend });
      const out = mod.backend.makeOutput([...batch, M, N], 'float32');
      if (count === 0 || M === 0 || N === 0) return out;
      const sa = batchStrides(a.shape.slice(0, -2), batch, M * K), sb = batchStrides(b.shape.slice(0, -2), batch, K * N);
      const pack = mod.scratch(mod.k.matmul_scratch(K, N));
      const pa = mod.ptr(a), pb = mod.ptr(b), pc = mod.ptr(out);
      const ta = transposeA ? 1 : 0, tb = transposeB ? 1 : 0;
      // One call when each operand's batch is whole or broadcast (every stride M·K, or 0); else one per element.
      const flat = (s: number[], matrix: number) => s.every((x) => x === 0) || s.every((x, d) => x === matrix * batch.slice(d + 1).reduce((p, q) => p * q, 1));
      if (flat(sa, M * K) && flat(sb, K * N)) {
        mod.k.matmul(count, M, N, K, pa, sa.some((x) => x) ? M * K : 0, ta, pb, sb.some((x) => x) ? K * N : 0, tb, pc, pack);
        return out;
      }
      const idx = new Array<number>(batch.length).fill(0);
      for (let i = 0; i < count; i++) {
        let oa = 0, ob = 0;
        for (let d = 0; d < batch.length; d++) { oa += (idx[d] as number) * (sa[d] as number); ob += (idx[d] as number) * (sb[d] as number); }
        mod.k.matmul(1, M, N, K, pa + 4 * oa, 0, ta, pb + 4 * ob, 0, tb, pc + 4 * i * M * N, pack);
        for (let d = batch.length - 1; d >= 0; d--) {   // next batch index, last dimension fastest
          idx[d] = (idx[d] as number) + 1;
          if ((idx[d] as number) < (batch[d] as number)) break;
          idx[d] = 0;
        }
      }
      return out;
    },
  };
}
