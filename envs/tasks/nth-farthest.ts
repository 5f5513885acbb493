/**
 * N-th farthest (docs/tasks.md §4, wrapped as a reward-free env per §8): "what is the n-th farthest
 * vector (Euclidean) from vector m?". Santoro et al. (2018), "Relational recurrent neural
 * networks", §4.1, §5.1, App. A.1; generator after deepmind/sonnet (v1)
 * `sonnet/examples/dataset_nth_farthest.py`.
 *
 * One episode = N steps (T = N). Objects v_i ~ U(−1, 1)^F get ID i; they are shown in a uniform
 * random order. Each obs is [F + 3N] = [ v | ID one-hot | m one-hot | n one-hot ]; the question
 * (m, n) is repeated at every step and there is no query step (§4.3, §8.3). The target is the
 * categorical ID of the answer, attached to the last step only (mask 1 at t = N−1; target 0 and
 * mask 0 elsewhere). Answer: sort all N objects (the reference included, distance 0) by distance to
 * v_m (ties by ID) and take the one at rank n:
 * - compat 'canonical': rank counted from the farthest (n = 0 farthest, n = N−1 the reference).
 * - compat 'sonnet': rank by increasing distance (n = 0 the reference), as §4.2 describes the
 *   released code. Note: the released code's label is literally `where(argsort(d) == n)[1][m]`,
 *   i.e. the increasing-distance rank *of object n* from m (the inverse permutation), not the ID
 *   at rank n; this option follows §4.2, not that line.
 * Draw order per episode: the N·F vector entries, m, n, then the presentation permutation.
 *
 * Timing (§8.2): `reset()` returns x_0 with `info = {target, targetMask, t}`; `step(a_t)` returns
 * x_{t+1}; `step(a_{N−1})` returns a zero obs, `terminated: true`, `targetMask: 0`. Reward is 0.
 * The action is the predicted ID (an integer in [0, N)) or null/undefined (no prediction).
 * episodeMetrics: `accuracy` (1 or 0 for the answer step), absent when that step's action was null.
 */
import type { Env, EnvFrame, EnvMetadata, Info, RenderMode, ResetOptions, ResetResult, StepResult } from '../env.ts';
import { EnvError } from '../errors.ts';
import { checkMax, checkOption, resolveKwargs } from '../kwargs.ts';
import { Rng } from '../rng.ts';
import { Box, Discrete } from '../space.ts';
import { readResetInts, round3, type SequenceFrame, toRows } from './bits.ts';

export type NthFarthestCompat = 'canonical' | 'sonnet';
const COMPATS: readonly NthFarthestCompat[] = ['canonical', 'sonnet'];

export interface NthFarthestOptions {
  /** N objects per sequence (also the number of steps and of classes), 2 to 1000. */
  numObjects: number;
  /** F features per object vector, 1 to 4096. */
  numFeatures: number;
  /** Direction of the rank n; see the header. */
  compat: NthFarthestCompat;
}

/** The RMC paper setting (docs/tasks.md §4.5): N = 8, F = 16, farthest-first. */
export const NTH_FARTHEST_DEFAULTS: Readonly<NthFarthestOptions> = Object.freeze({
  numObjects: 8,
  numFeatures: 16,
  compat: 'canonical',
});

/** The predicted ID, or nothing. */
export type ClassPrediction = number | null | undefined;

export interface NthFarthestInfo extends Info {
  /** The answer ID at the answer step (t = N−1); 0 elsewhere. */
  target: number;
  targetMask: 0 | 1;
  /** Step index of this obs, 0..N−1 (N on the terminal step). */
  t: number;
}

const WHERE = 'NthFarthest';
/** Upper bounds against a typo: an episode is N steps of F + 3N inputs, and the answer compares N² distances. */
export const NTH_FARTHEST_MAX = Object.freeze({ numObjects: 1000, numFeatures: 4096 });

