/**
 * Gradient-tape helpers shared by cores: a typed `customGrad`, `offTape` (constants computed off the
 * tape) and the cached-transpose matMul gradient (`TransposeCache`, `matMulCachedGrad`).
 */
import { tf } from './tf.ts';

/** Keeps tensors for the gradient function; tfjs passes it after the inputs. */
export type SaveFunc = (tensors: tf.Tensor[]) => void;

export interface GradResult<T extends tf.Tensor> {
  readonly value: T;
  readonly gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
}

/**
 * tf.customGrad with typed inputs: `f` takes the inputs (then `save`, if it keeps any), and the
 * result takes the same inputs. tfjs types every input as `Tensor | save`, so this is the one cast.
 */
export function customGrad<A extends tf.Tensor[], T extends tf.Tensor>(f: (...args: [...A, SaveFunc]) => GradResult<T>): (...args: A) => T;
export function customGrad<A extends tf.Tensor[], T extends tf.Tensor>(f: (...args: A) => GradResult<T>): (...args: A) => T;
export function customGrad(f: unknown): unknown {
  return tf.customGrad(f as Parameters<typeof tf.customGrad>[0]);
}

/**
 * Runs `fn` off the gradient tape and returns its value as a constant: tfjs records no op inside a
 * customGrad's forward pass, and the gradient with respect to `anchor` (any input, usually the
 * query) is zero. Outside a gradient scope it simply runs `fn`.
 */
export function offTape<T extends tf.Tensor>(anchor: tf.Tensor, fn: () => T): T {
  const shape = anchor.shape, dtype = anchor.dtype;
  const f = customGrad((_a: tf.Tensor) => ({ value: fn(), gradFunc: () => tf.zeros(shape, dtype) }));
  return f(anchor);
}

/**
 * W^T of a weight, computed once per weight version (the variable's dataId changes on every
 * optimizer update) and kept, so every time step's backward pass reuses one tensor, which
 * XNNPACK packs once. Owned by its core; `dispose()` frees the cached tensor.
 */
export class TransposeCache {
  private key: object | undefined;
  private value: tf.Tensor2D | undefined;

  get(w: tf.Variable): tf.Tensor2D {
    if (this.value === undefined || this.key !== w.dataId) {
      this.value?.dispose();
      this.value = tf.keep(tf.tidy(() => tf.transpose(w) as tf.Tensor2D));   // [K, N] -> [N, K]
      this.key = w.dataId;
    }
    return this.value;
  }

  dispose(): void {
    this.value?.dispose();
    this.value = undefined;
    this.key = undefined;
  }
}

/**
 * a·w with a gradient that uses the given wT = w^T for da (no per-step transpose of the weight):
 * [M, K]·[K, N] -> [M, N]; da = dy·wT: [M, N]·[N, K]; dw = a^T·dy: [K, M]·[M, N].
 * `wT` is captured, not saved: it must stay alive until the backward pass (a kept cache entry).
 */
export function matMulCachedGrad(a: tf.Tensor2D, w: tf.Tensor2D, wT: tf.Tensor2D): tf.Tensor2D {
  const f = customGrad((x: tf.Tensor2D, weight: tf.Tensor2D, save: SaveFunc) => {
    save([x]);
    return {
      value: tf.matMul(x, weight) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const xs = saved[0] as tf.Tensor2D;
        return [tf.matMul(dy, wT), tf.matMul(tf.transpose(xs), dy)];
      },
    };
  });
  return f(a, w);
}
