/**
 * The Agent panel (DOM, not canvas, so the numbers can be selected and read by tests): action
 * probabilities as bars named by `run.actionNames`, the value estimate, last reward, running
 * return, step t, episode number, and a summary of the last finished episode.
 */
import type { EpisodeView } from './episode.ts';
import { fmt } from './paint.ts';

export interface AgentFields {
  readonly env: HTMLElement;
  readonly episode: HTMLElement;
  readonly t: HTMLElement;
  readonly value: HTMLElement;
  readonly reward: HTMLElement;
  readonly return: HTMLElement;
  readonly globalStep: HTMLElement;
  readonly lastEpisode: HTMLElement;
}

interface ActionRow {
  readonly row: HTMLElement;
  readonly fill: HTMLElement;
  readonly prob: HTMLElement;
}

export class AgentPanel {
  private rows: ActionRow[] = [];
  private names: readonly string[] = [];

  constructor(private readonly probsEl: HTMLElement, private readonly fields: AgentFields) {}

  /** Rebuilds the bars for a run's actions (on hello). */
  setActions(names: readonly string[]): void {
    if (names.length === this.names.length && names.every((n, i) => n === this.names[i])) return;
    this.names = [...names];
    this.probsEl.replaceChildren();
    this.rows = this.names.map((name) => {
      const row = document.createElement('div');
      row.className = 'action';
      const label = document.createElement('span');
      label.className = 'action-name';
      label.textContent = name;
      const track = document.createElement('span');
      track.className = 'action-track';
      const fill = document.createElement('span');
      fill.className = 'action-fill';
      track.append(fill);
      const prob = document.createElement('span');
      prob.className = 'action-prob';
      row.append(label, track, prob);
      this.probsEl.append(row);
      return { row, fill, prob };
    });
  }

  show(v: EpisodeView): void {
    const s = v.step;
    const f = this.fields;
    f.env.textContent = s ? String(s.env) : '–';
    f.episode.textContent = v.episode === null ? '–' : String(v.episode);
    f.t.textContent = s ? String(s.t) : '–';
    f.value.textContent = s ? fmt(s.value) : '–';
    f.reward.textContent = s ? fmt(s.reward) : '–';
    f.return.textContent = s ? fmt(s.return) : '–';
    f.globalStep.textContent = s ? String(s.globalStep) : '–';
    const probs = s && Array.isArray(s.probs) ? s.probs : [];
    // A supervised sequence's probs are its prediction: per bit (several may be on) or per class.
    const frame = s?.frame as Record<string, unknown> | null | undefined;
    const sequence = frame?.kind === 'sequence';
    const bits = sequence && frame?.targetKind !== 'categorical';
    // An env without actionNames (RunInfo sends []): name the actions by index.
    const unit = bits ? 'bit' : sequence ? 'class' : 'action';
    if (this.names.length === 0 && probs.length > 0 && probs.length <= 64) this.setActions(probs.map((_, i) => `${unit} ${i}`));
    this.rows.forEach((r, i) => {
      const p = probs[i];
      const ok = typeof p === 'number' && Number.isFinite(p);
      r.fill.style.width = ok ? `${Math.round(Math.max(0, Math.min(1, p)) * 1000) / 10}%` : '0%';
      r.prob.textContent = ok ? p.toFixed(3) : '–';
      r.row.classList.toggle('chosen', s !== null && (bits ? ok && p >= 0.5 : s.action === i));
    });
    const e = v.lastEnd;
    if (!e) { f.lastEpisode.textContent = v.ended ? '' : 'no episode finished yet'; return; }
    const metrics = e.metrics && typeof e.metrics === 'object'
      ? Object.entries(e.metrics).map(([k, x]) => `${k} ${typeof x === 'number' ? fmt(x) : String(x)}`).join(' · ') : '';
    f.lastEpisode.textContent = `episode ${e.episode}: return ${fmt(e.return)}, ${e.length} steps, `
      + `${e.terminated ? 'terminated' : 'truncated'}${metrics ? ` · ${metrics}` : ''}`;
  }
}
