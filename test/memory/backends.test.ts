/** wasmAbortMessage: a wasm heap abort becomes one clear line; every other error is left alone. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wasmAbortMessage } from '../../memory/backends.ts';

test('a wasm "Aborted()" RuntimeError gets the out-of-memory advice', () => {
  const m = wasmAbortMessage(new WebAssembly.RuntimeError('Aborted(). Build with -sASSERTIONS for more info.'));
  assert.match(m ?? '', /wasm backend ran out of memory .*4 GB.*--num-envs.*tfjs-node/);
});

test('other errors, and other wasm traps, are not mistaken for it', () => {
  assert.equal(wasmAbortMessage(new Error('Aborted()')), undefined);
  assert.equal(wasmAbortMessage(new WebAssembly.RuntimeError('unreachable')), undefined);
  assert.equal(wasmAbortMessage('Aborted()'), undefined);
});
