/**
 * Every seed a run derives from its one `seed`, named in one place so that no two streams share a
 * seed by accident. The offsets are arbitrary but fixed: changing one changes every seeded figure
 * (the learning tests and the README's results were made with these).
 */
export const SEEDS = {
  /** The observation encoder's weights (the core takes `seed` itself). */
  encoder: (seed: number) => seed + 1,
  /** The weights after the core: A2C's policy and value heads, the supervised readout. */
  heads: (seed: number) => seed + 2,
  /**
   * The training envs' episodes and the action sampler after `updates` updates: a resumed run
   * restarts its episodes on a fresh stream, still fixed by the seed (a large prime apart).
   */
  training: (seed: number, updates: number) => seed + 7919 * updates,
  /** The envs and action sampler of distributed actor number `index` (0, 1, ...). */
  actor: (seed: number, index: number) => seed + 2_000_003 * (index + 1),
  /** Evaluation and `watch` episodes: far from every training stream of a short run. */
  evaluation: (seed: number) => seed + 1_000_003,
} as const;

/** φ⁻¹, the golden ratio's inverse: its multiples mod 1 spread evenly over [0, 1). */
const GOLDEN = 0.6180339887498949;

/**
 * Where the copy seeded `seed` starts in a list of n items (stories, examples, tokens):
 * ⌊n·frac(seed·φ⁻¹)⌋, so the copies of a vector env, seeded s, s + 1, …, start far apart.
 */
export function spreadIndex(seed: number, n: number): number {
  return Math.floor((((seed >>> 0) * GOLDEN) % 1) * n);
}
