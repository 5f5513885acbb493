/**
 * SupervisedLearner — trains encoder -> core -> readout on reward-free task envs (docs/tasks.md §8):
 * softmax cross-entropy for class targets, sigmoid cross-entropy for bit targets, masked by
 * `targetMask`, over batches of whole episodes of different lengths (padding is masked out).
 * Batches that are segments of streams (`batch.resets`, docs/tasks.md §12) start from the state the
 * previous segment ended in (a StateCarry), so the core reads the stream as one sequence while the
 * gradient stops at the segment's start (truncated BPTT).
 */
import type { TargetSpec } from '../../envs/env.ts';
import { Rng } from '../../envs/rng.ts';
import { SEEDS } from '../../envs/seeds.ts';
import type { CoreState, MemoryCore, MemoryReadout } from '../../memory/core.ts';
import { linear } from '../../memory/ops.ts';
import { Params } from '../../memory/params.ts';
import { disposeState } from '../../memory/state.ts';
import { StateCarry } from './state-carry.ts';
import { tf } from '../../memory/tf.ts';
import { unroll } from '../../memory/unroll.ts';
import type { EpisodeBatch } from '../../rollout/episodes.ts';
import type { Metrics } from '../../rollout/observer.ts';
import type { Learner, LearnerOptions, LearnerSnapshot } from '../learner.ts';
import { readNamed, type NamedTensors, type NamedValues } from '../named-stats.ts';
import { makeEncoder, type Encoder } from '../encoder.ts';
import { clippedStep, localName, makeOptimizer, restoreInto, snapshotOf, type NamedVariable } from '../optim.ts';
import type { SupervisedConfig } from './config.ts';

export interface SupervisedLearnerOptions extends LearnerOptions<SupervisedConfig> {
  readonly target: TargetSpec;
}

const LN2 = Math.log(2);

export { StateCarry };

/** The task statistics a batch reports (summed over its scored steps). */
type TaskStat = 'nats' | 'errors' | 'scored';

/** Steps start .. start + length − 1 hold every scored output of the batch (length 0: none scored). */
export interface ScoredWindow { readonly start: number; readonly length: number }

export function scoredWindow(b: EpisodeBatch): ScoredWindow {
  const { numSteps: T, numEnvs: B, mask } = b;
  let first = -1, last = -1;
  for (let t = 0; t < T; t++) {
    for (let e = 0; e < B; e++) {
      if (mask[t * B + e] === 0) continue;
      if (first < 0) first = t;
      last = t;
      break;
    }
  }
  // Nothing scored: keep one step so the shapes stay valid (its mask is all 0).
  return first < 0 ? { start: 0, length: Math.min(1, T) } : { start: first, length: last - first + 1 };
}

/** One sequence run step by step for the viewer: a prediction row and a memory readout per step. */
export interface SequenceTrace {
  /** [T][K]: class probabilities (categorical) or bit probabilities (bernoulli), rounded to 3 decimals. */
  readonly predictions: number[][];
  /** [T] `core.inspect` after each step; empty when the core has no inspect. */
  readonly readouts: MemoryReadout[];
}

export class SupervisedLearner implements Learner<EpisodeBatch> {
  readonly encoder: Encoder;
  readonly core: MemoryCore;
  readonly readout: Params;
  readonly target: TargetSpec;
  private readonly layers: [tf.Variable, tf.Variable][] = [];
  private readonly optimizer: tf.Optimizer;
  private readonly outputSize: number;
  /** The state the last training segment ended in (streams only). */
  private readonly carry = new StateCarry();
  updates = 0;

  constructor(private readonly opts: SupervisedLearnerOptions) {
    const c = opts.config;
    this.target = opts.target;
    this.encoder = makeEncoder(opts.obsShape, c, SEEDS.encoder(opts.seed));
    this.core = opts.makeCore(this.encoder.outputSize);
    this.readout = new Params('readout', new Rng(SEEDS.heads(opts.seed)));
    this.outputSize = opts.target.kind === 'categorical' ? opts.target.numClasses : opts.target.size;
    let din = this.core.outputSize;
    [...c.readoutSizes, this.outputSize].forEach((h, i) => {
      this.layers.push([this.readout.add(`layer${i}/w`, [din, h], { kind: 'glorotUniform' }), this.readout.add(`layer${i}/b`, [h], { kind: 'zeros' })]);
      din = h;
    });
    this.optimizer = makeOptimizer(c);
  }

