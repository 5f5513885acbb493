/**
 * Trainer — what the training loop, `eval` and `watch` need from a learner, whichever it is:
 * A2C (a Runner collecting rollouts for an A2CAgent) or supervised (batches of whole episodes of
 * a reward-free task env for a SupervisedLearner). The loop in loop.ts knows only this.
 */
import { A2CAgent } from '../../agents/a2c/agent.ts';
import type { Learner, LearnerSnapshot } from '../../agents/learner.ts';
import { StateCarry, SupervisedLearner } from '../../agents/supervised/learner.ts';
import type { TargetSpec } from '../../envs/env.ts';
import { ConfigError } from '../../envs/errors.ts';
import type { RngState } from '../../envs/rng.ts';
import { SEEDS } from '../../envs/seeds.ts';
import { discreteActions } from '../../envs/space.ts';
import type { SyncVectorEnv } from '../../envs/vector.ts';
import type { CoreState } from '../../memory/core.ts';
import { makeCore } from '../../memory/registry.ts';
import { collectEpisodes, EpisodeSource, type EpisodeBatch } from '../../rollout/episodes.ts';
import type { Metrics, RolloutObserver } from '../../rollout/observer.ts';
import { Runner } from '../../rollout/runner.ts';
import { SegmentSource } from '../../rollout/segments.ts';
import { RolloutSource, type ExperienceSource } from '../../rollout/source.ts';
import type { Trajectory } from '../../rollout/trajectory.ts';
import { buildEnvs } from './build.ts';
import { CurriculumDriver, curriculaToTarget } from './curriculum-driver.ts';
import { updatesFor, type A2CExperimentConfig, type ExperimentConfig } from '../settings/config.ts';
import { evaluateA2C, summariseBatches, summariseStreams, type EvalOptions, type EvalResult } from './evaluate.ts';
import { sequenceEvents, TRACE_INTERVAL_MS, watchedSequence } from './supervised-feed.ts';

export interface Trainer {
  readonly venv: SyncVectorEnv;
  /** Env steps taken so far (all envs). */
  readonly globalStep: number;
  /**
   * One update: the next batch of experience, learned from. A remote source may have nothing yet:
   * undefined means no update happened (the loop asks again, or stops if told to).
   */
  iterate(): Metrics | undefined | Promise<Metrics | undefined>;
  evaluate(opts: EvalOptions): EvalResult;
  snapshot(): Promise<LearnerSnapshot>;
  restore(s: LearnerSnapshot, progress: RestoreProgress): Promise<void>;
  /** The action sampler's state (A2C); undefined for a learner that samples nothing. */
  rngState(): RngState | undefined;
  /** The task curriculum's level while training drives one (curriculum-driver.ts), else undefined. */
  readonly curriculumLevel?: number | undefined;
  /** What the source must remember across a restart (a remote source: the unrolls the checkpoint used). */
  sourceState?(): SourceState;
  /** Called once a checkpoint is on disk (a remote source acknowledges the unrolls it used). */
  committed?(): Promise<void>;
  dispose(): void | Promise<void>;
}

/** What restore() reads of a checkpoint's Progress; curriculumLevel is absent in older checkpoints. */
export interface RestoreProgress {
  readonly globalStep: number;
  readonly rngState?: RngState;
  readonly curriculumLevel?: number;
  readonly sourceState?: SourceState;
}

/** A remote source's part of a checkpoint: the ids of the unrolls learned since the previous one. */
export interface SourceState {
  readonly consumed: number[];
}

export interface TrainerOptions {
  /** Seed of the envs' streams (a resumed run uses a fresh one, SEEDS.training). */
  envSeed: number;
  observers?: RolloutObserver[];
}

/** A trainer whose source is in this process: every iterate() is an update. */
export interface LocalTrainer extends Trainer {
  iterate(): Metrics;
  dispose(): void;
}

export function makeTrainer(cfg: ExperimentConfig, opts: TrainerOptions): LocalTrainer {
  return cfg.learner === 'a2c' ? new A2CTrainer(cfg, opts) : new SupervisedTrainer(cfg, opts);
}

/** An update, written once: the source's next batch, learned from, given back. */
abstract class SourceTrainer<B> {
  abstract readonly venv: SyncVectorEnv;
  protected abstract readonly source: ExperienceSource<B>;
  protected abstract readonly learner: Learner<B>;
  get globalStep(): number { return this.source.globalStep; }
  iterate(): Metrics {
    const batch = this.source.next();
    try {
      return this.afterLearn(batch, this.learner.learn(batch));
    } finally {
      this.source.release(batch);
    }
  }
  /** What a trainer adds after each update (the viewer's trace, the curriculum); the metrics to log. */
  protected afterLearn(_batch: B, m: Metrics): Metrics { return m; }
  snapshot(): Promise<LearnerSnapshot> { return this.learner.snapshot(); }
  dispose(): void { this.source.dispose(); this.learner.dispose(); this.venv.close(); }
}

class A2CTrainer extends SourceTrainer<Trajectory<CoreState>> implements LocalTrainer {
  readonly venv: SyncVectorEnv;
  protected readonly learner: A2CAgent;
  protected readonly source: RolloutSource<CoreState>;

