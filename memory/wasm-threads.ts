/**
 * Multi-threaded wasm under Node. tfjs-backend-wasm ships a threaded SIMD build (XNNPACK over a
 * pthread pool) but switches it off in Node (tfjs issue #3830) for three reasons, each bridged here:
 * - its pthread workers are started from a Blob URL, which Node's Worker cannot load: we start them
 *   from the worker source itself (`eval`), and they load the wasm module file by path;
 * - the pool size is fixed at start as half the logical cores (for hyper-threading), so one thread
 *   on a 2-core machine: `os.cpus()` is widened while the module starts;
 * - a running pthread keeps Node's event loop alive, so a script would never exit: its worker's
 *   `ref` is a no-op (the pool's threads talk through shared memory, not messages).
 * Threads speed up large matMuls nearly linearly (2 threads: ~1.8x on a 1024² matMul, on 2 cores).
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import workerThreads from 'node:worker_threads';
import { ConfigError } from '../envs/errors.ts';
import { tf } from './tf.ts';

/** The Worker class the threaded module should use: its pthreads' source, runnable in Node. */
function pthreadWorkerClass(): typeof workerThreads.Worker {
  const require = createRequire(import.meta.url);
  const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
  const factoryFile = path.join(wasmDir, 'tfjs-backend-wasm-threaded-simd.js');
  const source = (require(path.join(wasmDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string })
    .wasmWorkerContents
    // The source is a template literal whose "\n" escapes became newlines (tfjs does the same).
    .replace(/\n/g, '\\n');
  // The worker imports the module from a Blob URL it cannot read in Node; give it the file instead.
  const loadFactoryByPath = `;{const load=global.importScripts;global.importScripts=f=>String(f).startsWith('blob:')`
    + `?(global.WasmBackendModuleThreadedSimd=require(${JSON.stringify(factoryFile)})):load(f);}`;
  return class PthreadWorker extends workerThreads.Worker {
    constructor(file: string | URL, options?: workerThreads.WorkerOptions) {
      if (typeof file === 'string' && file.startsWith('blob:')) super(source + loadFactoryByPath, { eval: true });
      else super(file, options);
    }

    override ref(): void {}
  };
}

/**
 * Starts the wasm backend with `threads` threads (1: the plain SIMD build). Returns false if the
 * plain build failed; the threaded one throws instead (the user asked for it, so no silent fallback),
 * also when it runs another thread count (tfjs changed, or wasm was already running).
 */
export async function startWasm(threads: number): Promise<boolean> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (threads <= 1) return tf.setBackend('wasm');
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  const fail = (why: string) => new ConfigError(`--threads ${threads}: ${why}; use --threads 1`);
  const { Worker } = workerThreads;
  const cpus = os.cpus;
  const cpu = cpus()[0] as os.CpuInfo;
  try {
    (workerThreads as { Worker: typeof Worker }).Worker = pthreadWorkerClass();
    os.cpus = () => Array.from({ length: 2 * threads }, () => cpu);
    if (!(await tf.setBackend('wasm'))) throw fail('the threaded wasm backend failed to start');
  } catch (e) {
    throw e instanceof ConfigError ? e : fail(`the threaded wasm backend failed to start (${(e as Error).message})`);
  } finally {
    os.cpus = cpus;
    (workerThreads as { Worker: typeof Worker }).Worker = Worker;
  }
  const got = wasm.getThreadsCount();
  if (got !== threads) throw fail(`the wasm backend runs ${got} thread(s), not ${threads}`);
  return true;
}