/** The ID at rank `rank` of the distances to object `reference` (vectors row-major [N, F]). */
export function nthFarthestAnswer(vectors: ArrayLike<number>, numObjects: number, numFeatures: number,
  reference: number, rank: number, compat: NthFarthestCompat = 'canonical'): number {
  const N = numObjects;
  const F = numFeatures;
  const dist = new Float64Array(N); // squared distance to v_m: same order as the distance
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let f = 0; f < F; f++) {
      const d = (vectors[i * F + f] as number) - (vectors[reference * F + f] as number);
      s += d * d;
    }
    dist[i] = s;
  }
  // Position k in increasing (distance, ID) order: the object with exactly k objects before it.
  const k = compat === 'canonical' ? N - 1 - rank : rank;
  for (let i = 0; i < N; i++) {
    const di = dist[i] as number;
    let before = 0;
    for (let j = 0; j < N; j++) {
      const dj = dist[j] as number;
      if (dj < di || (dj === di && j < i)) before++;
    }
    if (before === k) return i;
  }
  throw new RangeError(`nthFarthestAnswer: rank must be an integer in [0, ${N - 1}], got ${rank}`);
}

export class NthFarthestTask implements Env<Float32Array, ClassPrediction, NthFarthestInfo> {
  readonly options: Readonly<NthFarthestOptions>;
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  readonly metadata: EnvMetadata;

  private rng = new Rng(0);
  private readonly width: number;       // F + 3N
  private readonly inputs: Float32Array; // [N, F + 3N] of the current episode
  private readonly ids: Int32Array;      // [N] object shown at step t
  private readonly preds: Int32Array;    // [N] predicted ID, -1 = null
  private reference = 0; // m
  private rank = 0;      // n
  private answer = 0;
  private t = -1;
  private done = false;

  constructor(kwargs: Partial<NthFarthestOptions> = {}) {
    const o = resolveKwargs(WHERE, NTH_FARTHEST_DEFAULTS, kwargs);
    checkOption(Number.isInteger(o.numObjects) && o.numObjects >= 2, WHERE, 'numObjects', 'be an integer >= 2', o.numObjects);
    checkMax(WHERE, 'numObjects', o.numObjects, 2, NTH_FARTHEST_MAX.numObjects);
    checkOption(Number.isInteger(o.numFeatures) && o.numFeatures >= 1, WHERE, 'numFeatures', 'be an integer >= 1', o.numFeatures);
    checkMax(WHERE, 'numFeatures', o.numFeatures, 1, NTH_FARTHEST_MAX.numFeatures);
    checkOption(COMPATS.includes(o.compat), WHERE, 'compat', `be one of ${COMPATS.map((c) => `'${c}'`).join(', ')}`, o.compat);
    this.options = Object.freeze({ ...o });
    const N = o.numObjects;
    const F = o.numFeatures;
    this.width = F + 3 * N;
    const low = new Float32Array(this.width);
    low.fill(-1, 0, F);
    this.observationSpace = new Box(low, 1, [this.width]);
    this.actionSpace = new Discrete(N);
    this.metadata = { renderModes: ['ansi', 'state'], renderFps: 4, rewardFree: true, target: { kind: 'categorical', numClasses: N } };
    this.inputs = new Float32Array(N * this.width);
    this.ids = new Int32Array(N);
    this.preds = new Int32Array(N);
  }

  reset(opts: ResetOptions = {}): ResetResult<Float32Array, NthFarthestInfo> {
    readResetInts(WHERE, opts.options, []);
    if (opts.seed !== undefined) this.rng = new Rng(opts.seed);
    this.sample();
    this.t = 0;
    this.done = false;
    this.preds.fill(-1);
    return { obs: this.observe(0), info: this.describe(0) };
  }

  step(action: ClassPrediction): StepResult<Float32Array, NthFarthestInfo> {
    const N = this.options.numObjects;
    if (this.t < 0) throw new EnvError(`${WHERE}: step() called before reset(); call reset() first`);
    if (this.done) throw new EnvError(`${WHERE}: step() called after the episode ended; call reset() to start a new one`);
    if (action !== null && action !== undefined && !this.actionSpace.contains(action)) {
      throw new EnvError(`${WHERE}: action must be an integer ID in [0, ${N - 1}] or null, got ${JSON.stringify(action) ?? String(action)}`);
    }
    this.preds[this.t] = action ?? -1;
    this.t++;
    if (this.t < N) return { obs: this.observe(this.t), reward: 0, terminated: false, truncated: false, info: this.describe(this.t) };
    this.done = true;
    return { obs: new Float32Array(this.width), reward: 0, terminated: true, truncated: false, info: { target: 0, targetMask: 0, t: N } };
  }

