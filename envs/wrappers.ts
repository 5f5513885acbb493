/**
 * Wrappers (Gymnasium `wrappers/common.py`): each changes one thing and forwards the rest.
 * `make` stacks them as EpisodeStatistics(TimeLimit(OrderEnforcing(env))).
 */
import type { Env, EnvFrame, EnvMetadata, EpisodeInfo, Info, RenderMode, ResetOptions, ResetResult, StepResult } from './env.ts';
import { EnvError } from './errors.ts';
import type { Space } from './space.ts';

export class Wrapper<O = Float32Array, A = number, I extends Info = Info> implements Env<O, A, I> {
  constructor(readonly env: Env<O, A, I>) {}
  get observationSpace(): Space<O> { return this.env.observationSpace; }
  get actionSpace(): Space<A> { return this.env.actionSpace; }
  get metadata(): EnvMetadata { return this.env.metadata; }
  /** The innermost env, for tests and tools that need its own fields. */
  get unwrapped(): Env<O, A, I> {
    return this.env instanceof Wrapper ? (this.env.unwrapped as Env<O, A, I>) : this.env;
  }
  reset(opts?: ResetOptions): ResetResult<O, I> { return this.env.reset(opts); }
  step(action: A): StepResult<O, I> { return this.env.step(action); }
  render(mode: RenderMode): string | EnvFrame {
    if (!this.env.render) throw new EnvError(`${this.label()}: this env does not render`);
    return this.env.render(mode);
  }
  episodeMetrics(): Record<string, number> { return this.env.episodeMetrics?.() ?? {}; }
  close(): void { this.env.close?.(); }
  protected label(): string {
    return this.unwrapped.constructor.name;
  }
}

/** Step before reset, stepping a finished episode and actions outside the space are clear errors. */
export class OrderEnforcing<O = Float32Array, A = number, I extends Info = Info> extends Wrapper<O, A, I> {
  private state: 'fresh' | 'running' | 'done' = 'fresh';
  constructor(env: Env<O, A, I>, private readonly name = env.constructor.name) { super(env); }
  override reset(opts?: ResetOptions): ResetResult<O, I> {
    const r = this.env.reset(opts);
    this.state = 'running';
    return r;
  }
  override step(action: A): StepResult<O, I> {
    if (this.state !== 'running') {
      throw new EnvError(this.state === 'fresh'
        ? `${this.name}: step() called before reset(); call reset() first`
        : `${this.name}: step() called after the episode ended; call reset() to start a new one`);
    }
    // Reward-free tasks take null: the learner need not predict while collecting (docs/tasks.md §8.2).
    const optional = this.env.metadata.rewardFree === true && (action === null || action === undefined);
    if (!optional && !this.env.actionSpace.contains(action)) {
      throw new EnvError(`${this.name}: invalid action ${formatAction(action)}; expected an element of ${this.env.actionSpace.toString()}`);
    }
    const r = this.env.step(action);
    if (r.terminated || r.truncated) this.state = 'done';
    return r;
  }
  protected override label(): string { return this.name; }
}

/** Truncates an episode after `maxEpisodeSteps` steps (unless it terminated on that step). */
export class TimeLimit<O = Float32Array, A = number, I extends Info = Info> extends Wrapper<O, A, I> {
  private elapsed = 0;
  constructor(env: Env<O, A, I>, readonly maxEpisodeSteps: number) {
    super(env);
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
      throw new RangeError(`TimeLimit: maxEpisodeSteps must be an integer >= 1, got ${maxEpisodeSteps}`);
    }
  }
  override reset(opts?: ResetOptions): ResetResult<O, I> {
    this.elapsed = 0;
    return this.env.reset(opts);
  }
  override step(action: A): StepResult<O, I> {
    const r = this.env.step(action);
    this.elapsed++;
    if (this.elapsed >= this.maxEpisodeSteps && !r.terminated && !r.truncated) r.truncated = true;
    return r;
  }
}

/** Adds `info.episode = {return, length, ...env.episodeMetrics()}` on the step that ends an episode. */
export class EpisodeStatistics<O = Float32Array, A = number, I extends Info = Info> extends Wrapper<O, A, I> {
  private episodeReturn = 0;
  private episodeLength = 0;
  override reset(opts?: ResetOptions): ResetResult<O, I> {
    this.episodeReturn = 0;
    this.episodeLength = 0;
    return this.env.reset(opts);
  }
  override step(action: A): StepResult<O, I> {
    const r = this.env.step(action);
    this.episodeReturn += r.reward;
    this.episodeLength++;
    if (r.terminated || r.truncated) {
      const episode: EpisodeInfo = { ...this.episodeMetrics(), return: this.episodeReturn, length: this.episodeLength };
      r.info = { ...r.info, episode };
    }
    return r;
  }
}

function formatAction(a: unknown): string {
  if (ArrayBuffer.isView(a)) return `${a.constructor.name}[${Array.from(a as unknown as ArrayLike<number>).join(', ')}]`;
  return JSON.stringify(a) ?? String(a);
}
