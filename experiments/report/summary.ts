/**
 * What a report says, as data: the runs grouped by env into sections; within a section by setting
 * and core, the seeds of each pooled into a final figure with its 95% interval and a learning
 * curve; the experiment's claims checked in direction. A section whose env is a named experiment's
 * uses that experiment's metric, settings, published figures and claims; any other env gets the
 * mean return (A2C) or its preset's first task metric.
 */
import { EXPERIMENTS } from '../lab/catalog.ts';
import type { Claim, Experiment, MetricSpec, Published } from '../lab/experiment.ts';
import { PRESETS } from '../settings/presets.ts';
import type { RunRecord } from './runs.ts';
import { interval, type Interval } from './stats.ts';

export interface Cell {
  readonly setting: string;
  readonly core: string;
  /** Finished runs, by seed. */
  readonly runs: readonly RunRecord[];
  /** Every run, finished or not: the learning curves use them all. */
  readonly allRuns: readonly RunRecord[];
  /** The metric of each finished run (eval.json), in the order of `runs`. */
  readonly values: readonly number[];
  readonly final: Interval;
  readonly unfinished: number;
  /** Mean env steps of its runs. */
  readonly steps: number;
}

export interface CurvePoint {
  readonly setting: string;
  readonly core: string;
  readonly step: number;
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
}

export interface Curve {
  readonly label: string;
  readonly points: readonly CurvePoint[];
}

export interface Verdict {
  readonly claim: Claim;
  readonly better?: Interval;
  readonly than?: Interval;
  readonly reproduced: boolean;
  readonly why: string;
}

export interface Section {
  readonly env: string;
  readonly title: string;
  readonly experiment?: Experiment;
  readonly metric: MetricSpec;
  readonly settings: readonly string[];
  readonly cores: readonly string[];
  readonly cells: readonly Cell[];
  /** Per core, the mean over settings (experiments whose settings are tasks of one benchmark). */
  readonly means: readonly Cell[];
  readonly curves: readonly Curve[];
  readonly published: readonly Published[];
  readonly verdicts: readonly Verdict[];
  readonly runs: readonly RunRecord[];
}

const CURVE_POINTS = 40;

export function summarise(runs: readonly RunRecord[]): Section[] {
  const envs = [...new Set(runs.map((r) => r.env))];
  return envs.map((env) => section(env, runs.filter((r) => r.env === env)));
}

function section(env: string, runs: readonly RunRecord[]): Section {
  const experiment = EXPERIMENTS.find((e) => e.env === env);
  const metric = experiment?.metric ?? fallbackMetric(env, runs[0] as RunRecord);
  const settingByRun = new Map(runs.map((r) => [r, settingName(experiment, r, runs)]));
  const settingOf = (r: RunRecord) => settingByRun.get(r) as string;
  const order = experiment ? experiment.settings.map((s) => s.name) : [];
  const settings = [...new Set(runs.map(settingOf))].sort((a, b) => rank(order, a) - rank(order, b));
  const coreOrder = experiment?.cores ?? [];
  const cores = [...new Set(runs.map((r) => r.core))].sort((a, b) => rank(coreOrder, a) - rank(coreOrder, b));
  const cells: Cell[] = [];
  for (const setting of settings) {
    for (const core of cores) {
      const mine = runs.filter((r) => r.core === core && settingOf(r) === setting).sort((a, b) => a.seed - b.seed);
      if (mine.length === 0) continue;
      const done = mine.filter((r) => r.eval);
      const values = done.map((r) => finalValue(metric, r));
      cells.push({
        setting, core, runs: done, allRuns: mine, values, final: interval(values), unfinished: mine.length - done.length,
        steps: Math.round(mine.reduce((a, r) => a + r.step, 0) / mine.length),
      });
    }
  }
  const means = experiment?.meanOverSettings ? cores.map((core) => meanCell(core, cells.filter((c) => c.core === core))) : [];
  const curves: Curve[] = [{ label: metric.label, points: curvePoints(cells, metric.curve, metric.complement ?? false) }];
  for (const extra of experiment?.extraCurves ?? []) curves.push({ label: extra.label, points: curvePoints(cells, extra.curve, false) });
  const find = (setting: string, core: string) => (setting === 'mean' ? means : cells).find((c) => c.setting === setting && c.core === core)?.final;
  const judged = (c: Claim) => (c.setting === 'mean' ? means.length > 0 : settings.includes(c.setting))
    && cores.includes(c.better) && (c.than === undefined || cores.includes(c.than));   // claims about the runs given
  const verdicts = (experiment?.claims ?? []).filter(judged)
    .map((claim) => judge(claim, metric.higherIsBetter, find(claim.setting, claim.better), claim.than ? find(claim.setting, claim.than) : undefined));
  return {
    env, title: experiment?.title ?? `${env}: ${cores.join(' vs ')}`, ...(experiment ? { experiment } : {}), metric, settings, cores, cells, means, curves,
    published: experiment?.published ?? [], verdicts, runs,
  };
}

const rank = (order: readonly string[], x: string) => (order.includes(x) ? order.indexOf(x) : order.length);

/** The run's figure from eval.json. */
export function finalValue(metric: MetricSpec, r: RunRecord): number {
  const v = metric.eval === 'return' ? r.eval?.meanReturn : r.eval?.metrics[metric.eval];
  const x = typeof v === 'number' ? v : NaN;
  return metric.complement ? 1 - x : x;
}

