/**
 * Progress display: a bar (steps, steps/s, mean return, ETA) on a terminal; plain lines every
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
        format: '{bar} {percentage}% | {value}/{total} steps | {sps} steps/s | return {ret} | ETA {eta_formatted}',
        hideCursor: true, etaBuffer: 50, fps: 5,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(total, startStep, { sps: '-', ret: '-' });
    }
    this.nextLine = startStep + total / 10;
  }

  update(step: number, meanReturn: number | undefined): void {
    const seconds = (performance.now() - this.start) / 1000;
    const sps = Math.round((step - this.startStep) / Math.max(seconds, 1e-9));
    const ret = meanReturn === undefined ? '-' : meanReturn.toFixed(2);
    if (this.bar) { this.bar.update(Math.min(step, this.total), { sps, ret }); return; }
    if (step >= this.nextLine || step >= this.total) {
      console.log(`step ${Math.min(step, this.total)}/${this.total} (${Math.round((100 * Math.min(step, this.total)) / this.total)}%)  ${sps} steps/s  return ${ret}`);
      while (this.nextLine <= step) this.nextLine += this.total / 10;
    }
  }

  stop(): void {
    this.bar?.stop();
  }
}