  namedVariables(): NamedVariable[] {
    return [
      ...this.encoder.params.variables.map((v) => ({ name: `encoder/${localName(v)}`, variable: v })),
      ...this.core.variables.map((v) => ({ name: `core/${localName(v)}`, variable: v })),
      ...this.readout.variables.map((v) => ({ name: `readout/${localName(v)}`, variable: v })),
    ];
  }

  /**
   * One optimizer step on a batch; returns the loss and the task metrics of the batch. When the
   * loss, a task statistic or the gradient norm is not finite the step is not applied: weights,
   * optimizer slots and `updates` stay as they were, and `losses/total` or `losses/grad_norm`
   * shows the non-finite value (the task statistics are counts and the loss's own sum, so they are
   * never the only non-finite one). Contract: a non-finite `losses/*` value means nothing was applied.
   */
  learn(batch: EpisodeBatch): Metrics {
    const vars = this.namedVariables().map((n) => n.variable);
    const inputs = this.inputs(batch);
    const carry = batch.resets ? this.carry : undefined;
    const s = clippedStep(this.optimizer, vars, this.opts.config.maxGradNorm, () => {
      const logits = this.logits(inputs.obs, batch, inputs.window, carry);
      return { total: this.loss(logits, inputs.targets, inputs.mask), stats: this.stats(logits, inputs.targets, inputs.mask, batch) };
    });
    tf.dispose([inputs.obs, inputs.targets, inputs.mask]);
    carry?.settle(s.applied);
    if (s.applied) this.updates++;   // a skipped step does not count
    return { 'losses/total': s.loss, 'losses/grad_norm': s.gradNorm, ...this.metrics(s.stats, batch) };
  }

  /**
   * Task metrics of a batch without learning (evaluation). Segments of streams continue from `carry`
   * (the caller's: one per evaluation, disposed by it).
   */
  evaluate(batch: EpisodeBatch, carry?: StateCarry): Metrics {
    if (batch.resets && !carry) throw new Error('SupervisedLearner.evaluate: a segment of a stream needs the StateCarry of its evaluation');
    const inputs = this.inputs(batch);
    const named = tf.tidy(() => {
      const logits = this.logits(inputs.obs, batch, inputs.window, carry);
      const stats = this.stats(logits, inputs.targets, inputs.mask, batch);
      return { scalars: { loss: this.loss(logits, inputs.targets, inputs.mask), ...stats.scalars }, vectors: stats.vectors };
    });
    const s = readNamed(named);   // the one read-back
    tf.dispose([named, inputs.obs, inputs.targets, inputs.mask]);
    carry?.settle(true);
    return { 'losses/total': s.scalars.loss, ...this.metrics(s, batch) };
  }

