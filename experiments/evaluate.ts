/**
 * Evaluation: run the current policy for N episodes on fresh envs (a seed stream disjoint from
 * training, tasks.md §0.2) and summarise returns and the env's own episode metrics.
 */
import type { A2CAgent } from '../agents/a2c/agent.ts';
import type { EpisodeEvent, RolloutObserver } from '../rollout/observer.ts';
import { Runner } from '../rollout/runner.ts';
import { disposeTrajectory } from '../rollout/trajectory.ts';
import { buildEnvs } from './build.ts';
import type { ExperimentConfig } from './config.ts';

/** Evaluation seeds sit this far from training seeds. */
export const EVAL_SEED_OFFSET = 1_000_003;

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

export function evaluate(agent: A2CAgent, cfg: ExperimentConfig, opts: EvalOptions): EvalResult {
  // At most 16 envs, so each env runs long episodes sequences (whole epochs of contextual choice).
  const numEnvs = Math.max(1, Math.min(cfg.numEnvs, 16, opts.episodes));
  const venv = buildEnvs(cfg, numEnvs, opts.envOverrides);
  // Each env contributes the same number of episodes: taking the first N to finish would favour
  // short (often bad) episodes.
  const quota = Math.ceil(opts.episodes / numEnvs);
  const perEnv = new Array<number>(numEnvs).fill(0);
  const done: Record<string, number>[] = [];
  const collector: RolloutObserver = {
    onEpisode: (e: EpisodeEvent) => {
      if ((perEnv[e.env] as number) >= quota) return;
      perEnv[e.env] = (perEnv[e.env] as number) + 1;
      done.push(e.episode);
    },
  };
  const runner = new Runner(venv, agent, {
    seed: opts.seed ?? cfg.seed + EVAL_SEED_OFFSET, greedy: opts.greedy ?? false, observers: [collector, ...(opts.observers ?? [])],
  });
  while (perEnv.some((n) => n < quota)) {
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
