/**
 * The whole-sequence LSTM as one op: T steps of memory/lstm-step.ts's `lstmStep` with episode resets
 * inside, forward and backward each one kernel on the wasm backend (memory/kernels/c/
 * lstm_sequence.c), where an A2C update otherwise runs ~2,000 tfjs ops whose dispatch, not
 * arithmetic, is the cost (docs/kernels.md §1). Every other backend runs the composite twin, the
 * same loop in tfjs ops, which is also the reference the kernel is tested against.
 *
 *   before step t, rows b with resets[t, b] = 1 restart from (hInit[b], cInit[b]);
 *   (h_t, c_t) = lstmStep(x_t, h_{t−1}, c_{t−1}, w, b);  hs[t] = h_t, cs[t] = c_t
 */
import { rowsWithAny, unstackSteps } from '../ops.ts';
import { blend } from '../state.ts';
import { lstmStep } from '../lstm-step.ts';
import { tf } from '../tf.ts';
import { hasKernel, runKernel, type KernelModule } from './module.ts';

export const LSTM_SEQUENCE = 'EngramLstmSequence';
const LSTM_SEQUENCE_GRAD = 'EngramLstmSequenceGrad';

export interface LstmSequenceInputs {
  readonly x: tf.Tensor3D;        // [T, B, D]
  readonly w: tf.Tensor2D;        // [D+H, 4H] = [W_x; W_h]
  readonly b: tf.Tensor1D;        // [4H]
  readonly h0: tf.Tensor2D;       // [B, H] state before step 0
  readonly c0: tf.Tensor2D;
  readonly hInit: tf.Tensor2D;    // [B, H] state a reset restores
  readonly cInit: tf.Tensor2D;
  readonly resets: tf.Tensor2D;   // [T, B] float32, 1 = reset before step t
}

export interface LstmSequenceResult {
  readonly hs: tf.Tensor3D;       // [T, B, H]
  readonly cs: tf.Tensor3D;       // [T, B, H]
}

/** The fused op where its kernel is registered for the current backend, else the composite twin. */
export function lstmSequence(i: LstmSequenceInputs, wT?: tf.Tensor2D): LstmSequenceResult {
  checkShapes(i);
  if (!hasKernel(LSTM_SEQUENCE)) return lstmSequenceComposite(i, wT);
  return tf.tidy(() => {
    const [hs, cs] = runKernel(LSTM_SEQUENCE, { ...i });
    return { hs: hs as tf.Tensor3D, cs: cs as tf.Tensor3D };
  });
}

/** The same op in tfjs ops, one `lstmStep` per time step (`wT` = w^T for its cached-transpose gradient). */
export function lstmSequenceComposite(i: LstmSequenceInputs, wT?: tf.Tensor2D): LstmSequenceResult {
  checkShapes(i);
  const [T, B] = i.x.shape;
  const resetRows = rowsWithAny(i.resets.dataSync(), T, B);
  return tf.tidy(() => {
    const xs = unstackSteps<tf.Tensor2D>(i.x);
    const rs = unstackSteps<tf.Tensor1D>(i.resets);
    const hs: tf.Tensor2D[] = [], cs: tf.Tensor2D[] = [];
    let h = i.h0, c = i.c0;
    for (let t = 0; t < T; t++) {
      if (resetRows[t]) {
        h = blend(h, i.hInit, rs[t] as tf.Tensor1D) as tf.Tensor2D;
        c = blend(c, i.cInit, rs[t] as tf.Tensor1D) as tf.Tensor2D;
      }
      const r = lstmStep(xs[t] as tf.Tensor2D, h, c, i.w, i.b, wT ? { wT } : {});
      hs.push(r.h); cs.push(r.c);
      h = r.h; c = r.c;
    }
    return { hs: tf.stack(hs) as tf.Tensor3D, cs: tf.stack(cs) as tf.Tensor3D };
  });
}

