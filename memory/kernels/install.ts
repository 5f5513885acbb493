/**
 * Puts Engram's fused WebAssembly kernels in place on the wasm backend, after it starts: loads the
 * module on the backend's heap, registers BatchMatMul, the whole-sequence LSTM, the LSTM cell,
 * LayerNorm, the RMC's attention core and gated update and the DND-LSTM's cell, and runs a self-test of each against tfjs's own ops. On any failure it logs one line
 * and leaves tfjs's ops in place; the kernels sharing tfjs's heap, a wrong result must never go unnoticed.
 * ENGRAM_KERNELS=off keeps them out (docs/kernels.md).
 */
import { setFastMatMulGrad, tf } from '../tf.ts';
import { lstmStep } from '../lstm-step.ts';
import { attentionCore, attentionKernelNames, attentionKernels } from './attention.ts';
import { batchMatMulKernel } from './batch-matmul.ts';
import { dndLstmStep } from '../dnd-lstm.ts';
import { dndCellKernelNames, dndCellKernels } from './dnd-cell.ts';
import { gatedUpdate, gatedUpdateKernelNames, gatedUpdateKernels } from './gated-update.ts';
import { layerNormKernelNames, layerNormKernels, layerNormOp } from './layer-norm.ts';
import { lstmCellKernelNames, lstmCellKernels } from './lstm-cell.ts';
import {
  LSTM_SEQUENCE, lstmSequence, lstmSequenceKernelNames, lstmSequenceKernels, type LstmSequenceInputs,
} from './lstm-sequence.ts';
import { KernelModule, type WasmBackendInternals } from './module.ts';

/** Whether the fused kernels serve the current backend. */
export function fusedKernelsActive(): boolean {
  return tf.getKernel(LSTM_SEQUENCE, tf.getBackend()) !== undefined;
}

/** Off by ENGRAM_KERNELS=off (or 0, false). */
export function fusedKernelsWanted(): boolean {
  return !/^(off|0|false|no)$/i.test(process.env.ENGRAM_KERNELS ?? '');
}

let stockMatMul: tf.KernelConfig | undefined;
const ours = (): string[] => ['BatchMatMul', ...lstmSequenceKernelNames, ...lstmCellKernelNames, ...layerNormKernelNames, ...attentionKernelNames, ...gatedUpdateKernelNames, ...dndCellKernelNames];

/**
 * Installs the kernels on the running wasm backend. Returns why they are not in use, or undefined
 * when they are. `quiet` skips the one-line notice of a failure; `load` replaces how the module is
 * loaded (tests sabotage a kernel with it, to see the self-test catch it).
 */
export function installFusedKernels(opts: { quiet?: boolean; load?: (b: WasmBackendInternals) => KernelModule } = {}): string | undefined {
  if (tf.getBackend() !== 'wasm') return 'the backend is not wasm';
  if (fusedKernelsActive()) return undefined;
  if (!fusedKernelsWanted()) return 'ENGRAM_KERNELS=off';
  stockMatMul ??= tf.getKernel('BatchMatMul', 'wasm');
  try {
    if (!stockMatMul) throw new Error('tfjs-backend-wasm has no BatchMatMul kernel');
    const mod = (opts.load ?? KernelModule.load)(tf.backend() as unknown as WasmBackendInternals);
    const expected = selfTestCases();
    const fused = [lstmSequenceKernels(mod), lstmCellKernels(mod), layerNormKernels(mod), attentionKernels(mod), gatedUpdateKernels(mod), dndCellKernels(mod)];
    for (const k of [batchMatMulKernel(mod, stockMatMul.kernelFunc), ...fused.flatMap((f) => f.kernels)]) {
      if (tf.getKernel(k.kernelName, 'wasm')) tf.unregisterKernel(k.kernelName, 'wasm');
      tf.registerKernel(k);
    }
    for (const { gradient } of fused) if (!tf.getGradient(gradient.kernelName)) tf.registerGradient(gradient);
    checkSelfTest(expected);
    // Transposed matMuls are fast now: tfjs's own matMul gradient beats explicit transposes (docs/kernels.md §4).
    setFastMatMulGrad(false);
    return undefined;
  } catch (e) {
    uninstallFusedKernels();
    const why = `self-test or load failed: ${(e as Error).message}`;
    if (!opts.quiet) console.warn(`engram: fused wasm kernels off (${why}); using tfjs's own ops`);
    return why;
  }
}

/** Puts tfjs's own wasm ops back (kernels on and off in one process: tests and benchmarks). */
export function uninstallFusedKernels(): void {
  for (const name of ours()) if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  if (stockMatMul) tf.registerKernel(stockMatMul);
  setFastMatMulGrad(tf.getBackend() === 'wasm');
}

type Case = { run: () => tf.Tensor[]; expected: Float32Array[] };