  /**
   * Sequence b of the batch alone (batch 1, fresh state, its own length), one core step at a
   * time so the memory can be inspected after each: what the live viewer shows. Training
   * unrolls the whole batch at once instead, which cannot be inspected step by step.
   */
  trace(batch: EpisodeBatch, b: number): SequenceTrace {
    const { numEnvs: B, obsSize: D } = batch;
    if (!Number.isInteger(b) || b < 0 || b >= B) throw new RangeError(`SupervisedLearner.trace: b must be an integer in [0, ${B - 1}], got ${b}`);
    const T = batch.lengths[b] as number;
    if (T === 0) return { predictions: [], readouts: [] };
    const rows = new Float32Array(T * D);
    for (let t = 0; t < T; t++) rows.set(batch.obs.subarray((t * B + b) * D, (t * B + b + 1) * D), t * D);
    const readouts: MemoryReadout[] = [];
    const probs = tf.tidy(() => {
      const enc = this.encoder.apply(tf.tensor2d(this.encoder.prepare(rows, T), [T, this.encoder.inputSize]));   // [T, E]
      const xs = tf.split(enc, T) as tf.Tensor2D[];                                                              // T x [1, E]
      const write = tf.ones([1]) as tf.Tensor1D;   // as in learn(): every step may write
      let state: CoreState = this.core.initialState(1);
      const outputs: tf.Tensor2D[] = [];
      for (const x of xs) {
        const r = this.core.step(x, state, { write });
        state = r.state;
        outputs.push(r.output);
        if (this.core.inspect) readouts.push(this.core.inspect(state, 0));
      }
      const logits = this.head(tf.concat(outputs) as tf.Tensor2D);                                              // [T, K]
      return this.target.kind === 'categorical' ? tf.softmax(logits) : tf.sigmoid(logits);
    });
    const p = probs.dataSync() as Float32Array;
    probs.dispose();
    const K = this.outputSize;
    const predictions = Array.from({ length: T }, (_, t) => Array.from(p.subarray(t * K, (t + 1) * K), (v) => Math.round(v * 1000) / 1000));
    return { predictions, readouts };
  }

  snapshot(): Promise<LearnerSnapshot> {
    return snapshotOf(this.namedVariables(), this.optimizer, { updates: this.updates });
  }

  async restore(s: LearnerSnapshot): Promise<void> {
    await restoreInto(this.namedVariables(), this.optimizer, s);
    this.updates = s.counters.updates ?? 0;
  }

  dispose(): void {
    this.carry.dispose();
    this.encoder.dispose();
    this.core.dispose();
    this.readout.dispose();
    this.optimizer.dispose();
  }

  /**
   * The batch as tensors. Targets and mask cover only the scored window (the steps from the first to
   * the last with any mask), which is all the readout has to run on: one step of 8 for N-th farthest.
   */
  private inputs(b: EpisodeBatch) {
    const { numSteps: T, numEnvs: B, targetSize: K } = b;
    const window = scoredWindow(b);
    const rows = (a: Float32Array, width: number) => a.subarray(window.start * B * width, (window.start + window.length) * B * width);
    const M = window.length * B;
    const tensors = tf.tidy(() => ({
      obs: tf.tensor2d(this.encoder.prepare(b.obs, T * B), [T * B, this.encoder.inputSize]),
      targets: this.target.kind === 'categorical' ? tf.tensor1d(Int32Array.from(rows(b.targets, 1)), 'int32') : tf.tensor2d(rows(b.targets, K), [M, K]),
      mask: tf.tensor1d(rows(b.mask, 1)),
    }));
    return { ...tensors, window };
  }

  /**
   * [T·B, D] -> logits [L·B, K] of the scored window (L steps): encoder, core unrolled, readout. The
   * core starts from a fresh state, or for a segment of a stream from `carry`'s, and then leaves the
   * state it ends in to `carry`.
   */
  private logits(obs: tf.Tensor2D, b: EpisodeBatch, window: ScoredWindow, carry?: StateCarry): tf.Tensor2D {
    return tf.tidy(() => {
      const { numSteps: T, numEnvs: B } = b;
      const enc = this.encoder.apply(obs).reshape([T, B, this.encoder.outputSize]) as tf.Tensor3D;   // [T*B, E] -> [T, B, E]
      const carried = carry?.take(B);
      const state: CoreState = carried ?? this.core.initialState(B);
      // Whole episodes: padding after an episode's end is masked, so no resets are needed inside the
      // batch. Segments: the state resets where a new episode begins.
      const resets = b.resets ? tf.tensor2d(b.resets, [T, B], 'float32') : tf.zeros([T, B]);
      const { outputs, state: final } = unroll(this.core, enc, state, resets as tf.Tensor2D, { write: tf.ones([T, B]) as tf.Tensor2D });
      if (carry) carry.hold(final);
      else disposeState(state);
      const H = this.core.outputSize;
      const scored = window.length === T ? outputs : outputs.slice([window.start, 0, 0], [window.length, B, H]);   // [T, B, H] -> [L, B, H]
      return this.head(scored.reshape([window.length * B, H]) as tf.Tensor2D);                                   // -> [L*B, H]
    });
  }

