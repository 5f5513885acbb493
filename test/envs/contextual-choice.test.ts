/**
 * ContextualChoice (docs/tasks.md §1; Ritter et al. 2018 / qihongl/dnd-lstm): structure, replay,
 * statistics of the evidence, seeding, 'trial' mode, metrics, rendering and error text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContextualChoice, CONTEXTUAL_CHOICE_DEFAULTS, type ContextualChoiceInfo, type ContextualChoiceOptions } from '../../envs/contextual-choice.ts';
import { Rng } from '../../envs/rng.ts';

interface Shown {
  obs: Float32Array;
  info: ContextualChoiceInfo;
}

/** Play one episode answering with `policy`; returns every (obs, info) shown and the rewards. */
function play(env: ContextualChoice, policy: (info: ContextualChoiceInfo) => number, seed?: number) {
  const first = env.reset(seed === undefined ? {} : { seed });
  const shown: Shown[] = [first];
  const rewards: number[] = [];
  const answered: NonNullable<ContextualChoiceInfo['answered']>[] = [];
  let info = first.info;
  for (let n = 0; ; n++) {
    assert.ok(n < 100_000, 'episode never terminated');
    const r = env.step(policy(info));
    assert.equal(r.truncated, false);
    rewards.push(r.reward);
    assert.ok(r.info.answered);
    answered.push(r.info.answered);
    if (r.terminated) return { shown, rewards, answered, last: r };
    shown.push(r);
    info = r.info;
  }
}

const oracle = (info: ContextualChoiceInfo) => info.target;

function mean(a: ArrayLike<number>, from = 0, to = a.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i] as number;
  return s / (to - from);
}

test('defaults match the reference training script', () => {
  const env = new ContextualChoice();
  assert.deepEqual({ ...env.options }, { obsDim: 32, ctxDim: 32, trialLength: 10, tNoiseOff: 5, nUniqueTrials: 50, episodeMode: 'epoch' });
  assert.deepEqual(env.options, CONTEXTUAL_CHOICE_DEFAULTS);
  assert.deepEqual(env.observationSpace.shape, [64]);
  assert.equal(env.actionSpace.toString(), 'Discrete(2)');
  assert.deepEqual(env.metadata, { renderModes: ['ansi', 'state'], renderFps: 4, actionNames: ['press 0', 'press 1'] });
});

test('an epoch is 2K·T = 1000 steps, then terminated with a zero obs and neutral flags', () => {
  const env = new ContextualChoice();
  const { shown, rewards, last } = play(env, oracle, 1);
  assert.equal(rewards.length, 1000);
  assert.equal(shown.length, 1000);
  shown.forEach(({ obs, info }, n) => {
    assert.ok(env.observationSpace.contains(obs));
    assert.equal(info.trialIndex, Math.floor(n / 10));
    assert.equal(info.t, n % 10);
    assert.equal(info.phase, n < 500 ? 1 : 2);
    assert.equal(info.isRepeat, n >= 500);
    assert.equal(info.trialStart, n % 10 === 0);
    assert.equal(info.trialEnd, n % 10 === 9);
    assert.equal(info.epochStart, n === 0);
    assert.equal(info.encodeHint, n < 500 && n % 10 === 9);
  });
  assert.ok(last.obs.every((v) => v === 0));
  assert.equal(last.obs.length, 64);
  assert.equal(last.info.trialIndex, 99);
  assert.equal(last.info.t, 9);
  assert.equal(last.info.trialStart || last.info.trialEnd || last.info.epochStart || last.info.encodeHint, false);
  assert.deepEqual(last.info.answered, { target: last.info.target, t: 9, phase: 2, correct: true });
  assert.throws(() => env.step(0), /ContextualChoice: step\(\) called after the episode ended/);
});

