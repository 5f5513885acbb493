/**
 * Runner — collects T steps from a same-step-autoreset SyncVectorEnv with one batched `act` per
 * step (Acme's EnvironmentLoop, cleanrl's rollout phase). It owns the carried memory state and
 * disposes each replaced state, except the one the current trajectory holds as `initialState`.
 */
import type { EnvFrame, Info } from '../envs/env.ts';
import { Rng, type RngState } from '../envs/rng.ts';
import type { SyncVectorEnv } from '../envs/vector.ts';
import type { RolloutObserver, StepEvent } from './observer.ts';
import type { ActControl, Policy, Readout } from './policy.ts';
import type { RecordedTrajectory } from './trajectory.ts';

export interface RunnerOptions {
  seed: number;
  observers?: RolloutObserver[];
  /** Act greedily (evaluation). */
  greedy?: boolean;
}

export class Runner<S> {
  readonly numEnvs: number;
  readonly obsSize: number;
  readonly rng: Rng;
  observers: RolloutObserver[];
  globalStep = 0;
  private obs: Float32Array;
  private resets: Uint8Array;
  private infos: Info[];
  private state: S;
  private readonly greedy: boolean;
  /** Steps taken and reward collected in each env's current episode. */
  private readonly episodeSteps: Int32Array;
  private readonly episodeReturns: Float64Array;

  constructor(readonly venv: SyncVectorEnv, readonly policy: Policy<S>, opts: RunnerOptions) {
    if (venv.autoresetMode !== 'same-step') throw new Error("Runner: the vector env must use autoresetMode 'same-step'");
    this.numEnvs = venv.numEnvs;
    this.obsSize = venv.singleObservationSpace.size;
    this.rng = new Rng(opts.seed);
    this.observers = opts.observers ?? [];
    this.greedy = opts.greedy ?? false;
    const first = venv.reset({ seed: opts.seed });
    this.obs = first.obs;
    this.infos = first.infos;
    this.resets = new Uint8Array(this.numEnvs).fill(1);
    this.state = policy.initialState(this.numEnvs);
    this.episodeSteps = new Int32Array(this.numEnvs);
    this.episodeReturns = new Float64Array(this.numEnvs);
  }

  /** Restores the action-sampling stream (checkpoints). */
  setRngState(s: RngState): void { this.rng.setState(s); }

  /**
   * T steps of every env. Besides what A2C learns from, the trajectory records the behaviour
   * log-probability of each action taken (the log of the probability `act` read back: no extra
   * tensor op or read-back), the final observation of each truncated step and obs[T] with its
   * resets and control inputs: what an off-policy learner needs (rollout/unroll-builder.ts).
   */
  collect(numSteps: number): RecordedTrajectory<S> {
    const T = numSteps, B = this.numEnvs, D = this.obsSize, A = this.policy.numActions;
    const logProbs = new Float32Array(T * B);
    const truncatedRows: Float32Array[] = [];
    const traj = {
      numSteps: T, numEnvs: B, obsSize: D,
      obs: new Float32Array(T * B * D), resets: new Uint8Array(T * B), write: new Uint8Array(T * B), flush: new Uint8Array(T * B),
      actions: new Int32Array(T * B), rewards: new Float32Array(T * B), values: new Float32Array(T * B),
      terminated: new Uint8Array(T * B), truncated: new Uint8Array(T * B), bootstrap: new Float32Array(T * B),
      lastValues: new Float32Array(B), initialState: this.state,
    };
    for (let t = 0; t < T; t++) {
      const control = controlFrom(this.infos);
      traj.obs.set(this.obs, t * B * D);
      traj.resets.set(this.resets, t * B);
      traj.write.set(control.write, t * B);
      traj.flush.set(control.flush, t * B);
      const watched = this.watchedEnv();
      const frame = watched === undefined ? undefined : this.render(watched);
      const act = this.policy.act(this.obs, this.state, this.resets, control, this.rng,
        { greedy: this.greedy, ...(watched !== undefined ? { inspect: watched } : {}) });
      if (this.state !== traj.initialState) this.policy.disposeState(this.state);
      this.state = act.state;
      const step = this.venv.step(act.actions);
      this.globalStep += B;
      traj.actions.set(act.actions, t * B);
      for (let i = 0; i < B; i++) logProbs[t * B + i] = logProbability(act.probs[i * A + (act.actions[i] as number)] as number);
      traj.values.set(act.values, t * B);
      traj.rewards.set(step.rewards, t * B);
      traj.terminated.set(step.terminated, t * B);
      traj.truncated.set(step.truncated, t * B);
      if (step.truncated.some((x) => x === 1)) {
        this.bootstrapTruncated(step.obs, step.finalObs, step.truncated, traj.bootstrap, t * B);
        // The rows bootstrapTruncated evaluated, in env order.
        for (let i = 0; i < B; i++) if (step.truncated[i]) truncatedRows.push((step.finalObs[i] ?? step.obs.subarray(i * D, (i + 1) * D)).slice());
      }
      for (let i = 0; i < B; i++) this.episodeReturns[i] = (this.episodeReturns[i] as number) + (step.rewards[i] as number);
      if (watched !== undefined) this.emitStep(watched, act, step.rewards, step.terminated, step.truncated, frame);
      for (let i = 0; i < B; i++) {
        this.episodeSteps[i] = step.resets[i] ? 0 : (this.episodeSteps[i] as number) + 1;
        if (step.resets[i]) this.episodeReturns[i] = 0;
        const ep = step.infos[i]?.episode;
        if (ep) for (const o of this.observers) o.onEpisode?.({ globalStep: this.globalStep, env: i, terminated: step.terminated[i] === 1, episode: ep });
      }
      this.obs = step.obs;
      this.resets = step.resets;
      this.infos = step.infos.map((info) => info.resetInfo ?? info);
    }
    const control = controlFrom(this.infos);
    traj.lastValues.set(this.policy.value(this.obs, this.state, this.resets, control));
    const truncatedObs = new Float32Array(truncatedRows.length * D);
    truncatedRows.forEach((row, k) => truncatedObs.set(row, k * D));
    return {
      ...traj, logProbs, truncatedObs,
      finalObs: this.obs.slice(), finalResets: this.resets.slice(), finalWrite: control.write, finalFlush: control.flush,
    };
  }

