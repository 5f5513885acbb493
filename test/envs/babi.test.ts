/**
 * bAbI (docs/tasks.md §6, §8.3, §8.4; Weston et al. 2015): the file format, the generator's task logic
 * checked by small independent solvers, the word and sentence streams, loading files, seeding,
 * metrics, rendering and error text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkEnv } from '../../envs/check.ts';
import { Rng } from '../../envs/rng.ts';
import { type BabiLine, type BabiQuestion, type BabiStory, formatBabi, parseBabi, readBabiFile } from '../../envs/tasks/babi-format.ts';
import { GENERATED_TASKS, type GeneratedTask, generateBabiText, generateStory } from '../../envs/tasks/babi-generator.ts';
import { generatedVocab, keptLines, tokenize } from '../../envs/tasks/babi-vocab.ts';
import { BABI_DEFAULTS, type BabiFrame, BabiTask, type BabiOptions } from '../../envs/tasks/babi.ts';
import { OrderEnforcing } from '../../envs/wrappers.ts';
import { play, withDir } from '../fixtures/task-episodes.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'babi');
const DEMO = '1 Mary moved to the bathroom.\n2 John went to the hallway.\n3 Where is Mary? \tbathroom\t1\n';


const hotOf = (o: Float32Array) => Array.from(o).flatMap((x, i) => (x === 1 ? [i] : []));
const questionsOf = (s: BabiStory) => s.lines.filter((l): l is BabiQuestion => l.kind === 'question');
const stories = (task: GeneratedTask, n: number, seed: number = task) => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => generateStory(task, rng));
};

test('generated tasks: fixed obs widths [V + 1] and numClasses; defaults', () => {
  assert.deepEqual({ ...BABI_DEFAULTS }, { task: 1, source: 'generated', path: '', split: 'train', encoding: 'word', maxStoryLength: 50 });
  const sizes = { 1: [21, 6], 2: [33, 6], 3: [34, 6], 6: [21, 2], 15: [20, 4] };
  for (const task of GENERATED_TASKS) {
    for (const encoding of ['word', 'sentence'] as const) {
      const env = new BabiTask({ task, encoding });
      assert.deepEqual([env.observationSpace.shape[0], env.actionSpace.n], sizes[task], `task ${task}`);
      assert.deepEqual(env.metadata, { renderModes: ['ansi', 'state'], renderFps: 4, rewardFree: true, target: { kind: 'categorical', numClasses: sizes[task][1] } });
    }
  }
  assert.deepEqual(generatedVocab(1).answers, ['bathroom', 'bedroom', 'garden', 'hallway', 'kitchen', 'office']);
  assert.deepEqual(generatedVocab(6).answers, ['no', 'yes']);
  assert.deepEqual(generatedVocab(15).answers, ['cat', 'mouse', 'sheep', 'wolf']);
});

test('every generated token and answer is in the fixed vocabulary, and all of it is used', () => {
  for (const task of GENERATED_TASKS) {
    const vocab = generatedVocab(task);
    const seenWords = new Set<string>();
    const seenAnswers = new Set<string>();
    for (const s of stories(task, task === 3 ? 100 : 300)) {
      for (const line of s.lines) {
        for (const w of tokenize(line.text)) seenWords.add(w);
        if (line.kind === 'question') seenAnswers.add(line.answer);
      }
    }
    assert.deepEqual([...seenWords].sort(), [...vocab.words], `task ${task} words`);
    assert.deepEqual([...seenAnswers].sort(), [...vocab.answers], `task ${task} answers`);
  }
  assert.deepEqual(tokenize('Where is Mary?'), ['where', 'is', 'mary', '?']);
  assert.deepEqual(tokenize('Mary moved to the bathroom.'), ['mary', 'moved', 'to', 'the', 'bathroom', '.']);
});

test('parser: public-file layout, story restarts, comma answers, supports in file order', () => {
  const text = `${DEMO}1 Daniel got the milk there.\n2 Daniel took the football.\n3 What is Daniel carrying? \tmilk,football\t2 1\n4 Daniel left the milk.\n`;
  const parsed = parseBabi(text, 'x.txt');
  assert.equal(parsed.length, 2);
  assert.deepEqual(parsed[0]!.lines[2], { kind: 'question', id: 3, text: 'Where is Mary?', answer: 'bathroom', support: [1] });
  assert.deepEqual(parsed[1]!.lines[2], { kind: 'question', id: 3, text: 'What is Daniel carrying?', answer: 'milk,football', support: [2, 1] });
  assert.deepEqual(parsed[1]!.lines[3], { kind: 'statement', id: 4, text: 'Daniel left the milk.' });
  assert.equal(formatBabi(parsed), text, 'writing gives back the same text');
  assert.deepEqual(parseBabi(text.replace(/\n/g, '\r\n') + '\n\n', 'x.txt'), parsed, 'CRLF and blank lines');
});

test('round trip: generated stories written in the standard format parse back unchanged', () => {
  for (const task of GENERATED_TASKS) {
    const original = stories(task, task === 3 ? 20 : 50, task + 99);
    const text = formatBabi(original);
    assert.deepEqual(parseBabi(text, `qa${task}.txt`), original, `task ${task}`);
    assert.equal(generateBabiText(task, new Rng(task + 99), original.length), text);
    assert.match(text, /^1 [A-Z].*\.\n/);
    assert.match(text, /\? \t[a-z]+\t\d+( \d+)*\n/);
  }
});

test('malformed entries: ConfigError naming the file and line', () => {
  const cases: [string, RegExp][] = [
    ['1 Mary went to the kitchen.\nMary went home.\n', /^bAbI: f\.txt:2: a line must start with its ID and a space \("ID text"\), got "Mary went home\."$/],
    ['2 Mary went to the kitchen.\n', /f\.txt:1: the first line of a file must have ID 1, not 2/],
    ['1 A went to the b.\n2 B went to the c.\n4 C went to the d.\n', /f\.txt:3: line ID 4 does not follow 2 \(IDs count up by one and restart at 1 for a new story\)/],
    ['1 Mary went to the kitchen.\n2 Where is Mary?\tkitchen\n', /f\.txt:2: a question must read "ID question<TAB>answer<TAB>supporting IDs" \(3 tab-separated fields\), found 2/],
    ['1 Mary went to the kitchen.\n2 Where is Mary?\t\t1\n', /f\.txt:2: the answer must be one non-empty word/],
    ['1 Mary went to the kitchen.\n2 Where is Mary?\tkitchen\tone\n', /f\.txt:2: supporting IDs must be integers separated by spaces/],
    ['1 Mary went to the kitchen.\n2 Where is Mary?\tkitchen\t2\n', /f\.txt:2: supporting ID 2 must name an earlier line of this story \(1 … 1\)/],
    ['1 Mary went.\n\n\n2  \n', /f\.txt:4: a statement needs text after its ID/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseBabi(text, 'f.txt'), (e: Error) => e.name === 'ConfigError' && re.test(e.message));
  withDir('babi-', { 'qa1_bad_train.txt': `${DEMO}1 Mary went.\n2 Where is Mary? \tkitchen\n` }, (dir) => {
    const file = join(dir, 'qa1_bad_train.txt');
    assert.throws(() => readBabiFile(file), new RegExp(`^ConfigError: bAbI: ${file.replace(/[.\\]/g, '\\$&')}:5: a question must read`));
    assert.throws(() => new BabiTask({ source: 'files', path: dir }), /qa1_bad_train\.txt:5: /);
  });
  assert.throws(() => readBabiFile('/nonexistent/qa1.txt'), /bAbI: cannot read \/nonexistent\/qa1\.txt: ENOENT/);
});

test('files: the fixture by directory, by file and as a list; splits are read in order, cycling', () => {
  const train = readBabiFile(join(FIXTURES, 'qa1_sample_train.txt'));
  const testStories = readBabiFile(join(FIXTURES, 'qa1_sample_test.txt'));
  assert.deepEqual([train.length, testStories.length], [3, 2]);
  for (const path of [FIXTURES, `${FIXTURES}/`, join(FIXTURES, 'qa1_sample_train.txt'), join(FIXTURES, 'qa1_sample_test.txt'), [join(FIXTURES, 'qa1_sample_test.txt')]]) {
    for (const split of ['train', 'test'] as const) {
      const env = new BabiTask({ source: 'files', path, split });
      const expected = split === 'train' ? train : testStories;
      assert.deepEqual(env.stories, expected, `${String(path)} ${split}`);
      assert.deepEqual(env.vocab.words, ['.', '<unk>', '?', 'bathroom', 'bedroom', 'daniel', 'garden', 'hallway', 'is', 'john', 'journeyed', 'kitchen',
        'mary', 'moved', 'office', 'sandra', 'the', 'to', 'travelled', 'went', 'where'], 'the vocabulary comes from the training file');
      env.reset({ seed: 0 });
      const order = [env.story, ...Array.from({ length: 4 }, () => (env.reset(), env.story))];
      assert.deepEqual(order, [0, 1, 2, 3, 4].map((i) => expected[i % expected.length]));
    }
  }
  const env = new BabiTask({ source: 'files', path: FIXTURES });
  assert.equal(env.vocab.answerId('garden'), env.vocab.answers.indexOf('garden'));
  assert.equal(env.vocab.wordId('zebra'), env.vocab.words.indexOf('<unk>'), 'unseen words map to <unk>');
  const starts = [0, 1, 2, 3].map((seed) => (env.reset({ seed }), env.stories.findIndex((s) => JSON.stringify(s) === JSON.stringify(env.story))));
  assert.deepEqual(starts, [0, 1, 0, 2], 'reset({seed}) starts at story ⌊N·frac(seed·φ⁻¹)⌋');
});

test('word stream: the §8.4 timeline, answer step after "?", target only there', () => {
  withDir('babi-', { 'qa1_demo_train.txt': DEMO }, (dir) => {
    const env = new BabiTask({ task: 1, source: 'files', path: dir });
    const { words, answers } = env.vocab;
    assert.deepEqual([...answers], ['<unk>', 'bathroom']);
    const V = words.length;
    const { obs, infos, last } = play(env, () => null, 0);
    const tokens = 'mary moved to the bathroom . john went to the hallway . where is mary ?'.split(' ');
    assert.deepEqual(obs.map(hotOf), [...tokens.map((w) => [words.indexOf(w)]), [V]]);
    assert.ok(obs.every((o) => o.length === V + 1 && env.observationSpace.contains(o)));
    assert.equal(obs.length, 17, '16 tokens and the answer step');
    assert.deepEqual(infos.map((i) => i.targetMask), [...new Array(16).fill(0), 1]);
    assert.deepEqual(infos.map((i) => i.target), [...new Array(16).fill(0), 1]);
    assert.deepEqual(infos.map((i) => i.t), Array.from({ length: 17 }, (_, t) => t));
    assert.deepEqual(infos.map((i) => i.line), [...new Array(6).fill(1), ...new Array(6).fill(2), 3, 3, 3, 3, 3]);
    assert.deepEqual(infos.map((i) => i.phase), [...new Array(12).fill('input'), 'query', 'query', 'query', 'query', 'output']);
    assert.deepEqual(infos[16]!.support, [1]);
    assert.ok(infos.slice(0, 16).every((i) => i.support.length === 0 && i.task === 1));
    assert.deepEqual(Array.from(last.obs), new Array(V + 1).fill(0));
    assert.equal(last.terminated, true);
    assert.deepEqual({ ...last.info }, { target: 0, targetMask: 0, t: 17, phase: 'output', task: 1, line: 0, support: [] });
  });
});

test('sentence stream: one step per line, bag of words ‖ question flag, target at the question', () => {
  withDir('babi-', { 'qa1_demo_train.txt': `${DEMO}4 Mary went to the hallway.\n5 Where is Mary? \thallway\t4\n` }, (dir) => {
    const env = new BabiTask({ source: 'files', path: dir, encoding: 'sentence' });
    const { words, answers } = env.vocab;
    const bag = (s: string) => [...new Set(s.split(' ').map((w) => words.indexOf(w)))].sort((a, b) => a - b);
    const { obs, infos } = play(env, () => null, 0);
    assert.deepEqual(obs.map(hotOf), [
      bag('mary moved to the bathroom .'), bag('john went to the hallway .'), [...bag('where is mary ?'), words.length],
      bag('mary went to the hallway .'), [...bag('where is mary ?'), words.length],
    ]);
    assert.deepEqual(infos.map((i) => [i.targetMask, i.target, i.phase, i.line]), [
      [0, 0, 'input', 1], [0, 0, 'input', 2], [1, answers.indexOf('bathroom'), 'query', 3], [0, 0, 'input', 4], [1, answers.indexOf('hallway'), 'query', 5],
    ]);
    assert.deepEqual(infos.map((i) => i.support), [[], [], [1], [], [4]]);
  });
});

test('maxStoryLength keeps only statements within some later question\'s window', () => {
  const story = parseBabi('1 A.\n2 B.\n3 C.\n4 Q? \tx\t1\n5 D.\n6 E.\n7 F.\n8 Q? \ty\t7\n9 G.\n')[0]!;
  const ids = (n: number) => keptLines(story, n).map((l) => l.id);
  assert.deepEqual(ids(50), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(ids(2), [2, 3, 4, 6, 7, 8]);
  assert.deepEqual(ids(1), [3, 4, 7, 8]);
  withDir('babi-', { 'qa1_demo_train.txt': formatBabi([story]) }, (dir) => {
    const env = new BabiTask({ source: 'files', path: dir, encoding: 'sentence', maxStoryLength: 1 });
    assert.deepEqual(play(env, () => null, 0).infos.map((i) => i.line), [3, 4, 7, 8]);
  });
});

/** The true state (hidden start included) and what a reader of the text can infer, for tasks 1, 2, 3, 6. */
class Reader {
  readonly trueLoc = new Map([['John', 'kitchen'], ['Mary', 'bedroom'], ['Sandra', 'garden'], ['Daniel', 'hallway'], ['apple', 'kitchen'], ['football', 'garden'], ['milk', 'kitchen']]);
  readonly holder = new Map<string, string>();
  readonly lastMove = new Map<string, { loc: string; id: number }>();
  readonly got = new Map<string, number>();
  readonly dropped = new Map<string, { loc: string; support: number[] } | null>();
  readonly history = new Map<string, { loc: string; support: number[] }[]>();