test('info comes with its own obs: answered describes the step whose info was shown before', () => {
  const env = new ContextualChoice({ nUniqueTrials: 4 });
  let info = env.reset({ seed: 3 }).info;
  for (let n = 0; n < 79; n++) {
    const r = env.step(n % 2);
    assert.deepEqual(r.info.answered, { target: info.target, t: info.t, phase: info.phase, correct: n % 2 === info.target });
    assert.equal(r.reward, n % 2 === info.target ? 1 : 0);
    info = r.info;
  }
});

test('phase-2 trials are bit-for-bit copies of their sourceTrial, in a permuted order', () => {
  const env = new ContextualChoice();
  const { shown } = play(env, oracle, 7);
  const sources = [];
  for (let trial = 50; trial < 100; trial++) {
    const src = (shown[trial * 10] as Shown).info.sourceTrial;
    sources.push(src);
    for (let t = 0; t < 10; t++) {
      const repeat = shown[trial * 10 + t] as Shown;
      const original = shown[src * 10 + t] as Shown;
      assert.equal(repeat.info.sourceTrial, src);
      assert.equal(original.info.sourceTrial, src);
      assert.deepEqual(Buffer.from(repeat.obs.buffer), Buffer.from(original.obs.buffer));
      assert.equal(repeat.info.target, original.info.target);
    }
  }
  assert.deepEqual([...sources].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(sources, Array.from({ length: 50 }, (_, i) => i));
});

test('the context is constant within a trial and differs between trials', () => {
  const env = new ContextualChoice();
  const { shown } = play(env, oracle, 2);
  const ctx = (n: number) => Array.from((shown[n] as Shown).obs.subarray(32));
  for (let trial = 0; trial < 100; trial++) {
    for (let t = 1; t < 10; t++) assert.deepEqual(ctx(trial * 10 + t), ctx(trial * 10));
  }
  assert.notDeepEqual(ctx(0), ctx(10));
});

test('noise rows carry no label information; later rows have mean μ = ±1 matching the label', () => {
  const env = new ContextualChoice();
  let earlySigned = 0;
  let lateSigned = 0;
  let nEarly = 0;
  let nLate = 0;
  let lateStd = 0;
  for (let epoch = 0; epoch < 8; epoch++) {
    const { shown } = play(env, oracle, epoch === 0 ? 11 : undefined);
    for (const { obs, info } of shown.slice(0, 500)) { // phase 1: 400 distinct trials overall
      const sign = info.target === 1 ? 1 : -1;
      const m = mean(obs, 0, 32);
      if (info.t < 5) { earlySigned += sign * m; nEarly++; } else {
        lateSigned += sign * m;
        nLate++;
        for (let d = 0; d < 32; d++) lateStd += ((obs[d] as number) - sign) ** 2;
      }
    }
  }
  // Each row mean has std 1/sqrt(32); over 2000 rows the signed mean has std ~0.004.
  assert.ok(Math.abs(earlySigned / nEarly) < 0.03, `noise rows correlate with the label: ${earlySigned / nEarly}`);
  assert.ok(Math.abs(lateSigned / nLate - 1) < 0.03, `late rows: signed mean ${lateSigned / nLate}, expected 1`);
  assert.ok(Math.abs(Math.sqrt(lateStd / (nLate * 32)) - 1) < 0.03, 'late rows have unit variance');
});

test('label = 1 exactly when the evidence sum is positive (tNoiseOff = 0 shows the whole matrix)', () => {
  const env = new ContextualChoice({ tNoiseOff: 0 });
  const { shown } = play(env, oracle, 5);
  const labels = new Set<number>();
  for (let trial = 0; trial < 50; trial++) {
    let sum = 0;
    for (let t = 0; t < 10; t++) sum += mean((shown[trial * 10 + t] as Shown).obs, 0, 32) * 32;
    const target = (shown[trial * 10] as Shown).info.target;
    assert.equal(target, sum > 0 ? 1 : 0);
    labels.add(target);
  }
  assert.deepEqual([...labels].sort(), [0, 1]);
});

test('rewards are 1 for the label and 0 otherwise', () => {
  const env = new ContextualChoice({ nUniqueTrials: 5 });
  const right = play(env, oracle, 4);
  assert.ok(right.rewards.every((r) => r === 1));
  const wrong = play(env, (info) => 1 - info.target, 4);
  assert.ok(wrong.rewards.every((r) => r === 0));
});

test('same seed gives byte-identical streams under a fixed action sequence', () => {
  const run = () => {
    const env = new ContextualChoice({ nUniqueTrials: 10 });
    const actions = new Rng(99);
    const parts: Buffer[] = [];
    for (let ep = 0; ep < 2; ep++) {
      const { shown, rewards } = play(env, () => actions.int(0, 1), ep === 0 ? 123 : undefined);
      for (const s of shown) parts.push(Buffer.from(s.obs.buffer));
      parts.push(Buffer.from(Float64Array.from(rewards).buffer));
    }
    return Buffer.concat(parts);
  };
  assert.deepEqual(run(), run());
});

test('reset() continues the stream: a new epoch, while reset({seed}) repeats one', () => {
  const env = new ContextualChoice();
  const a = env.reset({ seed: 8 }).obs;
  const b = env.reset().obs;
  const c = env.reset({ seed: 8 }).obs;
  assert.notDeepEqual(Array.from(b), Array.from(a));
  assert.deepEqual(Array.from(c), Array.from(a));
  const fresh = new ContextualChoice().reset().obs; // an unseeded env starts from Rng(0)
  assert.deepEqual(Array.from(fresh), Array.from(new ContextualChoice().reset({ seed: 0 }).obs));
});

test("'trial' mode: one trial per episode, epochStart every 2K trials, same replay structure", () => {
  const K = 3;
  const env = new ContextualChoice({ nUniqueTrials: K, episodeMode: 'trial' });
  const trials: ReturnType<typeof play>[] = [];
  for (let n = 0; n < 4 * K + 1; n++) trials.push(play(env, oracle, n === 0 ? 21 : undefined));
  trials.forEach((tr, n) => {
    assert.equal(tr.rewards.length, 10);
    const first = (tr.shown[0] as Shown).info;
    assert.equal(first.trialIndex, n % (2 * K));
    assert.equal(first.epochStart, n % (2 * K) === 0);
    assert.ok(tr.shown.slice(1).every((s) => !s.info.epochStart));
    assert.equal(first.phase, n % (2 * K) < K ? 1 : 2);
    assert.equal((tr.shown[9] as Shown).info.encodeHint, first.phase === 1);
  });
  for (const epoch of [0, 1]) {
    for (let i = K; i < 2 * K; i++) {
      const rep = trials[epoch * 2 * K + i] as ReturnType<typeof play>;
      const src = (rep.shown[0] as Shown).info.sourceTrial;
      const orig = trials[epoch * 2 * K + src] as ReturnType<typeof play>;
      rep.shown.forEach((s, t) => assert.deepEqual(Array.from(s.obs), Array.from((orig.shown[t] as Shown).obs)));
    }
  }
  // The second epoch is new, not a replay of the first.
  const firstObs = (n: number) => Array.from(((trials[n] as ReturnType<typeof play>).shown[0] as Shown).obs);
  assert.notDeepEqual(firstObs(2 * K), firstObs(0));
  // A seeded reset, or newEpoch, starts a new epoch at once.
  env.reset();
  assert.equal(env.reset({ seed: 21 }).info.epochStart, true);
  assert.equal(env.reset().info.trialIndex, 1);
  assert.equal(env.reset({ options: { newEpoch: true } }).info.epochStart, true);
});

test('episodeMetrics: always-correct scores 1.0, always-0 about 0.5, empty keys are omitted', () => {
  const env = new ContextualChoice();
  assert.deepEqual(env.reset({ seed: 1 }) && env.episodeMetrics(), {});
  play(env, oracle, 1);
  assert.deepEqual(env.episodeMetrics(), { recallAccuracy: 1, novelAccuracy: 1, accuracy: 1, lateAccuracy: 1 });
  play(env, () => 0, 1);
  const m = env.episodeMetrics();
  for (const key of ['recallAccuracy', 'novelAccuracy', 'accuracy', 'lateAccuracy']) {
    const v = m[key] as number;
    assert.ok(Math.abs(v - 0.5) < 0.2, `${key} = ${v}`);
  }
  // Phase 2 replays phase 1, so always-0 scores the same on novel and repeated trials.
  assert.equal(m['recallAccuracy'], m['novelAccuracy']);
  const trialEnv = new ContextualChoice({ nUniqueTrials: 2, episodeMode: 'trial' });
  play(trialEnv, oracle, 1);
  assert.deepEqual(trialEnv.episodeMetrics(), { novelAccuracy: 1, accuracy: 1, lateAccuracy: 1 });
  play(trialEnv, oracle);
  play(trialEnv, (info) => (info.t < 5 ? 1 - info.target : info.target));
  assert.deepEqual(trialEnv.episodeMetrics(), { recallAccuracy: 0, accuracy: 0.5, lateAccuracy: 1 });
});

test('render: ansi text and a JSON state frame of the step about to be answered', () => {
  const env = new ContextualChoice({ nUniqueTrials: 2 });
  assert.match(env.render('ansi') as string, /not reset/);
  const { info } = env.reset({ seed: 3 });
  env.step(info.target);
  const text = env.render('ansi') as string;
  assert.match(text, /trial 0\/4 phase 1 \(novel\) t=1\/10 noise label=[01] evidence mean=[+-]\d\.\d{3}/);
  assert.match(text, /last action: [01] \(right\)/);
  const frame = env.render('state');
  assert.equal(typeof frame, 'object');
  const f = frame as Record<string, unknown>;
  assert.equal(f['kind'], 'contextual-choice');
  assert.equal(f['t'], 1);
  assert.equal(f['lastCorrect'], true);
  assert.equal((f['evidence'] as number[]).length, 32);
  assert.equal((f['context'] as number[]).length, 32);
  assert.deepEqual(JSON.parse(JSON.stringify(frame)), frame);
});

test('misuse gives clear errors', () => {
  const env = new ContextualChoice();
  assert.throws(() => env.step(0), { name: 'EnvError', message: /step\(\) called before reset\(\)/ });
  env.reset();
  assert.throws(() => env.step(2), { name: 'EnvError', message: 'ContextualChoice: action must be 0 or 1 (Discrete(2)), got 2' });
  assert.throws(() => env.reset({ options: { newEpch: true } }), { name: 'ConfigError', message: /unknown reset option "newEpch"/ });
});

test('bad kwargs give ConfigErrors that name the option, the rule and the value', () => {
  const bad = (kwargs: Record<string, unknown>, message: RegExp | string) =>
    assert.throws(() => new ContextualChoice(kwargs as Partial<ContextualChoiceOptions>), { name: 'ConfigError', message });
  bad({ tNoiseOff: 12 }, 'ContextualChoice: tNoiseOff must be < trialLength (10), got 12');
  bad({ tNoiseOff: 10 }, /tNoiseOff must be < trialLength \(10\), got 10/);
  bad({ obsDim: 0 }, 'ContextualChoice: obsDim must be an integer >= 1, got 0');
  bad({ ctxDim: -1 }, 'ContextualChoice: ctxDim must be an integer >= 0, got -1');
  bad({ nUniqueTrials: 2.5 }, 'ContextualChoice: nUniqueTrials must be an integer >= 1, got 2.5');
  bad({ trialLength: 0 }, /trialLength must be an integer >= 1, got 0/);
  bad({ episodeMode: 'episode' }, `ContextualChoice: episodeMode must be one of 'epoch', 'trial', got "episode"`);
  bad({ obsDim: '32' }, 'ContextualChoice: obsDim must be a number, got "32"');
  bad({ obsDims: 16 }, /unknown option "obsDims"; did you mean "obsDim"/);
  assert.doesNotThrow(() => new ContextualChoice({ ctxDim: 0, tNoiseOff: 0, trialLength: 1 }));
});
