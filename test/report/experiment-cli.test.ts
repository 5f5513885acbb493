/**
 * `engram experiment` and `engram report` as a user runs them: the smoke budget of every named
 * experiment end to end (real training runs, seconds each), the report's table equal to the run
 * directories' eval.json and the same when rebuilt by `engram report`; Chromium draws every figure
 * of the HTML reports (screenshots in test-output/); an interrupted experiment, run again,
 * finishes without redoing finished runs; a failing run is named and the rest finish; bad input is
 * one line. About 4 minutes on 2 cores.
 * Needs Debian's chromium at /usr/bin/chromium (CI installs it).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { chromium } from 'playwright-core';
import { EXPERIMENTS } from '../../experiments/lab/catalog.ts';
import { fmt } from '../../experiments/report/render.ts';
import { assertOneLineErrors, engram, ROOT } from '../fixtures/cli.ts';

const TMP = mkdtempSync(join(tmpdir(), 'engram-experiments-'));
const SHOTS = join(ROOT, 'test-output');
const CHROMIUM = '/usr/bin/chromium';
after(() => rmSync(TMP, { recursive: true, force: true }));

const strip = (md: string) => md.split('\n').filter((l) => !/^Made .* by Engram /.test(l)).join('\n');

test('experiment list: every experiment with its cores, budgets and published figures', () => {
  const r = engram(['experiment', 'list']);
  assert.equal(r.code, 0, r.stderr);
  for (const e of EXPERIMENTS) assert.match(r.stdout, new RegExp(`^${e.name}: `, 'm'));
  assert.match(r.stdout, /published: rmc \(N8-F16\) ~91% \[RMC paper §5\.1\]/);
  assert.match(r.stdout, /quick +40,000 steps, 3 seeds: 6 runs/);
});

test('bad input to experiment and report: one line each', () => {
  const empty = join(TMP, 'empty');
  mkdirSync(empty);
  assertOneLineErrors([
    [['experiment', 'run', 'nope'], 2, /^engram: unknown experiment "nope"; known: contextual-choice, nth-farthest, .*\(engram experiment list\)$/],
    [['experiment', 'run', 'copy', '--budget', 'huge'], 2, /--budget.*huge.*smoke, quick, paper/],
    [['experiment', 'run', 'copy', '--seeds', '0'], 2, /--seeds must be an integer from 1 to 1000, got "0"/],
    [['experiment', 'run', 'copy', '--parallel', 'x'], 2, /--parallel must be an integer/],
    [['experiment', 'run', 'copy', '--out', join(ROOT, 'package.json')], 2, /--out .*package\.json: that is a file; name a folder/],
    [['report', join(TMP, 'missing')], 2, /missing: no such folder/],
    [['report', empty], 2, /holds no run directory/],
  ]);
});

for (const e of EXPERIMENTS) {
  test(`smoke budget of ${e.name}: runs, a report whose table is the runs' eval.json, the same when rebuilt`, () => {
    const out = join(TMP, e.name);
    const r = engram(['experiment', 'run', e.name, '--budget', 'smoke', '--parallel', '2', '--out', out], { timeoutMs: 300_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /report written to .*report\.html and .*report\.md/);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(md, /^Made .* by Engram \d+\.\d+\.\d+ on \d+ × .*\. Runs: backend wasm with fused kernels; engram \d+\.\d+\.\d+ on \d+ × .*, Node \d+/m, 'the versions, backend and machines');
    const runs = readdirSync(out).filter((f) => statSync(join(out, f)).isDirectory());
    assert.equal(runs.length, e.budgets.smoke.seeds * e.cores.length * (e.budgets.smoke.settings?.length ?? e.settings.length));
    for (const id of runs) {
      const ev = JSON.parse(readFileSync(join(out, id, 'eval.json'), 'utf8')) as { meanReturn: number; metrics: Record<string, number> };
      const raw = e.metric.eval === 'return' ? ev.meanReturn : ev.metrics[e.metric.eval] as number;
      const value = e.metric.complement ? 1 - raw : raw;
      const [, setting, core] = /^(.+?)-((?:dnd-lstm|working-memory|[a-z]+))-s1$/.exec(id) ?? [];
      assert.ok(md.includes(`| ${setting} | ${core} | ${fmt(value)} (1 seed) |`), `${id}: ${fmt(value)} not in\n${md}`);
    }
    const again = engram(['report', out, '--out', join(TMP, `${e.name}-again`), '--title', `Engram experiment ${e.name} (smoke budget)`]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(strip(readFileSync(join(TMP, `${e.name}-again`, 'report.md'), 'utf8')), strip(md));
  });
}

test('Chromium draws every figure of the reports, with no console errors', async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found; install it with \`apt-get install -y chromium\` (CI installs it)`);
  mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    for (const e of EXPERIMENTS) {
      const page = await browser.newPage({ viewport: { width: 1150, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('request', (req) => { if (!req.url().startsWith('file:')) errors.push(`network request: ${req.url()}`); });
      await page.goto(`file://${join(TMP, e.name, 'report.html')}`);
      const figures = await page.$$eval('figure', (fs) => fs.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        const marks = [...f.querySelectorAll('g[class*="mark-"] path')].filter((p) => (p.getAttribute('d') ?? '').length > 2).length;
        return { marks, width: box?.width ?? 0, height: box?.height ?? 0, caption: f.querySelector('figcaption')?.textContent ?? '' };
      }));
      assert.ok(figures.length >= 1, `${e.name}: no figures`);
      for (const f of figures) assert.ok(f.marks > 0 && f.width > 100 && f.height > 100, `${e.name}: figure "${f.caption}" is not drawn (${JSON.stringify(f)})`);
      if (e.analysis === 'contextual-choice') assert.ok(figures.some((f) => /keys its episodic memory stored/.test(f.caption)) && figures.some((f) => /accuracy by time step/.test(f.caption)));
      if (e.analysis === 'copy-lengths') assert.ok(figures.some((f) => /by sequence length/.test(f.caption)));
      assert.deepEqual(errors, [], e.name);
      await page.screenshot({ path: join(SHOTS, `report-${e.name}.png`), fullPage: true });
      await page.close();
    }
  } finally {
    await browser.close();
  }
});

test('an interrupted experiment, run again, finishes without redoing its finished runs', async () => {
  const out = join(TMP, 'interrupted');
  const args = ['experiment', 'run', 'contextual-choice', '--budget', 'smoke', '--seeds', '3', '--parallel', '1', '--out', out];
  const child = spawn(process.execPath, [join(ROOT, 'bin/engram.js'), ...args], { cwd: ROOT, env: { ...process.env, CI: '1' } });
  let stdout = '';
  child.stderr.setEncoding('utf8');
  let stderr = '';
  child.stderr.on('data', (d: string) => { stderr += d; });
  child.stdout.setEncoding('utf8');
  let stopped = false;
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.on('data', (d: string) => {
      stdout += d;
      if (!stopped && /done +default-dnd-lstm-s1/.test(stdout)) { stopped = true; child.kill('SIGTERM'); }   // once: a second signal quits at once
    });
    child.once('close', resolve);
  });
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  const m = /stopped with (\d) of 6 runs finished; run the same command again/.exec(stdout);
  assert.ok(m, stdout);
  const finished = readdirSync(out).filter((f) => existsSync(join(out, f, 'eval.json')));
  assert.equal(finished.length, Number(m[1]));
  assert.ok(finished.length >= 1 && finished.length < 6);
  const stamps = finished.map((f) => statSync(join(out, f, 'eval.json')).mtimeMs);
  const again = engram(args, { timeoutMs: 300_000 });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`${finished.length} of 6 runs already finished; skipped`));
  for (const f of finished) assert.ok(!again.stdout.includes(`start   ${f}`), `${f} was run again`);
  assert.deepEqual(finished.map((f) => statSync(join(out, f, 'eval.json')).mtimeMs), stamps);
  assert.equal(readdirSync(out).filter((f) => existsSync(join(out, f, 'eval.json'))).length, 6);
  assert.ok(existsSync(join(out, 'report.html')));
});

test('a run that fails is named with its log, the others finish, and the exit code is 1', () => {
  const out = join(TMP, 'failing');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'default-lstm-s1'), 'in the way');   // the run directory cannot be made
  const r = engram(['experiment', 'run', 'contextual-choice', '--budget', 'smoke', '--out', out], { timeoutMs: 120_000 });
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /failed +default-lstm-s1: .*is a file.*\(log: .*default-lstm-s1\.log\)/);
  assert.match(r.stderr.trim(), /^engram: 1 of 2 runs failed \(default-lstm-s1\); see their \.log files in .*; the same command retries them$/);
  assert.ok(existsSync(join(out, 'default-dnd-lstm-s1', 'eval.json')), 'the other run finished');
  assert.ok(existsSync(join(out, 'report.md')), 'and is reported');
});

test('a finished run with fewer steps than its budget asks goes on from its checkpoint', () => {
  const out = join(TMP, 'extended');
  const args = ['experiment', 'run', 'contextual-choice', '--budget', 'smoke', '--out', out];
  assert.equal(engram(args, { timeoutMs: 120_000 }).code, 0);
  // As if the budget had grown since: the run's checkpoint says it trained a third of its steps.
  const manifest = join(out, 'default-lstm-s1', 'checkpoint.json');
  const m = JSON.parse(readFileSync(manifest, 'utf8')) as { progress: { globalStep: number } };
  m.progress.globalStep = 1000;
  writeFileSync(manifest, JSON.stringify(m));
  const r = engram(args, { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /1 of 2 runs already finished; skipped\n.*start +default-lstm-s1 \(resumed from its checkpoint\)/);
  assert.equal((JSON.parse(readFileSync(manifest, 'utf8')) as { progress: { globalStep: number } }).progress.globalStep, 3000);
  assert.match(readFileSync(join(out, 'default-lstm-s1.log'), 'utf8'), /resumed at step 1000/);
});
