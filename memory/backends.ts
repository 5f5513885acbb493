/** Backend names, kept apart from memory/tf.ts so the CLI can list them without loading tfjs. */
export const BACKENDS = ['auto', 'wasm', 'cpu', 'node', 'node-gpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

/** tfjs-backend-wasm starts 8 pthread workers and caps its thread pool there. */
export const MAX_WASM_THREADS = 8;

/**
 * The wasm backend aborts (a WebAssembly.RuntimeError "Aborted()") when its heap, at most 4 GB,
 * cannot grow: a batch too large for the model. Returns what to tell the user, or undefined for
 * any other error.
 */
export function wasmAbortMessage(e: unknown): string | undefined {
  if (!(e instanceof WebAssembly.RuntimeError) || !/^Aborted/.test(e.message)) return undefined;
  return 'the wasm backend ran out of memory (its heap holds at most 4 GB): this batch is too large for the model. '
    + 'Use fewer envs (--num-envs), a smaller core, or a native backend (npm install @tensorflow/tfjs-node, then --backend node)';
}
