/**
 * The Training curves panel (uPlot): two charts against the global step. For an RL run, the
 * episode return (the mean over all envs since the last log row, `charts/episode_return`, and the
 * followed env's own `episode-end`s) and the A2C losses. A supervised run has no return (it is
 * always 0), so once its metrics show task keys (`task/bits_per_seq`, `task/bits_per_token` or
 * `task/accuracy`) the charts switch to the task metric and `losses/total`.
 * uPlot's CSS is not bundled into page.js; index.html links /page.css, which the feed server
 * fills with bundleViewer().css.
 */
import uPlot from 'uplot';
import type { EpisodeEndMessage, MetricsMessage } from './episode.ts';

/** Points kept per chart; older ones scroll off (the run's metrics.csv keeps everything). */
const MAX_POINTS = 5000;
const HEIGHT = 180;

type Scalars = Readonly<Record<string, unknown>>;

interface SeriesSpec {
  readonly label: string;
  readonly stroke: string;
  /** Read from a metrics row's scalars... */
  readonly key?: string;
  /** ...or from the followed env's episode-end (drawn as points). */
  readonly followed?: (e: EpisodeEndMessage) => number | null;
  /** A right-hand axis of its own, for a series of another magnitude. */
  readonly scale?: string;
}

interface ChartSpec {
  readonly title: string;
  readonly series: readonly SeriesSpec[];
}

/** 'rl' until a metrics row shows task keys; a new run (reset) starts over. */
type Mode = 'rl' | 'bits' | 'classes' | 'tokens';

const followedMetric = (k: string) => (e: EpisodeEndMessage): number | null => finite(e.metrics?.[k]);

const CHARTS: Record<Mode, readonly [ChartSpec, ChartSpec]> = {
  rl: [
    { title: 'Episode return', series: [
      { label: 'mean (all envs)', stroke: '#4a7bb7', key: 'charts/episode_return' },
      { label: 'followed env', stroke: '#e0218a', followed: (e) => finite(e.return) }] },
    { title: 'Losses', series: [
      { label: 'policy', stroke: '#b2182b', key: 'losses/policy' },
      { label: 'value', stroke: '#4a7bb7', key: 'losses/value' },
      // Entropy lives on its own right-hand axis: it is often 100× the policy loss.
      { label: 'entropy', stroke: '#3b8f5a', key: 'losses/entropy', scale: 'entropy' }] },
  ],
  bits: [
    { title: 'Task: bits per sequence', series: [
      { label: 'bits/seq (batch)', stroke: '#4a7bb7', key: 'task/bits_per_seq' },
      { label: 'bit errors/seq (batch)', stroke: '#3b8f5a', key: 'task/bit_errors_per_seq' },
      { label: 'bit errors (followed)', stroke: '#e0218a', followed: followedMetric('bitErrors') }] },
    { title: 'Loss', series: [
      { label: 'total', stroke: '#b2182b', key: 'losses/total' },
      { label: 'grad norm', stroke: '#999999', key: 'losses/grad_norm', scale: 'norm' }] },
  ],
  classes: [
    { title: 'Task: accuracy', series: [
      { label: 'accuracy (batch)', stroke: '#4a7bb7', key: 'task/accuracy' },
      { label: 'solved (batch)', stroke: '#3b8f5a', key: 'task/solved' },
      { label: 'accuracy (followed)', stroke: '#e0218a', followed: (e) => {
        const c = finite(e.metrics?.correct), n = finite(e.metrics?.scored);
        return c !== null && n !== null && n > 0 ? c / n : null;
      } }] },
    { title: 'Loss', series: [
      { label: 'total', stroke: '#b2182b', key: 'losses/total' },
      { label: 'grad norm', stroke: '#999999', key: 'losses/grad_norm', scale: 'norm' }] },
  ],
  // Language modelling: bits per token (per character at char level) and next-token accuracy.
  tokens: [
    { title: 'Task: bits per token', series: [
      { label: 'bits/token (batch)', stroke: '#4a7bb7', key: 'task/bits_per_token' },
      { label: 'accuracy (batch)', stroke: '#3b8f5a', key: 'task/accuracy', scale: 'accuracy' }] },
    { title: 'Loss', series: [
      { label: 'total', stroke: '#b2182b', key: 'losses/total' },
      { label: 'grad norm', stroke: '#999999', key: 'losses/grad_norm', scale: 'norm' }] },
  ],
};

function modeOf(s: Scalars): Mode | null {
  if (finite(s['task/bits_per_seq']) !== null) return 'bits';
  if (finite(s['task/bits_per_token']) !== null) return 'tokens';
  if (finite(s['task/accuracy']) !== null) return 'classes';
  return null;
}

/** Columns for uPlot: x ascending, one y column per series, null where a row has no value. */
class Table {
  readonly x: number[] = [];
  readonly ys: (number | null)[][];

