/**
 * Learning to Execute (docs/tasks.md §7, §8; Zaremba & Sutskever 2014; Santoro et al. 2018): the §8.4
 * timeline, the exact evaluator on hand-worked programs, the generator over many seeds, knobs,
 * curricula, decoder inputs, metrics, rendering, seeding, checkEnv and error text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEnv } from '../../envs/check.ts';
import { Rng } from '../../envs/rng.ts';
import { countOperations, evaluateProgram, type LteNode, parseProgram, printProgram } from '../../envs/tasks/lte-eval.ts';
import {
  generateProgram, LTE_TASK_KINDS, LTE_VOCAB, lteAnswer, lteCharIndex, lteInputBudget, lteOutputBudget, type LteTaskKind, randomLiteral,
} from '../../envs/tasks/lte-grammar.ts';
import {
  type DigitPrediction, PROGRAM_EVAL_DEFAULTS, type ProgramEvalFrame, type ProgramEvalInfo, ProgramEvalTask,
} from '../../envs/tasks/program-eval.ts';
import { OrderEnforcing } from '../../envs/wrappers.ts';

interface Played { obs: Float32Array[]; infos: ProgramEvalInfo[]; last: { obs: Float32Array; terminated: boolean; truncated: boolean; info: ProgramEvalInfo }; rewards: number[] }

/** One episode; `policy` maps the info shown with an obs (and its step) to the action for it. */
function play(env: ProgramEvalTask, policy: (info: ProgramEvalInfo) => DigitPrediction, reset: Parameters<ProgramEvalTask['reset']>[0] = {}): Played {
  const first = env.reset(reset);
  const obs = [first.obs];
  const infos = [first.info];
  const rewards: number[] = [];
  for (let n = 0; n < 10_000; n++) {
    const r = env.step(policy(infos[infos.length - 1] as ProgramEvalInfo));
    rewards.push(r.reward);
    if (r.terminated || r.truncated) return { obs, infos, last: r, rewards };
    obs.push(r.obs);
    infos.push(r.info);
  }
  throw new Error('episode never ended');
}

const V = LTE_VOCAB.length; // 30; the flag is obs[V]
const oneHot = (k: number, flag: number) => Array.from({ length: V + 1 }, (_, i) => (i === k || (i === V && flag === 1) ? 1 : 0));
const oracle = (info: ProgramEvalInfo) => (info.targetMask === 1 ? info.target : null);
const literals = (n: LteNode): bigint[] => {
  switch (n.kind) {
    case 'num': return [n.value];
    case 'bin': return [...literals(n.left), ...literals(n.right)];
    case 'if': return [...literals(n.then), ...literals(n.left), ...literals(n.right), ...literals(n.otherwise)];
    case 'for': return [...literals(n.init), ...literals(n.step)];
  }
};

test('defaults, spaces and metadata', () => {
  const env = new ProgramEvalTask();
  assert.deepEqual({ ...env.options }, { taskKind: 'addition', maxLength: 5, maxNesting: 2, curriculum: 'mix', decoderInput: 'zeros' });
  assert.deepEqual(env.options, PROGRAM_EVAL_DEFAULTS);
  assert.equal(V, 30);
  assert.equal(new Set(LTE_VOCAB).size, 30);
  assert.equal(env.observationSpace.toString(), 'Box(0, 1, [31], float32)');
  assert.equal(env.actionSpace.toString(), 'Discrete(10)');
  assert.deepEqual(env.metadata, { renderModes: ['ansi', 'state'], renderFps: 4, rewardFree: true, target: { kind: 'categorical', numClasses: 10 } });
});