  constructor(private readonly cfg: A2CExperimentConfig, opts: TrainerOptions) {
    super();
    this.venv = buildEnvs(cfg, cfg.numEnvs);
    this.learner = buildA2CAgent(cfg, this.venv);
    this.source = new RolloutSource(new Runner(this.venv, this.learner, { seed: opts.envSeed, observers: opts.observers ?? [] }), cfg.agent.numSteps);
  }
  evaluate(opts: EvalOptions): EvalResult { return evaluateA2C(this.learner, this.cfg, opts); }
  async restore(s: LearnerSnapshot, p: RestoreProgress): Promise<void> {
    await this.learner.restore(s);
    this.source.runner.globalStep = p.globalStep;
    if (p.rngState) this.source.runner.setRngState(p.rngState);
  }
  rngState(): RngState { return this.source.runner.rng.getState(); }
}

export function buildA2CAgent(cfg: A2CExperimentConfig, venv: SyncVectorEnv): A2CAgent {
  return new A2CAgent({
    obsShape: venv.singleObservationSpace.shape,
    numActions: discreteActions(venv.singleActionSpace, `A2C on ${cfg.env}`),
    makeCore: (inputSize) => makeCore(cfg.core, { ...cfg.coreOptions, inputSize, seed: cfg.seed }),
    config: cfg.agent, seed: cfg.seed, totalUpdates: updatesFor(cfg),
  });
}

class SupervisedTrainer extends SourceTrainer<EpisodeBatch> implements LocalTrainer {
  readonly venv: SyncVectorEnv;
  protected readonly learner: SupervisedLearner;
  protected readonly source: EpisodeSource | SegmentSource;
  readonly target: TargetSpec;
  /** The caller's array, not a copy: train() adds the metrics log and the feed after construction. */
  private readonly observers: RolloutObserver[];
  private lastTraceAt = -Infinity;
  /** Advances the task's curriculum (undefined when it has none that moves). */
  private readonly curriculum: CurriculumDriver | undefined;

  constructor(private readonly cfg: ExperimentConfig & { learner: 'supervised' }, opts: TrainerOptions) {
    super();
    this.venv = buildEnvs(cfg, cfg.numEnvs);
    this.target = targetOf(cfg.env, this.venv);
    this.learner = new SupervisedLearner({
      obsShape: this.venv.singleObservationSpace.shape, target: this.target, config: cfg.agent, seed: cfg.seed,
      makeCore: (inputSize) => makeCore(cfg.core, { ...cfg.coreOptions, inputSize, seed: cfg.seed }),
    });
    const segmentLength = this.venv.metadata.segmentLength;
    this.source = segmentLength ? new SegmentSource(this.venv, this.target, opts.envSeed, segmentLength) : new EpisodeSource(this.venv, this.target, opts.envSeed);
    this.observers = opts.observers ?? [];
    this.curriculum = CurriculumDriver.of(this.venv.envs);
  }
  get curriculumLevel(): number | undefined { return this.curriculum?.level; }
  protected override afterLearn(batch: EpisodeBatch, m: Metrics): Metrics {
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
    if (this.venv.metadata.segmentLength) return this.evaluateStreams(opts);
    const numEnvs = Math.max(1, Math.min(this.cfg.numEnvs, opts.episodes));
    const venv = buildEnvs(this.cfg, numEnvs, opts.envOverrides);
    curriculaToTarget(venv.envs);   // fresh envs start at curriculumStart; evaluate the full difficulty
    const batches: { metrics: Metrics; sequences: number; lengths: Int32Array }[] = [];
    let seed: number | undefined = opts.seed ?? SEEDS.evaluation(this.cfg.seed);
    for (let n = 0; n < opts.episodes; n += numEnvs) {
      const batch = collectEpisodes(venv, this.target, seed !== undefined ? { seed } : {});
      seed = undefined;
      batches.push({ metrics: this.learner.evaluate(batch), sequences: batch.numEnvs, lengths: batch.lengths });
    }
    venv.close();
    return summariseBatches(batches);
  }
  /**
   * Streams (docs/tasks.md §12): the held-out text (the env's evalKwargs) read once, whole, in `parts`
   * pieces, one per env, each from a fresh state carried across its segments; the figures are per
   * token over all of it. `opts.episodes` does not apply.
   */
  private evaluateStreams(opts: EvalOptions): EvalResult {
    const numEnvs = Math.min(this.cfg.numEnvs, 16);
    const venv = buildEnvs(this.cfg, numEnvs, { ...this.venv.metadata.evalKwargs, parts: numEnvs, ...opts.envOverrides });
    const source = new SegmentSource(venv, this.target, 0, this.venv.metadata.segmentLength as number, { once: true });
    const carry = new StateCarry();
    const batches: Metrics[] = [];
    try {
      while (!source.finished) batches.push(this.learner.evaluate(source.next(), carry));
    } finally {
      carry.dispose();
      venv.close();
    }
    return summariseStreams(batches, numEnvs);
  }
  async restore(s: LearnerSnapshot, p: RestoreProgress): Promise<void> {
    await this.learner.restore(s);
    this.source.globalStep = p.globalStep;
    if (p.curriculumLevel !== undefined) this.curriculum?.setLevel(p.curriculumLevel);
  }
  rngState(): undefined { return undefined; }   // batches are drawn by the envs' own seeded streams
}

function targetOf(env: string, venv: SyncVectorEnv): TargetSpec {
  const t = venv.metadata.target as TargetSpec | undefined;
  if (!t) throw new ConfigError(`${env} is reward-free but declares no metadata.target ({kind: 'categorical', numClasses} or {kind: 'bernoulli', size})`);
  return t;
}
