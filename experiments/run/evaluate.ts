/**
 * Evaluation: run the current policy for N episodes on fresh envs (a seed stream disjoint from
 * training, docs/tasks.md §0.2) and summarise returns and the env's own episode metrics.
 */
import type { A2CAgent } from '../../agents/a2c/agent.ts';
import type { EpisodeEvent, RolloutObserver } from '../../rollout/observer.ts';
import { Runner } from '../../rollout/runner.ts';
import { disposeTrajectory } from '../../rollout/trajectory.ts';
import { SEEDS } from '../../envs/seeds.ts';
import { buildEnvs } from './build.ts';
import type { A2CExperimentConfig } from '../settings/config.ts';
import { PRESETS } from '../settings/presets.ts';

export interface EvalResult {
  episodes: number;
  meanReturn: number;
  stdReturn: number;
  meanLength: number;
  metrics: Record<string, number>;
}

export interface EvalOptions {
  episodes: number;
  greedy?: boolean;
  seed?: number;
  envOverrides?: Record<string, unknown>;
  observers?: RolloutObserver[];
}

export function evaluateA2C(agent: A2CAgent, cfg: A2CExperimentConfig, opts: EvalOptions): EvalResult {
  // At most 16 envs, and few enough that each runs the episodes its metrics need (whole epochs of
  // contextual choice: recall is measured on an epoch's second half).
  const perEnv = PRESETS[cfg.env]?.evalEpisodesPerEnv ?? 1;
  const numEnvs = Math.max(1, Math.min(cfg.numEnvs, 16, Math.floor(opts.episodes / perEnv)));
  const venv = buildEnvs(cfg, numEnvs, opts.envOverrides);
  // Each env contributes the same number of episodes: taking the first N to finish would favour
  // short (often bad) episodes.
  const quota = Math.ceil(opts.episodes / numEnvs);
  const taken = new Array<number>(numEnvs).fill(0);
  const done: Record<string, number>[] = [];
  const collector: RolloutObserver = {
    onEpisode: (e: EpisodeEvent) => {
      if ((taken[e.env] as number) >= quota) return;
      taken[e.env] = (taken[e.env] as number) + 1;
      done.push(e.episode);
    },
  };
  const runner = new Runner(venv, agent, {
    seed: opts.seed ?? SEEDS.evaluation(cfg.seed), greedy: opts.greedy ?? false, observers: [collector, ...(opts.observers ?? [])],
  });
  while (taken.some((n) => n < quota)) {
    const traj = runner.collect(cfg.agent.numSteps);
    disposeTrajectory(traj, agent);
  }
  runner.dispose();
  venv.close();
  return summarise(done.slice(0, opts.episodes));
}

export function summarise(episodes: Record<string, number>[]): EvalResult {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const returns = episodes.map((e) => Number(e.return));
  const m = mean(returns);
  const metrics: Record<string, number> = {};
  const keys = new Set(episodes.flatMap((e) => Object.keys(e)).filter((k) => k !== 'return' && k !== 'length'));
  for (const k of keys) metrics[k] = mean(episodes.filter((e) => e[k] !== undefined).map((e) => Number(e[k])));
  return {
    episodes: episodes.length, meanReturn: m, stdReturn: Math.sqrt(mean(returns.map((r) => (r - m) ** 2))),
    meanLength: mean(episodes.map((e) => Number(e.length))), metrics,
  };
}

/** Supervised evaluation: task metrics averaged over sequences (batches may differ in size). */
export function summariseBatches(batches: { metrics: Record<string, number>; sequences: number; lengths: Int32Array }[]): EvalResult {
  const n = batches.reduce((a, b) => a + b.sequences, 0);
  const metrics: Record<string, number> = {};
  for (const b of batches) {
    for (const [k, v] of Object.entries(b.metrics)) {
      if (k === 'task/sequences') continue;
      const key = k.replace(/^task\//, '');
      metrics[key] = (metrics[key] ?? 0) + (v * b.sequences) / n;
    }
  }
  const lengths = batches.flatMap((b) => Array.from(b.lengths));
  return { episodes: n, meanReturn: 0, stdReturn: 0, meanLength: lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length), metrics };
}

/**
 * Stream evaluation (docs/tasks.md §12): accuracy, bits per token and perplexity over every token
 * scored, whatever segment it fell in; `tokens` the number scored, `episodes` the pieces read.
 */
export function summariseStreams(batches: Record<string, number>[], pieces: number): EvalResult {
  let tokens = 0, right = 0, bits = 0;
  for (const m of batches) {
    const n = m['task/tokens'] ?? 0;
    tokens += n;
    right += (m['task/accuracy'] ?? 0) * n;
    bits += (m['task/bits_per_token'] ?? 0) * n;
  }
  const bitsPerToken = bits / Math.max(tokens, 1);
  return {
    episodes: pieces, meanReturn: 0, stdReturn: 0, meanLength: tokens / Math.max(pieces, 1),
    metrics: { accuracy: right / Math.max(tokens, 1), bits_per_token: bitsPerToken, perplexity: 2 ** bitsPerToken, tokens },
  };
}
