/**
 * EpisodeBatch — one complete episode from each of B reward-free envs, padded to the longest,
 * time-major, with the targets and masks their infos carry (docs/tasks.md §8.2). The targets of a
 * supervised task do not depend on the model's outputs, so collecting needs no forward pass:
 * envs are stepped with null actions and the learner runs the model once, on the whole batch.
 */
import type { Info, TargetSpec } from '../envs/env.ts';
import type { ExperienceSource } from './source.ts';
import type { SyncVectorEnv } from '../envs/vector.ts';

export interface EpisodeBatch {
  readonly numSteps: number;        // T (longest episode)
  readonly numEnvs: number;         // B
  readonly obsSize: number;         // D
  readonly targetSize: number;      // K: 1 (class id) or the number of bits
  readonly obs: Float32Array;       // [T, B, D]
  readonly targets: Float32Array;   // [T, B, K]
  readonly mask: Float32Array;      // [T, B] 1 where the output after obs[t] is scored
  readonly lengths: Int32Array;     // [B] episode lengths
  /**
   * [T, B], segments of streams only (segments.ts): 1 where obs[t] opens an episode. Present, the
   * batch continues the previous one and the learner carries the core's state across.
   */
  readonly resets?: Uint8Array;
}

export function targetSize(spec: TargetSpec): number {
  return spec.kind === 'categorical' ? 1 : spec.size;
}

/** Row `i` of a batch's targets ([·, K]) and mask from an obs's info (docs/tasks.md §8.2). */
export function readTarget(info: Info, K: number, targets: Float32Array, mask: Float32Array, i: number): void {
  mask[i] = Number(info.targetMask ?? 0);
  const y = info.target;
  if (typeof y === 'number') targets[i * K] = y;
  else if (y instanceof Float32Array || y instanceof Uint8Array) targets.set(y.subarray(0, K), i * K);
}

/** Resets every env (continuing its seed stream) and steps until each has finished one episode. */
export function collectEpisodes(venv: SyncVectorEnv<unknown>, spec: TargetSpec, opts: { seed?: number; options?: Record<string, unknown> } = {}): EpisodeBatch {
  const B = venv.numEnvs, D = venv.singleObservationSpace.size, K = targetSize(spec);
  const obsRows: Float32Array[] = [], targetRows: Float32Array[] = [], maskRows: Float32Array[] = [];
  const lengths = new Int32Array(B);
  const done = new Uint8Array(B);
  const actions = new Array<null>(B).fill(null);
  let { obs, infos } = venv.reset(opts);
  for (let t = 0; done.some((d) => d === 0); t++) {
    const targets = new Float32Array(B * K), mask = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      if (done[b]) continue;   // padding: the env has moved on to an episode we do not use
      readTarget(infos[b] ?? {}, K, targets, mask, b);
    }
    obsRows.push(obs);
    targetRows.push(targets);
    maskRows.push(mask);
    const step = venv.step(actions);
    for (let b = 0; b < B; b++) {
      if (!done[b] && (step.terminated[b] || step.truncated[b])) { done[b] = 1; lengths[b] = t + 1; }
    }
    obs = step.obs;
    infos = step.infos.map((i) => i.resetInfo ?? i);
  }
  const T = obsRows.length;
  const cat = (rows: Float32Array[], width: number) => {
    const out = new Float32Array(T * width);
    rows.forEach((r, t) => out.set(r, t * width));
    return out;
  };
  return { numSteps: T, numEnvs: B, obsSize: D, targetSize: K, obs: cat(obsRows, B * D), targets: cat(targetRows, B * K), mask: cat(maskRows, B), lengths };
}

/**
 * Batches of whole episodes, one per env (the supervised learner's source). The first batch
 * seeds the envs; later ones continue their streams.
 */
export class EpisodeSource implements ExperienceSource<EpisodeBatch> {
  globalStep = 0;
  private seed: number | undefined;

  constructor(private readonly venv: SyncVectorEnv<unknown>, private readonly target: TargetSpec, seed: number) {
    this.seed = seed;
  }
  next(): EpisodeBatch {
    const batch = collectEpisodes(this.venv, this.target, this.seed !== undefined ? { seed: this.seed } : {});
    this.seed = undefined;
    this.globalStep += batch.lengths.reduce((a, b) => a + b, 0);
    return batch;
  }
  release(): void {}   // plain arrays
  dispose(): void {}   // the envs belong to the caller
}