test('reproduces the §8.4 LTE timeline for (18818+52332)+52909', () => {
  const code = '(18818+52332)+52909';
  const env = new ProgramEvalTask();
  const { obs, infos, last, rewards } = play(env, () => null, { seed: 3, options: { program: code } });
  assert.equal(obs.length, 25);
  for (let t = 0; t < 19; t++) {
    assert.deepEqual(Array.from(obs[t]!), oneHot(LTE_VOCAB.indexOf(code[t]!), 0), `input step ${t}`);
    assert.deepEqual([infos[t]!.target, infos[t]!.targetMask, infos[t]!.phase, infos[t]!.t], [0, 0, 'input', t]);
  }
  for (let t = 19; t < 25; t++) assert.deepEqual(Array.from(obs[t]!), oneHot(-1, 1), `decode step ${t}: only the phase flag`);
  assert.deepEqual(infos.slice(19).map((i) => i.target), [1, 2, 4, 0, 5, 9]);
  assert.deepEqual(infos.slice(19).map((i) => [i.targetMask, i.phase]), new Array(6).fill([1, 'output']));
  assert.equal(new Set(obs.map((o) => o.buffer)).size, 25, 'a fresh array per call');
  assert.deepEqual(Array.from(last.obs), new Array(31).fill(0));
  assert.deepEqual([last.terminated, last.truncated, last.info.targetMask, last.info.t], [true, false, 0, 25]);
  assert.deepEqual(rewards, new Array(25).fill(0));
  assert.deepEqual(env.episodeMetrics(), { programLength: 19, answerLength: 6, literalLength: 5, nesting: 2 });
  assert.throws(() => env.step(null), /ProgramEval: step\(\) called after the episode ended/);
});

test('evaluates every grammar construct exactly (hand-worked)', () => {
  const cases: [string, bigint][] = [
    ['7', 7n], ['12+30', 42n], ['12-345', -333n], ['(12-345)-1', -334n], ['25*4', 100n], ['(12*3)*4', 144n],
    ['1+2*3', 7n], ['10-2-3', 5n], ['(1+2)*3', 9n],
    ['5if1<2else6', 5n], ['5if2<1else6', 6n], ['5if3>2else6', 5n], ['5if2>3else6', 6n], ['5if2>2else6', 6n], ['5if2<2else6', 6n],
    ['1if5<4else2if3<4else3', 2n],                                  // else-chain, right-associative like Python
    ['x=10for[3]x+=7', 31n], ['x=10for[0]x+=7', 10n], ['x=(3-10)for[2]x+=1', -5n],
    ['x=(x=1for[2]x+=3)for[4]x+=5', 27n],                           // 1 + 2·3 = 7, then 7 + 4·5
    ['(x=29393for[1]x+=80671)if70308<26341else18272', 18272n],       // §7.2 examples
    ['(x=29393for[1]x+=80671)if70308>26341else18272', 110064n],
    ['x=(42845-87324)for[8]x+=29832', 194177n], ['(18818+52332)+52909', 124059n],
    ['((5if9>1else6)*3)+(x=1for[9]x+=2)', 34n],
  ];
  for (const [src, want] of cases) assert.equal(evaluateProgram(src), want, src);
  assert.equal(lteAnswer('program', -333n, 3), '9667', 'mathematical modulo 10^{ℓ+1}');
  assert.equal(lteAnswer('program', 811956922n, 5), '956922');
  assert.equal(lteAnswer('program', 1000023n, 5), '23', 'no leading zeros');
  assert.equal(lteAnswer('copy', 99710n, 5), '99710');
  assert.equal(printProgram(parseProgram('1+2*3')), '1+(2*3)');
});

test('rejects text outside the grammar with the column', () => {
  assert.throws(() => parseProgram(''), /LTE program: expected a program at column 0/);
  assert.throws(() => parseProgram('1+'), /expected a number or '\(' at column 2, got the end in "1\+"/);
  assert.throws(() => parseProgram('(1+2'), /expected '\)' at column 4/);
  assert.throws(() => parseProgram('1if2=3else4'), /expected '<' or '>' at column 4/);
  assert.throws(() => parseProgram('x=1for[]x+=2'), /expected a loop count of 1 to 6 digits at column 7/);
  assert.throws(() => parseProgram('1 + 2'), /expected the end of the program at column 1/);
  assert.throws(() => parseProgram('x=1for[2]y+=2'), /expected 'x\+=' at column 9/);
});