  /** V(final obs) from the post-step state, for envs cut by a time limit (one batched forward). */
  private bootstrapTruncated(obs: Float32Array, finalObs: (Float32Array | null)[], truncated: Uint8Array, out: Float32Array, offset: number): void {
    const batch = obs.slice();
    for (let i = 0; i < this.numEnvs; i++) {
      const f = finalObs[i];
      if (truncated[i] && f) batch.set(f, i * this.obsSize);
    }
    const none = new Uint8Array(this.numEnvs);
    const v = this.policy.value(batch, this.state, none, { write: none, flush: none });
    for (let i = 0; i < this.numEnvs; i++) if (truncated[i]) out[offset + i] = v[i] as number;
  }

  private watchedEnv(): number | undefined {
    for (const o of this.observers) {
      const w = o.watchedEnv?.();
      if (w !== undefined && w >= 0 && w < this.numEnvs) return w;
    }
    return undefined;
  }

  private render(i: number): EnvFrame | undefined {
    const env = this.venv.envs[i];
    return env?.render && env.metadata.renderModes.includes('state') ? env.render('state') as EnvFrame : undefined;
  }

  private emitStep(i: number, act: { actions: Int32Array; values: Float32Array; probs: Float32Array; readout?: Readout },
    rewards: Float32Array, terminated: Uint8Array, truncated: Uint8Array, frame: EnvFrame | undefined): void {
    const A = this.policy.numActions;
    const e: StepEvent = {
      globalStep: this.globalStep, env: i, t: this.episodeSteps[i] as number, action: act.actions[i] as number,
      reward: rewards[i] as number, episodeReturn: this.episodeReturns[i] as number, value: act.values[i] as number, probs: Array.from(act.probs.subarray(i * A, (i + 1) * A)),
      terminated: terminated[i] === 1, truncated: truncated[i] === 1,
      ...(frame ? { frame } : {}), ...(act.readout ? { memory: act.readout } : {}),
    };
    for (const o of this.observers) o.onStep?.(e);
  }

  /** Frees the carried state (end of training). */
  dispose(): void {
    this.policy.disposeState(this.state);
  }
}

/** The smallest positive float32 (a denormal): the floor of a recorded probability, so its log stays finite. */
const MIN_PROBABILITY = 1.401298464324817e-45;

/**
 * log p of a probability read back from the policy. An action whose float32 probability underflowed
 * to 0 can still be drawn (`Rng.categorical` falls back to the last action on rounding): its p counts
 * as the smallest float32, log ≈ −103.3, so the record stays finite. NaN stays NaN.
 */
function logProbability(p: number): number {
  return Math.log(p === 0 ? MIN_PROBABILITY : p);
}

/** Control inputs from the infos that came with the current observations. */
export function controlFrom(infos: readonly Info[]): ActControl {
  const B = infos.length;
  const write = new Uint8Array(B).fill(1);
  const flush = new Uint8Array(B);
  for (let i = 0; i < B; i++) {
    const info = infos[i] ?? {};
    if (info.encodeHint !== undefined) write[i] = info.encodeHint ? 1 : 0;
    if (info.epochStart) flush[i] = 1;
  }
  return { write, flush };
}