  read(line: BabiLine): void {
    let m: RegExpExecArray | null;
    if ((m = /^(\w+) (?:went|journeyed|travelled|moved) to the (\w+)\.$/.exec(line.text))) {
      const [, a, l] = m as unknown as [string, string, string];
      assert.notEqual(this.trueLoc.get(a), l, `line ${line.id}: a move changes the location`);
      this.trueLoc.set(a, l);
      for (const [o, h] of this.holder) if (h === a) this.trueLoc.set(o, l);
      this.lastMove.set(a, { loc: l, id: line.id });
    } else if ((m = /^(\w+) (?:grabbed|took|got) the (\w+)\.$/.exec(line.text))) {
      const [, a, o] = m as unknown as [string, string, string];
      assert.ok(!this.holder.has(o) && this.trueLoc.get(o) === this.trueLoc.get(a), `line ${line.id}: get needs the object free and here`);
      this.holder.set(o, a);
      this.got.set(o, line.id);
    } else if ((m = /^(\w+) (?:dropped|put down|let go of) the (\w+)\.$/.exec(line.text))) {
      const [, a, o] = m as unknown as [string, string, string];
      assert.equal(this.holder.get(o), a, `line ${line.id}: drop needs the actor to hold the object`);
      this.holder.delete(o);
      const mv = this.lastMove.get(a);
      this.dropped.set(o, mv ? { loc: mv.loc, support: [mv.id, line.id] } : null);
    } else {
      assert.fail(`unexpected statement ${JSON.stringify(line.text)}`);
    }
    for (const o of ['apple', 'football', 'milk']) {
      const now = this.infer(o);
      const h = this.history.get(o) ?? [];
      this.history.set(o, h);
      if (now && h.at(-1)?.loc !== now.loc) h.push(now);
    }
  }

