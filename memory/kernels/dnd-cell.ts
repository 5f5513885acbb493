/**
 * The DND-LSTM's cell (memory/dnd-lstm.ts, dndLstmStep): an LSTM step with a fifth, reinstatement
 * gate r that adds r ⊙ m, the retrieved memory, to the cell. One forward and one backward kernel on
 * the wasm backend (memory/kernels/c/dnd_cell.c); `dndLstmStepComposite` is its twin elsewhere.
 */
import { tf } from '../tf.ts';
import { hasKernel, runKernel, type KernelModule } from './module.ts';

export const DND_CELL = 'EngramDndCell';
const DND_CELL_GRAD = 'EngramDndCellGrad';

/** Whether the fused cell serves the current backend. */
export const dndCellFused = (): boolean => hasKernel(DND_CELL);

/**
 * (h, c, r) after one step: x [B, D], h, c [B, H], w [D+H, 5H], b [5H]; m [B, H] or undefined
 * (retrieval off). Fused backends only.
 */
export function dndCell(x: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, m?: tf.Tensor2D): { h: tf.Tensor2D; c: tf.Tensor2D; r: tf.Tensor2D } {
  return tf.tidy(() => {
    const inputs = { x, h, c, w, b, m: m ?? tf.zerosLike(h) };   // a kernel's inputs are fixed; hasM says whether m counts
    const [hn, cn, r] = runKernel(DND_CELL, inputs, { hasM: m !== undefined });
    return { h: hn as tf.Tensor2D, c: cn as tf.Tensor2D, r: r as tf.Tensor2D };
  });
}

export function dndCellKernels(mod: KernelModule): { kernels: tf.KernelConfig[]; gradient: tf.GradConfig } {
  const { ptr: p, output: out } = mod;
  const sizes = (x: tf.TensorInfo, h: tf.TensorInfo) => ({ B: x.shape[0] as number, D: x.shape[1] as number, H: h.shape[1] as number });
  const forward: tf.KernelConfig = {
    kernelName: DND_CELL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { x, h, c, w, b, m } = inputs as Record<string, tf.TensorInfo>;
      const { B, D, H } = sizes(x as tf.TensorInfo, h as tf.TensorInfo);
      const hn = out([B, H]), cn = out([B, H]), r = out([B, H]), acts = out([B, 5 * H]);
      const scratch = mod.scratch(mod.k.dnd_cell_scratch(B, D, H));
      mod.k.dnd_cell_forward(B, D, H, p(x), p(h), p(c), (attrs as { hasM: boolean }).hasM ? p(m) : 0, p(w), p(b), p(hn), p(cn), p(r), p(acts), scratch);
      return [hn, cn, r, acts];
    },
  };
  const backward: tf.KernelConfig = {
    kernelName: DND_CELL_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { x, h, c, m, w, cn, acts, dh, dc, dr } = inputs as Record<string, tf.TensorInfo>;
      const { B, D, H } = sizes(x as tf.TensorInfo, h as tf.TensorInfo);
      const dx = out([B, D]), dhp = out([B, H]), dcp = out([B, H]), dm = out([B, H]), dw = out([D + H, 5 * H]), db = out([5 * H]);
      const hasM = (attrs as { hasM: boolean }).hasM;
      const scratch = mod.scratch(mod.k.dnd_cell_scratch(B, D, H));
      mod.k.dnd_cell_backward(B, D, H, p(x), p(h), p(c), hasM ? p(m) : 0, p(w), p(cn), p(acts), p(dh), p(dc), p(dr),
        p(dx), p(dhp), p(dcp), p(dm), p(dw), p(db), scratch);
      return [dx, dhp, dcp, dm, dw, db];
    },
  };
  const gradient: tf.GradConfig = {
    kernelName: DND_CELL,
    inputsToSave: ['x', 'h', 'c', 'm', 'w'],
    outputsToSave: [false, true, false, true],
    gradFunc: (dy, s, attrs) => {
      const [dh, dc, dr] = dy as tf.Tensor[];
      const [x, h, c, m, w, cn, acts] = s;
      const g = runKernel(DND_CELL_GRAD, { x, h, c, m, w, cn, acts, dh, dc, dr }, attrs);
      const [dx, dhp, dcp, dm, dw, db] = g as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      return { x: () => dx, h: () => dhp, c: () => dcp, m: () => dm, w: () => dw, b: () => db };
    },
  };
  return { kernels: [forward, backward], gradient };
}