function checkShapes(i: LstmSequenceInputs): void {
  const [T, B, D] = i.x.shape;
  const H = i.h0.shape[1];
  const want: [string, tf.Tensor, number[]][] = [
    ['w', i.w, [D + H, 4 * H]], ['b', i.b, [4 * H]], ['h0', i.h0, [B, H]], ['c0', i.c0, [B, H]],
    ['hInit', i.hInit, [B, H]], ['cInit', i.cInit, [B, H]], ['resets', i.resets, [T, B]],
  ];
  if (T < 1) throw new Error(`lstmSequence: x must have at least one time step, got shape [${i.x.shape}]`);
  for (const [name, t, shape] of want) {
    if (t.shape.join() !== shape.join()) throw new Error(`lstmSequence: ${name} must be [${shape}], got [${t.shape}]`);
    if (t.dtype !== 'float32') throw new Error(`lstmSequence: ${name} must be float32, got ${t.dtype}`);
  }
}

/** The forward and backward kernels on the wasm backend, and the gradient that joins them. */
export function lstmSequenceKernels(mod: KernelModule): { kernels: tf.KernelConfig[]; gradient: tf.GradConfig } {
  const { ptr: p, output: out } = mod;
  const forward: tf.KernelConfig = {
    kernelName: LSTM_SEQUENCE,
    backendName: 'wasm',
    kernelFunc: ({ inputs }) => {
      const { x, w, b, h0, c0, hInit, cInit, resets } = inputs as Record<keyof LstmSequenceInputs, tf.TensorInfo>;
      const [T, B, D] = x.shape as [number, number, number];
      const H = h0.shape[1] as number;
      const hs = out([T, B, H]), cs = out([T, B, H]), acts = out([T, B, 4 * H]);
      const scratch = mod.scratch(mod.k.lstm_sequence_forward_scratch(B, D, H));
      mod.k.lstm_sequence_forward(T, B, D, H, p(x), p(w), p(b), p(h0), p(c0), p(hInit), p(cInit), p(resets), p(hs), p(cs), p(acts), scratch);
      return [hs, cs, acts];
    },
  };
  const backward: tf.KernelConfig = {
    kernelName: LSTM_SEQUENCE_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs }) => {
      const { x, w, h0, c0, hInit, cInit, resets, hs, cs, acts, dhs, dcs } = inputs as Record<string, tf.TensorInfo>;
      const [T, B, D] = (x as tf.TensorInfo).shape as [number, number, number];
      const H = (h0 as tf.TensorInfo).shape[1] as number;
      const dx = out([T, B, D]), dw = out([D + H, 4 * H]), db = out([4 * H]);
      const dh0 = out([B, H]), dc0 = out([B, H]), dhInit = out([B, H]), dcInit = out([B, H]);
      const scratch = mod.scratch(mod.k.lstm_sequence_backward_scratch(T, B, D, H));
      mod.k.lstm_sequence_backward(T, B, D, H, p(x), p(w), p(h0), p(c0), p(hInit), p(cInit), p(resets), p(hs), p(cs), p(acts),
        p(dhs), p(dcs), p(dx), p(dw), p(db), p(dh0), p(dc0), p(dhInit), p(dcInit), scratch);
      return [dx, dw, db, dh0, dc0, dhInit, dcInit];
    },
  };
  const gradient: tf.GradConfig = {
    kernelName: LSTM_SEQUENCE,
    inputsToSave: ['x', 'w', 'h0', 'c0', 'hInit', 'cInit', 'resets'],
    outputsToSave: [true, true, true],
    // Computed at once, as tf.customGrad does: one backward kernel gives every input's gradient.
    gradFunc: (dy, s) => {
      const [dhs, dcs] = dy as tf.Tensor[];
      const [x, w, h0, c0, hInit, cInit, resets, hs, cs, acts] = s;
      const g = runKernel(LSTM_SEQUENCE_GRAD, { x, w, h0, c0, hInit, cInit, resets, hs, cs, acts, dhs, dcs });
      const [dx, dw, db, dh0, dc0, dhI, dcI] = g as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      return {
        x: () => dx, w: () => dw, b: () => db, h0: () => dh0, c0: () => dc0, hInit: () => dhI, cInit: () => dcI,
        resets: () => tf.zerosLike(resets as tf.Tensor),
      };
    },
  };
  return { kernels: [forward, backward], gradient };
}
