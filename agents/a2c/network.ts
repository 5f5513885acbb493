/**
 * The A2C network: observation encoder -> memory core -> linear policy and value heads.
 */
import { Rng } from '../../envs/rng.ts';
import { SEEDS } from '../../envs/seeds.ts';
import type { CoreState, MemoryCore } from '../../memory/core.ts';
import { linear } from '../../memory/ops.ts';
import { Params } from '../../memory/params.ts';
import { tf } from '../../memory/tf.ts';
import { unroll } from '../../memory/unroll.ts';
import type { A2CConfig } from './config.ts';
import { makeEncoder, type Encoder } from '../encoder.ts';
import { localName, type NamedVariable } from '../optim.ts';

export interface StepInputs {
  readonly obs: tf.Tensor2D;        // [B, encoder.inputSize] (prepared observations)
  readonly resets?: tf.Tensor1D;    // [B], omitted when no element resets
  readonly flush?: tf.Tensor1D;     // [B]
  readonly write: tf.Tensor1D;      // [B]
  /** Record the core's diagnostics this step (when the viewer inspects it). */
  readonly diagnostics?: boolean;
}

export interface UnrollInputs {
  readonly obs: tf.Tensor3D;        // [T, B, encoder.inputSize] (prepared observations)
  readonly resets: tf.Tensor2D;     // [T, B]
  readonly flush?: tf.Tensor2D;     // [T, B]
  readonly write: tf.Tensor2D;      // [T, B]
}

export class A2CNetwork {
  readonly encoder: Encoder;
  readonly core: MemoryCore;
  readonly heads: Params;
  private readonly policyW: tf.Variable;
  private readonly policyB: tf.Variable;
  private readonly valueW: tf.Variable;
  private readonly valueB: tf.Variable;

  constructor(obsShape: readonly number[], readonly numActions: number, makeCore: (inputSize: number) => MemoryCore,
    cfg: A2CConfig, seed: number) {
    this.encoder = makeEncoder(obsShape, cfg, SEEDS.encoder(seed));
    this.core = makeCore(this.encoder.outputSize);
    const H = this.core.outputSize;
    this.heads = new Params('heads', new Rng(SEEDS.heads(seed)));
    // Small policy init so the first policy is near uniform (cleanrl's std=0.01 head).
    this.policyW = this.heads.add('policy/w', [H, numActions], { kind: 'orthogonal', gain: 0.01 });
    this.policyB = this.heads.add('policy/b', [numActions], { kind: 'zeros' });
    this.valueW = this.heads.add('value/w', [H, 1], { kind: 'orthogonal', gain: 1 });
    this.valueB = this.heads.add('value/b', [1], { kind: 'zeros' });
  }

  /** Raw observations [M, obsSize] -> the encoder's input rows, as a tensor [M, inputSize]. */
  prepare(obs: Float32Array, count: number): tf.Tensor2D {
    return tf.tensor2d(this.encoder.prepare(obs, count), [count, this.encoder.inputSize]);
  }

  /** Every trainable variable with a stable local name (for checkpoints), in one fixed order. */
  namedVariables(): NamedVariable[] {
    const local = localName;
    return [
      ...this.encoder.params.variables.map((v) => ({ name: `encoder/${local(v)}`, variable: v })),
      ...this.core.variables.map((v) => ({ name: `core/${local(v)}`, variable: v })),
      ...this.heads.variables.map((v) => ({ name: `heads/${local(v)}`, variable: v })),
    ];
  }

  /** One step for the whole batch: logits [B, A], values [B], next state. */
  step(x: StepInputs, state: CoreState): { logits: tf.Tensor2D; values: tf.Tensor1D; state: CoreState } {
    return tf.tidy(() => {
      const s = x.resets || x.flush
        ? this.core.resetWhere(state, x.resets ?? tf.zeros([x.obs.shape[0]]) as tf.Tensor1D, x.flush)
        : state;
      const r = this.core.step(this.encoder.apply(x.obs), s, { write: x.write, diagnostics: x.diagnostics ?? false });
      return { ...this.heads_(r.output), state: r.state };
    });
  }

  /** BPTT over a trajectory from its initial state: logits [T·B, A], values [T·B]. */
  unroll(x: UnrollInputs, state: CoreState): { logits: tf.Tensor2D; values: tf.Tensor1D } {
    return tf.tidy(() => {
      const [T, B, D] = x.obs.shape;
      const enc = this.encoder.apply(x.obs.reshape([T * B, D]) as tf.Tensor2D)   // [T*B, D] -> [T*B, E]
        .reshape([T, B, this.encoder.outputSize]) as tf.Tensor3D;                // -> [T, B, E]
      const { outputs } = unroll(this.core, enc, state, x.resets, { write: x.write, diagnostics: false, ...(x.flush ? { flush: x.flush } : {}) });
      return this.heads_(outputs.reshape([T * B, this.core.outputSize]) as tf.Tensor2D); // [T, B, H] -> [T*B, H]
    });
  }

  private heads_(h: tf.Tensor2D): { logits: tf.Tensor2D; values: tf.Tensor1D } {
    const logits = linear(h, this.policyW as tf.Tensor2D, this.policyB as tf.Tensor1D) as tf.Tensor2D;  // [M, A]
    const values = linear(h, this.valueW as tf.Tensor2D, this.valueB as tf.Tensor1D).reshape([-1]) as tf.Tensor1D; // [M]
    return { logits, values };
  }

  dispose(): void {
    this.encoder.dispose();
    this.core.dispose();
    this.heads.dispose();
  }
}
