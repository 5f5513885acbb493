/**
 * The Environment panel: draws a step's `frame` (an env's `render('state')`) by its `kind`.
 * 'grid' (Mini Pacman, Box World), 'contextual-choice' and 'sequence' (supervised tasks, drawn by
 * ./draw-sequence.ts) have drawers; anything else, or a frame
 * whose fields are not what its kind promises, is shown as readable text so a new env never
 * breaks the page.
 */
import { drawSequence, sequenceOf } from './draw-sequence.ts';
import { drawTokens, namesTokens } from './draw-tokens.ts';
import type { SequenceHistory, StepMessage, TrialHistory } from './episode.ts';
import { DIVERGING, INK, MUTED, drawHeatmap, drawStrip, fmt, isNumberArray, maxAbs, text, wrapMono } from './paint.ts';

export interface EnvScene {
  readonly step: StepMessage | null;
  readonly trial: TrialHistory | null;
  /** The rows of the supervised sequence on screen ('sequence' frames carry one row each). */
  readonly sequence?: SequenceHistory | null;
  readonly actionNames: readonly string[];
}

/** The GridFrame of envs/env.ts as it arrives over the wire (checked, not trusted). */
interface GridLike {
  readonly height: number;
  readonly width: number;
  readonly rgb: readonly number[];
  readonly agent: unknown;
  readonly viewport: unknown;
  readonly [field: string]: unknown;
}

type Fields = Record<string, unknown>;

const GRID_FIELDS = new Set(['kind', 'height', 'width', 'rgb', 'agent', 'viewport', 'heldKey']);
const MAX_SIDE = 1024;

export function drawEnv(ctx: CanvasRenderingContext2D, w: number, h: number, scene: EnvScene): void {
  const frame = scene.step?.frame as unknown;
  if (!scene.step) { text(ctx, 'waiting for the first step…', 8, 8, MUTED); return; }
  if (frame === null || frame === undefined) { text(ctx, "no frame (this env has no 'state' render mode)", 8, 8, MUTED); return; }
  if (typeof frame !== 'object' || Array.isArray(frame)) { drawJson(ctx, w, h, 'frame is not an object', frame); return; }
  const f = frame as Fields;
  const sequence = f.kind === 'sequence' && f.ready !== false ? sequenceOf(f, scene.sequence ?? null) : null;
  if (f.kind === 'grid' && isGrid(f)) drawGrid(ctx, w, h, f);
  else if (f.kind === 'contextual-choice' && f.ready !== false && typeof f.trialIndex === 'number') drawChoice(ctx, w, h, f, scene);
  else if (sequence && namesTokens(sequence)) drawTokens(ctx, w, h, sequence);
  else if (sequence) drawSequence(ctx, w, h, sequence);
  else drawJson(ctx, w, h, `frame kind ${JSON.stringify(f.kind)}: no drawer for it, raw fields`, f);
}

function isGrid(f: Fields): f is Fields & GridLike {
  const side = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= MAX_SIDE;
  return side(f.height) && side(f.width) && isNumberArray(f.rgb) && f.rgb.length >= f.height * f.width * 3;
}

function pair(v: unknown): [number, number] | null {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number' ? [v[0], v[1]] : null;
}

// The grid is painted at one pixel per cell into this scratch canvas, then scaled up without
// smoothing; both are reused while the grid size stays the same.
let scratch: HTMLCanvasElement | null = null;
let scratchImage: ImageData | null = null;

function gridImage(g: GridLike): HTMLCanvasElement | null {
  if (!scratch) scratch = document.createElement('canvas');
  if (scratch.width !== g.width || scratch.height !== g.height || !scratchImage) {
    scratch.width = g.width;
    scratch.height = g.height;
    scratchImage = new ImageData(g.width, g.height);
  }
  const sctx = scratch.getContext('2d');
  if (!sctx) return null;
  const px = scratchImage.data;
  for (let i = 0, n = g.width * g.height; i < n; i++) {
    px[i * 4] = g.rgb[i * 3] as number;
    px[i * 4 + 1] = g.rgb[i * 3 + 1] as number;
    px[i * 4 + 2] = g.rgb[i * 3 + 2] as number;
    px[i * 4 + 3] = 255;
  }
  sctx.putImageData(scratchImage, 0, 0);
  return scratch;
}

