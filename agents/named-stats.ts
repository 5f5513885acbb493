/**
 * Named statistics read back in one sync. A learner names each scalar and vector it reports;
 * their places in the packed tensor stay private here, so adding a loss term cannot shift
 * another term's reading (as `s[2]` on a positional array would).
 */
import { tf } from '../memory/tf.ts';

/** Tensors to read back: scalars and [n] vectors, by name. */
export interface NamedTensors<K extends string = string, V extends string = never> {
  readonly scalars: Readonly<Record<K, tf.Scalar>>;
  readonly vectors?: Readonly<Record<V, tf.Tensor1D>>;
}

/** Their values, by the same names. */
export interface NamedValues<K extends string = string, V extends string = never> {
  readonly scalars: Readonly<Record<K, number>>;
  readonly vectors: Readonly<Record<V, Float32Array>>;
}

/** One [n] tensor holding every value, scalars first, in the order of their names (call inside a tidy). */
export function packNamed<K extends string, V extends string>(t: NamedTensors<K, V>): tf.Tensor1D {
  const parts: tf.Tensor1D[] = [...Object.values<tf.Scalar>(t.scalars).map((x) => x.reshape([1]) as tf.Tensor1D), ...Object.values<tf.Tensor1D>(t.vectors ?? {})];
  return (parts.length === 0 ? tf.zeros([0]) : tf.concat(parts)) as tf.Tensor1D;
}

/** The values of `t`, packed by `packNamed` at `offset` of `data` (`t` may be disposed by now: only its names and shapes are read). */
export function unpackNamed<K extends string, V extends string>(t: NamedTensors<K, V>, data: Float32Array, offset = 0): NamedValues<K, V> {
  const scalars = {} as Record<K, number>, vectors = {} as Record<V, Float32Array>;
  let i = offset;
  for (const k of Object.keys(t.scalars) as K[]) scalars[k] = data[i++] as number;
  for (const [k, v] of Object.entries<tf.Tensor1D>(t.vectors ?? {}) as [V, tf.Tensor1D][]) {
    vectors[k] = data.slice(i, i + v.shape[0]);
    i += v.shape[0];
  }
  return { scalars, vectors };
}

/** Reads `t` back in one sync; `t` itself is left to the caller. */
export function readNamed<K extends string, V extends string>(t: NamedTensors<K, V>): NamedValues<K, V> {
  const packed = tf.tidy(() => packNamed(t));
  const data = packed.dataSync() as Float32Array;
  packed.dispose();
  return unpackNamed(t, data);
}
