/**
 * Engram's WebAssembly kernel module (memory/kernels/c/, built by scripts/build-kernels.mjs),
 * instantiated on the wasm backend's own memory: the kernels read their inputs and write their
 * outputs where tfjs keeps tensors, with no copies. This leans on tfjs-backend-wasm internals
 * (`wasm.asm.memory`, `dataIdMap`, `_malloc`), so package.json pins its exact version.
 */
import { readFileSync } from 'node:fs';
import { tf } from '../tf.ts';

/** The parts of tfjs-backend-wasm's BackendWasm the kernels use (private API of the pinned version). */
export interface WasmBackendInternals {
  wasm: { asm: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory; _malloc(bytes: number): number; _free(ptr: number): void };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): void;
}

/** The C exports (pointers are byte offsets into the backend's heap). */
export interface KernelExports {
  matmul(batch: number, M: number, N: number, K: number, a: number, strideA: number, transposeA: number, b: number, strideB: number,
    transposeB: number, c: number, pack: number): void;
  matmul_scratch(K: number, N: number): number;
  lstm_sequence_forward(T: number, B: number, D: number, H: number, x: number, w: number, bias: number, h0: number, c0: number,
    hInit: number, cInit: number, resets: number, hs: number, cs: number, acts: number, scratch: number): void;
  lstm_sequence_forward_scratch(B: number, D: number, H: number): number;
  lstm_sequence_backward(T: number, B: number, D: number, H: number, x: number, w: number, h0: number, c0: number,
    hInit: number, cInit: number, resets: number, hs: number, cs: number, acts: number, dhs: number, dcs: number,
    dx: number, dw: number, db: number, dh0: number, dc0: number, dhInit: number, dcInit: number, scratch: number): void;
  lstm_sequence_backward_scratch(T: number, B: number, D: number, H: number): number;
  layer_norm_forward(M: number, F: number, x: number, gamma: number, beta: number, eps: number, y: number, stats: number): void;
  layer_norm_backward(M: number, F: number, x: number, gamma: number, stats: number, dy: number, dx: number, dgamma: number, dbeta: number): void;
  dnd_cell_scratch(B: number, D: number, H: number): number;
  dnd_cell_forward(B: number, D: number, H: number, x: number, h: number, c: number, m: number, w: number, bias: number,
    hn: number, cn: number, r: number, acts: number, scratch: number): void;
  dnd_cell_backward(B: number, D: number, H: number, x: number, h: number, c: number, m: number, w: number, cn: number, acts: number,
    dhn: number, dcn: number, dr: number, dx: number, dh: number, dc: number, dm: number, dw: number, db: number, scratch: number): void;
  attention_forward(B: number, S: number, K: number, dk: number, dv: number, qkv: number, out: number, w: number): void;
  gated_update_forward(B: number, N: number, Dm: number, G: number, inputBias: number, forgetBias: number, prev: number, candidate: number,
    gm: number, gx: number, memory: number, gi: number, gf: number): void;
  gated_update_backward(B: number, N: number, Dm: number, G: number, prev: number, candidate: number, gi: number, gf: number, dMemory: number,
    dGi: number, dGf: number, dPrev: number, dCandidate: number, dGm: number, dGx: number): void;
  attention_backward(B: number, S: number, K: number, dk: number, dv: number, qkv: number, w: number, dout: number, dw: number, dqkv: number, scratch: number): void;
}

/** Whether the current backend has the kernel `name` (a fused op runs it, else its composite twin). */
export const hasKernel = (name: string): boolean => tf.getKernel(name, tf.getBackend()) !== undefined;

/** Runs a registered kernel by name: its outputs, on the tape when gradients are recorded. */
export function runKernel(name: string, inputs: Record<string, tf.Tensor | undefined>, attrs: object = {}): tf.Tensor[] {
  return tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor[];   // saved tensors are typed as maybe-missing; they never are
}

const binary = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url));

/** The backend's heap: the plain build exports its memory, the threaded one imports it (`wasmMemory`). */
export function heapOf(backend: WasmBackendInternals): WebAssembly.Memory {
  const memory = backend.wasm.asm.memory ?? backend.wasm.wasmMemory;
  if (!memory) throw new Error('the wasm backend exposes no memory (tfjs-backend-wasm changed)');
  return memory;
}

/** The module on one backend's heap, with a scratch buffer that grows as kernels ask. */
export class KernelModule {
  private scratchPtr = 0;
  private scratchBytes = 0;

  private constructor(readonly backend: WasmBackendInternals, readonly k: KernelExports) {}

  /** Instantiates the build that matches the backend's memory (shared for the threaded backend). */
  static load(backend: WasmBackendInternals): KernelModule {
    const memory = heapOf(backend);
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const mod = new WebAssembly.Module(binary(shared ? 'engram-kernels-threads.wasm' : 'engram-kernels.wasm'));
    const instance = new WebAssembly.Instance(mod, { env: { memory } });
    return new KernelModule(backend, instance.exports as unknown as KernelExports);
  }

  /** The heap offset of a tensor's data (an arrow, so kernels can take it apart: `const { ptr: p } = mod`). */
  readonly ptr = (t: tf.TensorInfo | undefined): number => {
    const d = t && this.backend.dataIdMap.get(t.dataId);
    if (!d) throw new Error('engram kernels: a tensor has no data on the wasm backend');
    return d.memoryOffset;
  };

  /** A new float32 output on the backend's heap. */
  readonly output = (shape: number[]): tf.TensorInfo => this.backend.makeOutput(shape, 'float32');

  /** A scratch buffer of at least `floats` floats, valid until the next call (kernels run one at a time). */
  scratch(floats: number): number {
    const bytes = Math.max(16, floats * 4);
    if (bytes > this.scratchBytes) {
      if (this.scratchPtr) this.backend.wasm._free(this.scratchPtr);
      this.scratchBytes = Math.max(bytes, 2 * this.scratchBytes);
      this.scratchPtr = this.backend.wasm._malloc(this.scratchBytes) >>> 0;
      if (this.scratchPtr === 0) throw new Error(`engram kernels: out of wasm memory for ${this.scratchBytes} bytes of scratch`);
    }
    return this.scratchPtr;
  }
}
