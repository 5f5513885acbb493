/**
 * The report from run directories alone: statistics (t intervals, PCA), grouping runs into
 * settings and cores (an experiment's and a user's own), the verdicts, and the tables equal to the
 * runs' eval.json, the same when rebuilt. Run directories are written here, no training (fast).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildReport } from '../../experiments/report/report.ts';
import { findRunDirs, readRun } from '../../experiments/report/runs.ts';
import { interval, pca2 } from '../../experiments/report/stats.ts';
import { summarise } from '../../experiments/report/summary.ts';
import { fmt } from '../../experiments/report/render.ts';
import { Rng } from '../../envs/rng.ts';

const TMP = mkdtempSync(join(tmpdir(), 'engram-report-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

interface FakeRun {
  env: string; core: string; seed: number; envKwargs?: Record<string, unknown>; learner?: string;
  final: number; metric?: string; steps?: number; finished?: boolean;
}

/** A run directory as engram train leaves it: config, metrics rows rising to `final`, eval.json, checkpoint. */
function writeRun(root: string, r: FakeRun): string {
  const dir = join(root, `${r.env}-${r.core}-s${r.seed}-${JSON.stringify(r.envKwargs ?? {}).replace(/\W/g, '')}`);
  mkdirSync(dir, { recursive: true });
  const learner = r.learner ?? 'a2c';
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ env: r.env, envKwargs: r.envKwargs ?? {}, learner, core: r.core, seed: r.seed, totalSteps: r.steps ?? 1000, backend: 'auto' }));
  const key = learner === 'a2c' ? (r.metric ? `env/${r.metric}` : 'charts/episode_return') : `task/${r.metric}`;
  const rows = Array.from({ length: 10 }, (_, i) => JSON.stringify({ iteration: i + 1, globalStep: (i + 1) * 100, [key]: (r.final * (i + 1)) / 10 }));
  writeFileSync(join(dir, 'metrics.jsonl'), `${rows.join('\n')}\n`);
  writeFileSync(join(dir, 'checkpoint.json'), JSON.stringify({
    version: 1, file: 'weights-10.bin', progress: { updates: 10, globalStep: r.steps ?? 1000, backend: 'wasm', elapsedSeconds: 1 },
    counters: {}, weights: { names: [], shapes: [] }, optimizer: { names: [], shapes: [] },
  }));
  if (r.finished !== false) {
    const metrics = r.metric ? { [r.metric]: r.final } : {};
    writeFileSync(join(dir, 'eval.json'), JSON.stringify({ episodes: 10, meanReturn: r.metric ? 0 : r.final, stdReturn: 0, meanLength: 5, metrics }));
  }
  return dir;
}

test('the 95% interval is Student\'s t over the seeds; one seed has none', () => {
  const i = interval([1, 2, 3]);
  assert.equal(i.mean, 2);
  assert.ok(Math.abs(i.hi - i.mean - 4.302653 / Math.sqrt(3)) < 1e-5, `half width ${i.hi - i.mean}`);
  assert.deepEqual(interval([5]), { n: 1, mean: 5, lo: 5, hi: 5 });
  assert.equal(interval([NaN, 4, 6]).n, 2);
});

test('PCA finds the direction the points spread along', () => {
  const rng = new Rng(3);
  const rows = Array.from({ length: 60 }, (_, i) => {
    const t = i - 30, e = rng.normal() * 0.1;
    return [t + e, t - e, 0.05 * rng.normal(), 5];   // along (1, 1, 0, 0), a constant last column
  });
  const { points, explained } = pca2(rows);
  assert.ok(explained[0] > 0.99, `explained ${explained}`);
  for (let i = 1; i < points.length; i++) assert.ok((points[i] as number[])[0] as number > ((points[i - 1] as number[])[0] as number), 'PC 1 orders the points by t');
  assert.ok(Math.abs(((points[59] as number[])[0] as number) - Math.SQRT2 * 29.5) < 0.05, "centred: t runs from -30 to 29");
});

