/**
 * SegmentSource — batches of fixed-length segments of long streams, for reward-free envs that declare
 * `metadata.segmentLength` (language modelling, docs/tasks.md §12). Unlike EpisodeSource it never
 * resets an env between batches: segment k + 1 of an env continues segment k, and the learner carries
 * the core's state across (truncated BPTT). `resets[t·B + b] = 1` where obs[t] of env b opens an
 * episode; there the learner starts from a fresh state. An env whose episode ends inside a segment
 * goes on at once with its next one (same-step autoreset).
 *
 * With `once` (evaluation) every env reads one episode: the steps after its end are masked out, and
 * `finished` turns true when every env is past its first episode.
 */
import type { Info, TargetSpec } from '../envs/env.ts';
import type { SyncVectorEnv } from '../envs/vector.ts';
import { readTarget, targetSize, type EpisodeBatch } from './episodes.ts';
import type { ExperienceSource } from './source.ts';

export interface SegmentBatch extends EpisodeBatch {
  /** [T, B]: 1 where obs[t] opens an episode. */
  readonly resets: Uint8Array;
}

export interface SegmentSourceOptions {
  /** Each env reads one episode; later steps are masked (evaluation). */
  readonly once?: boolean;
}

export class SegmentSource implements ExperienceSource<SegmentBatch> {
  globalStep = 0;
  private obs: Float32Array;
  private infos: Info[];
  private resets: Uint8Array;
  private readonly ended: Uint8Array;
  private readonly actions: null[];

  constructor(private readonly venv: SyncVectorEnv<unknown>, private readonly target: TargetSpec, seed: number,
    private readonly segmentLength: number, private readonly opts: SegmentSourceOptions = {}) {
    const first = venv.reset({ seed });
    this.obs = first.obs;
    this.infos = first.infos;
    this.resets = new Uint8Array(venv.numEnvs).fill(1);
    this.ended = new Uint8Array(venv.numEnvs);
    this.actions = new Array<null>(venv.numEnvs).fill(null);
  }

  /** With `once`: every env has read its episode. */
  get finished(): boolean {
    return this.ended.every((e) => e === 1);
  }

  next(): SegmentBatch {
    const T = this.segmentLength, B = this.venv.numEnvs, D = this.venv.singleObservationSpace.size, K = targetSize(this.target);
    const obs = new Float32Array(T * B * D), targets = new Float32Array(T * B * K), mask = new Float32Array(T * B), resets = new Uint8Array(T * B);
    for (let t = 0; t < T; t++) {
      obs.set(this.obs, t * B * D);
      resets.set(this.resets, t * B);
      for (let b = 0; b < B; b++) {
        if (this.ended[b]) continue;
        readTarget(this.infos[b] ?? {}, K, targets, mask, t * B + b);
      }
      const step = this.venv.step(this.actions);
      if (this.opts.once) for (let b = 0; b < B; b++) if (step.resets[b]) this.ended[b] = 1;
      this.obs = step.obs;
      this.resets = step.resets;
      this.infos = step.infos.map((i) => i.resetInfo ?? i);
    }
    this.globalStep += T * B;
    return { numSteps: T, numEnvs: B, obsSize: D, targetSize: K, obs, targets, mask, resets, lengths: new Int32Array(B).fill(T) };
  }

  release(): void {}   // plain arrays
  dispose(): void {}   // the envs belong to the caller
}
