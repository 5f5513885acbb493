/**
 * unroll — time-major BPTT over a sequence (Sonnet's static_unroll, with episode boundaries as data).
 * For each t: state = resetWhere(state, resets[t], flush[t]); {output_t, state} = step(x_t, state).
 * A core with a fused sequence op (`unrollSequence`) computes the same in one go.
 */
import type { CoreState, MemoryCore, UnrollControl } from './core.ts';
import { rowsWithAny, unstackSteps } from './ops.ts';
import { tf } from './tf.ts';

export type { UnrollControl };

export function unroll<S extends CoreState>(core: MemoryCore<S>, inputs: tf.Tensor3D, state: S, resets: tf.Tensor2D,
  control: UnrollControl = {}): { outputs: tf.Tensor3D; state: S } {
  if (inputs.rank !== 3) throw new Error(`unroll: inputs must be rank 3 [T, B, D], got shape [${inputs.shape}]`);
  const [T, B, D] = inputs.shape;
  if (D !== core.inputSize) throw new Error(`unroll: inputs must have D = ${core.inputSize} for ${core.name}, got ${D}`);
  if (resets.shape[0] !== T || resets.shape[1] !== B) throw new Error(`unroll: resets must be [${T}, ${B}], got [${resets.shape}]`);
  const whole = core.unrollSequence?.(inputs, state, resets, control);
  if (whole) return whole;
  // Read the (small, data-only) masks once, so steps without any reset skip resetWhere entirely.
  const resetRows = rowsWithAny(resets.dataSync(), T, B);
  const flushRows = control.flush ? rowsWithAny(control.flush.dataSync(), T, B) : undefined;
  return tf.tidy(() => {
    const xs = unstackSteps<tf.Tensor2D>(inputs);                // T x [B, D]
    const rs = unstackSteps<tf.Tensor1D>(resets);                // T x [B]
    const ws = control.write ? unstackSteps<tf.Tensor1D>(control.write) : undefined;
    const fs = control.flush ? unstackSteps<tf.Tensor1D>(control.flush) : undefined;
    const outputs: tf.Tensor2D[] = [];
    let s = state;
    for (let t = 0; t < T; t++) {
      const flush = flushRows?.[t] ? fs?.[t] : undefined;
      const reset = resetRows[t] || flush ? core.resetWhere(s, rs[t] as tf.Tensor1D, flush) : s;
      const w = ws?.[t];
      const ctl = { ...(w ? { write: w } : {}), ...(control.diagnostics === false ? { diagnostics: false } : {}) };
      const r = core.step(xs[t] as tf.Tensor2D, reset, Object.keys(ctl).length ? ctl : undefined);
      outputs.push(r.output);
      s = r.state;
    }
    return { outputs: tf.stack(outputs) as tf.Tensor3D, state: s };    // [T, B, H]
  });
}
