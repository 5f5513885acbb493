/**
 * SyncVectorEnv (Gymnasium `vector/sync_vector_env.py`): N copies stepped in lockstep, batched
 * into typed arrays. `reset({seed})` seeds copy i with seed + i.
 *
 * Autoreset modes (Gymnasium 1.x names):
 * - 'next-step' (default, as Gymnasium): the step after an episode ends resets that copy; its
 *   action is ignored, reward 0, terminated = truncated = false, and resets[i] = 1. So the
 *   transition obs[t] -> obs[t+1] of a copy is valid unless it was done at t.
 * - 'same-step': a copy that ends is reset at once; its slot already holds the new episode's first
 *   observation (resets[i] = 1) and the last one is kept in `finalObs[i]`. Every transition is valid
 *   for learning except that done copies bootstrap from `finalObs` (truncated) or from nothing.
 * In both modes resets[i] = 1 means obs[i] opens an episode.
 */
import type { AutoresetMode, Env, EnvMetadata, Info } from './env.ts';
import { EnvError } from './errors.ts';
import { Box, Discrete, MultiDiscrete, type Space } from './space.ts';

export interface VectorReset {
  obs: Float32Array;        // [B, ...obsShape]
  infos: Info[];            // [B]
}

export interface VectorStep {
  obs: Float32Array;        // [B, ...obsShape]
  rewards: Float32Array;    // [B]
  terminated: Uint8Array;   // [B]
  truncated: Uint8Array;    // [B]
  resets: Uint8Array;       // [B]: obs[i] opens an episode
  infos: Info[];            // [B]; on the ending step of an episode infos[i].episode holds its statistics
  /** same-step mode: the last observation of copies that ended this step (null elsewhere). */
  finalObs: (Float32Array | null)[];
}

export interface SyncVectorEnvOptions {
  autoresetMode?: Exclude<AutoresetMode, 'disabled'>;
}

export class SyncVectorEnv<A = number> {
  readonly numEnvs: number;
  readonly envs: readonly Env<Float32Array, A>[];
  readonly singleObservationSpace: Box;
  readonly singleActionSpace: Space<A>;
  readonly observationSpace: Box;
  readonly actionSpace: Space<unknown>;
  readonly metadata: EnvMetadata;
  readonly autoresetMode: Exclude<AutoresetMode, 'disabled'>;
  private readonly obsSize: number;
  private readonly needsReset: Uint8Array;
  private started = false;

  constructor(envs: readonly Env<Float32Array, A>[], opts: SyncVectorEnvOptions = {}) {
    if (envs.length < 1) throw new RangeError('SyncVectorEnv: needs at least one env, got 0');
    const first = envs[0] as Env<Float32Array, A>;
    if (!(first.observationSpace instanceof Box)) {
      throw new EnvError(`SyncVectorEnv: observation space must be a Box, got ${first.observationSpace.toString()}`);
    }
    for (const [i, e] of envs.entries()) {
      if (e.observationSpace.toString() !== first.observationSpace.toString() || e.observationSpace.size !== first.observationSpace.size) {
        throw new EnvError(`SyncVectorEnv: env ${i} has observation space ${e.observationSpace.toString()}, expected ${first.observationSpace.toString()} like env 0`);
      }
      if (e.actionSpace.toString() !== first.actionSpace.toString()) {
        throw new EnvError(`SyncVectorEnv: env ${i} has action space ${e.actionSpace.toString()}, expected ${first.actionSpace.toString()} like env 0`);
      }
    }
    this.envs = envs;
    this.numEnvs = envs.length;
    this.autoresetMode = opts.autoresetMode ?? 'next-step';
    this.singleObservationSpace = first.observationSpace;
    this.singleActionSpace = first.actionSpace;
    this.obsSize = first.observationSpace.size;
    const box = first.observationSpace;
    const tile = (a: Float32Array) => { const out = new Float32Array(a.length * this.numEnvs); for (let i = 0; i < this.numEnvs; i++) out.set(a, i * a.length); return out; };
    this.observationSpace = new Box(tile(box.low), tile(box.high), [this.numEnvs, ...box.shape]);
    this.actionSpace = first.actionSpace instanceof Discrete && first.actionSpace.start === 0
      ? new MultiDiscrete(new Array<number>(this.numEnvs).fill(first.actionSpace.n))
      : first.actionSpace;
    this.metadata = { ...first.metadata, autoresetMode: this.autoresetMode };
    this.needsReset = new Uint8Array(this.numEnvs);
  }

  reset(opts: { seed?: number; options?: Record<string, unknown> } = {}): VectorReset {
    const obs = new Float32Array(this.numEnvs * this.obsSize);
    const infos: Info[] = [];
    for (let i = 0; i < this.numEnvs; i++) {
      const r = (this.envs[i] as Env<Float32Array, A>).reset({
        ...(opts.seed !== undefined ? { seed: opts.seed + i } : {}),
        ...(opts.options !== undefined ? { options: opts.options } : {}),
      });
      obs.set(r.obs, i * this.obsSize);
      infos.push(r.info);
    }
    this.needsReset.fill(0);
    this.started = true;
    return { obs, infos };
  }

  step(actions: ArrayLike<A>): VectorStep {
    if (!this.started) throw new EnvError('SyncVectorEnv: step() called before reset(); call reset() first');
    if (actions.length !== this.numEnvs) {
      throw new EnvError(`SyncVectorEnv: actions must have length numEnvs=${this.numEnvs}, got length=${actions.length}`);
    }
    const B = this.numEnvs;
    const out: VectorStep = {
      obs: new Float32Array(B * this.obsSize), rewards: new Float32Array(B), terminated: new Uint8Array(B),
      truncated: new Uint8Array(B), resets: new Uint8Array(B), infos: new Array<Info>(B), finalObs: new Array(B).fill(null),
    };
    for (let i = 0; i < B; i++) {
      const env = this.envs[i] as Env<Float32Array, A>;
      if (this.needsReset[i]) { // next-step mode: this step only resets the copy
        const r = env.reset();
        out.obs.set(r.obs, i * this.obsSize);
        out.infos[i] = r.info;
        out.resets[i] = 1;
        this.needsReset[i] = 0;
        continue;
      }
      const r = env.step(actions[i] as A);
      out.rewards[i] = r.reward;
      out.terminated[i] = r.terminated ? 1 : 0;
      out.truncated[i] = r.truncated ? 1 : 0;
      out.infos[i] = r.info;
      if (r.terminated || r.truncated) {
        if (this.autoresetMode === 'same-step') {
          out.finalObs[i] = r.obs;
          const first = env.reset();
          out.obs.set(first.obs, i * this.obsSize);
          out.infos[i] = { ...r.info, resetInfo: first.info };
          out.resets[i] = 1;
          continue;
        }
        this.needsReset[i] = 1;
      }
      out.obs.set(r.obs, i * this.obsSize);
    }
    return out;
  }

  close(): void {
    for (const e of this.envs) e.close?.();
  }
}
