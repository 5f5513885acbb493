/**
 * Nothing lost: a diverging run stops with its last good checkpoint intact, stop signals checkpoint,
 * a run directory has one writer at a time, and a crash's leftovers are tidied on the next start.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { claimRunDir } from '../../experiments/run/run-dir.ts';
import { ROOT, engram } from '../fixtures/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'engram-safety-'));
const TINY = ['--num-envs', '2', '--set', 'core.hiddenSize=8', '--core', 'lstm'];

function weightsOf(dir: string): Float32Array {
  const m = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as { file: string };
  const b = readFileSync(join(dir, m.file));
  return new Float32Array(Uint8Array.from(b).buffer);
}

/** Starts a long training run; resolves once it has written its first checkpoint. */
async function startLongRun(dir: string) {
  const child = spawn(process.execPath, [`${ROOT}bin/engram.js`, 'train', ...TINY, '--steps', '100000000', '--run-dir', dir, '--set', 'checkpointEvery=20'],
    { cwd: ROOT, env: { ...process.env, CI: '1' } });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  for (let i = 0; i < 600 && !existsSync(join(dir, 'checkpoint.json')); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(existsSync(join(dir, 'checkpoint.json')), out);
  return { child, exited, output: () => out };
}

// A learning rate this large makes the losses or gradient norms overflow within a few updates.
const DIVERGING = [
  ['A2C', 'ContextualChoice-v0', ['--core', 'dnd-lstm', '--set', 'agent.lr=1e30']],
  ['the supervised learner', 'Copy-v0', ['--core', 'lstm', '--set', 'core.hiddenSize=8', '--set', 'agent.lr=1e38']],
] as const;
for (const [name, env, settings] of DIVERGING) {
  test(`${name}: a diverging run stops with one line; its last good checkpoint evaluates and resumes`, () => {
    const dir = join(tmp, `diverge-${env}`);
    const args = ['--env', env, '--num-envs', '2', ...settings, '--steps', '4000', '--set', 'nonFiniteLimit=3', '--set', 'checkpointEvery=1'];
    const r = engram(['train', ...args, '--run-dir', dir]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] as string, /^engram: training diverged at update (\d+) \(step \d+\): losses\/\w+(, losses\/\w+)* (was|were) not finite in 3 updates in a row .*the last good checkpoint \(update (\d+), step \d+\) is intact: resume with engram train --resume /);
    const stoppedAt = Number(lines[0]?.match(/diverged at update (\d+)/)?.[1]);
    assert.equal(Number(lines[0]?.match(/checkpoint \(update (\d+)/)?.[1]), stoppedAt - 3, 'the checkpoint from before the streak');
    assert.ok(weightsOf(dir).every(Number.isFinite), 'no non-finite weight was written');
    assert.match(readFileSync(join(dir, 'metrics.jsonl'), 'utf8'), /"(NaN|Infinity|-Infinity)"/, 'metrics keep the non-finite values');
    const ev = engram(['eval', '--checkpoint', dir, '--episodes', '2', '--json']);
    assert.equal(ev.code, 0, ev.stderr);
    const again = engram(['train', '--resume', dir]);
    assert.match(again.stdout, /resumed at step \d+/);
    assert.equal(again.code, 1, 'the same settings diverge again, and stop again');
  });
}

for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
  test(`${signal} finishes the update, writes a checkpoint and exits; --resume continues`, async () => {
    const dir = join(tmp, `signal-${signal}`);
    const run = await startLongRun(dir);
    run.child.kill(signal);
    assert.equal(await run.exited, 0, run.output());
    assert.match(run.output(), new RegExp(`${signal}: stopping after this update`));
    const stopped = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')).progress;
    assert.match(run.output(), new RegExp(`interrupted at step ${stopped.globalStep} `), 'the checkpoint is of the last update');
    assert.ok(!existsSync(join(dir, 'lock')), 'the lock is released');
    const r = engram(['train', '--resume', dir, '--steps', String(stopped.globalStep + 200)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`resumed at step ${stopped.globalStep}`));
  });
}

