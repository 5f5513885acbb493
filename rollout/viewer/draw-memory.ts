/**
 * The Memory panel: draws a step's `memory` readout (a core's `inspect()`, plain JSON).
 *
 * Known fields get a purpose-built picture: LSTM `h`/`c`/`gates`; DND-LSTM dictionary fill,
 * reinstatement gate `r`, retrieval and best matches; RMC `attention` ([K·S][S] rows, K heads,
 * S = numSlots + input rows), `memoryNorms` and per-slot gate means. The diagnostic fields exist
 * only when the core records diagnostics, so every group is optional. Whatever is left (future
 * cores: NTM/DNC read/write weightings, usage) is drawn generically: numbers as text, vectors as
 * colour strips, matrices as heatmaps, anything else as JSON text.
 */
import {
  DIVERGING, INK, MUTED, SEQUENTIAL, autoRange, drawBar, drawHeatmap, drawStrip, fitCanvas, fmt,
  isNumberArray, isNumberMatrix, maxAbs, text, wrapMono,
} from './paint.ts';

/** A piece of the panel: measured first, so the canvas can be sized to the readout. */
interface Block {
  readonly height: number;
  draw(ctx: CanvasRenderingContext2D, x: number, y: number, w: number): void;
}

type Readout = Record<string, unknown>;

const LABEL_W = 118;
const GAP = 8;
const UNIT: { lo: number; hi: number } = { lo: 0, hi: 1 };

/** `waiting`: no step has arrived yet (as opposed to a step without a readout). */
export function drawMemory(canvas: HTMLCanvasElement, width: number, readout: unknown, waiting: boolean): void {
  const blocks = waiting ? [note('waiting for the first step…')]
    : readout === null || readout === undefined
    ? [note('no memory readout (a feed-forward core, or the core has no inspect())')]
    : typeof readout !== 'object' || Array.isArray(readout)
      ? [jsonLines('readout', readout, width)]
      : memoryBlocks(readout as Readout, width);
  const height = Math.max(60, blocks.reduce((s, b) => s + b.height + GAP, GAP));
  const ctx = fitCanvas(canvas, width, height);
  if (!ctx) return;
  let y = GAP;
  for (const b of blocks) {
    b.draw(ctx, 8, y, width - 16);
    y += b.height + GAP;
  }
}

function memoryBlocks(r: Readout, w: number): Block[] {
  const used = new Set<string>();
  const take = (k: string): unknown => { used.add(k); return r[k]; };
  const blocks: Block[] = [];
  // LSTM state (also the DND-LSTM's controller): h is bounded by ±1, c is not.
  for (const k of ['h', 'c']) {
    if (isNumberArray(r[k])) {
      const v = take(k) as number[];
      const s = Math.max(1, maxAbs(v));
      blocks.push(strip(`${k} (±${fmt(s)})`, v, DIVERGING, { lo: -s, hi: s }));
    }
  }
  if (isNumberMatrix(r.gates)) blocks.push(labelledRows('gates', take('gates') as number[][], ['i', 'f', 'o', '|g|'], w));
  blocks.push(...dndBlocks(r, take));
  if (isNumberMatrix(r.attention)) blocks.push(attentionBlock(take('attention') as number[][], take('numHeads'), take('numSlots'), w));
  const slots = slotTable(r, take);
  if (slots) blocks.push(slots);
  blocks.push(...genericBlocks(r, used, w));
  return blocks;
}

/** DND-LSTM: dictionary fill, reinstatement gate, what was retrieved and the best matches. */
function dndBlocks(r: Readout, take: (k: string) => unknown): Block[] {
  const out: Block[] = [];
  if (typeof r.capacity === 'number' && typeof r.size === 'number') {
    const size = take('size') as number, cap = take('capacity') as number;
    const count = typeof r.count === 'number' ? `, ${take('count') as number} writes` : '';
    out.push(bar('dictionary', size, cap, `${fmt(size)}/${fmt(cap)}${count}`));
  }
  if (isNumberArray(r.r)) {
    const mean = typeof r.rMean === 'number' ? take('rMean') as number : null;
    out.push(strip(`gate r${mean !== null ? ` μ ${mean.toFixed(2)}` : ''}`, take('r') as number[], SEQUENTIAL, UNIT));
  } else if (typeof r.rMean === 'number') {
    out.push(bar('gate r mean', take('rMean') as number, 1));
  }
  if (typeof r.retrieved === 'number') {
    const got = (take('retrieved') as number) > 0;
    const slot = typeof r.slot === 'number' ? take('slot') as number : null;
    out.push(note(got ? `retrieved: yes${slot !== null ? `, from slot ${slot}` : ''}` : 'retrieved: nothing (dictionary empty or no match)', INK));
  }
  if (isNumberArray(r.topSlots) && isNumberArray(r.topSimilarities)) {
    const slots = take('topSlots') as number[], sims = take('topSimilarities') as number[];
    out.push({
      height: 16 + slots.length * 16,
      draw(ctx, x, y, w) {
        text(ctx, 'best matches (cosine similarity)', x, y, MUTED);
        slots.forEach((s, i) => drawBar(ctx, `slot ${s}`, sims[i] ?? 0, 1, x, y + 16 + i * 16, w, { labelWidth: LABEL_W, highlight: i === 0 }));
      },
    });
  }
  if (typeof r.pendingOk === 'number') out.push(note(`pending write: ${(take('pendingOk') as number) > 0 ? 'valid' : 'none'}`, INK));
  return out;
}