/** Small seeded cases computed by tfjs's own ops, before our kernels are registered. */
function selfTestCases(): Case[] {
  const u = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);
  const matmuls = ([[3, 5, 7, false, false], [9, 33, 8, true, false], [2, 1, 9, false, true], [8, 3, 7, true, true]] as const)
    .map(([M, K, N, ta, tb], s): Case => ({
      run: () => [tf.tidy(() => tf.matMul(u([2, ...(ta ? [K, M] : [M, K])], s), u(tb ? [N, K] : [K, N], s + 9), ta, tb))],
      expected: [],
    }));
  const T = 3, B = 2, D = 3, H = 5;
  const lstm: Case = {
    run: () => tf.tidy(() => {
      const i: LstmSequenceInputs = {
        x: u([T, B, D], 1) as tf.Tensor3D, w: u([D + H, 4 * H], 2) as tf.Tensor2D, b: u([4 * H], 3) as tf.Tensor1D,
        h0: u([B, H], 4) as tf.Tensor2D, c0: u([B, H], 5) as tf.Tensor2D, hInit: u([B, H], 6) as tf.Tensor2D, cInit: u([B, H], 7) as tf.Tensor2D,
        resets: tf.tensor2d([0, 0, 1, 0, 0, 1], [T, B]),
      };
      const loss = (x: tf.Tensor, w: tf.Tensor, h0: tf.Tensor, hInit: tf.Tensor) => {
        const r = lstmSequence({ ...i, x: x as tf.Tensor3D, w: w as tf.Tensor2D, h0: h0 as tf.Tensor2D, hInit: hInit as tf.Tensor2D });
        const step = lstmStep(tf.squeeze(tf.slice(x, [0, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D, h0 as tf.Tensor2D, i.c0, w as tf.Tensor2D, i.b);
        const norm = layerNormOp(tf.reshape(w, [-1, 4 * H]), i.b, tf.mul(i.b, 0.5) as tf.Tensor1D);
        const att = attentionCore(tf.reshape(w, [-1, 10]) as tf.Tensor2D, 2, 8, { numHeads: 2, keySize: 2, headSize: 1 });   // [16, 10]: B·S rows of 2 heads
        const rows = (from: number, n: number, shape: number[]) => tf.reshape(tf.slice(w, [from, 0], [n, -1]), shape);   // w is [8, 20]
        const gate = gatedUpdate({ prev: rows(0, 2, [2, 4, 5]) as tf.Tensor3D, candidate: rows(2, 2, [2, 4, 5]) as tf.Tensor3D,
          gm: rows(4, 4, [2, 4, 10]) as tf.Tensor3D, gx: rows(0, 1, [2, 10]) as tf.Tensor2D }, 0.5, 1);
        const dnd = dndLstmStep(tf.squeeze(tf.slice(x, [1, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D, h0 as tf.Tensor2D, i.c0,
          tf.concat([w, tf.slice(w, [0, 0], [-1, H])], 1) as tf.Tensor2D, tf.concat([i.b, tf.slice(i.b, 0, H)]) as tf.Tensor1D, hInit as tf.Tensor2D);   // 5 gates
        return tf.addN([tf.sum(tf.mul(r.hs, r.hs)), tf.sum(r.cs), tf.sum(tf.mul(step.h, step.c)), tf.sum(tf.square(norm)), tf.sum(tf.square(gate.memory)), tf.sum(tf.mul(gate.inputGate, gate.forgetGate)),
          tf.sum(tf.mul(dnd.h, dnd.c)), tf.sum(tf.square(dnd.r)),
          tf.sum(tf.square(att.output)), tf.sum(tf.mul(att.attention, tf.range(0, 2 * 2 * 8 * 8).reshape([2, 2, 8, 8])))]);
      };
      const { value, grads } = tf.valueAndGrads(loss)([i.x, i.w, i.h0, i.hInit]);
      return [value, ...grads];
    }),
    expected: [],
  };
  const cases = [...matmuls, lstm];
  for (const c of cases) {
    const out = c.run();
    c.expected = out.map((t) => t.dataSync() as Float32Array);
    tf.dispose(out);
  }
  return cases;
}

/** Reruns the cases on our kernels; relative L2 distance at most 1e-5 (sigmoid and tanh differ by ~1e-7). */
function checkSelfTest(cases: Case[]): void {
  for (const [n, c] of cases.entries()) {
    const out = c.run();
    const got = out.map((t) => t.dataSync() as Float32Array);
    tf.dispose(out);
    got.forEach((g, k) => {
      const e = c.expected[k] as Float32Array;
      let d = 0, s = 0;
      for (let j = 0; j < e.length; j++) { d += ((g[j] as number) - (e[j] as number)) ** 2; s += (e[j] as number) ** 2; }
      const rel = Math.sqrt(d / Math.max(s, 1e-30));
      if (!(rel <= 1e-5) || g.length !== e.length) throw new Error(`case ${n} output ${k} differs from tfjs's ops (relative L2 ${rel.toExponential(1)})`);
    });
  }
}
