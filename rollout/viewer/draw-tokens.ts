/**
 * Language modelling ('sequence' frames whose rows name their tokens, docs/tasks.md §12): the text
 * read so far, each token coloured by whether the model, one step earlier, guessed it (green) or not
 * (red), and under it the model's likeliest next tokens as bars, with the true next one marked.
 */
import { argMax } from '../../envs/arg-max.ts';
import type { SequenceData } from './draw-sequence.ts';
import type { SequenceRow } from './episode.ts';
import { INK, MUTED, text } from './paint.ts';

const RIGHT = '#1a7f37';
const WRONG = '#cf222e';
const LINE_H = 17;
const HEADER_H = 24;
const BAR_H = 16;
const EOS = '<eos>';
const UNK = '<unk>';

/** Rows that name their tokens: what this drawer needs. */
export function namesTokens(d: SequenceData): boolean {
  return d.rows.some((r) => r?.token !== undefined);
}

/** Visible form of a token: line breaks and tabs as symbols, so a guess of "\n" can be seen. */
const shown = (s: string) => s.replace(/\n/g, '↵').replace(/\t/g, '⇥');

export function drawTokens(ctx: CanvasRenderingContext2D, w: number, h: number, d: SequenceData): void {
  const T = Math.max(1, d.length, d.rows.length);
  const t = Math.min(d.t, T - 1);
  let guessed = 0, scored = 0;
  for (let s = 0; s <= t; s++) {
    const r = d.rows[s];
    if (!r || r.mask !== 1 || r.prediction.length === 0) continue;
    scored++;
    if (argMax(r.prediction) === argMax(r.target)) guessed++;
  }
  text(ctx, `${d.task}  ·  step ${t + 1}/${T}  ·  next token guessed ${guessed}/${scored}`, 8, 6);

  // The text read so far, wrapped at the canvas width; the oldest lines scroll off the top.
  ctx.font = '13px ui-monospace, monospace';
  const charW = Math.max(6, ctx.measureText('M').width);
  const perLine = Math.max(10, Math.floor((w - 16) / charW));
  // Words (a word-level model: tokens longer than a character) are followed by a space; `<eos>` ends a line.
  const words = d.rows.some((r) => r?.token === EOS || ((r?.token?.length ?? 0) > 1 && r?.token !== UNK));
  const lines: { s: string; colour: string }[][] = [[]];
  for (let s = 0; s <= t; s++) {
    const r = d.rows[s];
    if (r?.token === undefined) continue;
    const before = d.rows[s - 1];
    const colour = before ? (guessedNext(before) ? RIGHT : WRONG) : INK;
    for (const ch of shown(r.token) + (words ? ' ' : '')) {
      if ((lines.at(-1) as unknown[]).length >= perLine) lines.push([]);
      (lines.at(-1) as { s: string; colour: string }[]).push({ s: ch, colour });
    }
    if (r.token === '\n' || r.token === EOS) lines.push([]);
  }
  const guessesH = 2 * LINE_H + 5 * (BAR_H + 3);
  const fit = Math.max(1, Math.floor((h - HEADER_H - guessesH) / LINE_H));
  lines.slice(-fit).forEach((line, i) => {
    line.forEach((c, k) => text(ctx, c.s, 8 + k * charW, HEADER_H + i * LINE_H, c.colour, true));
  });

  // The model's likeliest next tokens after the current one.
  const now = d.rows[t];
  const y0 = HEADER_H + Math.min(fit, lines.length) * LINE_H + 8;
  if (!now?.guesses) return;
  text(ctx, `next: ${JSON.stringify(now.next ?? '')}  ·  the model's likeliest:`, 8, y0, MUTED);
  const barW = Math.max(40, w - 140);
  now.guesses.forEach(([tok, p], i) => {
    const y = y0 + LINE_H + i * (BAR_H + 3);
    const right = tok === now.next;
    text(ctx, JSON.stringify(tok), 8, y + 1, right ? RIGHT : INK, true, 60);
    ctx.fillStyle = right ? RIGHT : '#8c959f';
    ctx.fillRect(72, y, Math.max(1, p * barW), BAR_H);
    text(ctx, `${Math.round(p * 100)}%`, 76 + p * barW, y + 1, MUTED);
  });
}

function guessedNext(r: SequenceRow): boolean {
  return r.prediction.length > 0 && argMax(r.prediction) === argMax(r.target);
}
