/**
 * Trainer — what the training loop, `eval` and `watch` need from a learner, whichever it is:
 * A2C (a Runner collecting rollouts for an A2CAgent) or supervised (batches of whole episodes of
 * a reward-free task env for a SupervisedLearner). The loop in train.ts knows only this.
 */
import { A2CAgent } from '../agents/a2c/agent.ts';
import type { A2CConfig } from '../agents/a2c/config.ts';
import type { AgentSnapshot } from '../agents/agent.ts';
import type { SupervisedConfig } from '../agents/supervised/config.ts';
import { SupervisedLearner } from '../agents/supervised/learner.ts';
import type { TargetSpec } from '../envs/env.ts';
import { ConfigError } from '../envs/errors.ts';
import { Rng, type RngState } from '../envs/rng.ts';
import type { SyncVectorEnv } from '../envs/vector.ts';
import { makeCore } from '../memory/registry.ts';
import { collectEpisodes, type EpisodeBatch } from '../rollout/episodes.ts';
import type { Metrics, RolloutObserver } from '../rollout/observer.ts';
import { Runner } from '../rollout/runner.ts';
import { disposeTrajectory } from '../rollout/trajectory.ts';
import { buildEnvs } from './build.ts';
import { CurriculumDriver, curriculaToTarget } from './curriculum-driver.ts';
import { updatesFor, type ExperimentConfig } from './config.ts';
import { evaluateA2C, summariseBatches, type EvalOptions, type EvalResult } from './evaluate.ts';
import { sequenceEvents, TRACE_INTERVAL_MS, watchedSequence } from './supervised-feed.ts';

export interface Trainer {
  readonly venv: SyncVectorEnv;
  /** Env steps taken so far (all envs). */
  readonly globalStep: number;
  /** One update: collect experience, learn from it. */
  iterate(): Metrics;
  evaluate(opts: EvalOptions): EvalResult;
  snapshot(): Promise<AgentSnapshot>;
  restore(s: AgentSnapshot, progress: RestoreProgress): Promise<void>;
  rngState(): RngState;
  /** The task curriculum's level while training drives one (curriculum-driver.ts), else undefined. */
  readonly curriculumLevel?: number | undefined;
  /** The A2C agent, for watching (undefined for supervised learners). */
  readonly agent?: A2CAgent;
  dispose(): void;
}

/** What restore() reads of a checkpoint's Progress; curriculumLevel is absent in older checkpoints. */
export interface RestoreProgress {
  readonly globalStep: number;
  readonly rngState: RngState;
  readonly curriculumLevel?: number;
}

export interface TrainerOptions {
  /** Seed of the envs' streams (a resumed run uses a fresh one). */
  envSeed: number;
  observers?: RolloutObserver[];
}

export function makeTrainer(cfg: ExperimentConfig, opts: TrainerOptions): Trainer {
  return cfg.learner === 'a2c' ? new A2CTrainer(cfg, cfg.agent as A2CConfig, opts) : new SupervisedTrainer(cfg, cfg.agent as SupervisedConfig, opts);
}

class A2CTrainer implements Trainer {
  readonly venv: SyncVectorEnv;
  readonly agent: A2CAgent;
  private readonly runner: Runner<ReturnType<A2CAgent['initialState']>>;

  constructor(private readonly cfg: ExperimentConfig, private readonly a2c: A2CConfig, opts: TrainerOptions) {
    this.venv = buildEnvs(cfg, cfg.numEnvs);
    this.agent = buildA2CAgent(cfg, a2c, this.venv);
    this.runner = new Runner(this.venv, this.agent, { seed: opts.envSeed, observers: opts.observers ?? [] });
  }
  get globalStep(): number { return this.runner.globalStep; }
  iterate(): Metrics {
    const traj = this.runner.collect(this.a2c.numSteps);
    const m = this.agent.learn(traj);
    disposeTrajectory(traj, this.agent);
    return m;
  }
  evaluate(opts: EvalOptions): EvalResult { return evaluateA2C(this.agent, this.cfg, this.a2c, opts); }
  snapshot(): Promise<AgentSnapshot> { return this.agent.snapshot(); }
  async restore(s: AgentSnapshot, p: RestoreProgress): Promise<void> {
    await this.agent.restore(s);
    this.runner.globalStep = p.globalStep;
    this.runner.setRngState(p.rngState);
  }
  rngState(): RngState { return this.runner.rng.getState(); }
  dispose(): void { this.runner.dispose(); this.agent.dispose(); this.venv.close(); }
}

export function buildA2CAgent(cfg: ExperimentConfig, a2c: A2CConfig, venv: SyncVectorEnv): A2CAgent {
  return new A2CAgent({
    obsShape: venv.singleObservationSpace.shape,
    numActions: (venv.singleActionSpace.toJSON() as { n: number }).n,
    makeCore: (inputSize) => makeCore(cfg.core, { ...cfg.coreOptions, inputSize, seed: cfg.seed }),
    config: a2c, seed: cfg.seed, totalUpdates: updatesFor(cfg, a2c),
  });
}

