/**
 * Faster Slice, Unpack and SplitV kernels for the wasm backend. tfjs-backend-wasm 4.22's Slice
 * reads its input with `readSync`, which copies the WHOLE input tensor out of the wasm heap on every
 * call, so `unstack` of a [T, B, H] tensor (every unroll, and the gradient of every stack) costs
 * O(T²·B·H). These kernels read through a view of the heap instead; the results are identical.
 */
import { tf } from '../tf.ts';

interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: unknown };

let installed = false;

export function installWasmSliceKernels(): void {
  if (installed) return;
  const original = tf.getKernel('Slice', 'wasm');
  if (!original) return;
  const slowSlice = original.kernelFunc as (a: KernelArgs) => tf.TensorInfo;
  const slice = (x: tf.TensorInfo, begin: number[], size: number[], backend: WasmBackend, args: KernelArgs): tf.TensorInfo => {
    if (x.dtype === 'string') return slowSlice({ ...args, inputs: { x }, attrs: { begin, size } });
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, begin, size) as [number[], number[]];
    const out = backend.makeOutput(s, x.dtype);
    // Views taken after makeOutput: allocating may grow (and move) the heap.
    copyBox(backend.typedArrayFromHeap(x), x.shape, backend.typedArrayFromHeap(out), b, s);
    return out;
  };
  const kernels: tf.KernelConfig[] = [
    {
      kernelName: 'Slice', backendName: 'wasm',
      kernelFunc: (a) => slice(a.inputs.x as tf.TensorInfo, (a.attrs as { begin: number[] }).begin, (a.attrs as { size: number[] }).size, a.backend as unknown as WasmBackend, a as KernelArgs),
    },
    {
      kernelName: 'Unpack', backendName: 'wasm',
      kernelFunc: (a) => {
        const value = a.inputs.value as tf.TensorInfo;
        let axis = (a.attrs as { axis: number }).axis;
        if (axis < 0) axis += value.shape.length;
        const outShape = value.shape.filter((_, i) => i !== axis);
        const begin = new Array<number>(value.shape.length).fill(0);
        const size = [...value.shape];
        size[axis] = 1;
        return Array.from({ length: value.shape[axis] as number }, (_, i) => {
          begin[axis] = i;
          const r = slice(value, [...begin], size, a.backend as unknown as WasmBackend, a as KernelArgs);
          return { dataId: r.dataId, dtype: r.dtype, shape: outShape };
        });
      },
    },
    {
      kernelName: 'SplitV', backendName: 'wasm',
      kernelFunc: (a) => {
        const x = a.inputs.x as tf.TensorInfo;
        const { numOrSizeSplits, axis } = a.attrs as { numOrSizeSplits: number | number[]; axis: number };
        const ax = tf.util.parseAxisParam(axis, x.shape)[0] as number;
        const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
        const begin = new Array<number>(x.shape.length).fill(0);
        return sizes.map((n) => {
          const size = [...x.shape];
          size[ax] = n;
          const r = slice(x, [...begin], size, a.backend as unknown as WasmBackend, a as KernelArgs);
          begin[ax] = (begin[ax] as number) + n;
          return r;
        });
      },
    },
  ];
  for (const k of kernels) {
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
  }
  installed = true;
}

/** Copies the box [begin, begin + size) of a row-major `src` of `shape` into `dst`. */
export function copyBox(src: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, shape: readonly number[],
  dst: { set(a: ArrayLike<number>, offset: number): void }, begin: readonly number[], size: readonly number[]): void {
  const rank = shape.length;
  if (rank === 0) { dst.set(src.subarray(0, 1), 0); return; }
  const strides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) strides[i] = (strides[i + 1] as number) * (shape[i + 1] as number);
  const row = size[rank - 1] as number;
  const rows = size.slice(0, -1).reduce((a, b) => a * b, 1);
  const idx = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  for (let r = 0, out = 0; r < rows; r++, out += row) {
    let off = begin[rank - 1] as number;
    for (let d = 0; d < rank - 1; d++) off += ((begin[d] as number) + (idx[d] as number)) * (strides[d] as number);
    dst.set(src.subarray(off, off + row), out);
    for (let d = rank - 2; d >= 0; d--) {   // next index of the leading dims
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (size[d] as number)) break;
      idx[d] = 0;
    }
  }
}
