/** The index of the largest of `n` values of `xs` from `offset` (the first one on ties). */
export function argMax(xs: ArrayLike<number>, offset = 0, n = xs.length - offset): number {
  let best = 0;
  for (let i = 1; i < n; i++) if ((xs[offset + i] as number) > (xs[offset + best] as number)) best = i;
  return best;
}