test('BigInt arithmetic stays exact on long literals', () => {
  const a = '123456789012345678901234567890';
  const b = '987654321098765432109876543210';
  assert.equal(evaluateProgram(`${a}*${b}`).toString(), '121932631137021795226185032733622923332237463801111263526900');
  assert.equal(lteAnswer('program', evaluateProgram(`${a}*${b}`), 30), '3622923332237463801111263526900');
  assert.equal(lteAnswer('program', evaluateProgram(`(99999-${a})*7`), 5), '724763');
  const rng = new Rng(5);
  for (let len = 1; len <= 40; len++) {
    for (let n = 0; n < 5; n++) assert.match(randomLiteral(rng, len).toString(), new RegExp(`^[1-9][0-9]{${len - 1}}$`), `ℓ = ${len}`);
  }
  const firstDigits = new Set(Array.from({ length: 300 }, () => randomLiteral(rng, 1)));
  assert.equal(firstDigits.size, 9, 'ℓ = 1 covers 1…9');
  for (let n = 0; n < 50; n++) {
    const p = generateProgram(rng, 'program', 25, 3);
    assert.equal(evaluateProgram(p.code), p.value, p.code);
    assert.ok(p.answer.length <= 26);
  }
});

test('every generated program parses, round-trips, evaluates to its value and fits the budgets', () => {
  const rng = new Rng(11);
  for (const kind of LTE_TASK_KINDS) {
    for (let len = 1; len <= 6; len++) {
      for (let k = 1; k <= (kind === 'copy' ? 1 : 3); k++) {
        for (let n = 0; n < 40; n++) {
          const p = generateProgram(rng, kind, len, k);
          const ast = parseProgram(p.code);
          assert.equal(printProgram(ast), p.code);
          assert.equal(evaluateProgram(p.code), p.value, p.code);
          assert.equal(p.answer, lteAnswer(kind, p.value, len));
          assert.match(p.answer, /^[0-9]+$/);
          assert.ok(p.code.length <= lteInputBudget(kind, len, k), `${p.code} exceeds the input budget`);
          assert.ok(p.answer.length <= lteOutputBudget(kind, len), `${p.answer} exceeds the output budget`);
          assert.ok(literals(ast).every((v) => v.toString().length === len), `ℓ = ${len} literals in ${p.code}`);
          assert.equal(p.ops.length, k);
          assert.equal(countOperations(ast), kind === 'copy' ? 0 : k);
          for (const ch of p.code) assert.ok(lteCharIndex(ch) >= 2, `character ${ch} of ${p.code} is in the vocabulary`);
        }
      }
    }
  }
  assert.equal(lteInputBudget('addition', 5, 2), 57);
  assert.equal(lteInputBudget('program', 6, 3), 94);
});

test('the env plays each generated program with exactly its answer length of decode steps', () => {
  for (const taskKind of LTE_TASK_KINDS) {
    const env = new ProgramEvalTask({ taskKind, maxLength: 4, maxNesting: taskKind === 'copy' ? 1 : 3 });
    env.reset({ seed: 1 });
    for (let n = 0; n < 100; n++) {
      const { infos } = play(env, oracle);
      const frame = env.render('state') as ProgramEvalFrame;
      const code = frame.lines[0]!;
      const decode = infos.filter((i) => i.targetMask === 1);
      assert.equal(infos.length, code.length + frame.answer.length);
      assert.equal(decode.map((i) => i.target).join(''), frame.answer);
      assert.deepEqual(infos.map((i) => i.targetMask), [...new Array(code.length).fill(0), ...new Array(frame.answer.length).fill(1)]);
      assert.equal(frame.answer, lteAnswer(taskKind, evaluateProgram(code), env.episodeMetrics()['literalLength']!));
      assert.deepEqual([env.episodeMetrics()['charAccuracy'], env.episodeMetrics()['solved']], [1, 1]);
    }
  }
});

