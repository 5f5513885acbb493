/**
 * LanguageModel-v0 (docs/tasks.md §12): the corpus formats and their errors, vocabularies, the
 * stream's timing, evaluation pieces that cover a split exactly once, and check-env.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { checkEnv } from '../../envs/check.ts';
import { ConfigError } from '../../envs/errors.ts';
import { make } from '../../envs/registry.ts';
import { parseCorpus, readCorpus, readCorpusFile } from '../../envs/tasks/corpus-format.ts';
import { END_OF_LINE, loadCorpus, UNKNOWN } from '../../envs/tasks/corpus.ts';
import { LanguageModelTask } from '../../envs/tasks/language-model.ts';
import { ROOT } from '../fixtures/cli.ts';

const FIXTURES = join(ROOT, 'test/fixtures/corpus');
const WIKITEXT = join(FIXTURES, 'wikitext');
const tmp = mkdtempSync(join(tmpdir(), 'engram-lm-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('gutenberg keeps the text between the START and END lines', () => {
  const book = readCorpusFile(join(FIXTURES, 'gutenberg.txt'), 'gutenberg');
  assert.deepEqual(book.filter((l) => l !== ''), ['CHAPTER I.', 'It was a bright cold day in April, and the clocks were striking.', 'The rain fell on the roofs of the town.']);
  const text = parseCorpus('x\r\n*** START OF THIS PROJECT GUTENBERG EBOOK X ***\r\nfirst\r\nsecond\r\n*** END OF THIS PROJECT GUTENBERG EBOOK X ***\r\nlicence\r\n', 'gutenberg');
  assert.deepEqual(text, ['first', 'second'], 'older books say THIS; Windows line breaks');
});

test('malformed corpora are rejected with the file and line', () => {
  const cases: [string, Parameters<typeof parseCorpus>[1], RegExp][] = [
    ['just some text\nmore\n', 'gutenberg', /^corpus: f\.txt:1: not a Project Gutenberg ebook: no "\*\*\* START OF/],
    ['a\n*** START OF THE PROJECT GUTENBERG EBOOK A ***\ntext\n', 'gutenberg', /^corpus: f\.txt:2: the "\*\*\* START OF" line has no "\*\*\* END OF/],
    [' = Title = \n \nno leading space\n', 'wikitext', /^corpus: f\.txt:3: a WikiText line is empty or starts with a space.*got "no leading space"$/],
    [' = = Section = \n', 'wikitext', /^corpus: f\.txt:1: a WikiText heading reads " = Title = " with as many "=" on both sides/],
    ['one sentence .\n\nanother .\n', 'gigaword', /^corpus: f\.txt:2: an empty line \(the format is one sentence per line\)/],
  ];
  for (const [text, format, message] of cases) assert.throws(() => parseCorpus(text, format, 'f.txt'), (e: Error) => e instanceof ConfigError && message.test(e.message), `${format}: ${text}`);
});

test('a folder of split files gives each split its own; other files are cut 90/5/5 at line boundaries', () => {
  const wiki = readCorpus([WIKITEXT], 'wikitext', 'valid');
  assert.match(wiki.data[0]?.file ?? '', /wiki\.valid\.tokens$/);
  assert.match(wiki.train[0]?.file ?? '', /wiki\.train\.tokens$/);
  const plain = join(tmp, 'plain.txt');
  writeFileSync(plain, Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n'));
  const parts = (['train', 'valid', 'test'] as const).map((s) => readCorpus([plain], 'text', s).data[0]?.lines ?? []);
  assert.deepEqual(parts.map((p) => p.length), [90, 5, 5]);
  assert.deepEqual(parts.flat(), Array.from({ length: 100 }, (_, i) => `line ${i}`), 'every line in exactly one split, in order');
  writeFileSync(join(tmp, 'short.txt'), 'a\nb\n');
  assert.throws(() => readCorpus([join(tmp, 'short.txt')], 'text', 'train'), /short\.txt has 2 lines; cutting it into train, valid and test takes at least 20/);
  assert.throws(() => readCorpus([join(tmp, 'missing')], 'text', 'train'), /path ".*missing" does not exist/);
});

test('vocabularies: by count, capped, <unk> for the rest; words end lines with <eos>', () => {
  const words = loadCorpus({ paths: [WIKITEXT], format: 'wikitext', split: 'train', unit: 'word', vocabSize: 10, vocab: [] });
  assert.equal(words.vocab.length, 10);
  assert.equal(words.vocab.at(-1), UNKNOWN);
  assert.equal(words.vocab[0], END_OF_LINE, 'every line ends with <eos>: the commonest token');
  const valid = loadCorpus({ paths: [WIKITEXT], format: 'wikitext', split: 'valid', unit: 'word', vocabSize: 10_000, vocab: [] });
  const unk = valid.vocab.indexOf(UNKNOWN);
  assert.ok(valid.streams[0]?.includes(unk), 'held-out words never seen in training read as <unk>');
  const chars = loadCorpus({ paths: [WIKITEXT], format: 'wikitext', split: 'train', unit: 'char', vocabSize: 10_000, vocab: [] });
  assert.ok(chars.vocab.includes('\n') && chars.vocab.every((t) => t === UNKNOWN || [...t].length === 1));
  // A saved vocabulary is used as it is, whatever the cap.
  const saved = loadCorpus({ paths: [WIKITEXT], format: 'wikitext', split: 'train', unit: 'word', vocabSize: 2, vocab: words.vocab });
  assert.deepEqual(saved.streams, words.streams);
});

test('the env reads a stream token by token, target the next token, and ends with a zero obs', () => {
  const env = new LanguageModelTask({ path: WIKITEXT, format: 'wikitext', unit: 'word', parts: 1 });
  const stream = env.corpus.streams[0] as Int32Array;
  const V = env.corpus.vocab.length;
  let r = env.reset({ seed: 0 });
  for (let t = 0; t < stream.length - 1; t++) {
    assert.equal(r.obs.indexOf(1), stream[t], `obs ${t} is the one-hot of token ${t}`);
    assert.equal(r.obs.reduce((a, b) => a + b, 0), 1);
    assert.equal(r.info.target, stream[t + 1]);
    assert.equal(r.info.targetMask, 1);
    const s = env.step(null);
    assert.equal(s.terminated, t === stream.length - 2);
    r = s;
  }
  assert.deepEqual(Array.from(r.obs), new Array(V).fill(0));
  assert.equal(r.info.targetMask, 0);
  assert.match(env.decode(stream.subarray(0, 5)), /^\n= Robert Boulter =/);
  assert.throws(() => env.step(null), /after the episode ended/);
});

test('P pieces read the whole split once; seeded starts spread; the same seed gives the same stream', () => {
  const P = 7;
  const env = new LanguageModelTask({ split: 'valid', parts: P });
  const N = (env.corpus.streams[0] as Int32Array).length;
  let scored = 0;
  const firsts: number[] = [];
  for (let s = 0; s < P; s++) {
    let r = env.reset({ seed: s });
    firsts.push(r.info.position);
    for (; r.info.targetMask === 1; r = env.step(null)) scored++;
  }
  assert.equal(scored, N - 1, 'every token but the first is predicted exactly once');
  assert.deepEqual(firsts, [...firsts].sort((a, b) => a - b));
  const train = new LanguageModelTask({});
  const starts = [0, 1, 2, 3].map((s) => train.reset({ seed: s }).info.position);
  assert.equal(new Set(starts.map((p) => Math.floor(p / 50_000))).size, 4, `starts far apart: ${starts}`);
  const a = new LanguageModelTask({}), b = new LanguageModelTask({});
  const read = (e: LanguageModelTask) => { e.reset({ seed: 42 }); return Array.from({ length: 30 }, () => e.step(3).info.target); };
  assert.deepEqual(read(a), read(b));
});

test('the shipped corpus: 65 characters and <unk>, held-out text, a unigram baseline, and the vocabulary pinned', () => {
  const env = new LanguageModelTask({});
  assert.equal(env.corpus.vocab.length, 66);
  assert.ok(env.corpus.unigramBits > 4.5 && env.corpus.unigramBits < 5, `unigram bits ${env.corpus.unigramBits}`);
  assert.deepEqual(env.metadata.evalKwargs, { split: 'valid' });
  assert.equal(env.metadata.segmentLength, 100);
  const pinned = env.pinnedKwargs();
  const again = new LanguageModelTask({ ...pinned, split: 'test' });
  assert.deepEqual(again.corpus.vocab, env.corpus.vocab);
  env.reset({ seed: 0 });
  assert.match(String(env.render('ansi')), /^LanguageModel \(char\) t=0\nF\n-> next: "i"$/);
});

test('check-env passes, and bad kwargs get one clear line', () => {
  const report = checkEnv(() => make('LanguageModel-v0', {}), { numSteps: 300 });
  assert.ok(report.ok, JSON.stringify(report));
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ unit: 'byte' }, /^LanguageModel: unit must be one of 'char', 'word', got "byte"$/],
    [{ segmentLength: 0 }, /^LanguageModel: segmentLength must be an integer >= 1, got 0$/],
    [{ format: 'wikitext' }, /^LanguageModel: format must be 'text' for the shipped corpus/],
    [{ path: join(tmp, 'nope.txt') }, /^corpus: path ".*nope\.txt" does not exist$/],
    [{ vocab: ['a', 'b'] }, /^corpus: a saved vocab must contain <unk>$/],
    [{ split: 'dev' }, /^LanguageModel: split must be one of 'train', 'valid', 'test', got "dev"$/],
  ];
  for (const [kw, message] of bad) assert.throws(() => make('LanguageModel-v0', kw), (e: Error) => e instanceof ConfigError && message.test(e.message), JSON.stringify(kw));
});
