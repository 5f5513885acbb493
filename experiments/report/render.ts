/**
 * The report as one self-contained HTML page (figures inline as SVG, styles inline, no script, no
 * network) and a Markdown summary with the same tables.
 */
import type { Figure } from './charts.ts';
import type { Interval } from './stats.ts';
import type { Cell, Section, Verdict } from './summary.ts';

export interface ReportMeta {
  readonly generated: string;
  readonly version: string;
  readonly machine: string;
  readonly backends: readonly string[];
  /** Engram versions and machines the runs trained on, as their checkpoints say. */
  readonly trainedOn: readonly string[];
}

export interface RenderedSection {
  readonly section: Section;
  readonly figures: readonly Figure[];
}

/** A figure to 3 significant digits (returns to 1 decimal). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return '–';
  return Math.abs(x) >= 100 ? x.toFixed(1) : Number(x.toPrecision(3)).toString();
}

export const fmtInterval = (i: Interval) => (i.n === 0 ? 'no finished run' : i.n === 1 ? `${fmt(i.mean)} (1 seed)` : `${fmt(i.mean)} [${fmt(i.lo)}, ${fmt(i.hi)}] (${i.n} seeds)`);

/** The table of final figures: one row per (setting, core), then the means over settings. */
export function finalRows(s: Section): string[][] {
  const published = (setting: string, core: string) => s.published.find((p) => p.setting === setting && p.core === core);
  const row = (c: Cell) => {
    const p = published(c.setting, c.core);
    return [c.setting, c.core, fmtInterval(c.final), p ? `${p.text} (${p.source})` : '', c.steps.toLocaleString('en'), c.unfinished ? `${c.unfinished} unfinished` : ''];
  };
  return [...s.cells.map(row), ...s.means.map(row)];
}

export const FINAL_HEADER = ['setting', 'core', 'final evaluation (mean [95% interval])', 'published', 'env steps', 'note'];
export const VERDICT_HEADER = ['setting', 'claim', 'Engram', 'verdict'];

export function verdictRows(s: Section): string[][] {
  return s.verdicts.map((v: Verdict) => [
    v.claim.setting, v.claim.text,
    `${v.claim.better} ${v.better ? fmtInterval(v.better) : '–'}${v.claim.target !== undefined ? ` vs target ${fmt(v.claim.target)}` : ` vs ${v.claim.than} ${v.than ? fmtInterval(v.than) : '–'}`}`,
    `${v.reproduced ? 'reproduced' : 'not yet'} (${v.why})`,
  ]);
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function htmlTable(header: string[], rows: string[][]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${
    rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** The distinct configs of a section's runs (seed and runDir aside), with the seeds and directories using each. */
function configs(s: Section): { config: string; runs: string[] }[] {
  const out = new Map<string, string[]>();
  for (const r of s.runs) {
    const { seed: _s, runDir: _d, ...rest } = r.config;
    const key = JSON.stringify(rest, null, 2);
    out.set(key, [...(out.get(key) ?? []), `${r.dir} (seed ${r.seed})`]);
  }
  return [...out].map(([config, runs]) => ({ config, runs }));
}

export function renderHtml(title: string, meta: ReportMeta, sections: readonly RenderedSection[]): string {
  const body = sections.map(({ section: s, figures }, i) => `
<section id="s${i}">
<h2>${esc(s.title)}</h2>
<p>${esc(s.env)}; cores ${esc(s.cores.join(', '))}; metric: ${esc(s.metric.label)} (${s.metric.higherIsBetter ? 'higher' : 'lower'} is better), from each run's eval.json.</p>
${s.verdicts.length ? `<h3>Against the papers</h3>${htmlTable(VERDICT_HEADER, verdictRows(s))}` : ''}
<h3>Final figures</h3>
${htmlTable(FINAL_HEADER, finalRows(s))}
<h3>Figures</h3>
${figures.map((f, j) => `<figure data-figure="s${i}-f${j}">${f.svg}<figcaption>${esc(f.title)}</figcaption></figure>`).join('\n')}
<h3>Configs</h3>
${configs(s).map((c) => `<details><summary>${esc(c.runs.join(', '))}</summary><pre>${esc(c.config)}</pre></details>`).join('\n')}
</section>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1240px; color: #222; }
table { border-collapse: collapse; margin: .5em 0 1em; } td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
figure { display: inline-block; margin: .5em 2em .5em 0; vertical-align: top; max-width: 560px; } figcaption { font-size: 12px; color: #555; }
figure svg { overflow: visible; }   /* Vega sizes text by an estimate; a browser's font may run a little wider */
pre { background: #f6f6f6; padding: .5em; font-size: 12px; } .meta { color: #555; }
</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="meta">Report made ${esc(meta.generated)} by Engram ${esc(meta.version)} on ${esc(meta.machine)}. The runs trained on backend ${esc(meta.backends.join('; '))}${meta.trainedOn.length ? `, by ${esc(meta.trainedOn.join('; '))}` : ''}.
Intervals are 95% intervals of the mean across seeds (Student's t). A claim counts as reproduced when its direction holds and the two intervals do not overlap (or a target is met).</p>
${body}
</body></html>
`;
}

const mdRow = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
const mdTable = (header: string[], rows: string[][]) => [mdRow(header), mdRow(header.map(() => '---')), ...rows.map(mdRow)].join('\n');

export function renderMarkdown(title: string, meta: ReportMeta, sections: readonly RenderedSection[], htmlName: string): string {
  const parts = [`# ${title}`, '', `Made ${meta.generated} by Engram ${meta.version} on ${meta.machine}. Runs: backend ${meta.backends.join('; ')}${meta.trainedOn.length ? `; ${meta.trainedOn.join('; ')}` : ''}. Figures: [${htmlName}](${htmlName}).`];
  for (const { section: s } of sections) {
    parts.push('', `## ${s.title}`, '', `Metric: ${s.metric.label} (${s.metric.higherIsBetter ? 'higher' : 'lower'} is better), from each run's eval.json.`);
    if (s.verdicts.length) parts.push('', mdTable(VERDICT_HEADER, verdictRows(s)));
    parts.push('', mdTable(FINAL_HEADER, finalRows(s)));
  }
  return `${parts.join('\n')}\n`;
}
