/**
 * LanguageModel-v0 from the command line, as a user runs it: train saves the vocabulary in the run's
 * config, eval reads the held-out text whole (or the test split), resume goes on with the same
 * vocabulary, and bad corpus input gets one line. About 40 s.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { FeedMessage } from '../../rollout/feed.ts';
import { assertOneLineErrors, engram } from '../fixtures/cli.ts';
import { feedOf } from '../fixtures/feed.ts';

const tmp = mkdtempSync(join(tmpdir(), 'engram-lm-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('train, eval on valid and test, resume: one vocabulary throughout', () => {
  const dir = join(tmp, 'run');
  const small = ['--set', 'core.hiddenSize=32', '--set', 'env.segmentLength=40', '--num-envs', '8'];
  const t = engram(['train', '--env', 'LanguageModel-v0', '--core', 'lstm', '--steps', '3200', '--run-dir', dir, ...small]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /result: 51725 tokens read, bits_per_token \d\.\d{3}, perplexity [\d.]+, accuracy 0\.\d{3}/);
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { envKwargs: { vocab: string[] } };
  assert.equal(cfg.envKwargs.vocab.length, 66, 'the vocabulary is saved with the run');
  assert.equal(cfg.envKwargs.vocab.at(-1), '<unk>');
  const evalJson = JSON.parse(readFileSync(join(dir, 'eval.json'), 'utf8')) as { metrics: Record<string, number> };
  assert.ok(Math.abs(2 ** (evalJson.metrics.bits_per_token as number) - (evalJson.metrics.perplexity as number)) < 1e-6);

  const valid = engram(['eval', '--checkpoint', dir, '--json']);
  assert.equal(valid.code, 0, valid.stderr);
  assert.deepEqual(JSON.parse(valid.stdout).metrics, evalJson.metrics, 'eval reads the same held-out text as the end of training');
  const testSplit = JSON.parse(engram(['eval', '--checkpoint', dir, '--json', '--set', 'split=test']).stdout) as { metrics: Record<string, number> };
  assert.equal(testSplit.metrics.tokens, 47425, 'the last 5% of the corpus');

  const resumed = engram(['train', '--resume', dir, '--steps', '6400']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /resumed at step 3200/);
  assert.deepEqual((JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as typeof cfg).envKwargs.vocab, cfg.envKwargs.vocab);
});

test('train --view sends the text being read, the next character and the model\'s likeliest ones', async () => {
  const { messages } = await feedOf(['train', '--env', 'LanguageModel-v0', '--core', 'lstm', '--num-envs', '2', '--view', '--steps', '10000000',
    '--run-dir', join(tmp, 'view'), '--set', 'core.hiddenSize=16', '--set', 'env.segmentLength=20'],
  (ms) => ms.some((m) => m.type === 'episode-end'));
  const end = messages.find((m) => m.type === 'episode-end') as Extract<FeedMessage, { type: 'episode-end' }>;
  const frames = messages.filter((m): m is Extract<FeedMessage, { type: 'step' }> => m.type === 'step' && m.episode === end.episode)
    .map((m) => m.frame as { kind: string; token: string; next: string; guesses: [string, number][] });
  assert.equal(frames.length, 20, 'one frame per character of the traced segment');
  for (const [t, f] of frames.entries()) {
    assert.equal(f.kind, 'sequence');
    assert.equal(f.guesses.length, 5);
    assert.ok(f.guesses.every(([tok, p], i) => typeof tok === 'string' && p >= 0 && p <= 1 && (i === 0 || p <= (f.guesses[i - 1] as [string, number])[1])));
    if (t > 0) assert.equal(f.token, frames[t - 1]?.next, 'each character read is the one the previous step had to guess');
  }
});

test('bad corpus input: one line each', () => {
  const plain = join(tmp, 'plain.txt');
  writeFileSync(plain, Array.from({ length: 40 }, (_, i) => `a line of text ${i}`).join('\n'));
  const train = (...sets: string[]) => ['train', '--env', 'LanguageModel-v0', '--steps', '100', '--run-dir', join(tmp, 'bad'), ...sets.flatMap((s) => ['--set', s])];
  assertOneLineErrors([
    [train(`env.path=${join(tmp, 'missing.txt')}`), 2, /^engram: corpus: path ".*missing\.txt" does not exist$/],
    [train(`env.path=${plain}`, 'env.format=gutenberg'), 2, /^engram: corpus: .*plain\.txt:1: not a Project Gutenberg ebook/],
    [train(`env.path=${plain}`, 'env.format=wikitext'), 2, /^engram: corpus: .*plain\.txt:1: a WikiText line is empty or starts with a space/],
    [train('env.unit=byte'), 2, /^engram: LanguageModel: unit must be one of 'char', 'word', got "byte"$/],
  ]);
});
