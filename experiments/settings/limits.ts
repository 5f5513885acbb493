/** Ranges of the top-level settings and of the CLI flags that set them (kept apart from config.ts, which loads TensorFlow.js). */

/**
 * The ranges of the top-level settings. The upper bounds catch typos that would exhaust the machine
 * (1e6 envs need gigabytes before the first step) long before they limit a real run.
 */
export const LIMITS = {
  seed: [-(2 ** 31), 2 ** 31 - 1],
  numEnvs: [1, 4096],
  totalSteps: [1, 1e12],
  checkpointEvery: [1, 1e9],
  logEvery: [1, 1e9],
  evalEpisodes: [0, 1e6],
  nonFiniteLimit: [1, 1000],
} as const satisfies Record<string, readonly [number, number]>;

/** Episodes that `eval` and `watch` run, and `watch`/`replay` steps per second. */
export const EPISODES_MAX = 1e6;
export const FPS_MAX = 1000;