class SupervisedTrainer implements Trainer {
  readonly venv: SyncVectorEnv;
  readonly learner: SupervisedLearner;
  readonly target: TargetSpec;
  globalStep = 0;
  private readonly rng: Rng;
  private envSeed: number | undefined;
  /** The caller's array, not a copy: train() adds the metrics log and the feed after construction. */
  private readonly observers: RolloutObserver[];
  private lastTraceAt = -Infinity;
  /** Advances the task's curriculum (undefined when it has none that moves). */
  private readonly curriculum: CurriculumDriver | undefined;

  constructor(private readonly cfg: ExperimentConfig, config: SupervisedConfig, opts: TrainerOptions) {
    this.venv = buildEnvs(cfg, cfg.numEnvs);
    this.target = targetOf(cfg.env, this.venv);
    this.learner = new SupervisedLearner({
      obsShape: this.venv.singleObservationSpace.shape, target: this.target, config, seed: cfg.seed,
      makeCore: (inputSize) => makeCore(cfg.core, { ...cfg.coreOptions, inputSize, seed: cfg.seed }),
    });
    this.rng = new Rng(opts.envSeed);
    this.envSeed = opts.envSeed;
    this.observers = opts.observers ?? [];
    this.curriculum = CurriculumDriver.of(this.venv.envs);
  }
  get curriculumLevel(): number | undefined { return this.curriculum?.level; }
  iterate(): Metrics {
    // The first batch seeds the envs; later ones continue their streams.
    const batch = collectEpisodes(this.venv, this.target, this.envSeed !== undefined ? { seed: this.envSeed } : {});
    this.envSeed = undefined;
    const m = this.learner.learn(batch);
    this.globalStep += batch.lengths.reduce((a, b) => a + b, 0);
    this.traceWatched(batch);
    return this.curriculum ? { ...m, ...this.curriculum.observe(m) } : m;
  }

  /**
   * Shows the followed sequence to the viewer: re-runs it alone through the model just updated and
   * sends a StepEvent per step and an EpisodeEvent. Only observers that follow an env get them:
   * the metrics log averages every EpisodeEvent into the run's metrics, and a trace (sent only
   * while someone watches) must not change those.
   */
  private traceWatched(batch: EpisodeBatch): void {
    if (performance.now() - this.lastTraceAt < TRACE_INTERVAL_MS) return;
    const b = watchedSequence(this.observers, batch.numEnvs);
    if (b === undefined) return;
    this.lastTraceAt = performance.now();
    const { steps, episode } = sequenceEvents(batch, b, this.learner.trace(batch, b), { task: this.cfg.env, target: this.target, globalStep: this.globalStep });
    const watchers = this.observers.filter((o) => o.watchedEnv);
    for (const e of steps) for (const o of watchers) o.onStep?.(e);
    for (const o of watchers) o.onEpisode?.(episode);
  }
  evaluate(opts: EvalOptions): EvalResult {
    const numEnvs = Math.max(1, Math.min(this.cfg.numEnvs, opts.episodes));
    const venv = buildEnvs(this.cfg, numEnvs, opts.envOverrides);
    curriculaToTarget(venv.envs);   // fresh envs start at curriculumStart; evaluate the full difficulty
    const batches: { metrics: Metrics; sequences: number; lengths: Int32Array }[] = [];
    let seed: number | undefined = opts.seed ?? this.cfg.seed + 1_000_003;
    for (let n = 0; n < opts.episodes; n += numEnvs) {
      const batch = collectEpisodes(venv, this.target, seed !== undefined ? { seed } : {});
      seed = undefined;
      batches.push({ metrics: this.learner.evaluate(batch), sequences: batch.numEnvs, lengths: batch.lengths });
    }
    venv.close();
    return summariseBatches(batches);
  }
  snapshot(): Promise<AgentSnapshot> { return this.learner.snapshot(); }
  async restore(s: AgentSnapshot, p: RestoreProgress): Promise<void> {
    await this.learner.restore(s);
    this.globalStep = p.globalStep;
    this.rng.setState(p.rngState);
    if (p.curriculumLevel !== undefined) this.curriculum?.setLevel(p.curriculumLevel);
  }
  rngState(): RngState { return this.rng.getState(); }
  dispose(): void { this.learner.dispose(); this.venv.close(); }
}

function targetOf(env: string, venv: SyncVectorEnv): TargetSpec {
  const t = venv.metadata.target as TargetSpec | undefined;
  if (!t) throw new ConfigError(`${env} is reward-free but declares no metadata.target ({kind: 'categorical', numClasses} or {kind: 'bernoulli', size})`);
  return t;
}