function drawGrid(ctx: CanvasRenderingContext2D, w: number, h: number, g: GridLike): void {
  const vp = g.viewport as { row?: unknown; col?: unknown; size?: unknown } | null;
  const view = vp && typeof vp.row === 'number' && typeof vp.col === 'number' && typeof vp.size === 'number' && vp.size > 0
    ? { row: vp.row, col: vp.col, size: vp.size } : null;
  // Room around the grid for a viewport hanging over its edge, so the layout does not jump as the agent moves.
  const margin = view ? Math.floor(view.size / 2) : 0;
  const infoHeight = 44;
  const cell = Math.max(1, Math.floor(Math.min(w / (g.width + 2 * margin), (h - infoHeight - 8) / (g.height + 2 * margin))));
  const ox = Math.floor((w - cell * g.width) / 2), oy = 4 + margin * cell;
  const img = gridImage(g);
  if (img) {
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(img, 0, 0, g.width, g.height, ox, oy, g.width * cell, g.height * cell);
  }
  const agent = pair(g.agent);
  if (agent) {
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#ffffff';
    ctx.strokeRect(ox + agent[1] * cell + 1, oy + agent[0] * cell + 1, cell - 2, cell - 2);
    ctx.strokeStyle = '#000000';
    ctx.lineWidth = 1;
    ctx.strokeRect(ox + agent[1] * cell - 0.5, oy + agent[0] * cell - 0.5, cell + 1, cell + 1);
  }
  if (view) {
    ctx.save();
    ctx.setLineDash([5, 3]);
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#e0218a';
    ctx.strokeRect(ox + view.col * cell, oy + view.row * cell, view.size * cell, view.size * cell);
    ctx.restore();
  }
  let y = oy + g.height * cell + margin * cell + 8;
  const extras: string[] = [];
  for (const [k, v] of Object.entries(g)) {
    if (!GRID_FIELDS.has(k) && (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')) {
      extras.push(`${k} ${typeof v === 'number' ? fmt(v) : String(v)}`);
    }
  }
  if (view) extras.push(`view ${view.size}×${view.size}`);
  text(ctx, extras.join('  ·  '), 8, y);
  y += 18;
  if ('heldKey' in g) drawHeldKey(ctx, 8, y, g.heldKey);
}

/** Box World: the colour of the key the agent holds, or "none". */
function drawHeldKey(ctx: CanvasRenderingContext2D, x: number, y: number, key: unknown): void {
  text(ctx, 'held key', x, y);
  if (isNumberArray(key) && key.length >= 3) {
    ctx.fillStyle = `rgb(${key[0]},${key[1]},${key[2]})`;
    ctx.fillRect(x + 60, y - 1, 16, 16);
    ctx.strokeStyle = INK;
    ctx.lineWidth = 1;
    ctx.strokeRect(x + 60.5, y - 0.5, 15, 15);
  } else {
    text(ctx, 'none', x + 60, y, MUTED);
  }
}

function num(f: Fields, k: string): number | null {
  const v = f[k];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function drawChoice(ctx: CanvasRenderingContext2D, w: number, h: number, f: Fields, scene: EnvScene): void {
  const names = scene.actionNames;
  const nameOf = (a: number): string => names[a] ?? String(a);
  const t = num(f, 't'), T = num(f, 'trialLength'), noiseOff = num(f, 'tNoiseOff'), target = num(f, 'target');
  const repeat = f.isRepeat === true || f.phase === 2;
  const src = num(f, 'sourceTrial');
  const phase = repeat ? `repeat${src !== null ? ` of trial ${src}` : ''}` : 'novel';
  const noisy = t !== null && noiseOff !== null && t < noiseOff;
  text(ctx, `trial ${fmt(num(f, 'trialIndex') ?? 0)}  ·  phase ${phase}  ·  t ${t ?? '?'}${T !== null ? `/${T}` : ''}${noisy ? ' (noise only)' : ''}`, 8, 6);
  const step = scene.step;
  const answer = step ? `answer ${nameOf(step.action)}${target !== null ? (step.action === target ? '  ✓' : '  ✗') : ''}` : '';
  const acc = scene.trial && scene.trial.answered > 0 ? `  ·  episode accuracy ${scene.trial.correct}/${scene.trial.answered}` : '';
  text(ctx, `target ${target !== null ? nameOf(target) : '?'}  ·  ${answer}${acc}`, 8, 24);

  const evidence = isNumberArray(f.evidence) ? f.evidence : [];
  const context = isNumberArray(f.context) ? f.context : [];
  const lw = 70, sw = w - lw - 16;
  const scale = Math.max(1, maxAbs(evidence));
  text(ctx, 'evidence', 8, 48, MUTED);
  drawStrip(ctx, evidence, lw, 46, sw, 16, DIVERGING, { lo: -scale, hi: scale });
  text(ctx, 'context', 8, 70, MUTED);
  const cscale = Math.max(1, maxAbs(context));
  drawStrip(ctx, context, lw, 68, sw, 16, DIVERGING, { lo: -cscale, hi: cscale });

  // The trial so far: one evidence row per step, then the agent's answer and whether it was right.
  const rows = scene.trial?.rows ?? [];
  const n = Math.max(T ?? 0, rows.length);
  if (n === 0) return;
  const top = 98;
  text(ctx, 'this trial (rows: t; right: answer)', 8, top, MUTED);
  const rowH = Math.max(4, Math.min(18, Math.floor((h - top - 24) / n)));
  const answerW = 90, hw = w - lw - 16 - answerW;
  const cols = Math.max(1, evidence.length, ...rows.map((r) => r?.evidence.length ?? 0));
  for (let i = 0; i < n; i++) {
    const y = top + 18 + i * rowH;
    const r = rows[i];
    if (i === t) { ctx.fillStyle = '#fff3c4'; ctx.fillRect(0, y, w, rowH); }
    text(ctx, `t ${i}`, 8, y + Math.max(0, (rowH - 12) / 2), MUTED, true);
    if (!r) { ctx.fillStyle = '#f0f0f0'; ctx.fillRect(lw, y, hw, rowH - 1); continue; }
    drawHeatmap(ctx, [r.evidence], lw, y, hw / cols, rowH - 1, DIVERGING, { lo: -scale, hi: scale });
    const mark = r.correct === null ? '' : r.correct ? ' ✓' : ' ✗';
    text(ctx, `${nameOf(r.action)}${mark}`, lw + hw + 8, y + Math.max(0, (rowH - 12) / 2), r.correct === false ? '#b2182b' : '#1a7f37');
  }
  if (noiseOff !== null && noiseOff > 0 && noiseOff < n) {
    const y = top + 18 + noiseOff * rowH - 0.5;
    ctx.strokeStyle = INK;
    ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(lw - 4, y); ctx.lineTo(lw + hw + 4, y); ctx.stroke();
  }
}

/** Any frame we cannot draw: one line per field, long values cut, wrapped to the canvas. */
export function drawJson(ctx: CanvasRenderingContext2D, w: number, h: number, title: string, value: unknown): void {
  text(ctx, title, 8, 6, MUTED);
  const lines: string[] = [];
  const entries = value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : [['value', value] as const];
  for (const [k, v] of entries) {
    let s: string;
    try { s = JSON.stringify(v) ?? String(v); } catch { s = String(v); }
    if (s.length > 400) s = `${s.slice(0, 400)}… (${s.length} chars)`;
    lines.push(...wrapMono(ctx, `${k}: ${s}`, w - 16));
  }
  const maxLines = Math.floor((h - 28) / 14);
  lines.slice(0, maxLines).forEach((line, i) => text(ctx, line, 8, 26 + i * 14, INK, true));
  if (lines.length > maxLines) text(ctx, `… ${lines.length - maxLines} more lines`, 8, h - 16, MUTED);
}
