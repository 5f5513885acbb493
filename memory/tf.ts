/**
 * The one place Engram imports TensorFlow.js. Everything else imports `tf` from here.
 *
 * Backends: 'wasm' (default; SIMD, ~5-50x the pure-JS 'cpu'), 'cpu' (fallback), and the native
 * 'node' / 'node-gpu' when the user has installed `@tensorflow/tfjs-node[-gpu]` (not a dependency:
 * those download libtensorflow at install time). 'auto' picks node-gpu > node > wasm > cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../envs/errors.ts';
import { BACKENDS, MAX_WASM_THREADS, type BackendChoice } from './backends.ts';

export { tf };

export { BACKENDS, type BackendChoice };

const NATIVE: Record<'node' | 'node-gpu', string> = { node: '@tensorflow/tfjs-node', 'node-gpu': '@tensorflow/tfjs-node-gpu' };

// Silence tfjs's "install tfjs-node" banner: we pick the native backend ourselves when present.
tf.env().set('IS_NODE', typeof process !== 'undefined');

/**
 * Starts the chosen backend and returns the name actually in use ('wasm', 'cpu', 'tensorflow').
 * `threads` is for wasm (the native backends use all cores by themselves); it is fixed for the process.
 */
export async function initBackend(choice: BackendChoice = 'auto', threads = 1): Promise<string> {
  if (!(BACKENDS as readonly string[]).includes(choice)) {
    throw new ConfigError(`--backend must be one of ${BACKENDS.join(', ')}, got "${choice}"`);
  }
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new ConfigError(`--threads must be an integer from 1 to ${MAX_WASM_THREADS}, got ${threads}`);
  }
  const order: Exclude<BackendChoice, 'auto'>[] = choice === 'auto' ? ['node-gpu', 'node', 'wasm', 'cpu'] : [choice];
  for (const b of order) {
    if (await tryBackend(b, threads)) return tf.getBackend();
    if (choice !== 'auto') {
      throw new ConfigError(b === 'node' || b === 'node-gpu'
        ? `--backend ${b}: ${NATIVE[b]} is not installed or failed to load (npm install ${NATIVE[b]}), or use --backend auto`
        : `--backend ${b}: the ${b} backend failed to start`);
    }
  }
  throw new ConfigError('no TensorFlow.js backend could start (tried node-gpu, node, wasm, cpu)');
}

async function tryBackend(b: Exclude<BackendChoice, 'auto'>, threads: number): Promise<boolean> {
  try {
    if (b === 'node' || b === 'node-gpu') {
      await import(NATIVE[b]);
      return (await tf.setBackend('tensorflow')) && tf.getBackend() === 'tensorflow';
    }
    // A failed init resolves false and silently keeps the old backend, so check the name too.
    const started = b === 'wasm' ? await (await import('./wasm-threads.ts')).startWasm(threads) : await tf.setBackend(b);
    const ok = started && tf.getBackend() === b;
    if (ok) setFastMatMulGrad(b === 'wasm');
    if (ok && b === 'wasm') {
      (await import('./kernels/slice.ts')).installWasmSliceKernels();
      (await import('./kernels/install.ts')).installFusedKernels();
    }
    return ok;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    return false;
  }
}

const ORIGINAL_MATMUL_GRAD = tf.getGradient('BatchMatMul');

/**
 * tfjs's matMul gradient calls matMul with transposeA/B, a slow non-XNNPACK path on wasm.
 * Transposing explicitly and calling a plain matMul halves an LSTM A2C update there
 * (docs/backend.md §4). It slows the cpu backend, so it is on for wasm only.
 */
export function setFastMatMulGrad(on: boolean): void {
  tf.registerGradient(on ? FAST_MATMUL_GRAD : ORIGINAL_MATMUL_GRAD);
}

const swapLast = (x: tf.Tensor): tf.Tensor => {
  const perm = x.shape.map((_, i) => i);
  const n = perm.length;
  [perm[n - 2], perm[n - 1]] = [perm[n - 1] as number, perm[n - 2] as number];
  return tf.transpose(x, perm);
};

const FAST_MATMUL_GRAD: tf.GradConfig = {
  kernelName: 'BatchMatMul',
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const g = dy as tf.Tensor;
    // Broadcast batch dims need a reduction; leave those to the original gradient.
    if (a.rank !== b.rank || a.shape.slice(0, -2).join() !== b.shape.slice(0, -2).join()) {
      return ORIGINAL_MATMUL_GRAD.gradFunc(dy, saved, attrs);
    }
    const mm = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y);
    if (!transposeA && !transposeB) return { a: () => mm(g, swapLast(b)), b: () => mm(swapLast(a), g) };
    if (!transposeA && transposeB) return { a: () => mm(g, b), b: () => mm(swapLast(g), a) };
    if (transposeA && !transposeB) return { a: () => mm(b, swapLast(g)), b: () => mm(a, g) };
    return { a: () => mm(swapLast(b), swapLast(g)), b: () => mm(swapLast(g), swapLast(a)) };
  },
};
