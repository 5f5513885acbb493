/** CLI smoke tests of the live viewer: train --view serves it, eval --record + replay, watch. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { FeedMessage } from '../../rollout/feed.ts';
import { engram } from '../fixtures/cli.ts';
import { feedOf } from '../fixtures/feed.ts';

const tmp = mkdtempSync(join(tmpdir(), 'engram-view-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('train --view serves the page and a live feed of env 0 with memory readouts and metrics', async () => {
  const { messages, page } = await feedOf(['train', '--env', 'MiniPacman-v0', '--core', 'rmc', '--set', 'env.view=viewport', '--num-envs', '2',
    '--view', '--steps', '1000000', '--run-dir', join(tmp, 'live'), '--set', 'logEvery=2', '--set', 'core.numSlots=2', '--set', 'core.headSize=4'],
  (ms) => ms.some((m) => m.type === 'metrics') && ms.filter((m) => m.type === 'step').length >= 5);
  assert.match(page, /<html/i);
  const hello = messages[0] as Extract<FeedMessage, { type: 'hello' }>;
  assert.equal(hello.type, 'hello');
  assert.equal(hello.run.core, 'rmc');
  assert.deepEqual(hello.run.actionNames, ['stay', 'right', 'up', 'left', 'down']);
  const step = messages.find((m) => m.type === 'step') as Extract<FeedMessage, { type: 'step' }>;
  assert.equal(step.env, 0);
  assert.equal((step.frame as { kind: string }).kind, 'grid');
  assert.ok(Array.isArray((step.memory as { attention: unknown }).attention), 'RMC attention is in the readout');
  assert.equal(step.probs.length, 5);
});

test('train --view on a supervised task serves its followed sequence as per-step sequence frames', async () => {
  const { messages } = await feedOf(['train', '--env', 'Copy-v0', '--core', 'lstm', '--num-envs', '2', '--view', '--steps', '1000000',
    '--run-dir', join(tmp, 'copy'), '--set', 'env.maxLength=3', '--set', 'core.hiddenSize=8'],
  (ms) => ms.some((m) => m.type === 'episode-end'));
  const end = messages.find((m) => m.type === 'episode-end') as Extract<FeedMessage, { type: 'episode-end' }>;
  // ws may deliver a few messages past the one `until` stopped at: keep the ended episode's steps.
  const steps = messages.filter((m): m is Extract<FeedMessage, { type: 'step' }> => m.type === 'step' && m.episode === end.episode);
  assert.equal(steps.length, end.length, `every step of the traced sequence, got ${JSON.stringify(messages.map((m) => m.type === 'step' ? m.t : m.type))}`);
  const frame = steps[0]?.frame as { kind: string; task: string; length: number; input: number[]; target: number[]; prediction: number[] };
  assert.equal(frame.kind, 'sequence');
  assert.equal(frame.task, 'Copy-v0');
  assert.equal(frame.length, end.length);
  assert.equal(frame.input.length, 9);
  assert.equal(frame.prediction.length, 8);
  assert.ok(Array.isArray((steps[0]?.memory as { h?: unknown }).h), 'the LSTM readout');
  assert.equal(typeof end.metrics.bitErrors, 'number');
});

test('eval --record writes a replayable recording; replay serves it', async () => {
  const dir = join(tmp, 'run');
  const t = engram(['train', '--env', 'BoxWorld-v0', '--core', 'lstm', '--set', 'env.view=viewport', '--num-envs', '2', '--steps', '200',
    '--run-dir', dir, '--set', 'evalEpisodes=0', '--set', 'core.hiddenSize=8']);
  assert.equal(t.code, 0, t.stdout + t.stderr);
  const rec = join(tmp, 'ep.jsonl');
  const e = engram(['eval', '--checkpoint', dir, '--episodes', '2', '--record', rec]);
  assert.equal(e.code, 0, e.stderr);
  assert.ok(existsSync(rec));
  const lines = readFileSync(rec, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as FeedMessage);
  assert.equal(lines[0]!.type, 'hello');
  assert.ok(lines.filter((m) => m.type === 'episode-end').length >= 1);
  const { messages } = await feedOf(['replay', rec, '--fps', '200'], (ms) => ms.some((m) => m.type === 'episode-end'));
  assert.equal((messages[0] as Extract<FeedMessage, { type: 'hello' }>).run.mode, 'replay');
  const bad = engram(['replay', join(tmp, 'missing.jsonl')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /replay: .*missing\.jsonl/);
  const w = await feedOf(['watch', '--checkpoint', dir, '--episodes', '1', '--fps', '500', '--exit'], (ms) => ms.some((m) => m.type === 'episode-end'));
  assert.equal((w.messages[0] as Extract<FeedMessage, { type: 'hello' }>).run.mode, 'watch');
});
