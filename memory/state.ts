/**
 * Helpers over state trees: the generic `resetWhere` blend (docs/cores.md §1.2), zero states from a
 * spec, mapping, disposal.
 */
import type { CoreState, LeafSpec, MemoryCore, SpecTree } from './core.ts';
import { tf } from './tf.ts';

export function isLeafSpec(x: LeafSpec | SpecTree): x is LeafSpec {
  return Array.isArray((x as LeafSpec).shape) && typeof (x as LeafSpec).reset === 'string';
}

/** Zeros of the spec's shapes ([B, ...shape]) and dtypes, but for the leaves `given` holds. */
export function zeroState(spec: SpecTree, batchSize: number, given?: CoreState): CoreState {
  const out: Record<string, tf.Tensor | CoreState> = {};
  for (const [k, sp] of Object.entries(spec)) {
    const g = given?.[k];
    if (isLeafSpec(sp)) out[k] = g instanceof tf.Tensor ? g : tf.zeros([batchSize, ...sp.shape], sp.dtype);
    else out[k] = zeroState(sp, batchSize, g instanceof tf.Tensor ? undefined : g);
  }
  return out;
}

/** Row `b` of a [B, ...] tensor as plain numbers (for `inspect`). */
export function rowOf(t: tf.Tensor, b: number): number[] {
  const r = tf.tidy(() => tf.slice(t, [b], [1]).reshape([-1]));   // [B, ...] -> [n]
  const out = Array.from(r.dataSync());
  r.dispose();
  return out;
}

/** Every tensor of a state tree, depth first in key order. */
export function stateLeaves(state: CoreState): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  const walk = (s: CoreState) => {
    for (const k of Object.keys(s).sort()) {
      const v = s[k] as tf.Tensor | CoreState;
      if (v instanceof tf.Tensor) out.push(v);
      else walk(v);
    }
  };
  walk(state);
  return out;
}

export function disposeState(state: CoreState | undefined): void {
  if (state) tf.dispose(stateLeaves(state));
}

/** Applies `fn` to every leaf, with its spec when one is given. */
export function mapState<S extends CoreState>(state: S, fn: (t: tf.Tensor, spec: LeafSpec | undefined, path: string) => tf.Tensor,
  spec?: SpecTree, path = ''): S {
  const out: Record<string, tf.Tensor | CoreState> = {};
  for (const k of Object.keys(state)) {
    const v = state[k] as tf.Tensor | CoreState;
    const sp = spec?.[k];
    const p = path ? `${path}.${k}` : k;
    if (v instanceof tf.Tensor) out[k] = fn(v, sp && isLeafSpec(sp) ? sp : undefined, p);
    else out[k] = mapState(v, fn, sp && !isLeafSpec(sp) ? sp : undefined, p);
  }
  return out as S;
}

/**
 * The §1.2 blend, driven by the core's stateSpec: 'initial' leaves go back to initialState where
 * resets = 1; 'persistent' leaves only where flush = 1; 'diagnostic' leaves to 0.
 * Exact: resets = 0 returns every leaf unchanged; resets = 1 gives initialState bitwise.
 */
export function resetBySpec<S extends CoreState>(core: MemoryCore<S>, state: S, resets: tf.Tensor1D, flush?: tf.Tensor1D): S {
  return tf.tidy(() => {
    const batch = resets.shape[0];
    const initial = core.initialState(batch);
    const init = new Map<string, tf.Tensor>();
    mapState(initial, (t, _s, p) => { init.set(p, t); return t; });
    const spec = core.stateSpec();
    return mapState(state, (s, leaf, p) => {
      const policy = leaf?.reset ?? 'initial';
      const mask = policy === 'persistent' ? flush : resets;
      if (!mask) return s.clone();
      const s0 = policy === 'diagnostic' ? tf.zerosLike(s) : (init.get(p) as tf.Tensor);
      return blend(s, s0, mask);
    }, spec);
  });
}

/** out[b] = mask[b] ? s0[b] : s[b], exact in both branches. */
export function blend(s: tf.Tensor, s0: tf.Tensor, mask: tf.Tensor1D): tf.Tensor {
  return tf.tidy(() => {
    const shape = [mask.shape[0], ...new Array<number>(s.rank - 1).fill(1)];
    if (s.dtype === 'int32') {
      const cond = tf.cast(mask, 'bool').reshape(shape).broadcastTo(s.shape);
      return tf.where(cond, s0, s);
    }
    const m = mask.reshape(shape);
    return tf.add(tf.mul(s, tf.sub(1, m)), tf.mul(s0, m));
  });
}
