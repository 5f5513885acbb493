/**
 * Puts Engram's fused WebAssembly kernels in place on the wasm backend, after it starts: loads the
 * module on the backend's heap; registers BatchMatMul, the whole-sequence LSTM, the LSTM cell, the
 * DND-LSTM's cell, and the RMC's LayerNorm, attention core and gated update; and runs a self-test
 * of each against tfjs's own ops. On any failure it logs one line and leaves tfjs's ops in place:
 * the kernels share tfjs's heap, so a wrong result must never go unnoticed.
 * ENGRAM_KERNELS=off keeps them out (docs/kernels.md).
 */
import { dndLstmStep } from '../dnd-lstm.ts';
import { lstmStep } from '../lstm-step.ts';
import { setFastMatMulGrad, tf } from '../tf.ts';
import { attentionCore, attentionKernels } from './attention.ts';
import { batchMatMulKernel } from './batch-matmul.ts';
import { dndCellKernels } from './dnd-cell.ts';
import { gatedUpdate, gatedUpdateKernels, type GatedUpdateInputs } from './gated-update.ts';
import { layerNormKernels, layerNormOp } from './layer-norm.ts';
import { lstmCellKernels } from './lstm-cell.ts';
import { LSTM_SEQUENCE, lstmSequence, lstmSequenceKernels, type LstmSequenceInputs } from './lstm-sequence.ts';
import { hasKernel, KernelModule, type WasmBackendInternals } from './module.ts';

/** Whether the fused kernels serve the current backend. */
export function fusedKernelsActive(): boolean {
  return hasKernel(LSTM_SEQUENCE);
}

/** Off by ENGRAM_KERNELS=off (or 0, false). */
export function fusedKernelsWanted(): boolean {
  return !/^(off|0|false|no)$/i.test(process.env.ENGRAM_KERNELS ?? '');
}

let stockMatMul: tf.KernelConfig | undefined;
/** The kernels the last install registered on wasm (uninstall takes them out again). */
let registered: string[] = [];

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
    const fused = [lstmSequenceKernels(mod), lstmCellKernels(mod), dndCellKernels(mod), layerNormKernels(mod), attentionKernels(mod), gatedUpdateKernels(mod)];
    for (const k of [batchMatMulKernel(mod, stockMatMul.kernelFunc), ...fused.flatMap((f) => f.kernels)]) {
      if (tf.getKernel(k.kernelName, 'wasm')) tf.unregisterKernel(k.kernelName, 'wasm');
      tf.registerKernel(k);
      registered.push(k.kernelName);
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
  for (const name of registered) if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  registered = [];
  if (stockMatMul) {
    if (tf.getKernel('BatchMatMul', 'wasm')) tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel(stockMatMul);
  }
  setFastMatMulGrad(tf.getBackend() === 'wasm');
}

type Case = { name: string; run: () => tf.Tensor[]; expected: Float32Array[] };

/**
 * Small seeded cases computed by tfjs's own ops before our kernels are registered: each fused op's
 * value and its gradients with respect to every input, on odd sizes.
 */
