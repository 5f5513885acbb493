/** CLI smoke tests of training (cleanrl-style tiny budgets): train, Ctrl-C, resume, eval, bad input. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { engram, ROOT } from '../fixtures/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'engram-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('train writes config, metrics and a checkpoint; eval --json reads it back', () => {
  const dir = join(tmp, 'cc');
  const r = engram(['train', '--env', 'ContextualChoice-v0', '--core', 'lstm', '--steps', '1600', '--num-envs', '4', '--run-dir', dir,
    '--set', 'evalEpisodes=0', '--set', 'logEvery=5', '--set', 'core.hiddenSize=8']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /finished at step 1600 \(40 updates/);
  for (const f of ['config.json', 'metrics.jsonl', 'metrics.csv', 'checkpoint.json']) assert.ok(existsSync(join(dir, f)), f);
  const rows = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(rows.length, 8);
  assert.ok('losses/policy' in rows[0] && 'charts/sps' in rows[0]);
  assert.match(readFileSync(join(dir, 'metrics.csv'), 'utf8').split('\n')[0]!, /^iteration,globalStep,time,charts\/sps,losses\/total/);
  const e = engram(['eval', '--checkpoint', dir, '--episodes', '12', '--json']);
  assert.equal(e.code, 0, e.stderr);
  const j = JSON.parse(e.stdout);
  assert.equal(j.episodes, 12);
  assert.ok(Number.isFinite(j.meanReturn) && Number.isFinite(j.stdReturn) && 'accuracy' in j.metrics);
});

test('Ctrl-C leaves a resumable checkpoint; --resume continues to the new step count', async () => {
  const dir = join(tmp, 'pm');
  const child = spawn(process.execPath, [`${ROOT}bin/engram.js`, 'train', '--env', 'MiniPacman-v0', '--core', 'lstm', '--set', 'env.view=viewport',
    '--num-envs', '2', '--steps', '10000000', '--run-dir', dir, '--set', 'core.hiddenSize=8', '--set', 'checkpointEvery=100000'],
  { cwd: ROOT, env: { ...process.env, CI: '1' } });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  await new Promise((r) => setTimeout(r, 6000));
  child.kill('SIGINT');
  const code = await new Promise((r) => child.on('exit', r));
  assert.equal(code, 0, out);
  assert.match(out, /interrupted at step (\d+)/);
  assert.match(out, /resume with: engram train --resume/);
  const stopped = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')).progress;
  assert.ok(stopped.updates > 0);
  const r = engram(['train', '--resume', dir, '--steps', String(stopped.globalStep + 400)]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`resumed at step ${stopped.globalStep}`));
  const resumed = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')).progress;
  const perUpdate = 2 * JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).agent.numSteps;
  assert.equal(resumed.updates, stopped.updates + 400 / perUpdate);
  const rows = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const iters = rows.map((x) => x.iteration);
  assert.deepEqual(iters, [...iters].sort((a, b) => a - b), 'no duplicated or out-of-order rows');
});

test('bad training input gets one clear line and exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['train', '--core', 'dcn'], /unknown core "dcn"; did you mean "dnc"?|unknown core "dcn";.*expected one of: lstm, dnd-lstm, rmc/],
    [['train', '--env', 'Pacman-v0'], /unknown env "Pacman-v0"; did you mean "MiniPacman-v0"\?/],
    [['train', '--set', 'agent.lr=-1'], /agent: lr must be > 0, got -1/],
    [['train', '--set', 'agent.lrr=1'], /agent: unknown option "lrr"; did you mean "lr"\?/],
    [['train', '--set', 'core.hiddenSize=0'], /hiddenSize must be an integer >= 1, got 0/],
    [['train', '--set', 'stepz=3'], /unknown setting "stepz"; expected one of: env, envKwargs/],
    [['train', '--backend', 'gpu'], /option '--backend <name>' argument 'gpu' is invalid. Allowed choices are auto, wasm, cpu, node, node-gpu/],
    [['train', '--threads', '9'], /--threads must be an integer from 1 to 8, got "9"/],
    [['train', '--set', 'threads=0'], /threads must be an integer from 1 to 8, got 0/],
    [['train', '--config', 'nope.yaml'], /--config nope.yaml: file not found/],
    [['train', '--resume', join(tmp, 'none')], /run directory ".*none" not found/],
    [['eval', '--checkpoint', join(tmp, 'none')], /run directory ".*none" not found/],
    [['eval', '--checkpoint', tmp], /is not a run directory \(no config.json/],
    [['train', '--env', 'BoxWorld-v0', '--set', 'env.view=side'], /BoxWorld: view must be one of 'full', 'viewport', got "side"/],
  ];
  for (const [args, pattern] of cases) {
    const r = engram(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, pattern, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('eval overrides may change lengths, not the sizes the model was built for', () => {
  const dir = join(tmp, 'copy');
  const r = engram(['train', '--env', 'Copy-v0', '--core', 'lstm', '--steps', '200', '--num-envs', '2', '--run-dir', dir,
    '--set', 'evalEpisodes=0', '--set', 'core.hiddenSize=8', '--set', 'env.maxLength=3']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const longer = engram(['eval', '--checkpoint', dir, '--episodes', '2', '--set', 'env.minLength=12', '--set', 'env.maxLength=12']);
  assert.equal(longer.code, 0, longer.stderr);
  const wider = engram(['eval', '--checkpoint', dir, '--episodes', '2', '--set', 'env.bits=4']);
  assert.equal(wider.code, 2, wider.stdout + wider.stderr);
  assert.match(wider.stderr, /env.bits=4 changes the observation space from Box\(.*\[9\].*\) to Box\(.*\[5\].*\); the trained model only fits the first/);
  assert.doesNotMatch(wider.stderr, /\n\s+at /, 'no stack trace');
});

test('train on a custom env module', () => {
  const dir = join(tmp, 'coin');
  const r = engram(['train', '--env-module', './test/fixtures/coin-env.ts', '--env', 'CoinFlip-v0', '--core', 'lstm', '--steps', '640', '--run-dir', dir,
    '--set', 'evalEpisodes=4', '--set', 'core.hiddenSize=8']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /result: mean return [\d.]+ over 4 episodes/);
  const e = engram(['eval', '--checkpoint', dir, '--episodes', '3']);
  assert.equal(e.code, 0, e.stderr);
});

test('--threads 2 trains exactly as --threads 1, and the run exits by itself', () => {
  const losses = (threads: string) => {
    const dir = join(tmp, `threads-${threads}`);
    const r = engram(['train', '--env', 'NthFarthest-v0', '--core', 'rmc', '--steps', '480', '--num-envs', '8', '--seed', '2',
      '--set', 'env.numObjects=3', '--set', 'env.numFeatures=2', '--set', 'evalEpisodes=0', '--set', 'logEvery=2',
      '--set', 'core.numSlots=2', '--set', 'core.numHeads=2', '--set', 'core.headSize=8', '--threads', threads, '--run-dir', dir],
    { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);   // a pthread left holding the event loop would time out (code null)
    assert.match(r.stdout + r.stderr, threads === '1' ? /backend wasm and fused kernels\)/ : /backend wasm with 2 threads and fused kernels\)/);
    return readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)['losses/total'] as number);
  };
  const one = losses('1');
  assert.ok(one.length >= 5);
  assert.deepEqual(losses('2'), one);
});
