/**
 * `engram report`: run directories in, `report.html` and `report.md` out. Everything comes from
 * the run directories (runs.ts); an experiment's own figures are computed from each run's
 * checkpoint once and kept in its analysis.json (lab/analyses.ts).
 */
import { join, resolve } from 'node:path';
import { analyseRun, type Analysis } from '../lab/analyses.ts';
import { makeDirs, writeFileAtomic } from '../run/atomic.ts';
import { engramVersion, machineLine } from '../run/machine.ts';
import { sectionFigures } from './charts.ts';
import { renderHtml, renderMarkdown, type RenderedSection, type ReportMeta } from './render.ts';
import { findRunDirs, readRun } from './runs.ts';
import { summarise, type Section } from './summary.ts';

export interface ReportResult {
  readonly html: string;
  readonly markdown: string;
  readonly sections: readonly Section[];
  readonly runs: number;
}

export async function buildReport(paths: readonly string[], out: string, title = 'Engram report'): Promise<ReportResult> {
  const runs = findRunDirs(paths).map(readRun);
  const sections = summarise(runs);
  const rendered: RenderedSection[] = [];
  for (const s of sections) {
    const analyses = new Map<string, Analysis>();
    const kind = s.experiment?.analysis;
    if (kind) for (const c of s.cells) for (const r of c.runs) analyses.set(r.dir, await analyseRun(r.dir, kind));
    rendered.push({ section: s, figures: await sectionFigures(s, analyses) });
  }
  const meta: ReportMeta = {
    generated: new Date().toISOString().slice(0, 16).replace('T', ' '), version: engramVersion(),
    machine: machineLine(),
    backends: [...new Set(runs.map((r) => r.backend))],
    trainedOn: [...new Set(runs.map((r) => r.trainedOn).filter((x) => x !== undefined))],
  };
  makeDirs(out);
  const html = join(resolve(out), 'report.html');
  const markdown = join(resolve(out), 'report.md');
  writeFileAtomic(html, renderHtml(title, meta, rendered));
  writeFileAtomic(markdown, renderMarkdown(title, meta, rendered, 'report.html'));
  return { html, markdown, sections, runs: runs.length };
}