  infer(o: string): { loc: string; support: number[] } | null {
    const h = this.holder.get(o);
    if (h === undefined) return this.dropped.get(o) ?? null;
    const mv = this.lastMove.get(h);
    return mv ? { loc: mv.loc, support: [this.got.get(o)!, mv.id].sort((a, b) => a - b) } : null;
  }
}

function checkStatementTiming(s: BabiStory): void {
  let since = 0;
  for (const line of s.lines) {
    if (line.kind === 'statement') since++;
    else {
      assert.ok(since >= 3, 'at least 3 statements between questions');
      since = 0;
    }
  }
  assert.equal(questionsOf(s).length, 5);
  assert.equal(s.lines.at(-1)!.kind, 'question');
}

test('task 1 and 6: questions at 3, 6, 9, 12, 15 answered by the last narrated move', () => {
  let yes = 0;
  for (const task of [1, 6] as const) {
    for (const s of stories(task, 400)) {
      assert.equal(s.lines.length, 15);
      const r = new Reader();
      for (const line of s.lines) {
        assert.equal(line.kind === 'question', line.id % 3 === 0);
        if (line.kind === 'statement') { r.read(line); continue; }
        const m = (task === 1 ? /^Where is (\w+)\?$/ : /^Is (\w+) in the (\w+)\?$/).exec(line.text)!;
        const mv = r.lastMove.get(m[1]!)!;
        assert.deepEqual(line.support, [mv.id]);
        if (task === 1) assert.equal(line.answer, mv.loc);
        else {
          assert.equal(line.answer, mv.loc === m[2] ? 'yes' : 'no');
          if (line.answer === 'yes') yes++;
        }
      }
    }
  }
  assert.ok(Math.abs(yes / 2000 - 0.5) < 0.04, `task 6 yes rate ${yes / 2000}`);
});