test('knobs: curriculum none pins (maxLength, maxNesting); mix covers the ranges; resets can force them', () => {
  const seen = (env: ProgramEvalTask, episodes: number, reset = {}) => Array.from({ length: episodes }, () => {
    play(env, () => null, reset);
    const m = env.episodeMetrics();
    const code = (env.render('state') as ProgramEvalFrame).lines[0]!;
    assert.ok(literals(parseProgram(code)).every((v) => v.toString().length === m['literalLength']));
    return `${m['literalLength']},${m['nesting']}`;
  });
  const none = new ProgramEvalTask({ taskKind: 'program', maxLength: 3, maxNesting: 3, curriculum: 'none' });
  none.reset({ seed: 2 });
  assert.deepEqual(new Set(seen(none, 50)), new Set(['3,3']));
  const mix = new ProgramEvalTask({ taskKind: 'control', maxLength: 3, maxNesting: 2 });
  mix.reset({ seed: 2 });
  assert.equal(new Set(seen(mix, 300)).size, 6);
  assert.deepEqual(new Set(seen(mix, 20, { options: { length: 7, nesting: 4 } })), new Set(['7,4']));
  assert.deepEqual(new Set(seen(mix, 20, { options: { length: 2 } }).map((s) => s.split(',')[0])), new Set(['2']));
  const copy = new ProgramEvalTask({ taskKind: 'copy', maxLength: 6, curriculum: 'none' });
  assert.equal(copy.options.maxNesting, 1);
  copy.reset({ seed: 4 });
  assert.deepEqual(new Set(seen(copy, 20)), new Set(['6,1']));
  const { infos } = play(copy, () => null, { options: { program: '00712' } });
  assert.equal(infos.filter((i) => i.targetMask === 1).map((i) => i.target).join(''), '00712', 'copy memorises the text');
});

test('curricula: naive climbs length then nesting (length reset); combined mixes 1 in 5', () => {
  const naive = new ProgramEvalTask({ taskKind: 'addition', maxLength: 3, maxNesting: 2, curriculum: 'naive' });
  const order: string[] = [];
  naive.reset({ seed: 0 });
  do {
    const c = naive.curriculum.current;
    play(naive, () => null);
    const m = naive.episodeMetrics();
    assert.deepEqual([m['literalLength'], m['nesting'], m['curriculumLevel']], [c.length, c.nesting, naive.curriculum.level]);
    order.push(`${c.length},${c.nesting}`);
  } while (naive.curriculum.advance());
  assert.deepEqual(order, ['1,1', '2,1', '3,1', '1,2', '2,2', '3,2']);
  assert.equal(naive.curriculum.atTarget, true);
  naive.curriculum.setLevel(2);
  assert.deepEqual(naive.curriculum.current, { length: 2, nesting: 1 });
  assert.throws(() => naive.curriculum.setLevel(7), /curriculum level must be an integer in \[1, 6\], got 7/);

  const mix = new ProgramEvalTask({ curriculum: 'mix' });
  assert.equal(mix.curriculum.advance(), false);
  assert.throws(() => mix.curriculum.setLevel(1), /ProgramEval: setLevel needs curriculum 'naive' or 'combined', got 'mix'/);
  assert.equal('curriculumLevel' in (mix.reset({ seed: 0 }), mix.episodeMetrics()), false);

  const combined = new ProgramEvalTask({ taskKind: 'program', maxLength: 4, maxNesting: 4, curriculum: 'combined' });
  combined.reset({ seed: 9 });
  let off = 0;
  const n = 2000;
  for (let e = 0; e < n; e++) {
    combined.reset();
    const m = combined.episodeMetrics();
    if (m['literalLength'] !== 1 || m['nesting'] !== 1) off++;
  }
  const expected = (n / 5) * (15 / 16); // mix samples that are not (1, 1)
  assert.ok(Math.abs(off - expected) < 60, `${off} episodes away from (1, 1), expected about ${expected}`);
});