test('runs group into settings and cores; claims are judged by their intervals', () => {
  const root = join(TMP, 'verdicts');
  const recall = { 'dnd-lstm': [0.8, 0.82, 0.84], lstm: [0.5, 0.49, 0.51] };
  for (const [core, xs] of Object.entries(recall)) xs.forEach((final, k) => writeRun(root, { env: 'ContextualChoice-v0', core, seed: k + 1, final, metric: 'recallAccuracy', envKwargs: { episodeMode: 'trial' } }));
  const [s] = summarise(findRunDirs([root]).map(readRun));
  assert.ok(s);
  assert.equal(s.experiment?.name, 'contextual-choice');
  assert.deepEqual(s.cells.map((c) => [c.setting, c.core, c.final.n]), [['default', 'dnd-lstm', 3], ['default', 'lstm', 3]]);
  assert.ok(Math.abs((s.cells[0]?.final.mean as number) - 0.82) < 1e-12);
  assert.equal(s.verdicts[0]?.reproduced, true, s.verdicts[0]?.why);

  const close = join(TMP, 'close');
  [[0.6, 0.4, 0.5], [0.5, 0.45, 0.55]].forEach((xs, j) => xs.forEach((final, k) => writeRun(close, { env: 'ContextualChoice-v0', core: j ? 'lstm' : 'dnd-lstm', seed: k + 1, final, metric: 'recallAccuracy' })));
  const v = summarise(findRunDirs([close]).map(readRun))[0]?.verdicts[0];
  assert.equal(v?.reproduced, false);
  assert.match(v?.why ?? '', /overlap|other way/);
});

test('the tables equal the runs\' eval.json, unfinished runs are counted apart, and a rebuild gives the same report', async () => {
  const root = join(TMP, 'tables');
  const pacman = [['rmc', 1, 61.5], ['rmc', 2, 58.25], ['lstm', 1, 47.125], ['lstm', 2, 44.0]] as const;
  for (const [core, seed, final] of pacman) writeRun(root, { env: 'MiniPacman-v0', core, seed, final, envKwargs: { view: 'viewport' } });
  writeRun(root, { env: 'MiniPacman-v0', core: 'lstm', seed: 3, final: 99, envKwargs: { view: 'viewport' }, finished: false });
  // A user's own env, runs made by hand: two settings of one kwarg, grouped by it.
  for (const [size, seed, final] of [[3, 1, 0.9], [3, 2, 0.7], [5, 1, 0.4]] as const) {
    writeRun(root, { env: 'MyMaze-v0', core: 'lstm', seed, final, envKwargs: { size } });
  }
  const first = await buildReport([root], join(TMP, 'out1'), 'T');
  const [pac, maze] = first.sections;
  assert.equal(pac?.experiment?.name, 'mini-pacman-viewport');
  const rmc = pac?.cells.find((c) => c.core === 'rmc');
  assert.deepEqual(rmc?.values, [61.5, 58.25]);
  assert.equal(pac?.cells.find((c) => c.core === 'lstm')?.unfinished, 1);
  const lastLstm = pac?.curves[0]?.points.filter((p) => p.core === 'lstm').at(-1);
  assert.deepEqual([lastLstm?.step, lastLstm?.mean], [1000, (47.125 + 44 + 99) / 3], 'the curves take unfinished runs too');
  const md = readFileSync(first.markdown, 'utf8');
  assert.match(md, new RegExp(`\\| viewport \\| rmc \\| ${fmt((61.5 + 58.25) / 2).replace('.', '\\.')} \\[`));
  assert.match(md, /\| viewport \| lstm \| 45\.6 \[.*\(2 seeds\) \| 550 .* \| 1 unfinished \|/);
  assert.deepEqual(maze?.settings, ['size=3', 'size=5']);
  assert.deepEqual(maze?.cells.map((c) => c.values), [[0.9, 0.7], [0.4]]);
  const html = readFileSync(first.html, 'utf8');
  assert.ok(!/https?:\/\/(?!www\.w3\.org)/.test(html), 'no network references');
  assert.ok((html.match(/<figure/g) ?? []).length >= 3, 'a curve per section and setting, and the finals by setting');
  const second = await buildReport([join(root)], join(TMP, 'out2'), 'T');
  const strip = (t: string) => t.split('\n').filter((l) => !/^Made .* by Engram /.test(l)).join('\n');
  assert.equal(strip(readFileSync(second.markdown, 'utf8')), strip(md));
});
