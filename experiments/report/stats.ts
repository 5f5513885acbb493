/**
 * The report's statistics: means with a 95% interval across seeds (Student's t, as seeds are few)
 * and a 2-D principal-component projection. mathjs does the arithmetic and the eigen-decomposition;
 * jstat gives the t quantile (mathjs has no t distribution).
 */
import jstat from 'jstat';
import { eigs, mean, multiply, std, subtract, transpose, type Matrix } from 'mathjs';

export interface Interval {
  readonly n: number;
  readonly mean: number;
  /** The 95% interval of the mean; equal to the mean with one value. */
  readonly lo: number;
  readonly hi: number;
}

export function interval(xs: readonly number[]): Interval {
  const finite = xs.filter(Number.isFinite);
  const n = finite.length;
  if (n === 0) return { n: 0, mean: NaN, lo: NaN, hi: NaN };
  const m = mean(finite) as number;
  if (n === 1) return { n, mean: m, lo: m, hi: m };
  const half = jstat.jStat.studentt.inv(0.975, n - 1) * (std(finite) as unknown as number) / Math.sqrt(n);
  return { n, mean: m, lo: m - half, hi: m + half };
}

/**
 * Each row projected on the two principal components of the rows (centred; the components'
 * signs fixed so that their largest entry is positive, for the same picture on every run).
 */
export function pca2(rows: readonly number[][]): { points: [number, number][]; explained: [number, number] } {
  const d = rows[0]?.length ?? 0;
  if (rows.length < 3 || d < 2) return { points: rows.map((r) => [r[0] ?? 0, r[1] ?? 0]), explained: [NaN, NaN] };
  const centre = mean(rows as number[][], 0) as unknown as number[];
  const x = rows.map((r) => subtract(r, centre) as number[]);
  const cov = (multiply(transpose(x), x) as number[][]).map((r) => r.map((v) => v / (rows.length - 1)));
  const { eigenvectors } = eigs(cov, { eigenvectors: true } as never) as unknown as { eigenvectors: { value: number | { re: number }; vector: number[] | Matrix }[] };
  const total = eigenvectors.reduce((a, e) => a + Math.max(0, re(e.value)), 0);
  const top = [...eigenvectors].sort((a, b) => re(b.value) - re(a.value)).slice(0, 2).map((e) => {
    const v = (Array.isArray(e.vector) ? e.vector : (e.vector.toArray() as number[])).map(re);
    const big = v.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
    return { value: re(e.value), v: big < 0 ? v.map((u) => -u) : v };
  });
  const [a, b] = top as [{ value: number; v: number[] }, { value: number; v: number[] }];
  const dot = (r: number[], v: number[]) => r.reduce((s, u, i) => s + u * (v[i] as number), 0);
  return { points: x.map((r) => [dot(r, a.v), dot(r, b.v)]), explained: [a.value / total, b.value / total] };
}

/** A real eigenvalue or vector entry (a symmetric matrix has only those; mathjs may box them). */
const re = (v: number | { re: number }) => (typeof v === 'number' ? v : v.re);
