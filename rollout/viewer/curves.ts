/**
 * The Training curves panel (uPlot): episode return and the A2C losses against the global step.
 * Returns come from two places: `metrics.scalars['charts/episode_return']` (the mean over all
 * envs since the last log row) and the followed env's own `episode-end` messages.
 * uPlot's CSS is not bundled into page.js; index.html links /page.css, which the feed server
 * fills with bundleViewer().css.
 */
import uPlot from 'uplot';
import type { MetricsMessage } from './episode.ts';

/** Points kept per chart; older ones scroll off (the run's metrics.csv keeps everything). */
const MAX_POINTS = 5000;
const HEIGHT = 180;

const LOSS_KEYS = ['losses/policy', 'losses/value', 'losses/entropy'] as const;

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

  clear(): void {
    this.x.length = 0;
    for (const col of this.ys) col.length = 0;
  }

  data(): uPlot.AlignedData {
    return [this.x, ...this.ys];
  }
}

function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export class Curves {
  private readonly returns = new Table(2);
  private readonly losses = new Table(3);
  private readonly returnPlot: uPlot;
  private readonly lossPlot: uPlot;
  private pending = false;

  constructor(private readonly returnEl: HTMLElement, private readonly lossEl: HTMLElement) {
    const x: uPlot.Series = { label: 'step' };
    this.returnPlot = new uPlot({
      title: 'Episode return', width: widthOf(returnEl), height: HEIGHT, scales: { x: { time: false } },
      series: [x,
        { label: 'mean (all envs)', stroke: '#4a7bb7', width: 2, spanGaps: true },
        { label: 'followed env', stroke: '#e0218a', width: 1, spanGaps: true, points: { show: true, size: 4 } }],
    }, this.returns.data(), returnEl);
    this.lossPlot = new uPlot({
      title: 'Losses', width: widthOf(lossEl), height: HEIGHT, scales: { x: { time: false } },
      series: [x,
        { label: 'policy', stroke: '#b2182b', width: 1.5, spanGaps: true },
        { label: 'value', stroke: '#4a7bb7', width: 1.5, spanGaps: true },
        // Entropy lives on its own right-hand axis: it is often 100× the policy loss.
        { label: 'entropy', stroke: '#3b8f5a', width: 1.5, spanGaps: true, scale: 'entropy' }],
      axes: [{}, { scale: 'y' }, { scale: 'entropy', side: 1, grid: { show: false } }],
    }, this.losses.data(), lossEl);
  }

  addMetrics(m: MetricsMessage): void {
    const s = m.scalars && typeof m.scalars === 'object' ? m.scalars : {};
    const step = finite(m.globalStep) ?? 0;
    const ret = finite(s['charts/episode_return']);
    if (ret !== null) this.returns.add(step, [ret, null]);
    const losses = LOSS_KEYS.map((k) => finite(s[k]));
    if (losses.some((v) => v !== null)) this.losses.add(step, losses);
    this.schedule();
  }

  addEpisodeReturn(globalStep: number, ret: number): void {
    const step = finite(globalStep), r = finite(ret);
    if (step === null || r === null) return;
    this.returns.add(step, [null, r]);
    this.schedule();
  }

  reset(): void {
    this.returns.clear();
    this.losses.clear();
    this.schedule();
  }

  resize(): void {
    this.returnPlot.setSize({ width: widthOf(this.returnEl), height: HEIGHT });
    this.lossPlot.setSize({ width: widthOf(this.lossEl), height: HEIGHT });
  }

  /** Many metrics arrive at once on connect (the history); redraw once per animation frame. */
  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.returnPlot.setData(this.returns.data());
      this.lossPlot.setData(this.losses.data());
    });
  }
}

function widthOf(el: HTMLElement): number {
  return Math.max(240, el.clientWidth || 400);
}