test('task 2: "where is the O" answered by inference from a held or dropped object, 2 supports', () => {
  let held = 0;
  for (const s of stories(2, 300)) {
    checkStatementTiming(s);
    const r = new Reader();
    for (const line of s.lines) {
      if (line.kind === 'statement') { r.read(line); continue; }
      const o = /^Where is the (\w+)\?$/.exec(line.text)![1]!;
      const expected = r.infer(o)!;
      assert.deepEqual([line.answer, line.support], [expected.loc, expected.support]);
      assert.equal(line.answer, r.trueLoc.get(o), 'the inferred location is the true one');
      if (r.holder.has(o)) held++;
    }
  }
  assert.ok(held > 300 && held < 1200, `questions about held objects: ${held} of 1500`);
});

test('task 3: "where was the O before the L" from the inferred history, exactly 3 supports', () => {
  for (const s of stories(3, 120)) {
    checkStatementTiming(s);
    const r = new Reader();
    for (const line of s.lines) {
      if (line.kind === 'statement') { r.read(line); continue; }
      const [, o, l] = /^Where was the (\w+) before the (\w+)\?$/.exec(line.text)!;
      const h = r.history.get(o!)!;
      const k = h.findIndex((e) => e.loc === l);
      assert.ok(k >= 1 && h.filter((e) => e.loc === l).length === 1, 'L occurs once in the history, after its start');
      assert.equal(line.answer, h[k - 1]!.loc);
      assert.deepEqual(line.support, [...new Set([...h[k - 1]!.support, ...h[k]!.support])].sort((a, b) => a - b));
      assert.equal(line.support.length, 3);
    }
  }
});