test('a run directory has one writer: a second train is refused naming the holder; a stale lock is taken over', async () => {
  const dir = join(tmp, 'locked');
  const run = await startLongRun(dir);
  const second = engram(['train', '--resume', dir, '--steps', '100']);
  assert.equal(second.code, 1, second.stdout + second.stderr);
  assert.match(second.stderr, new RegExp(`^engram: ${dir} is in use: process ${run.child.pid} on \\S+ has trained into it since \\S+; wait for it or stop it`));
  assert.equal(second.stderr.trim().split('\n').length, 1);
  run.child.kill('SIGKILL');   // leaves the lock behind, as a crash would
  await run.exited;
  assert.ok(existsSync(join(dir, 'lock')));
  const at = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')).progress.globalStep as number;
  const r = engram(['train', '--resume', dir, '--steps', String(at + 100)]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`locked by process ${run.child.pid}, which is gone; taking the run over`));
  const iters = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).iteration as number);
  assert.deepEqual(iters, [...iters].sort((a, b) => a - b), 'rows in order');
});

test('train into a directory holding a run is refused; --overwrite starts over', () => {
  const dir = join(tmp, 'twice');
  assert.equal(engram(['train', ...TINY, '--steps', '80', '--run-dir', dir]).code, 0);
  const before = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
  const r = engram(['train', ...TINY, '--steps', '80', '--run-dir', dir]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `engram: ${dir} already holds a run; continue it with engram train --resume ${dir}, or start over with --overwrite\n`);
  assert.equal(readFileSync(join(dir, 'metrics.jsonl'), 'utf8'), before, 'the run is untouched');
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  const o = engram(['train', ...TINY, '--steps', '40', '--seed', '3', '--run-dir', dir, '--overwrite']);
  assert.equal(o.code, 0, o.stderr);
  assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).seed, 3);
  assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'mine', '--overwrite removes only the run\'s own files');
});

test('made-up run directory names never collide; a named one is used as is', () => {
  const base = join(tmp, 'names', 'runs', 'Env-core-s1-20261205-120000');
  const a = claimRunDir(base, { resume: false, overwrite: false, uniqueName: true });
  const b = claimRunDir(base, { resume: false, overwrite: false, uniqueName: true });
  assert.deepEqual([a.dir, b.dir], [base, `${base}-2`]);
  writeFileSync(join(a.dir, 'config.json'), '{}');
  writeFileSync(join(b.dir, 'config.json'), '{}');
  a.release(); b.release();
  assert.ok(existsSync(a.dir) && existsSync(b.dir), 'directories with files stay');
  const empty = claimRunDir(join(tmp, 'names', 'empty'), { resume: false, overwrite: false, uniqueName: false });
  empty.release();
  assert.ok(!existsSync(join(tmp, 'names', 'empty')), 'a run that wrote nothing leaves nothing');
});

test('temp files of an interrupted write and orphaned weights are removed on the next start', () => {
  const dir = join(tmp, 'tidy');
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), '{}');
  writeFileSync(join(dir, 'checkpoint.json'), JSON.stringify({ file: 'weights-30.bin' }));
  for (const f of ['weights-30.bin', 'weights-20.bin', 'weights-40.bin.tmp-12345', 'metrics.csv.tmp-999', 'mine.txt']) writeFileSync(join(dir, f), 'x');
  const claim = claimRunDir(dir, { resume: true, overwrite: false, uniqueName: false });
  assert.deepEqual(readdirSync(dir).sort(), ['checkpoint.json', 'config.json', 'lock', 'mine.txt', 'weights-30.bin']);
  claim.release();
  assert.ok(!existsSync(join(dir, 'lock')));
});

test('weights are kept when checkpoint.json cannot be read: they may be the run\'s only copy', () => {
  const dir = join(tmp, 'tidy-damaged');
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), '{}');
  writeFileSync(join(dir, 'checkpoint.json'), '{"file": "weights-30');
  for (const f of ['weights-30.bin', 'weights-20.bin', 'weights-40.bin.tmp-12345']) writeFileSync(join(dir, f), 'x');
  const claim = claimRunDir(dir, { resume: true, overwrite: false, uniqueName: false });
  assert.deepEqual(readdirSync(dir).sort(), ['checkpoint.json', 'config.json', 'lock', 'weights-20.bin', 'weights-30.bin']);
  claim.release();
});

test('a run directory under /proc is refused with one error, not an endless mkdir', () => {
  assert.throws(() => claimRunDir('/proc/engram-test/run', { resume: false, overwrite: false, uniqueName: true }), /cannot write \/proc\/engram-test/);
});
