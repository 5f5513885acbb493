/**
 * The LSTM step as pure functions (docs/cores.md §2.1), Sonnet's `_lstm_fn`: shared by the LSTM core
 * (memory/lstm.ts), the DND-LSTM, the NTM and DNC controllers, and the whole-sequence op's composite
 * twin (memory/kernels/lstm-sequence.ts).
 */
import { matMulCachedGrad } from './grad.ts';
import { lstmCell, lstmCellFused } from './kernels/lstm-cell.ts';
import { tf } from './tf.ts';

/** z = [x; h]·W + b: [B, D] ⊕ [B, H] -> [B, D+H] -> [B, G·H], one fused matMul for all gates. */
export function gatePreactivations(x: tf.Tensor2D, h: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, wT?: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const xh = tf.concat([x, h], 1);                             // [B, D+H]
    const z = wT ? matMulCachedGrad(xh, w, wT) : tf.matMul(xh, w);   // [B, D+H]·[D+H, G·H] -> [B, G·H]
    return tf.add(z, b);
  });
}

/** Block k (width H) of a [B, G·H] gate tensor: [B, G·H] -> [B, H]. */
export function gateBlock(z: tf.Tensor2D, k: number, hiddenSize: number): tf.Tensor2D {
  return tf.slice(z, [0, k * hiddenSize], [-1, hiddenSize]);
}

export type LstmStepResult = {
  readonly h: tf.Tensor2D;
  readonly c: tf.Tensor2D;
  /** (i, f, o, |g|) stacked: [B, 4, H]; only when asked for. */
  readonly gates?: tf.Tensor3D;
};

/**
 * One LSTM step (docs/cores.md §2.1), pure: Sonnet's `_lstm_fn`. `wT` = W^T enables the cached-transpose
 * gradient. Without gates, the fused cell where the backend has it, unless `composite` asks for tfjs's ops.
 */
export function lstmStep(x: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D,
  options: { wT?: tf.Tensor2D; gates?: boolean; composite?: boolean } = {}): LstmStepResult {
  if (!options.gates && !options.composite && lstmCellFused()) return lstmCell(x, h, c, w, b);   // one kernel (memory/kernels/lstm-cell.ts)
  return lstmStepComposite(x, h, c, w, b, options);
}

/** `lstmStep` in tfjs ops, on every backend (the fused cell's twin and test reference). */
export function lstmStepComposite(x: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D,
  options: { wT?: tf.Tensor2D; gates?: boolean } = {}): LstmStepResult {
  return tf.tidy(() => {
    const H = h.shape[1];
    const z = gatePreactivations(x, h, w, b, options.wT);        // [B, 4H]
    const i = tf.sigmoid(gateBlock(z, 0, H));                   // input gate
    const f = tf.sigmoid(gateBlock(z, 1, H));                   // forget gate
    const g = tf.tanh(gateBlock(z, 2, H));                      // candidate
    const o = tf.sigmoid(gateBlock(z, 3, H));                   // output gate
    const cNext = tf.add(tf.mul(f, c), tf.mul(i, g)) as tf.Tensor2D;
    const hNext = tf.mul(o, tf.tanh(cNext)) as tf.Tensor2D;
    if (!options.gates) return { h: hNext, c: cNext };
    return { h: hNext, c: cNext, gates: tf.stack([i, f, o, tf.abs(g)], 1) as tf.Tensor3D };   // 4 x [B, H] -> [B, 4, H]
  });
}
