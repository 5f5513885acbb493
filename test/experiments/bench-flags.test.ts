/** `npm run bench` takes its flags like the CLI: bad ones are one `bench: ...` line and exit 2, not a table of 0.00. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { ROOT } from '../fixtures/cli.ts';

function bench(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('bench refuses unknown flags and bad values with one line and exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['--seconds', 'abc'], /^bench: --seconds must be a positive number, got "abc"$/],
    [['--seconds', '-1'], /^bench: --seconds must be a positive number, got "-1"$/],
    [['--seconds', '0'], /^bench: --seconds must be a positive number, got "0"$/],
    [['--filter'], /^bench: option '--filter <text>' argument missing$/],
    [['--threads', '9'], /^bench: --threads must be an integer from 1 to 8, got "9"$/],
    [['--bogus'], /^bench: unknown option '--bogus'/],
  ];
  for (const [args, pattern] of cases) {
    const r = bench(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, '', 'no table');
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trimEnd(), pattern);
  }
});

test('bench still runs a filtered figure with --json and --seconds', () => {
  const r = bench(['--json', '--filter', 'env/ContextualChoice-v0/single', '--seconds', '0.2']);
  assert.equal(r.code, 0, r.stderr);
  const figure = JSON.parse(r.stdout);
  assert.equal(figure.bench, 'env/ContextualChoice-v0/single');
  assert.ok(figure.value > 0 && figure.unit === 'steps/s');
});