function selfTestCases(): Case[] {
  const u = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);
  /** The value of f and its gradients with respect to its inputs (made anew, seeded, inside the scope). */
  const withGrads = (f: (...xs: tf.Tensor[]) => tf.Scalar, inputs: () => tf.Tensor[]) => () => tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads(f)(inputs());
    return [value, ...grads];
  });
  const sq = (t: tf.Tensor) => tf.sum(tf.square(t)) as tf.Scalar;
  const T = 3, B = 2, D = 3, H = 5;
  const cases: Omit<Case, 'expected'>[] = [
    ...([[3, 5, 7, false, false], [9, 33, 8, true, false], [2, 1, 9, false, true], [8, 3, 7, true, true]] as const).map(([M, K, N, ta, tb], s) => ({
      name: `a batched matMul ${ta ? 'Aᵀ' : 'A'}·${tb ? 'Bᵀ' : 'B'}`,
      run: withGrads((a, b) => sq(tf.matMul(a as tf.Tensor, b as tf.Tensor, ta, tb)), () => [u([2, ...(ta ? [K, M] : [M, K])], s), u([2, ...(tb ? [N, K] : [K, N])], s + 9)]),
    })),
    {
      name: 'the whole-sequence LSTM',
      run: withGrads((x, w, b, h0, c0, hInit, cInit) => {
        const r = lstmSequence({ x, w, b, h0, c0, hInit, cInit, resets: tf.tensor2d([0, 0, 1, 0, 0, 1], [T, B]) } as LstmSequenceInputs);
        return tf.add(sq(r.hs), tf.sum(r.cs)) as tf.Scalar;
      }, () => [u([T, B, D], 1), u([D + H, 4 * H], 2), u([4 * H], 3), u([B, H], 4), u([B, H], 5), u([B, H], 6), u([B, H], 7)]),
    },
    {
      name: 'the LSTM cell',
      run: withGrads((x, h, c, w, b) => {
        const r = lstmStep(x as tf.Tensor2D, h as tf.Tensor2D, c as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D);
        return tf.sum(tf.mul(r.h, r.c));
      }, () => [u([B, D], 1), u([B, H], 2), u([B, H], 3), u([D + H, 4 * H], 4), u([4 * H], 5)]),
    },
    {
      name: 'the DND-LSTM cell',
      run: withGrads((x, h, c, w, b, m) => {
        const r = dndLstmStep(x as tf.Tensor2D, h as tf.Tensor2D, c as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, m as tf.Tensor2D);
        return tf.addN([tf.sum(tf.mul(r.h, r.c)), sq(r.r)]) as tf.Scalar;
      }, () => [u([B, D], 1), u([B, H], 2), u([B, H], 3), u([D + H, 5 * H], 4), u([5 * H], 5), u([B, H], 6)]),
    },
    {
      name: 'LayerNorm',
      run: withGrads((x, g, b) => sq(layerNormOp(x as tf.Tensor, g as tf.Tensor1D, b as tf.Tensor1D)) as tf.Scalar, () => [u([7, 6], 1), u([6], 2), u([6], 3)]),
    },
    {
      name: 'the attention core',   // B = 2, S = 3, K = 2 heads of dk = 2, dv = 3
      run: withGrads((qkv) => {
        const r = attentionCore(qkv as tf.Tensor2D, 2, 3, { numHeads: 2, keySize: 2, headSize: 3 });
        return tf.add(sq(r.output), tf.sum(tf.mul(r.attention, tf.range(0, 36).reshape([2, 2, 3, 3])))) as tf.Scalar;
      }, () => [u([6, 14], 1)]),
    },
    {
      name: 'the gated update',   // B = 2, N = 3, Dm = G = 4
      run: withGrads((prev, candidate, gm, gx) => {
        const r = gatedUpdate({ prev, candidate, gm, gx } as GatedUpdateInputs, 0.5, 1);
        return tf.addN([sq(r.memory), tf.sum(tf.mul(r.inputGate, r.forgetGate))]) as tf.Scalar;
      }, () => [u([2, 3, 4], 1), u([2, 3, 4], 2), u([2, 3, 8], 3), u([2, 8], 4)]),
    },
  ];
  return cases.map((c) => {
    const out = c.run();
    const expected = out.map((t) => t.dataSync() as Float32Array);
    tf.dispose(out);
    return { ...c, expected };
  });
}

/** Reruns the cases on our kernels; relative L2 distance at most 1e-5 (sigmoid and tanh differ by ~1e-7). */
function checkSelfTest(cases: Case[]): void {
  for (const c of cases) {
    const out = c.run();
    const got = out.map((t) => t.dataSync() as Float32Array);
    tf.dispose(out);
    got.forEach((g, k) => {
      const e = c.expected[k] as Float32Array;
      let d = 0, s = 0;
      for (let j = 0; j < e.length; j++) { d += ((g[j] as number) - (e[j] as number)) ** 2; s += (e[j] as number) ** 2; }
      const rel = Math.sqrt(d / Math.max(s, 1e-30));
      const what = k === 0 ? 'value' : `gradient ${k}`;
      if (!(rel <= 1e-5) || g.length !== e.length) throw new Error(`${c.name}: its ${what} differs from tfjs's ops (relative L2 ${rel.toExponential(1)})`);
    });
  }
}
