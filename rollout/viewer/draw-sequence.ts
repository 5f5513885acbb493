/**
 * Supervised sequence tasks ('sequence' frames: copy, repeat copy, N-th farthest, ...): three heat
 * maps over time, one column per step and aligned so a column reads top to bottom as "what came
 * in, what was asked, what the model said" — the inputs (rows = channels), the targets at scored
 * steps, and the predicted probabilities with wrong bits or classes outlined. Any widths.
 */
import { argMax } from '../../envs/arg-max.ts';
import type { SequenceHistory, SequenceRow } from './episode.ts';
import { DIVERGING, INK, MUTED, SEQUENTIAL, colourOf, fmt, isNumberArray, maxAbs, text, type ColourMap, type Range } from './paint.ts';

/** What is drawn: the rows seen so far of one sequence and the current step. */
export interface SequenceData {
  readonly task: string;
  readonly t: number;
  readonly length: number;
  readonly categorical: boolean;
  readonly rows: readonly (SequenceRow | undefined)[];
}

/** A bit counts as predicted on at p >= 0.5, as the bit tasks threshold an action (envs/tasks/bits.ts). */
const ON = 0.5;
const EMPTY = '#f0f0f0';
const WRONG = '#ff2d55';
const TITLE_H = 16;
const GAP = 6;
const HEADER_H = 24;
const AXIS_H = 18;

type Fields = Record<string, unknown>;

/**
 * The rows to draw: the page's history for per-step frames (training sends one row per step), or
 * the frame itself when it carries the whole sequence (an env's own render('state')).
 */
export function sequenceOf(f: Fields, history: SequenceHistory | null): SequenceData | null {
  const t = typeof f.t === 'number' && Number.isFinite(f.t) ? Math.max(0, Math.floor(f.t)) : 0;
  if (Array.isArray(f.input)) {
    if (!history) return null;
    return { task: history.task, t, length: Math.max(history.length, history.rows.length), categorical: history.categorical, rows: history.rows };
  }
  const inputs = Array.isArray(f.inputs) ? f.inputs : null;
  if (!inputs) return null;
  const targets = Array.isArray(f.targets) ? f.targets : [], mask = Array.isArray(f.mask) ? f.mask : [];
  const predictions = Array.isArray(f.predictions) ? f.predictions : [];
  const rows = inputs.map((input, s): SequenceRow => ({
    input: isNumberArray(input) ? input : [], target: isNumberArray(targets[s]) ? targets[s] : [], mask: mask[s] === 1 ? 1 : 0,
    prediction: isNumberArray(predictions[s]) ? predictions[s] : [],
  }));
  return { task: typeof f.task === 'string' ? f.task : 'sequence', t, length: rows.length, categorical: f.targetKind === 'categorical', rows };
}

/** Cells of a scored step's prediction that are wrong: every bit off its target, or the wrongly chosen class. */
function wrongCells(r: SequenceRow, categorical: boolean): number[] {
  if (r.mask !== 1 || r.prediction.length === 0) return [];
  if (categorical) {
    const p = argMax(r.prediction);
    return p === argMax(r.target) ? [] : [p];
  }
  const out: number[] = [];
  r.prediction.forEach((p, k) => { if ((p >= ON) !== ((r.target[k] ?? 0) >= ON)) out.push(k); });
  return out;
}