test('task 15: deduction from "X are afraid of Y" and "A is a S"; species with replacement', () => {
  const singular: Record<string, string> = { mice: 'mouse', sheep: 'sheep', wolves: 'wolf', cats: 'cat' };
  let repeats = 0;
  const all = stories(15, 1000);
  for (const s of all) {
    assert.deepEqual(s.lines.map((l) => l.kind), [...new Array(8).fill('statement'), ...new Array(4).fill('question')]);
    const fear = new Map<string, { what: string; id: number }>();
    const isA = new Map<string, { what: string; id: number }>();
    for (const line of s.lines.slice(0, 8)) {
      const f = /^([A-Z]\w+) are afraid of (\w+)\.$/.exec(line.text);
      const i = /^(\w+) is a (\w+)\.$/.exec(line.text);
      if (f) fear.set(singular[f[1]!.toLowerCase()]!, { what: singular[f[2]!]!, id: line.id });
      else isA.set(i![1]!.toLowerCase(), { what: i![2]!, id: line.id });
    }
    assert.equal(fear.size, 4);
    assert.equal(isA.size, 4);
    for (const [sp, f] of fear) assert.notEqual(f.what, sp, 'a species fears another one');
    if (new Set([...isA.values()].map((x) => x.what)).size < 4) repeats++;
    const asked = questionsOf(s).map((q) => {
      const who = /^What is ([a-z]+) afraid of\?$/.exec(q.text)![1]!;
      const a = isA.get(who)!;
      const f = fear.get(a.what)!;
      assert.equal(q.answer, f.what);
      assert.deepEqual(q.support, [a.id, f.id].sort((x, y) => x - y));
      return who;
    });
    assert.deepEqual(asked.sort(), ['emily', 'gertrude', 'jessica', 'winona']);
  }
  assert.ok(Math.abs(repeats / 1000 - (1 - 24 / 256)) < 0.03, `stories with a repeated species: ${repeats / 1000}`);
});

