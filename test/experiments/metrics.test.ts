/** MetricsLog: non-finite losses stay visible in metrics.jsonl, metrics.csv and the progress headline. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MetricsLog, parseRow, stringifyRow } from '../../experiments/run/metrics.ts';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'engram-metrics-'));
  try { fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

test('NaN and ±Infinity are written as strings and read back as numbers on resume', () => withDir((dir) => {
  const log = new MetricsLog(dir, { create: true });
  log.log({ iteration: 1, 'losses/total': 0.5 });
  log.log({ iteration: 2, 'losses/total': NaN, 'losses/grad_norm': Infinity, 'losses/value': -Infinity });
  const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n');
  assert.deepEqual(JSON.parse(lines[1] as string), {
    iteration: 2, 'losses/total': 'NaN', 'losses/grad_norm': 'Infinity', 'losses/value': '-Infinity', 'charts/episodes': 0,
  });
  const resumed = new MetricsLog(dir, { create: false });
  assert.deepEqual(resumed.rows, log.rows);
  assert.ok(Number.isNaN(resumed.rows[1]?.['losses/total']));
  resumed.truncateAfter(2);
  assert.deepEqual(new MetricsLog(dir, { create: false }).rows, log.rows, 'truncateAfter keeps them too');
}));

test('a null from an older log is read back as NaN, and only the three names become numbers', () => {
  assert.ok(Number.isNaN(parseRow('{"losses/total":null}')['losses/total']));
  assert.deepEqual(parseRow('{"a":"toString","b":"Infinity"}'), { a: 'toString', b: Infinity });
  assert.equal(stringifyRow({ a: 1.5, b: -Infinity }), '{"a":1.5,"b":"-Infinity"}');
});

test('metrics.csv writes non-finite values as text', () => withDir((dir) => {
  const log = new MetricsLog(dir, { create: true });
  log.log({ 'losses/total': NaN, 'losses/grad_norm': Infinity });
  log.writeCsv();
  assert.equal(readFileSync(join(dir, 'metrics.csv'), 'utf8'), 'losses/total,losses/grad_norm,charts/episodes\nNaN,Infinity,0\n');
}));

test('status() appends the non-finite loss of the latest row to the headline', () => withDir((dir) => {
  const log = new MetricsLog(dir, { create: true });
  log.log({ 'losses/total': NaN });
  assert.equal(log.status(), 'loss NaN');
  log.onEpisode({ env: 0, globalStep: 1, terminated: true, episode: { return: 2, length: 3 } });
  log.log({ 'losses/total': 1, 'losses/grad_norm': Infinity });
  assert.equal(log.status(), 'return 2.00, grad_norm Infinity');
  log.log({ 'losses/total': 1, 'losses/grad_norm': 2 });
  assert.equal(log.status(), 'return 2.00');
  writeFileSync(join(dir, 'metrics.jsonl'), `${stringifyRow({ 'task/accuracy': 0.5, 'losses/total': Infinity })}\n`);
  assert.equal(new MetricsLog(dir, { create: false }).status(), 'accuracy 0.500, loss Infinity');
}));
