/**
 * checkCore names what a broken core does wrong, one mistake at a time, and passes the built-in
 * cores and a correct user-style core.
 */
import { tf } from '../fixtures/tf-cpu.ts';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../envs/rng.ts';
import { checkCore } from '../../memory/check-core.ts';
import { BaseCore, type CoreState, type SpecTree } from '../../memory/core.ts';
import { Params } from '../../memory/params.ts';
import { makeCore } from '../../memory/registry.ts';

type State = CoreState & { h: tf.Tensor2D };
type Mistake = 'none' | 'mixes rows' | 'random init' | 'leaks' | 'unused variable' | 'wrong output' | 'inexact reset';

/** h_t = a ⊙ h_{t−1} + tanh(x_t·W); each mistake breaks one rule of the contract. */
class Toy extends BaseCore<State> {
  private readonly w: tf.Variable;
  private readonly a: tf.Variable;
  constructor(seed: number, private readonly mistake: Mistake) {
    const params = new Params('toy', new Rng(mistake === 'random init' ? Math.floor(Math.random() * 1e9) : seed));
    super('toy', 4, 3, params);
    this.w = params.add('w', [4, 3], { kind: 'glorotUniform' });
    this.a = params.add('a', [3], { kind: 'constant', value: 0.5 });
    if (mistake === 'unused variable') params.add('unused', [3], { kind: 'ones' });
  }
  stateSpec(): SpecTree { return { h: { shape: [3], dtype: 'float32', reset: 'initial' } }; }
  step(x: tf.Tensor2D, s: State): { output: tf.Tensor2D; state: State } {
    if (this.mistake === 'leaks') tf.keep(tf.add(x, 1));
    return tf.tidy(() => {
      let drive = tf.tanh(tf.matMul(x, this.w));
      if (this.mistake === 'mixes rows') drive = tf.add(drive, tf.mean(drive, 0, true));
      const h = tf.add(tf.mul(this.a, s.h), drive) as tf.Tensor2D;
      const output = this.mistake === 'wrong output' ? tf.concat([h, h], 1) as tf.Tensor2D : tf.clone(h);
      return { output, state: { h } as State };
    });
  }
  override resetWhere(s: State, resets: tf.Tensor1D, flush?: tf.Tensor1D): State {
    const r = super.resetWhere(s, resets, flush);
    if (this.mistake !== 'inexact reset') return r;
    const h = tf.tidy(() => tf.add(r.h, 1e-3)) as tf.Tensor2D;
    r.h.dispose();
    return { h } as State;
  }
}

const failures = (mistake: Mistake) => checkCore((seed) => new Toy(seed, mistake)).results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.message}`);

test('a correct core passes every check, as do the built-in cores', () => {
  assert.deepEqual(failures('none'), []);
  for (const [id, options] of [['lstm', { hiddenSize: 4 }], ['rmc', { numSlots: 2, headSize: 2, numHeads: 2 }]] as const) {
    const report = checkCore((seed) => makeCore(id, { ...options, inputSize: 3, seed }));
    assert.ok(report.ok, `${id}: ${JSON.stringify(report.results)}`);
  }
});

test('each mistake is named by the check it breaks, with what to change', () => {
  const cases: [Mistake, RegExp][] = [
    ['mixes rows', /^batch independence: .*batch rows must not mix/],
    ['random init', /^determinism: .*never Math\.random/],
    ['leaks', /^no tensor leaks: \d+ more live tensors after 5 rounds.*tf\.tidy/],
    ['unused variable', /^gradients: variable toy_\d+\/unused gets no gradient/],
    ['wrong output', /^shapes: step must return output \[3, 3\] \(\[B, outputSize\]\), got \[3, 6\]/],
    ['inexact reset', /^reset: .*leaf h of element 0 must be back to initialState, exactly/],
  ];
  for (const [mistake, why] of cases) {
    const f = failures(mistake);
    assert.ok(f.some((m) => why.test(m)), `${mistake}: ${JSON.stringify(f)}`);
  }
});

test('a factory that throws is one failed build, and the other checks say they were skipped', () => {
  const report = checkCore(() => { throw new Error('bad options'); });
  assert.equal(report.ok, false);
  assert.deepEqual(report.results[0], { name: 'build', ok: false, message: 'the factory threw bad options' });
  assert.ok(report.results.slice(1).every((r) => !r.ok && /skipped/.test(r.message ?? '')));
});