/**
 * The experiment's setting a run belongs to: the one whose env kwargs the run has, the most
 * specific first; otherwise the kwargs in which the env's runs differ (or 'default').
 */
function settingName(e: Experiment | undefined, r: RunRecord, all: readonly RunRecord[]): string {
  const has = (kw: Record<string, unknown>) => Object.entries(kw).every(([k, v]) => JSON.stringify(r.envKwargs[k]) === JSON.stringify(v));
  const matches = (e?.settings ?? []).map((s) => ({ s, kw: (s.values.envKwargs ?? {}) as Record<string, unknown> })).filter(({ kw }) => has(kw));
  matches.sort((a, b) => Object.keys(b.kw).length - Object.keys(a.kw).length);
  if (matches[0]) return matches[0].s.name;
  const keys = [...new Set(all.flatMap((x) => Object.keys(x.envKwargs)))].filter((k) => new Set(all.map((x) => JSON.stringify(x.envKwargs[k]))).size > 1);
  return keys.length ? keys.map((k) => `${k}=${JSON.stringify(r.envKwargs[k] ?? 'default')}`).join(' ') : 'default';
}

function fallbackMetric(env: string, r: RunRecord): MetricSpec {
  if (r.config.learner === 'a2c') return { label: 'mean episode return', eval: 'return', curve: 'charts/episode_return', higherIsBetter: true };
  const key = PRESETS[env]?.resultMetrics?.[0] ?? Object.keys(r.eval?.metrics ?? {}).find((k) => !k.startsWith('losses/')) ?? 'accuracy';
  return { label: key.replace(/_/g, ' '), eval: key, curve: `task/${key}`, higherIsBetter: !/error|bits|loss/.test(key) };
}

/** Per seed, the mean over the settings of that seed's runs; then the interval over seeds. */
function meanCell(core: string, cells: readonly Cell[]): Cell {
  const seeds = [...new Set(cells.flatMap((c) => c.runs.map((r) => r.seed)))].filter((s) => cells.every((c) => c.runs.some((r) => r.seed === s)));
  const values = seeds.map((s) => cells.reduce((a, c) => a + (c.values[c.runs.findIndex((r) => r.seed === s)] as number), 0) / cells.length);
  return {
    setting: 'mean', core, runs: [], allRuns: [], values, final: interval(values), unfinished: cells.reduce((a, c) => a + c.unfinished, 0),
    steps: Math.round(cells.reduce((a, c) => a + c.steps, 0) / Math.max(1, cells.length)),
  };
}

/** The curve of each cell: the runs' rows in CURVE_POINTS bins of env steps, mean and interval across runs. */
function curvePoints(cells: readonly Cell[], key: string, complement: boolean): CurvePoint[] {
  const points: CurvePoint[] = [];
  for (const c of cells) {
    const last = c.allRuns.reduce((m, r) => r.rows.reduce((mm, row) => Math.max(mm, row.globalStep ?? 0), m), 0);
    if (last === 0) continue;
    const width = last / CURVE_POINTS;
    // Each run's mean per bin (s in (b·width, (b+1)·width]), NaN where it logged nothing.
    const perRun = c.allRuns.map((r) => {
      const sums = new Array<number>(CURVE_POINTS).fill(0), counts = new Array<number>(CURVE_POINTS).fill(0);
      for (const row of r.rows) {
        const s = row.globalStep ?? 0, v = row[key];
        if (s <= 0 || v === undefined || !Number.isFinite(v)) continue;
        const b = Math.min(CURVE_POINTS, Math.ceil(s / width)) - 1;
        sums[b] = (sums[b] as number) + (complement ? 1 - v : v);
        counts[b] = (counts[b] as number) + 1;
      }
      return sums.map((x, b) => x / (counts[b] as number));
    });
    for (let b = 0; b < CURVE_POINTS; b++) {
      const means = perRun.map((m) => m[b] as number).filter(Number.isFinite);
      if (means.length === 0) continue;
      const iv = interval(means);
      points.push({ setting: c.setting, core: c.core, step: Math.round((b + 1) * width), mean: iv.mean, lo: iv.lo, hi: iv.hi });
    }
  }
  return points;
}

/** Reproduced: the direction holds and the two 95% intervals (two seeds or more each) do not overlap. */
function judge(claim: Claim, higherIsBetter: boolean, better?: Interval, than?: Interval): Verdict {
  const base = { claim, ...(better ? { better } : {}), ...(than ? { than } : {}) };
  if (!better || better.n === 0) return { ...base, reproduced: false, why: `no finished ${claim.better} runs` };
  if (claim.target !== undefined) {
    const ok = higherIsBetter ? better.mean >= claim.target : better.mean <= claim.target;
    return { ...base, reproduced: ok, why: ok ? 'target reached' : 'target not reached' };
  }
  if (!than || than.n === 0) return { ...base, reproduced: false, why: `no finished ${claim.than} runs` };
  const ahead = higherIsBetter ? better.mean > than.mean : better.mean < than.mean;
  if (!ahead) return { ...base, reproduced: false, why: 'the other way round' };
  if (better.n < 2 || than.n < 2) return { ...base, reproduced: false, why: 'in direction; one seed, no interval' };
  const apart = higherIsBetter ? better.lo > than.hi : better.hi < than.lo;
  return { ...base, reproduced: apart, why: apart ? '95% intervals apart' : 'in direction; 95% intervals overlap' };
}