  constructor(numSeries: number) {
    this.ys = Array.from({ length: numSeries }, () => []);
  }

  add(x: number, values: readonly (number | null)[]): void {
    // Rows nearly always arrive in order; a replayed history after a reconnect may not.
    let i = this.x.length;
    while (i > 0 && (this.x[i - 1] as number) > x) i--;
    this.x.splice(i, 0, x);
    this.ys.forEach((col, j) => col.splice(i, 0, values[j] ?? null));
    if (this.x.length > MAX_POINTS) {
      const drop = this.x.length - MAX_POINTS;
      this.x.splice(0, drop);
      for (const col of this.ys) col.splice(0, drop);
    }
  }

  data(): uPlot.AlignedData {
    return [this.x, ...this.ys];
  }
}

/** One uPlot chart and its table, built from a ChartSpec. */
class Chart {
  private readonly table: Table;
  private readonly plot: uPlot;

  constructor(private readonly el: HTMLElement, readonly spec: ChartSpec) {
    this.table = new Table(spec.series.length);
    const scales = [...new Set(spec.series.flatMap((s) => (s.scale ? [s.scale] : [])))];
    this.plot = new uPlot({
      title: spec.title, width: widthOf(el), height: HEIGHT, scales: { x: { time: false } },
      series: [{ label: 'step' }, ...spec.series.map((s): uPlot.Series => ({
        label: s.label, stroke: s.stroke, width: s.followed ? 1 : 1.5, spanGaps: true, ...(s.scale ? { scale: s.scale } : {}),
        ...(s.followed ? { points: { show: true, size: 4 } } : {}),
      }))],
      ...(scales.length > 0 ? { axes: [{}, { scale: 'y' }, ...scales.map((scale): uPlot.Axis => ({ scale, side: 1, grid: { show: false } }))] } : {}),
    }, this.table.data(), el);
  }

  addMetrics(step: number, s: Scalars): void {
    const values = this.spec.series.map((x) => (x.key ? finite(s[x.key]) : null));
    if (values.some((v) => v !== null)) this.table.add(step, values);
  }

  addEpisode(step: number, e: EpisodeEndMessage): void {
    const values = this.spec.series.map((x) => x.followed?.(e) ?? null);
    if (values.some((v) => v !== null)) this.table.add(step, values);
  }

  redraw(): void { this.plot.setData(this.table.data()); }
  resize(): void { this.plot.setSize({ width: widthOf(this.el), height: HEIGHT }); }
  destroy(): void { this.plot.destroy(); }
}

type Entry = { readonly step: number; readonly scalars: Scalars } | { readonly step: number; readonly episode: EpisodeEndMessage };

export class Curves {
  private mode: Mode = 'rl';
  private charts: [Chart, Chart];
  /** What the charts were built from, so a switch of mode can rebuild them. */
  private history: Entry[] = [];
  private pending = false;

  constructor(private readonly returnEl: HTMLElement, private readonly lossEl: HTMLElement) {
    this.charts = this.build();
  }

  addMetrics(m: MetricsMessage): void {
    const s: Scalars = m.scalars && typeof m.scalars === 'object' ? m.scalars : {};
    const step = finite(m.globalStep) ?? 0;
    this.remember({ step, scalars: s });
    const mode = modeOf(s);
    if (mode !== null && mode !== this.mode) this.switchTo(mode);
    else for (const c of this.charts) c.addMetrics(step, s);
    this.schedule();
  }

  addEpisode(e: EpisodeEndMessage): void {
    const step = finite(e.globalStep);
    if (step === null) return;
    this.remember({ step, episode: e });
    for (const c of this.charts) c.addEpisode(step, e);
    this.schedule();
  }

  reset(): void {
    this.history = [];
    this.mode = 'rl';
    this.rebuild();
  }

  resize(): void {
    for (const c of this.charts) c.resize();
  }

  private remember(e: Entry): void {
    this.history.push(e);
    if (this.history.length > 2 * MAX_POINTS) this.history.splice(0, this.history.length - 2 * MAX_POINTS);
  }

  private switchTo(mode: Mode): void {
    this.mode = mode;
    this.rebuild();
    for (const e of this.history) for (const c of this.charts) ('scalars' in e ? c.addMetrics(e.step, e.scalars) : c.addEpisode(e.step, e.episode));
  }

  private rebuild(): void {
    for (const c of this.charts) c.destroy();
    this.charts = this.build();
    this.schedule();
  }

  private build(): [Chart, Chart] {
    const [top, bottom] = CHARTS[this.mode];
    return [new Chart(this.returnEl, top), new Chart(this.lossEl, bottom)];
  }

  /** Many metrics arrive at once on connect (the history); redraw once per animation frame. */
  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      for (const c of this.charts) c.redraw();
    });
  }
}

function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function widthOf(el: HTMLElement): number {
  return Math.max(240, el.clientWidth || 400);
}