/** RMC attention: one S×S heatmap per head; rows attend (queries) over columns (keys), last columns = input. */
function attentionBlock(att: number[][], numHeads: unknown, numSlots: unknown, w: number): Block {
  const S = Math.max(...att.map((row) => row.length));
  const rows = att.length;
  const K = typeof numHeads === 'number' && numHeads >= 1 && rows % numHeads === 0 ? numHeads
    : S > 0 && rows % S === 0 ? rows / S : 1;
  const perHead = Math.ceil(rows / K);
  const N = typeof numSlots === 'number' && numSlots >= 1 && numSlots < S ? numSlots : S - 1;
  const rowLabelW = 22, headGap = 14;
  const cell = Math.max(3, Math.min(20, Math.floor((w - K * (rowLabelW + headGap)) / (K * S))));
  const slotName = (i: number) => (i < N ? `m${i}` : N === S - 1 ? 'x' : `x${i - N}`);
  return {
    height: 16 + 14 + perHead * cell,
    draw(ctx, x, y, _w) {
      text(ctx, 'attention (rows: queries, cols: keys; x = input)', x, y, MUTED);
      for (let k = 0; k < K; k++) {
        const hx = x + k * (rowLabelW + S * cell + headGap) + rowLabelW;
        text(ctx, `head ${k}`, hx, y + 16, INK);
        const head = att.slice(k * perHead, (k + 1) * perHead);
        drawHeatmap(ctx, head, hx, y + 30, cell, cell, SEQUENTIAL, UNIT);
        if (cell >= 10) head.forEach((_, i) => text(ctx, slotName(i), hx - rowLabelW, y + 30 + i * cell + (cell - 12) / 2, MUTED));
        // Separate the input column(s) from the memory slots.
        ctx.strokeStyle = '#ffffff';
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(hx + N * cell, y + 30);
        ctx.lineTo(hx + N * cell, y + 30 + head.length * cell);
        ctx.stroke();
      }
    },
  };
}

/** Above this many slots a table row per slot is too tall (NTM/DNC: N = 128); strips instead. */
const MAX_TABLE_SLOTS = 16;

/** RMC per-slot numbers side by side: memory norm, input-gate mean, forget-gate mean. */
function slotTable(r: Readout, take: (k: string) => unknown): Block | null {
  const cols = (['memoryNorms', 'inputGate', 'forgetGate'] as const).filter((k) => isNumberArray(r[k]));
  if (cols.length === 0 || cols.some((k) => (r[k] as number[]).length > MAX_TABLE_SLOTS)) return null;
  const values = cols.map((k) => take(k) as number[]);
  const titles = cols.map((k) => (k === 'memoryNorms' ? 'norm ‖m‖' : k === 'inputGate' ? 'input gate' : 'forget gate'));
  const maxes = cols.map((k, i) => (k === 'memoryNorms' ? Math.max(1e-6, maxAbs(values[i] as number[])) : 1));
  const n = Math.max(...values.map((v) => v.length));
  return {
    height: 16 + n * 16,
    draw(ctx, x, y, w) {
      const colW = (w - 40) / cols.length;
      titles.forEach((t, j) => text(ctx, t, x + 40 + j * colW, y, MUTED));
      for (let i = 0; i < n; i++) {
        const ry = y + 16 + i * 16;
        text(ctx, `m${i}`, x, ry, MUTED);
        values.forEach((v, j) => {
          const val = v[i];
          if (val === undefined) return;
          const bx = x + 40 + j * colW, bw = Math.max(8, colW - 52);
          ctx.fillStyle = '#eee';
          ctx.fillRect(bx, ry, bw, 12);
          ctx.fillStyle = j === 0 ? '#4a7bb7' : '#3b8f5a';
          ctx.fillRect(bx, ry, Math.round(bw * Math.min(1, Math.abs(val) / (maxes[j] as number))), 12);
          text(ctx, fmt(val), bx + bw + 4, ry, INK, true);
        });
      }
    },
  };
}

