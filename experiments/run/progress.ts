/**
 * Progress display: a bar (steps, steps/s, mean return or task metric, ETA) on a terminal; plain lines every
 * 10% when output is not a terminal or CI is set.
 */
import cliProgress from 'cli-progress';

export class Progress {
  private readonly bar: cliProgress.SingleBar | undefined;
  private nextLine = 0;
  private readonly start = performance.now();
  constructor(private readonly total: number, private readonly startStep: number, enabled = process.stdout.isTTY === true && !process.env.CI) {
    if (enabled) {
      this.bar = new cliProgress.SingleBar({
        format: '{bar} {percentage}% | {value}/{total} steps | {sps} steps/s | {status} | ETA {eta_formatted}',
        hideCursor: true, etaBuffer: 50, fps: 5,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(total, startStep, { sps: '-', status: '-' });
    }
    this.nextLine = startStep + total / 10;
  }

  /** `status`: the run's headline figure, e.g. "return 12.30" or "bits/seq 4.10". */
  update(step: number, status: string): void {
    const seconds = (performance.now() - this.start) / 1000;
    const sps = Math.round((step - this.startStep) / Math.max(seconds, 1e-9));
    if (this.bar) { this.bar.update(Math.min(step, this.total), { sps, status }); return; }
    if (step >= this.nextLine || step >= this.total) {
      console.log(`step ${Math.min(step, this.total)}/${this.total} (${Math.round((100 * Math.min(step, this.total)) / this.total)}%)  ${sps} steps/s  ${status}`);
      while (this.nextLine <= step) this.nextLine += this.total / 10;
    }
  }

  stop(): void {
    this.bar?.stop();
  }
}
