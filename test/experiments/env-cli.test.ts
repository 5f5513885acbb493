import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engram } from '../fixtures/cli.ts';

test('engram envs lists the built-in envs with their spaces', () => {
  const r = engram(['envs']);
  assert.equal(r.code, 0, r.stderr);
  for (const id of ['ContextualChoice-v0', 'MiniPacman-v0', 'BoxWorld-v0']) assert.match(r.stdout, new RegExp(id));
  assert.match(r.stdout, /Box\(0, 1, \[15, 19, 3\], float32\)\s+Discrete\(5\)/);
  const info = engram(['envs', 'info', 'BoxWorld-v0']);
  assert.equal(info.code, 0, info.stderr);
  assert.equal(JSON.parse(info.stdout).actionSpace, 'Discrete(4)');
});

test('check-env passes the built-ins and a user module, and names what a broken module does wrong', () => {
  const ok = engram(['check-env', 'MiniPacman-v0', '--set', 'view=viewport']);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /MiniPacman-v0: all checks passed/);
  const user = engram(['check-env', './test/fixtures/coin-env.ts']);
  assert.equal(user.code, 0, user.stdout + user.stderr);
  assert.match(user.stdout, /CoinFlip-v0: all checks passed/);
  const bad = engram(['check-env', './test/fixtures/broken-env.ts']);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /✗ step: step\(\) at t=0 returned an observation outside Box\(0, 1, \[3\], float32\): element 2 is 2/);
  assert.match(bad.stdout, /✗ determinism: .*never Math.random/);
});

test('user mistakes get one clear line and exit code 2, never a stack trace', () => {
  const cases: [string[], RegExp][] = [
    [['random', 'MiniPacmn-v0'], /unknown env "MiniPacmn-v0"; did you mean "MiniPacman-v0"\? known envs: .*BoxWorld-v0, ContextualChoice-v0, .*MiniPacman-v0/],
    [['random', 'MiniPacman-v0', '--episodes', 'x'], /--episodes must be an integer from 1 to 1000000, got "x"/],
    [['random', 'MiniPacman-v0', '--set', 'mode=bogus'], /MiniPacman: mode must be one of regular, avoid, hunt, ambush, rush, got "bogus"/],
    [['random', 'MiniPacman-v0', '--set', 'speed=2'], /MiniPacman: unknown option "speed"/],
    [['check-env', './no/such-env.ts'], /env module "\.\/no\/such-env\.ts" not found/],
    [['random', 'BoxWorld-v0', '--bogus'], /unknown option '--bogus'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ];
  for (const [args, pattern] of cases) {
    const r = engram(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('random prints return statistics; --json is machine-readable and seeded', () => {
  const a = engram(['random', 'BoxWorld-v0', '--episodes', '5', '--seed', '3', '--json']);
  assert.equal(a.code, 0, a.stderr);
  const s = JSON.parse(a.stdout);
  assert.equal(s.episodes, 5);
  assert.ok(s.meanLength > 0 && 'solved' in s.metrics);
  assert.deepEqual(JSON.parse(engram(['random', 'BoxWorld-v0', '--episodes', '5', '--seed', '3', '--json']).stdout), s);
});

test('play draws the board and moves on arrow keys from piped input', () => {
  const r = engram(['play', 'MiniPacman-v0', '--seed', '1'], { input: '\u001b[C\u001b[C q' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /###################/);
  assert.match(r.stdout, /action right\s+reward/);
  const box = engram(['play', 'BoxWorld-v0'], { input: '\u001b[A0q' });
  assert.equal(box.code, 0, box.stderr);
  assert.match(box.stdout, /action up/);
});

test('play without a terminal says it reads keys from standard input, on one stderr line', () => {
  const r = engram(['play', 'MiniPacman-v0'], { input: 'q' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, 'engram play: standard input is not a terminal; reading keys from it (arrows, digits, r, q)\n');
  assert.match(r.stdout, /###################/);
});