/** Everything no group claimed: scalars on a line, vectors as strips, matrices as heatmaps. */
function genericBlocks(r: Readout, used: Set<string>, w: number): Block[] {
  const out: Block[] = [];
  const scalars: string[] = [];
  for (const [k, v] of Object.entries(r)) {
    if (used.has(k)) continue;
    if (typeof v === 'number') scalars.push(`${k} ${fmt(v)}`);
    else if (isNumberArray(v) && v.length > 0) {
      const { map, range } = autoRange(v);
      out.push(strip(`${k} (${fmt(range.lo)}..${fmt(range.hi)})`, v, map, range));
    } else if (isNumberMatrix(v)) out.push(matrix(k, v, w));
    else out.push(jsonLines(k, v, w));
  }
  if (scalars.length > 0) out.unshift(note(scalars.join('  ·  '), INK));
  return out;
}

function strip(label: string, values: readonly number[], map: readonly string[], range: { lo: number; hi: number }): Block {
  return {
    height: 16,
    draw(ctx, x, y, w) {
      text(ctx, label, x, y + 1, MUTED, false, LABEL_W - 6);
      drawStrip(ctx, values, x + LABEL_W, y, w - LABEL_W, 16, map, range);
    },
  };
}

/** A small [0, 1] heatmap with a label per row (LSTM gates). */
function labelledRows(label: string, rows: number[][], rowNames: readonly string[], _w: number): Block {
  const rowH = 12;
  return {
    height: Math.max(16, rows.length * rowH),
    draw(ctx, x, y, w) {
      text(ctx, label, x, y + 1, MUTED);
      const cols = Math.max(...rows.map((row) => row.length), 1);
      rows.forEach((_, i) => text(ctx, rowNames[i] ?? '', x + LABEL_W - 28, y + i * rowH, MUTED, true));
      drawHeatmap(ctx, rows, x + LABEL_W, y, (w - LABEL_W) / cols, rowH, SEQUENTIAL, UNIT);
    },
  };
}

function matrix(label: string, rows: number[][], _w: number): Block {
  const cellH = Math.max(2, Math.min(14, Math.floor(200 / rows.length)));
  const { map, range } = autoRange(rows.flat());
  return {
    height: Math.max(16, rows.length * cellH),
    draw(ctx, x, y, w) {
      text(ctx, `${label} [${rows.length}×${rows[0]?.length ?? 0}]`, x, y + 1, MUTED, false, LABEL_W - 6);
      text(ctx, `${fmt(range.lo)}..${fmt(range.hi)}`, x, y + 15, MUTED);
      const cols = Math.max(...rows.map((row) => row.length), 1);
      drawHeatmap(ctx, rows, x + LABEL_W, y, (w - LABEL_W) / cols, cellH, map, range);
    },
  };
}

function bar(label: string, v: number, max: number, valueText?: string): Block {
  return {
    height: 14,
    draw(ctx, x, y, w) { drawBar(ctx, label, v, max, x, y, w, { labelWidth: LABEL_W, ...(valueText ? { valueText } : {}) }); },
  };
}

function note(s: string, colour = MUTED): Block {
  return { height: 14, draw(ctx, x, y) { text(ctx, s, x, y, colour); } };
}

/** Measures text for wrapping before the panel canvas is sized (created once). */
let probe: CanvasRenderingContext2D | null = null;

function jsonLines(label: string, v: unknown, w: number): Block {
  let s: string;
  try { s = JSON.stringify(v) ?? String(v); } catch { s = String(v); }
  if (s.length > 600) s = `${s.slice(0, 600)}…`;
  probe ??= document.createElement('canvas').getContext('2d');
  const lines = probe ? wrapMono(probe, `${label}: ${s}`, w - 16) : [`${label}: ${s}`];
  return { height: lines.length * 14, draw(ctx, x, y) { lines.forEach((l, i) => text(ctx, l, x, y + i * 14, INK, true)); } };
}