  /** The readout: core outputs [M, H] -> logits [M, K]. */
  private head(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let h = x;
      this.layers.forEach(([w, bias], i) => {
        h = linear(h, w as tf.Tensor2D, bias as tf.Tensor1D) as tf.Tensor2D;
        if (i < this.layers.length - 1) h = tf.relu(h);
      });
      return h;
    });
  }

  /** Mean over scored steps: softmax CE (classes) or the sum over bits of sigmoid CE (bits). */
  private loss(logits: tf.Tensor2D, targets: tf.Tensor, mask: tf.Tensor1D): tf.Scalar {
    return tf.tidy(() => tf.div(tf.sum(tf.mul(this.perStep(logits, targets), mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar);
  }

  /** Per-step loss in nats: [T·B]. */
  private perStep(logits: tf.Tensor2D, targets: tf.Tensor): tf.Tensor1D {
    if (this.target.kind === 'categorical') {
      const logp = tf.logSoftmax(logits);
      return tf.neg(tf.sum(tf.mul(logp, tf.oneHot(targets as tf.Tensor1D, this.outputSize)), 1)) as tf.Tensor1D;
    }
    // Stable BCE with logits: max(z, 0) − z·y + log(1 + e^(−|z|)).
    const z = logits;
    return tf.sum(tf.add(tf.sub(tf.relu(z), tf.mul(z, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))), 1) as tf.Tensor1D;
  }

  /** Loss nats summed over scored steps, errors summed, scored steps, and errors per sequence [B]. */
  private stats(logits: tf.Tensor2D, targets: tf.Tensor, mask: tf.Tensor1D, b: EpisodeBatch): NamedTensors<TaskStat, 'errorsPerSeq'> {
    return tf.tidy(() => {
      const nats = tf.sum(tf.mul(this.perStep(logits, targets), mask));
      const wrong = this.target.kind === 'categorical'
        ? tf.notEqual(tf.argMax(logits, 1), targets).toFloat()                                        // [T*B]
        : tf.sum(tf.notEqual(tf.greater(logits, 0).toFloat(), targets).toFloat(), 1);                   // bit errors [T*B]
      const masked = tf.mul(wrong, mask);
      const perSeq = tf.sum(masked.reshape([-1, b.numEnvs]), 0);                                        // [L*B] -> [L, B] -> [B]
      return { scalars: { nats, errors: tf.sum(masked), scored: tf.sum(mask) } as Record<TaskStat, tf.Scalar>, vectors: { errorsPerSeq: perSeq as tf.Tensor1D } };
    });
  }

  private metrics(s: NamedValues<TaskStat, 'errorsPerSeq'>, b: EpisodeBatch): Metrics {
    const { nats, errors, scored } = s.scalars;
    const solved = s.vectors.errorsPerSeq.reduce((n, e) => n + (e === 0 ? 1 : 0), 0) / b.numEnvs;
    if (this.target.kind === 'categorical') {
      const accuracy = { 'task/accuracy': 1 - errors / Math.max(scored, 1) };
      if (!b.resets) return { ...accuracy, 'task/solved': solved, 'task/sequences': b.numEnvs };
      // A stream's figures are per token (docs/tasks.md §12): bits per token (per character at char level) and perplexity.
      const natsPerToken = nats / Math.max(scored, 1);
      return { ...accuracy, 'task/bits_per_token': natsPerToken / LN2, 'task/perplexity': Math.exp(natsPerToken), 'task/tokens': scored, 'task/sequences': b.numEnvs };
    }
    return {
      'task/bits_per_seq': nats / LN2 / b.numEnvs, 'task/bit_errors_per_seq': errors / b.numEnvs, 'task/solved': solved,
      'task/sequences': b.numEnvs,
    };
  }
}