test('decoder inputs: zeros, teacher (previous target, GO first) and agent (previous action, GO first)', () => {
  const code = '(18818+52332)+52909';
  const decodeObs = (decoderInput: 'zeros' | 'teacher' | 'agent', policy: (i: ProgramEvalInfo) => DigitPrediction) =>
    play(new ProgramEvalTask({ decoderInput }), policy, { options: { program: code } }).obs.slice(19).map((o) => Array.from(o));
  const digit = (d: number) => oneHot(2 + d, 1);
  const go = oneHot(1, 1);
  const flag = oneHot(-1, 1);
  assert.deepEqual(decodeObs('zeros', oracle), new Array(6).fill(flag));
  assert.deepEqual(decodeObs('teacher', () => null), [go, digit(1), digit(2), digit(4), digit(0), digit(5)]);
  const wrongBy1 = (i: ProgramEvalInfo) => (i.targetMask === 1 ? (i.target + 1) % 10 : 3);
  assert.deepEqual(decodeObs('teacher', wrongBy1), [go, digit(1), digit(2), digit(4), digit(0), digit(5)], 'teacher ignores the actions');
  assert.deepEqual(decodeObs('agent', wrongBy1), [go, digit(2), digit(3), digit(5), digit(1), digit(6)]);
  const sometimes = (i: ProgramEvalInfo) => (i.targetMask === 1 && i.t % 2 === 0 ? 7 : null);
  assert.deepEqual(decodeObs('agent', sometimes), [go, flag, digit(7), flag, digit(7), flag], 'a null action feeds zeros');
});

test('metrics score the decode steps that got a prediction', () => {
  const env = new ProgramEvalTask();
  const code = '(18818+52332)+52909';
  play(env, (i) => (i.targetMask === 1 && i.t === 21 ? 9 : oracle(i)), { options: { program: code } });
  assert.deepEqual([env.episodeMetrics()['charAccuracy'], env.episodeMetrics()['solved']], [5 / 6, 0]);
  play(env, (i) => (i.targetMask === 1 && i.t >= 22 ? i.target : null), { options: { program: code } });
  assert.deepEqual([env.episodeMetrics()['charAccuracy'], env.episodeMetrics()['solved']], [1, 0], 'skipped digits are not solved');
  play(env, (i) => (i.targetMask === 1 ? i.target : 4), { options: { program: code } });
  assert.deepEqual([env.episodeMetrics()['charAccuracy'], env.episodeMetrics()['solved']], [1, 1], 'actions on input steps are ignored');
});

test('render shows the program, the answer and the prediction so far', () => {
  const env = new ProgramEvalTask();
  assert.equal(env.render('ansi'), 'ProgramEval: not reset yet');
  env.reset({ options: { program: '(18818+52332)+52909' } });
  for (let t = 0; t < 21; t++) env.step(t === 20 ? null : 1);
  const frame = env.render('state') as ProgramEvalFrame;
  assert.deepEqual(frame, { kind: 'text', lines: ['(18818+52332)+52909'], answer: '124059', prediction: '1?', t: 21 });
  assert.deepEqual(JSON.parse(JSON.stringify(frame)), frame);
  const ansi = env.render('ansi') as string;
  assert.match(ansi, /ProgramEval addition length=5 nesting=2 t=21\/25/);
  assert.match(ansi, /program +\(18818\+52332\)\+52909/);
  assert.match(ansi, /answer +124059\nprediction 1\?\n {13}\^/);
  assert.throws(() => env.render('rgb' as 'ansi'), /render mode must be one of 'ansi', 'state', got "rgb"/);
});

test('same seed, same stream; reset() continues it', () => {
  const stream = (env: ProgramEvalTask, seed: number) => {
    const out: string[] = [];
    out.push(JSON.stringify(play(env, oracle, { seed }).obs.map((o) => Array.from(o))));
    for (let e = 0; e < 5; e++) out.push(JSON.stringify(play(env, oracle).infos.map((i) => i.target)) + (env.render('state') as ProgramEvalFrame).lines[0]);
    return out;
  };
  const kw = { taskKind: 'program', decoderInput: 'agent' } as const;
  const a = stream(new ProgramEvalTask(kw), 42);
  assert.deepEqual(stream(new ProgramEvalTask(kw), 42), a);
  assert.notDeepEqual(stream(new ProgramEvalTask(kw), 43), a);
  assert.equal(new Set(a).size, a.length, 'unseeded resets give new programs');
});