  /** `accuracy` once the answer step received a prediction; empty otherwise. */
  episodeMetrics(): Record<string, number> {
    const N = this.options.numObjects;
    if (this.t < N) return {};
    const p = this.preds[N - 1] as number;
    return p < 0 ? {} : { accuracy: p === this.answer ? 1 : 0 };
  }

  render(mode: RenderMode): string | EnvFrame {
    if (mode !== 'ansi' && mode !== 'state') throw new EnvError(`${WHERE}: render mode must be one of 'ansi', 'state', got ${JSON.stringify(mode)}`);
    if (this.t < 0) return mode === 'ansi' ? `${WHERE}: not reset yet` : { kind: 'sequence', task: 'nth-farthest', ready: false };
    const N = this.options.numObjects;
    const oneHot = (c: number) => Array.from({ length: N }, (_, i) => (i === c ? 1 : 0));
    const predictions = Array.from({ length: this.t }, (_, s) => ((this.preds[s] as number) < 0 ? null : oneHot(this.preds[s] as number)));
    if (mode === 'state') {
      const frame: SequenceFrame = {
        kind: 'sequence', task: 'nth-farthest', t: this.t, inputs: toRows(this.inputs, N, this.width),
        targets: Array.from({ length: N }, (_, s) => (s === N - 1 ? oneHot(this.answer) : new Array<number>(N).fill(0))),
        mask: Array.from({ length: N }, (_, s) => (s === N - 1 ? 1 : 0)), predictions,
      };
      return frame;
    }
    return this.ansi();
  }

  close(): void {}

  private ansi(): string {
    const { numObjects: N, numFeatures: F, compat } = this.options;
    const dir = compat === 'canonical' ? 'farthest-first' : 'nearest-first';
    const lines = [`${WHERE} m=${this.reference} n=${this.rank} (${dir}) answer=${this.answer} t=${this.t}/${N}${this.done ? ' [done]' : ''}`, ' t  id  dist'];
    for (let s = 0; s < N; s++) {
      const id = this.ids[s] as number;
      let d = 0;
      for (let f = 0; f < F; f++) d += ((this.inputs[s * this.width + f] as number) - this.vectorOf(this.reference, f)) ** 2;
      const marks = `${id === this.reference ? ' m' : ''}${id === this.answer ? ' answer' : ''}${s === this.t ? ' <' : ''}`;
      lines.push(`${String(s).padStart(2)} ${String(id).padStart(3)}  ${round3(Math.sqrt(d)).toFixed(3)}${marks}`);
    }
    const p = this.t >= N ? (this.preds[N - 1] as number) : undefined;
    lines.push(`prediction: ${p === undefined ? 'not yet' : p < 0 ? 'none' : `${p} (${p === this.answer ? 'right' : 'wrong'})`}`);
    return lines.join('\n');
  }

  /** Feature f of object `id`, read back from the step that shows it. */
  private vectorOf(id: number, f: number): number {
    const s = this.ids.indexOf(id);
    return this.inputs[s * this.width + f] as number;
  }

  private sample(): void {
    const { numObjects: N, numFeatures: F, compat } = this.options;
    const rng = this.rng;
    const vectors = new Float32Array(N * F); // [N, F], row i = v_i
    for (let i = 0; i < N * F; i++) vectors[i] = -1 + 2 * rng.uniform();
    this.reference = rng.int(0, N - 1);
    this.rank = rng.int(0, N - 1);
    this.answer = nthFarthestAnswer(vectors, N, F, this.reference, this.rank, compat);
    this.ids.set(rng.permutation(N));
    const x = this.inputs;
    x.fill(0);
    for (let s = 0; s < N; s++) {
      const id = this.ids[s] as number;
      const row = s * this.width;
      for (let f = 0; f < F; f++) x[row + f] = vectors[id * F + f] as number;
      x[row + F + id] = 1;
      x[row + F + N + this.reference] = 1;
      x[row + F + 2 * N + this.rank] = 1;
    }
  }

  private observe(t: number): Float32Array {
    return this.inputs.slice(t * this.width, (t + 1) * this.width);
  }

  private describe(t: number): NthFarthestInfo {
    const last = t === this.options.numObjects - 1;
    return { target: last ? this.answer : 0, targetMask: last ? 1 : 0, t };
  }
}