export function drawSequence(ctx: CanvasRenderingContext2D, w: number, h: number, d: SequenceData): void {
  const T = Math.max(1, d.length, d.rows.length);
  const present = d.rows.filter((r): r is SequenceRow => r !== undefined);
  const D = Math.max(0, ...present.map((r) => r.input.length));
  const K = Math.max(0, ...present.map((r) => Math.max(r.target.length, r.prediction.length)));

  // Header: task, step, score of the steps seen so far.
  let scored = 0, wrong = 0, wrongSteps = 0;
  for (const r of present) {
    if (r.mask !== 1 || r.prediction.length === 0) continue;
    scored++;
    const n = wrongCells(r, d.categorical).length;
    wrong += n;
    if (n > 0) wrongSteps++;
  }
  const score = scored === 0 ? 'no scored step yet'
    : d.categorical ? `${scored - wrongSteps}/${scored} correct` : `${wrong} wrong bit${wrong === 1 ? '' : 's'} in ${scored} scored step${scored === 1 ? '' : 's'}`;
  text(ctx, `${d.task}  ·  step ${Math.min(d.t, T - 1) + 1}/${T}  ·  ${score}`, 8, 6);
  if (present.length === 0) { text(ctx, 'no rows yet', 8, HEADER_H + 4, MUTED); return; }

  const nRows = D + 2 * K;
  const avail = h - HEADER_H - 3 * TITLE_H - 2 * GAP - AXIS_H;
  const cellH = Math.max(1, Math.min(16, avail / Math.max(1, nRows)));
  const x0 = 8, cellW = Math.min(32, (w - 16) / T);
  const colX = (s: number) => Math.round(x0 + s * cellW);
  const rowY = (y: number, c: number) => Math.round(y + c * cellH);

  const inputValues = present.flatMap((r) => r.input);
  const m = maxAbs(inputValues) || 1;
  const inputScale: { map: ColourMap; range: Range } = inputValues.some((v) => v < 0)
    ? { map: DIVERGING, range: { lo: -m, hi: m } } : { map: SEQUENTIAL, range: { lo: 0, hi: Math.max(1, m) } };

  /** One map: `value(row, channel)` is null for a cell with nothing to show. */
  const map = (y: number, title: string, n: number, value: (r: SequenceRow, c: number) => number | null, scale: { map: ColourMap; range: Range }, dim?: (r: SequenceRow) => boolean) => {
    text(ctx, title, x0, y, MUTED);
    const top = y + TITLE_H;
    for (let s = 0; s < T; s++) {
      const r = d.rows[s];
      const xa = colX(s), xb = colX(s + 1);
      ctx.globalAlpha = r && dim?.(r) ? 0.35 : 1;
      for (let c = 0; c < n; c++) {
        const v = r ? value(r, c) : null;
        ctx.fillStyle = v === null ? EMPTY : colourOf(scale.map, v, scale.range.lo, scale.range.hi);
        ctx.fillRect(xa, rowY(top, c), Math.max(1, xb - xa), Math.max(1, rowY(top, c + 1) - rowY(top, c)));
      }
    }
    ctx.globalAlpha = 1;
    ctx.strokeStyle = '#999';
    ctx.lineWidth = 1;
    ctx.strokeRect(x0 + 0.5, top + 0.5, colX(T) - x0 - 1, rowY(top, n) - top - 1);
    return top;
  };

  const unit = { map: SEQUENTIAL, range: { lo: 0, hi: 1 } };
  let y = HEADER_H;
  const inTop = map(y, `inputs (${D} channels)`, D, (r, c) => r.input[c] ?? null, inputScale);
  y = rowY(inTop, D) + GAP;
  const tgtTop = map(y, d.categorical ? 'targets (class, scored steps)' : 'targets (bits, scored steps)', K, (r, c) => (r.mask === 1 ? r.target[c] ?? null : null), unit);
  y = rowY(tgtTop, K) + GAP;
  // Unscored steps' outputs are drawn faintly: the loss ignores them, so they are free to be anything.
  const predTop = map(y, `predictions (${d.categorical ? 'class' : 'bit'} probabilities; outlined: wrong)`, K,
    (r, c) => (r.prediction.length > 0 ? r.prediction[c] ?? null : null), unit, (r) => r.mask !== 1);
  const bottom = rowY(predTop, K);

  // Wrong cells, outlined; for a wrong class, the right one gets a dot.
  ctx.strokeStyle = WRONG;
  ctx.lineWidth = Math.min(2, Math.max(1, Math.min(cellW, cellH) / 4));
  d.rows.forEach((r, s) => {
    if (!r) return;
    for (const c of wrongCells(r, d.categorical)) ctx.strokeRect(colX(s) + 1, rowY(predTop, c) + 1, colX(s + 1) - colX(s) - 2, rowY(predTop, c + 1) - rowY(predTop, c) - 2);
    if (d.categorical && r.mask === 1 && wrongCells(r, true).length > 0) {
      const c = argMax(r.target);
      ctx.fillStyle = '#ffffff';
      const cx = (colX(s) + colX(s + 1)) / 2, cy = (rowY(predTop, c) + rowY(predTop, c + 1)) / 2;
      ctx.beginPath();
      ctx.arc(cx, cy, Math.max(1, Math.min(cellW, cellH) / 4), 0, 2 * Math.PI);
      ctx.fill();
    }
  });

  // The current step: a frame down all three maps and a caret under them.
  const t = Math.min(d.t, T - 1);
  ctx.strokeStyle = INK;
  ctx.lineWidth = 1.5;
  ctx.strokeRect(colX(t) - 0.5, inTop - 1, colX(t + 1) - colX(t) + 1, bottom - inTop + 2);
  text(ctx, '▲', Math.max(0, (colX(t) + colX(t + 1)) / 2 - 4), bottom + 2, INK);
  // Step numbers, about every 10th column.
  const every = Math.max(1, Math.ceil(T / Math.max(1, Math.floor((w - 16) / 40))));
  for (let s = 0; s < T; s += every) if (s !== t) text(ctx, fmt(s), colX(s) + 1, bottom + 3, MUTED);
}