test('checkEnv passes through OrderEnforcing (generated, both encodings, files)', () => {
  const configs: Partial<BabiOptions>[] = [
    ...GENERATED_TASKS.map((task) => ({ task })), { task: 3, encoding: 'sentence' }, { task: 15, split: 'test', encoding: 'sentence' },
    { source: 'files', path: FIXTURES }, { source: 'files', path: FIXTURES, split: 'test', encoding: 'sentence' },
  ];
  for (const kw of configs) {
    const r = checkEnv(() => new OrderEnforcing(new BabiTask(kw), 'BabiTask-v0'));
    assert.ok(r.ok, `${JSON.stringify(kw)}\n${r.results.filter((x) => !x.ok).map((x) => `${x.name}: ${x.message}`).join('\n')}`);
  }
  const wrapped = new OrderEnforcing(new BabiTask(), 'BabiTask-v0');
  wrapped.reset({ seed: 1 });
  assert.equal(wrapped.step(null).reward, 0, 'null actions pass');
});

test('same seed, same stream; reset() continues it; the test split is a different stream', () => {
  const stream = (kw: Partial<BabiOptions>, seed = 5) => {
    const env = new BabiTask(kw);
    return Array.from({ length: 4 }, (_, e) => {
      const p = play(env, (info) => info.target, e === 0 ? seed : undefined);
      return JSON.stringify([p.obs.map(hotOf), p.infos.map((i) => [i.target, i.targetMask])]);
    });
  };
  for (const task of GENERATED_TASKS) {
    const a = stream({ task });
    assert.deepEqual(a, stream({ task }));
    assert.equal(new Set(a).size, 4);
    assert.notDeepEqual(a, stream({ task, split: 'test' }));
    assert.notDeepEqual(a, stream({ task }, 6));
  }
});

test('metrics: questions always, accuracy over the questions given a prediction', () => {
  const env = new BabiTask({ task: 1 });
  play(env, () => null, 3);
  assert.deepEqual(env.episodeMetrics(), { questions: 5 });
  play(env, (i) => (i.targetMask ? i.target : null));
  assert.deepEqual(env.episodeMetrics(), { questions: 5, accuracy: 1 });
  let n = 0;
  play(env, (i) => (i.targetMask ? (n++ < 2 ? i.target : (i.target + 1) % 6) : null));
  assert.deepEqual(env.episodeMetrics(), { questions: 5, accuracy: 0.4 });
  n = 0;
  play(env, (i) => (i.targetMask && n++ === 0 ? (i.target + 1) % 6 : null));
  assert.deepEqual(env.episodeMetrics(), { questions: 5, accuracy: 0 }, 'only the one answered question counts');
});

test('render: ansi story with answers, and a small JSON text frame', () => {
  withDir('babi-', { 'qa1_demo_train.txt': DEMO }, (dir) => {
    const env = new BabiTask({ source: 'files', path: dir });
    assert.equal(env.render('ansi'), 'BabiTask: not reset yet');
    assert.deepEqual(env.render('state'), { kind: 'text', task: 'babi', ready: false, lines: [] });
    env.reset({ seed: 0 });
    for (let i = 0; i < 8; i++) env.step(null);
    let f = env.render('state') as BabiFrame;
    assert.deepEqual(f, { kind: 'text', task: 'babi', babiTask: 1, t: 8, numSteps: 17, lines: ['1 mary moved to the bathroom .', '2 john went to'], question: null, answer: null, prediction: null });
    play(env, (i) => (i.targetMask ? 0 : null), 0);
    f = env.render('state') as BabiFrame;
    assert.deepEqual([f.t, f.lines.at(-1), f.question, f.answer, f.prediction], [17, '3 where is mary ?', 'where is mary ?', 'bathroom', '<unk>']);
    assert.equal(env.render('ansi'), [
      'bAbI task 1 (files, word) t=17/17 [done] accuracy=0.000', '1 mary moved to the bathroom .', '2 john went to the hallway .',
      '3 where is mary ?  -> bathroom (predicted <unk>, wrong)',
    ].join('\n'));
  });
  const env = new BabiTask({ task: 2 });
  play(env, () => null, 1);
  const f = env.render('state') as BabiFrame;
  assert.ok(JSON.stringify(f.lines).length < 400, 'the viewer shows the newest lines uncut');
  assert.deepEqual(JSON.parse(JSON.stringify(f)), f);
});