test('passes checkEnv for every task kind and decoder input', () => {
  // checkEnv's "reset without seed" compares only the first observation, here one program character
  // ('(', 'x' or a digit), so a continued stream repeats it by chance for some seeds (0, 1, 8).
  // Seed 9 gives distinct first characters for all twelve settings; continuation itself is tested
  // above on whole episodes.
  for (const taskKind of LTE_TASK_KINDS as readonly LteTaskKind[]) {
    for (const decoderInput of ['zeros', 'teacher', 'agent'] as const) {
      const report = checkEnv(() => new OrderEnforcing(new ProgramEvalTask({ taskKind, decoderInput }), 'ProgramEval-v0'), { seed: 9 });
      assert.ok(report.ok, `${taskKind}/${decoderInput}: ${JSON.stringify(report.results.filter((r) => !r.ok))}`);
      assert.deepEqual(report.results.filter((r) => r.skipped).map((r) => r.name), [], `${taskKind}/${decoderInput}: nothing skipped`);
    }
  }
});

test('bad kwargs, reset options and actions have clear messages', () => {
  const bad = (kw: Record<string, unknown>, re: RegExp) => assert.throws(() => new ProgramEvalTask(kw), re);
  bad({ taskKind: 'reverse' }, /ProgramEval: taskKind must be one of 'addition', 'control', 'program', 'copy', got "reverse"/);
  bad({ maxLength: 0 }, /ProgramEval: maxLength must be an integer >= 1, got 0/);
  bad({ maxNesting: 1.5 }, /ProgramEval: maxNesting must be an integer >= 1, got 1.5/);
  bad({ curriculum: 'blend' }, /ProgramEval: curriculum must be one of 'none', 'naive', 'mix', 'combined', got "blend"/);
  bad({ decoderInput: 'teacher-forcing' }, /ProgramEval: decoderInput must be one of 'zeros', 'teacher', 'agent', got "teacher-forcing"/);
  bad({ taskKind: 'copy', maxNesting: 2 }, /ProgramEval: maxNesting must be 1 with taskKind 'copy'.*got 2/);
  bad({ maxLenght: 5 }, /ProgramEval: unknown option "maxLenght"; did you mean "maxLength"\?/);
  bad({ maxLength: '5' }, /ProgramEval: maxLength must be a number, got "5"/);
  const env = new ProgramEvalTask();
  assert.throws(() => env.step(0), /ProgramEval: step\(\) called before reset\(\); call reset\(\) first/);
  assert.throws(() => env.reset({ options: { depth: 2 } }), /ProgramEval: unknown reset option "depth"; known: length, nesting, program/);
  assert.throws(() => env.reset({ options: { length: 0 } }), /ProgramEval: reset option length must be an integer >= 1, got 0/);
  assert.throws(() => env.reset({ options: { program: 'print(1)' } }), /ProgramEval: program character "p" at column 0 is not in the vocabulary/);
  assert.throws(() => env.reset({ options: { program: '1+' } }), /LTE program: expected a number or '\(' at column 2/);
  assert.throws(() => env.reset({ options: { program: '1+2', nesting: 1 } }), /nesting cannot be combined with program/);
  assert.throws(() => new ProgramEvalTask({ taskKind: 'copy' }).reset({ options: { program: '1+2' } }), /program must be a plain number with taskKind 'copy', got "1\+2"/);
  env.reset({ seed: 0 });
  assert.throws(() => env.step(10), /ProgramEval: action must be a digit class id in \[0, 9\] or null, got 10/);
  assert.throws(() => env.step(2.5), /got 2.5/);
});
