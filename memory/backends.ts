/** Backend names, kept apart from memory/tf.ts so the CLI can list them without loading tfjs. */
export const BACKENDS = ['auto', 'wasm', 'cpu', 'node', 'node-gpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];
