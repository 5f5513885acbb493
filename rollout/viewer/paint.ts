/**
 * Canvas primitives shared by the environment and memory panels: colour maps, strips, heatmaps,
 * bars and text. Colour maps are 256-entry tables of CSS strings built once, so drawing a frame
 * builds no colour strings.
 */

export type ColourMap = readonly string[];

function lerpTable(stops: readonly (readonly [number, number, number])[]): ColourMap {
  const out: string[] = [];
  for (let i = 0; i < 256; i++) {
    const p = (i / 255) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(p));
    const f = p - k;
    const a = stops[k] as readonly [number, number, number];
    const b = stops[k + 1] as readonly [number, number, number];
    const c = (j: 0 | 1 | 2) => Math.round(a[j] + (b[j] - a[j]) * f);
    out.push(`rgb(${c(0)},${c(1)},${c(2)})`);
  }
  return out;
}

/** Blue (negative) – near-white (0) – red (positive), ColorBrewer RdBu: signed activations. */
export const DIVERGING: ColourMap = lerpTable([[33, 102, 172], [103, 169, 207], [247, 247, 247], [239, 138, 98], [178, 24, 43]]);
/** Viridis-like, dark (low) to yellow (high): gates, attention, similarities in [0, 1]. */
export const SEQUENTIAL: ColourMap = lerpTable([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]]);

export const INK = '#222';
export const MUTED = '#666';
export const BACKGROUND = '#ffffff';
const FONT = '12px system-ui, sans-serif';
const MONO = '11px ui-monospace, Menlo, Consolas, monospace';

/** Index into a colour map: diverging maps [-scale, scale], sequential maps [lo, hi]. */
export function colourOf(map: ColourMap, v: number, lo: number, hi: number): string {
  const f = hi > lo && Number.isFinite(v) ? (v - lo) / (hi - lo) : 0.5;
  return map[Math.max(0, Math.min(255, Math.round(f * 255)))] as string;
}

/** Sizes the canvas backing store to its CSS size times the pixel ratio; returns the 2D context. */
export function fitCanvas(canvas: HTMLCanvasElement, cssWidth: number, cssHeight: number): CanvasRenderingContext2D | null {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.round(cssWidth * dpr), h = Math.round(cssHeight * dpr);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
    canvas.style.width = `${cssWidth}px`;
    canvas.style.height = `${cssHeight}px`;
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, cssWidth, cssHeight);
  return ctx;
}

/** `maxWidth` squeezes a long label into its column instead of letting it run into the next. */
export function text(ctx: CanvasRenderingContext2D, s: string, x: number, y: number, colour = INK, mono = false, maxWidth?: number): void {
  ctx.font = mono ? MONO : FONT;
  ctx.fillStyle = colour;
  ctx.textBaseline = 'top';
  if (maxWidth === undefined) ctx.fillText(s, x, y);
  else ctx.fillText(s, x, y, maxWidth);
}

/** Short number text: 3 significant decimals, no exponent noise for small integers. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
}

export function isNumberArray(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((v) => typeof v === 'number');
}

export function isNumberMatrix(x: unknown): x is number[][] {
  return Array.isArray(x) && x.length > 0 && x.every(isNumberArray);
}

export function maxAbs(values: readonly number[]): number {
  let m = 0;
  for (const v of values) if (Number.isFinite(v) && Math.abs(v) > m) m = Math.abs(v);
  return m;
}

export interface Range { readonly lo: number; readonly hi: number }

/** Diverging for signed data (symmetric around 0), sequential for non-negative data. */
export function autoRange(values: readonly number[]): { map: ColourMap; range: Range } {
  const m = maxAbs(values) || 1;
  return values.some((v) => v < 0) ? { map: DIVERGING, range: { lo: -m, hi: m } } : { map: SEQUENTIAL, range: { lo: 0, hi: m } };
}

/** One row of cells; cell edges are rounded so long vectors do not blur into each other. */
export function drawStrip(ctx: CanvasRenderingContext2D, values: readonly number[], x: number, y: number, w: number, h: number,
  map: ColourMap, range: Range): void {
  const n = values.length;
  if (n === 0) return;
  for (let i = 0; i < n; i++) {
    const x0 = Math.round(x + (i * w) / n), x1 = Math.round(x + ((i + 1) * w) / n);
    ctx.fillStyle = colourOf(map, values[i] as number, range.lo, range.hi);
    ctx.fillRect(x0, y, Math.max(1, x1 - x0), h);
  }
  ctx.strokeStyle = '#999';
  ctx.lineWidth = 1;
  ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
}

/** Rows of cells (ragged rows are drawn as far as they go). */
export function drawHeatmap(ctx: CanvasRenderingContext2D, rows: readonly (readonly number[])[], x: number, y: number,
  cellW: number, cellH: number, map: ColourMap, range: Range): void {
  let cols = 0;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as readonly number[];
    cols = Math.max(cols, row.length);
    for (let c = 0; c < row.length; c++) {
      ctx.fillStyle = colourOf(map, row[c] as number, range.lo, range.hi);
      ctx.fillRect(Math.round(x + c * cellW), Math.round(y + r * cellH), Math.ceil(cellW), Math.ceil(cellH));
    }
  }
  ctx.strokeStyle = '#999';
  ctx.lineWidth = 1;
  ctx.strokeRect(Math.round(x) + 0.5, Math.round(y) + 0.5, Math.round(cols * cellW) - 1, Math.round(rows.length * cellH) - 1);
}

/** A labelled horizontal bar: `label [====    ] value`; negative values are drawn in blue. */
export function drawBar(ctx: CanvasRenderingContext2D, label: string, v: number, max: number, x: number, y: number, w: number,
  opts: { labelWidth?: number; highlight?: boolean; valueText?: string } = {}): void {
  const value = opts.valueText ?? fmt(v);
  ctx.font = MONO;
  const lw = opts.labelWidth ?? 80, vw = Math.max(56, Math.ceil(ctx.measureText(value).width) + 10), h = 12;
  text(ctx, label, x, y, opts.highlight ? INK : MUTED, false, lw - 6);
  const bw = Math.max(10, w - lw - vw);
  ctx.fillStyle = '#eee';
  ctx.fillRect(x + lw, y, bw, h);
  const f = max > 0 && Number.isFinite(v) ? Math.min(1, Math.abs(v) / max) : 0;
  ctx.fillStyle = v < 0 ? '#2166ac' : opts.highlight ? '#b2182b' : '#4a7bb7';
  ctx.fillRect(x + lw, y, Math.round(bw * f), h);
  text(ctx, value, x + lw + bw + 6, y, INK, true);
}

/** Wraps `s` to lines of at most `width` CSS pixels in the monospace font (for JSON dumps). */
export function wrapMono(ctx: CanvasRenderingContext2D, s: string, width: number): string[] {
  ctx.font = MONO;
  const perLine = Math.max(10, Math.floor(width / ctx.measureText('0').width));
  const out: string[] = [];
  for (const line of s.split('\n')) {
    for (let i = 0; i < line.length || i === 0; i += perLine) out.push(line.slice(i, i + perLine));
  }
  return out;
}