test('bad kwargs, paths and actions give readable errors', () => {
  const bad: [Partial<BabiOptions>, RegExp][] = [
    [{ task: 21 }, /BabiTask: task must be an integer in 1 … 20, got 21/],
    [{ task: 4 }, /BabiTask: task must be one of 1, 2, 3, 6, 15 with source 'generated' \(any of 1 … 20 with source 'files'\), got 4/],
    [{ source: 'web' as 'files' }, /BabiTask: source must be one of 'generated', 'files', got "web"/],
    [{ split: 'valid' as 'test' }, /BabiTask: split must be one of 'train', 'test', got "valid"/],
    [{ encoding: 'char' as 'word' }, /BabiTask: encoding must be one of 'word', 'sentence', got "char"/],
    [{ maxStoryLength: 0 }, /BabiTask: maxStoryLength must be an integer >= 1, got 0/],
    [{ path: FIXTURES }, /BabiTask: path must be empty with source 'generated' \(set source: 'files' to read files\)/],
    [{ source: 'files' }, /BabiTask: path must name a directory or file\(s\) with source 'files', got ""/],
    [{ source: 'files', path: 3 as unknown as string }, /BabiTask: path must be a path or a list of paths, got 3/],
    [{ source: 'files', path: '/nonexistent/babi' }, /BabiTask: path "\/nonexistent\/babi" does not exist/],
    [{ source: 'files', task: 2, path: FIXTURES }, /BabiTask: path directory .*fixtures\/babi has no qa2_\*_train\.txt/],
    [{ source: 'files', task: 2, path: join(FIXTURES, 'qa1_sample_train.txt') }, /BabiTask: path file .*qa1_sample_train\.txt holds task 1, but task is 2/],
    [{ taks: 1 } as never, /BabiTask: unknown option "taks"; did you mean "task"\?/],
    [{ task: '1' as unknown as number }, /BabiTask: task must be a number, got "1"/],
  ];
  for (const [kw, re] of bad) assert.throws(() => new BabiTask(kw), (e: Error) => e.name === 'ConfigError' && re.test(e.message), JSON.stringify(kw));
  withDir('babi-', { 'qa1_x_test.txt': DEMO }, (dir) => {
    assert.throws(() => new BabiTask({ source: 'files', path: join(dir, 'qa1_x_test.txt'), split: 'test' }), /BabiTask: the train file .*qa1_x_train\.txt does not exist \(the vocabulary is built from the training files\)/);
  });
  withDir('babi-', { 'qa1_x_train.txt': DEMO }, (dir) => {
    assert.throws(() => new BabiTask({ source: 'files', path: join(dir, 'qa1_x_train.txt'), split: 'test' }), /the test file .*qa1_x_test\.txt does not exist \(needed for split 'test'\)/);
    for (const sub of ['en', 'en-10k']) {
      mkdirSync(join(dir, sub));
      writeFileSync(join(dir, sub, 'qa1_single-supporting-fact_train.txt'), DEMO);
    }
    writeFileSync(join(dir, 'qa1_y_train.txt'), DEMO);
    assert.throws(() => new BabiTask({ source: 'files', path: dir }), /BabiTask: path directory .* has several files for task 1 \(qa1_x_train\.txt, qa1_y_train\.txt\); pass the file\(s\) to use/);
    rmSync(join(dir, 'qa1_y_train.txt'));
    rmSync(join(dir, 'qa1_x_train.txt'));
    assert.throws(() => new BabiTask({ source: 'files', path: dir }), new RegExp(`has no qa1_\\*_train\\.txt; pass one of its folders instead: ${dir}/en, ${dir}/en-10k \\(en = 1k, en-10k = 10k\\)`));
    assert.equal(new BabiTask({ source: 'files', path: join(dir, 'en-10k') }).stories.length, 1);
  });
  const env = new BabiTask();
  assert.throws(() => env.step(0), /BabiTask: step\(\) called before reset\(\); call reset\(\) first/);
  env.reset({ seed: 1 });
  assert.throws(() => env.step(6), /BabiTask: action must be an answer class in \[0, 5\] or null, got 6/);
  assert.throws(() => env.reset({ options: { story: 3 } }), /BabiTask: unknown reset option "story"; known: \(none\)/);
  play(env);
  assert.throws(() => env.step(null), /BabiTask: step\(\) called after the episode ended; call reset\(\) to start a new one/);
});
