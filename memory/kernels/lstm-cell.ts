/**
 * One LSTM step as one op: `lstmStep` (memory/lstm-step.ts) without diagnostics, forward and
 * backward each one kernel on the wasm backend: the whole-sequence kernel run for T = 1 with no
 * resets (memory/kernels/c/lstm_sequence.c). It serves acting (one step for the batch) and the
 * controllers of the NTM and DNC, which step by step. `lstmStep` is its composite twin and calls it.
 */
import { tf } from '../tf.ts';
import { hasKernel, runKernel, type KernelModule } from './module.ts';

export const LSTM_CELL = 'EngramLstmCell';
const LSTM_CELL_GRAD = 'EngramLstmCellGrad';

/** Whether the fused cell serves the current backend. */
export const lstmCellFused = (): boolean => hasKernel(LSTM_CELL);

/** (h, c) after one step from (h, c) with input x: [B, D], [B, H], [B, H]; w [D+H, 4H], b [4H]. Fused backends only. */
export function lstmCell(x: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): { h: tf.Tensor2D; c: tf.Tensor2D } {
  return tf.tidy(() => {
    const [hn, cn] = runKernel(LSTM_CELL, { x, h, c, w, b });
    return { h: hn as tf.Tensor2D, c: cn as tf.Tensor2D };
  });
}

export function lstmCellKernels(mod: KernelModule): { kernels: tf.KernelConfig[]; gradient: tf.GradConfig } {
  const { ptr: p, output: out } = mod;
  const forward: tf.KernelConfig = {
    kernelName: LSTM_CELL,
    backendName: 'wasm',
    kernelFunc: ({ inputs }) => {
      const { x, h, c, w, b } = inputs as Record<string, tf.TensorInfo>;
      const [B, D] = (x as tf.TensorInfo).shape as [number, number];
      const H = (h as tf.TensorInfo).shape[1] as number;
      const hn = out([B, H]), cn = out([B, H]), acts = out([B, 4 * H]);
      const scratch = mod.scratch(mod.k.lstm_sequence_forward_scratch(B, D, H));
      mod.k.lstm_sequence_forward(1, B, D, H, p(x), p(w), p(b), p(h), p(c), 0, 0, 0, p(hn), p(cn), p(acts), scratch);
      return [hn, cn, acts];
    },
  };
  const backward: tf.KernelConfig = {
    kernelName: LSTM_CELL_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs }) => {
      const { x, w, h, c, hn, cn, acts, dh, dc } = inputs as Record<string, tf.TensorInfo>;
      const [B, D] = (x as tf.TensorInfo).shape as [number, number];
      const H = (h as tf.TensorInfo).shape[1] as number;
      const dx = out([B, D]), dw = out([D + H, 4 * H]), db = out([4 * H]), dhp = out([B, H]), dcp = out([B, H]);
      const scratch = mod.scratch(mod.k.lstm_sequence_backward_scratch(1, B, D, H));
      mod.k.lstm_sequence_backward(1, B, D, H, p(x), p(w), p(h), p(c), 0, 0, 0, p(hn), p(cn), p(acts), p(dh), p(dc),
        p(dx), p(dw), p(db), p(dhp), p(dcp), 0, 0, scratch);
      return [dx, dw, db, dhp, dcp];
    },
  };
  const gradient: tf.GradConfig = {
    kernelName: LSTM_CELL,
    inputsToSave: ['x', 'w', 'h', 'c'],
    outputsToSave: [true, true, true],
    gradFunc: (dy, s) => {
      const [dh, dc] = dy as tf.Tensor[];
      const [x, w, h, c, hn, cn, acts] = s;
      const g = runKernel(LSTM_CELL_GRAD, { x, w, h, c, hn, cn, acts, dh, dc });
      const [dx, dw, db, dhp, dcp] = g as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      return { x: () => dx, w: () => dw, b: () => db, h: () => dhp, c: () => dcp };
    },
  };
  return { kernels: [forward, backward], gradient };
}
