/**
 * The report's figures as Vega-Lite specs, rendered to SVG in Node by Vega's headless renderer (no
 * browser, no canvas: SVG text is measured by Vega's estimate). Each figure is self-contained SVG.
 */
import { Error as ERRORS_ONLY, parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Analysis, ContextualChoiceAnalysis, CopyLengthsAnalysis } from '../lab/analyses.ts';
import type { RunRecord } from './runs.ts';
import { interval, pca2 } from './stats.ts';
import type { Cell, Section } from './summary.ts';

export interface Figure {
  readonly title: string;
  readonly svg: string;
}

const WIDTH = 420, HEIGHT = 240;

export async function renderSpec(spec: TopLevelSpec): Promise<string> {
  // Padding: Vega measures text in Node by an estimate, and browsers' fonts run wider.
  const view = new View(parse(compile({ ...spec, padding: 16, config: { legend: { labelLimit: 0 } } } as TopLevelSpec).spec), { renderer: 'none' }).logLevel(ERRORS_ONLY);
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Every figure of a section: curves per setting, finals per setting, then the experiment's own. */
export async function sectionFigures(s: Section, analyses: ReadonlyMap<string, Analysis>): Promise<Figure[]> {
  const specs: { title: string; spec: TopLevelSpec }[] = [];
  for (const curve of s.curves) {
    for (const setting of s.settings) {
      const values = curve.points.filter((p) => p.setting === setting);
      if (values.length === 0) continue;
      const title = `${curve.label} during training${s.settings.length > 1 ? `, ${setting}` : ''} (on the training episodes; mean and 95% interval across seeds)`;
      specs.push({ title, spec: band(clipped(values, s.metric.eval === 'return' && curve.label === s.metric.label), 'step', 'env steps', curve.label) });
    }
  }
  if (s.settings.length > 1) specs.push({ title: `final ${s.metric.label} by setting (mean and 95% interval)`, spec: finals(s.cells, s.metric.label) });
  const mine = s.cells.flatMap((c) => c.runs).flatMap((r) => (analyses.has(r.dir) ? [{ run: r, a: analyses.get(r.dir) as Analysis }] : []));
  const cc = mine.filter((x) => x.a.kind === 'contextual-choice') as { run: RunRecord; a: ContextualChoiceAnalysis }[];
  if (cc.length) specs.push(...contextualChoiceSpecs(cc));
  const copy = mine.filter((x) => x.a.kind === 'copy-lengths') as { run: RunRecord; a: CopyLengthsAnalysis }[];
  if (copy.length) specs.push(copyLengthSpec(copy));
  return Promise.all(specs.map(async ({ title, spec }) => ({ title, svg: await renderSpec(spec) })));
}

/**
 * Intervals cut to what a count or a fraction can be: at 0 when every mean is a count (bit errors),
 * to [0, 1] when every mean is a fraction (accuracies, error rates, levels solved). With two or
 * three seeds a t interval reaches far past both. Returns can be negative and are left alone.
 */
function clipped<T extends { mean: number; lo: number; hi: number }>(values: readonly T[], isReturn = false): readonly T[] {
  if (isReturn || !values.every((v) => v.mean >= 0)) return values;
  const top = values.every((v) => v.mean <= 1) ? 1 : Infinity;
  return values.map((v) => ({ ...v, lo: Math.max(0, v.lo), hi: Math.min(top, v.hi) }));
}

/** Lines with a shaded 95% interval, one colour per core (or per `series`). */
function band(values: readonly object[], x: string, xTitle: string, yTitle: string, series = 'core', dash?: string): TopLevelSpec {
  const enc = { x: { field: x, type: 'quantitative', title: xTitle }, color: { field: series, type: 'nominal', title: series } } as const;
  const dashed = dash ? { strokeDash: { field: dash, type: 'nominal', title: dash } } : {};
  const detail = dash ? { detail: { field: dash, type: 'nominal' } } : {};
  return {
    width: WIDTH, height: HEIGHT, data: { values: values as object[] },
    layer: [
      { mark: { type: 'area', opacity: 0.2 }, encoding: { ...enc, ...detail, y: { field: 'lo', type: 'quantitative', title: yTitle }, y2: { field: 'hi' } } },
      { mark: { type: 'line', point: values.length < 60 && !dash }, encoding: { ...enc, ...dashed, y: { field: 'mean', type: 'quantitative', title: yTitle } } },
    ],
  } as TopLevelSpec;
}

function finals(cells: readonly Cell[], label: string): TopLevelSpec {
  const values = cells.filter((c) => c.final.n > 0).map((c) => ({ setting: c.setting, core: c.core, mean: c.final.mean, lo: c.final.lo, hi: c.final.hi }));
  const enc = { x: { field: 'setting', type: 'nominal', sort: null }, xOffset: { field: 'core' }, color: { field: 'core', type: 'nominal' } } as const;
  return {
    width: WIDTH, height: HEIGHT, data: { values },
    layer: [
      { mark: 'bar', encoding: { ...enc, y: { field: 'mean', type: 'quantitative', title: label } } },
      { mark: { type: 'rule', color: 'black' }, encoding: { ...enc, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
    ],
  } as TopLevelSpec;
}

/** Accuracy by time step (novel and repeated trials), and PCA of cell states and keys (the first seed of each core). */
function contextualChoiceSpecs(xs: readonly { run: RunRecord; a: ContextualChoiceAnalysis }[]): { title: string; spec: TopLevelSpec }[] {
  const cores = [...new Set(xs.map((x) => x.run.core))];
  const byStep = cores.flatMap((core) => {
    const mine = xs.filter((x) => x.run.core === core).map((x) => x.a);
    const T = mine[0]?.byStep.t.length ?? 0;
    return (['novel', 'repeated'] as const).flatMap((trials) => Array.from({ length: T }, (_, t) => ({
      core, trials, t, ...interval(mine.map((a) => a.byStep[trials][t] as number)),
    })));
  });
  const tNoiseOff = xs[0]?.a.tNoiseOff ?? 5;
  const specs: { title: string; spec: TopLevelSpec }[] = [{
    title: `accuracy by time step within a trial, novel and repeated trials (evidence from t = ${tNoiseOff}; mean and 95% interval across seeds)`,
    spec: band(clipped(byStep), 't', 'time step in the trial', 'accuracy', 'core', 'trials'),
  }];
  for (const core of cores) {
    const first = xs.find((x) => x.run.core === core) as { run: RunRecord; a: ContextualChoiceAnalysis };
    const { a } = first;
    if (a.cells.length < 3) continue;   // a core without a cell state (the RMC's memory is slots)
    const cells = pca2(a.cells as number[][]);
    const trialPoints = cells.points.map(([pc1, pc2], i) => ({
      pc1, pc2, context: a.trials.context[i], target: String(a.trials.target[i]), trial: a.trials.phase[i] === 1 ? 'novel' : 'repeated',
    }));
    specs.push(scatter(`${core}: cell state at the end of each trial of one epoch, PCA (${pct(cells.explained)}), by target`, trialPoints, 'target', 'trial'));
    specs.push(scatter(`${core}: the same cell states, by context (a novel trial and its repeat share a colour)`, trialPoints, 'context', 'trial'));
    if (a.keys && a.keyTrials) {
      const keys = pca2(a.keys as number[][]);
      const keyPoints = keys.points.map(([pc1, pc2], i) => ({ pc1, pc2, context: a.keyTrials?.context[i], target: String(a.keyTrials?.target[i]) }));
      specs.push(scatter(`${core}: the keys its episodic memory stored in one epoch, PCA (${pct(keys.explained)}), by target`, keyPoints, 'target'));
      specs.push(scatter(`${core}: the same keys, by context`, keyPoints, 'context'));
    }
  }
  return specs;
}

const pct = ([a, b]: [number, number]) => (Number.isFinite(a) ? `${(100 * a).toFixed(0)}% and ${(100 * b).toFixed(0)}% of the variance` : 'too few points');

function scatter(title: string, values: object[], colour: string, shape?: string): { title: string; spec: TopLevelSpec } {
  const nominal = colour === 'target';
  return {
    title,
    spec: {
      width: 300, height: 240, data: { values },
      mark: { type: 'point', filled: true, size: 50, opacity: 0.8 },
      encoding: {
        x: { field: 'pc1', type: 'quantitative', title: 'PC 1' }, y: { field: 'pc2', type: 'quantitative', title: 'PC 2' },
        color: nominal ? { field: colour, type: 'nominal' } : { field: colour, type: 'nominal', scale: { scheme: 'category20' }, legend: null },
        ...(shape ? { shape: { field: shape, type: 'nominal' } } : {}),
      },
    } as TopLevelSpec,
  };
}

function copyLengthSpec(xs: readonly { run: RunRecord; a: CopyLengthsAnalysis }[]): { title: string; spec: TopLevelSpec } {
  const cores = [...new Set(xs.map((x) => x.run.core))];
  const values = cores.flatMap((core) => {
    const mine = xs.filter((x) => x.run.core === core).map((x) => x.a);
    const lengths = mine[0]?.lengths ?? [];
    return lengths.map((length, i) => ({ core, length, ...interval(mine.map((a) => a.bitErrors[i] as number)) }));
  });
  const trained = Math.max(...xs.map((x) => x.a.trainedMax));
  return { title: `bit errors per sequence by sequence length (trained on lengths up to ${trained}; mean and 95% interval across seeds)`, spec: band(clipped(values), 'length', 'sequence length', 'bit errors per sequence') };
}
