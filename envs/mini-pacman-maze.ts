/**
 * Mini Pacman's fixed maze, the pure rules that only need the maze (docs/tasks.md §2.2, §2.5, §2.7) and
 * MazeCanvas, which paints observations (§2.9).
 *
 * Source: Racanière et al. (2017), "Imagination-Augmented Agents for Deep Reinforcement Learning",
 * NeurIPS, appendix "MiniPacman", whose released `PillEater` code the spec follows line by line.
 * Cells are numbered row-major, `cell = row * MAZE_WIDTH + col`, so the game state is plain integers
 * in typed arrays and a step never allocates.
 */
import type { Rng } from './rng.ts';

/** `#` wall, `.` free. 138 free cells, each with 2, 3 or 4 free neighbours (no dead ends). */
export const MINI_PACMAN_MAZE: readonly string[] = Object.freeze([
  '###################',
  '#...#.........#...#',
  '#.#.#.#######.#.#.#',
  '#.................#',
  '#.#.#.#######.#.#.#',
  '#.#.............#.#',
  '#.####.#####.####.#',
  '#......#####......#',
  '#.####.#####.####.#',
  '#.#.............#.#',
  '#.#.#.#######.#.#.#',
  '#.................#',
  '#.#.#.#######.#.#.#',
  '#...#.........#...#',
  '###################',
]);

export const MAZE_HEIGHT = 15;
export const MAZE_WIDTH = 19;
export const NUM_CELLS = MAZE_HEIGHT * MAZE_WIDTH;

/**
 * Moves in the action encoding: 0 stay, 1 right, 2 up, 3 left, 4 down (§2.3).
 * A ghost direction d (0 right, 1 up, 2 left, 3 down) is action d + 1; this is also the tie order.
 */
export const ACTION_DELTAS: readonly (readonly [number, number])[] = [[0, 0], [0, 1], [-1, 0], [0, -1], [1, 0]];
export const DIRECTION_NAMES: readonly string[] = ['right', 'up', 'left', 'down'];
// Ghost direction unit vectors (row, col), indexed by direction.
const DIR_DR = Int8Array.of(0, -1, 0, 1);
const DIR_DC = Int8Array.of(1, 0, -1, 0);

/** Precomputed lookups over the maze; every hot-path question is one array read. */
export interface MazeTables {
  /** 1 on walls, [NUM_CELLS]. */
  readonly walls: Uint8Array;
  /** Free cells in row-major order, [numFree]. */
  readonly freeCells: Int32Array;
  readonly row: Int32Array;
  readonly col: Int32Array;
  /** Cell reached by action a from cell c at `c * 5 + a`; a move into a wall stays put. */
  readonly next: Int32Array;
  /** Free ghost directions of cell c at `c * 4 + i`, i < numAvail[c], in tie order. */
  readonly avail: Int8Array;
  readonly numAvail: Uint8Array;
}

export function parseMaze(rows: readonly string[]): MazeTables {
  if (rows.length !== MAZE_HEIGHT || rows.some((r) => r.length !== MAZE_WIDTH)) {
    throw new RangeError(`parseMaze: maze must be ${MAZE_HEIGHT} rows of ${MAZE_WIDTH} characters`);
  }
  const walls = new Uint8Array(NUM_CELLS);
  const row = new Int32Array(NUM_CELLS);
  const col = new Int32Array(NUM_CELLS);
  const free: number[] = [];
  for (let c = 0; c < NUM_CELLS; c++) {
    row[c] = Math.floor(c / MAZE_WIDTH);
    col[c] = c % MAZE_WIDTH;
    walls[c] = (rows[row[c] as number] as string)[col[c] as number] === '#' ? 1 : 0;
    if (!walls[c]) free.push(c);
  }
  const isFree = (r: number, c: number): boolean =>
    r >= 0 && r < MAZE_HEIGHT && c >= 0 && c < MAZE_WIDTH && walls[r * MAZE_WIDTH + c] === 0;
  const next = new Int32Array(NUM_CELLS * 5);
  const avail = new Int8Array(NUM_CELLS * 4);
  const numAvail = new Uint8Array(NUM_CELLS);
  for (let cell = 0; cell < NUM_CELLS; cell++) {
    const r = row[cell] as number;
    const c = col[cell] as number;
    for (let a = 0; a < 5; a++) {
      const [dr, dc] = ACTION_DELTAS[a] as readonly [number, number];
      const ok = !walls[cell] && isFree(r + dr, c + dc);
      next[cell * 5 + a] = ok ? (r + dr) * MAZE_WIDTH + (c + dc) : cell;
      if (ok && a > 0) {
        const k = numAvail[cell] as number;
        avail[cell * 4 + k] = a - 1;
        numAvail[cell] = k + 1;
      }
    }
  }
  return { walls, freeCells: Int32Array.from(free), row, col, next, avail, numAvail };
}

/** The tables of MINI_PACMAN_MAZE, built once per process. */
export const MAZE: MazeTables = parseMaze(MINI_PACMAN_MAZE);

/** Ghosts per level: 1 + floor((level − 1) / 2) (§2.5). */
export function numGhosts(level: number): number {
  return 1 + Math.floor((level - 1) / 2);
}

/** Probability a ghost moves on a tick of `level` (§2.5); halved while powered, >= 1 means always. */
export function ghostSpeed(level: number, init: number, step: number): number {
  return init + step * (level - 1);
}

/**
 * True when `cell` is inside the ghost-free spawn window around Pacman: rows r−d … r+d−1 and cols
 * c−d … c+d−1. The window is one cell short on the far side, as the original slice `[r−d : r+d)` (§2.5).
 */
export function inSafetyWindow(t: MazeTables, cell: number, pacman: number, d: number): boolean {
  const dr = (t.row[cell] as number) - (t.row[pacman] as number);
  const dc = (t.col[cell] as number) - (t.col[pacman] as number);
  return dr >= -d && dr < d && dc >= -d && dc < d;
}

/**
 * The direction a ghost at `cell` heading `dir` takes when it moves this tick (§2.7).
 * Corridors keep the heading (or turn the corner without reversing); at a junction the reverse is
 * dropped and the ghost scores each remaining direction by v·unit(d), v = Pacman − ghost: it chases
 * (highest, first in tie order; uniform with probability `randomness`) or, when `powered`, flees
 * (lowest). Draws from `rng` only at an unpowered junction, as the original does.
 */
export function chooseGhostDirection(
  t: MazeTables, cell: number, dir: number, pacman: number, powered: boolean, randomness: number, rng: Rng,
): number {
  const n = t.numAvail[cell] as number;
  const base = cell * 4;
  const a0 = t.avail[base] as number;
  if (n <= 1) return n === 1 ? a0 : dir;
  const reverse = (dir + 2) & 3;
  if (n === 2) {
    const a1 = t.avail[base + 1] as number;
    if (a0 === dir || a1 === dir) return dir;
    return reverse === a0 ? a1 : a0;
  }
  const vr = (t.row[pacman] as number) - (t.row[cell] as number);
  const vc = (t.col[pacman] as number) - (t.col[cell] as number);
  if (vr === 0 && vc === 0) return dir;
  const numChoices = n - (hasDirection(t, cell, reverse) ? 1 : 0);
  if (!powered && rng.uniform() < randomness) return nthChoice(t, cell, reverse, rng.int(0, numChoices - 1));
  // Integer dot products v·d rank the directions exactly as v·unit(d) with v normalised: |v| > 0
  // scales every score alike, and equal magnitudes stay exact ties (first in tie order wins).
  let best = -1;
  let bestScore = 0;
  for (let i = 0; i < n; i++) {
    const d = t.avail[base + i] as number;
    if (d === reverse) continue;
    const score = vr * (DIR_DR[d] as number) + vc * (DIR_DC[d] as number);
    if (best < 0 || (powered ? score < bestScore : score > bestScore)) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

function hasDirection(t: MazeTables, cell: number, d: number): boolean {
  for (let i = 0; i < (t.numAvail[cell] as number); i++) if (t.avail[cell * 4 + i] === d) return true;
  return false;
}

/** The k-th free direction of `cell`, skipping `skip`. */
function nthChoice(t: MazeTables, cell: number, skip: number, k: number): number {
  for (let i = 0; i < (t.numAvail[cell] as number); i++) {
    const d = t.avail[cell * 4 + i] as number;
    if (d === skip) continue;
    if (k-- === 0) return d;
  }
  return skip; // unreachable: k < number of choices
}

/**
 * The observation painter (§2.9). It keeps a background image of walls, food and pills up to date
 * cell by cell, padded with wall cells by half the viewport, so an observation is one copy (full
 * view) or one crop that never leaves the array (viewport), then the ghosts and Pacman on top.
 * Channels: 'rgb' = colour by the first matching rule; 'planes' = [walls, food, pacman, ghost(1−e),
 * ghostEdible(e), pill] as in PillEater.
 */
export class MazeCanvas {
  readonly numChannels: number;
  /** Side of the square window, or 0 for the full view. */
  readonly viewportSize: number;
  private readonly planes: boolean;
  private readonly pad: number; // half the window: the wall margin
  private readonly paddedWidth: number;
  private readonly bg: Float32Array; // [15 + 2pad, 19 + 2pad, C]
  private readonly bgAllFood: Float32Array; // bg with food on every free cell and no pills
  private readonly cellOffset: Int32Array; // cell -> its index in bg

  constructor(private readonly t: MazeTables, obsMode: 'rgb' | 'planes', viewportSize: number) {
    this.planes = obsMode === 'planes';
    this.numChannels = this.planes ? 6 : 3;
    this.viewportSize = viewportSize;
    this.pad = viewportSize > 0 ? (viewportSize - 1) / 2 : 0;
    const C = this.numChannels;
    this.paddedWidth = MAZE_WIDTH + 2 * this.pad;
    this.bg = new Float32Array((MAZE_HEIGHT + 2 * this.pad) * this.paddedWidth * C);
    this.cellOffset = new Int32Array(NUM_CELLS);
    for (let cell = 0; cell < NUM_CELLS; cell++) {
      this.cellOffset[cell] = (((t.row[cell] as number) + this.pad) * this.paddedWidth + (t.col[cell] as number) + this.pad) * C;
    }
    // Everything starts as wall, the margin too, so a window overhanging the grid reads as wall.
    for (let i = 0; i < this.bg.length; i += C) {
      if (this.planes) this.bg[i] = 1;
      else this.bg.fill(1, i, i + 3);
    }
    for (const cell of t.freeCells) this.paintCell(cell, 1, 0);
    this.bgAllFood = this.bg.slice();
  }

  /** Food back on every free cell and no pills (level start). */
  refill(): void {
    this.bg.set(this.bgAllFood);
  }

  /** Redraws the background of free cell `cell`: pill over food over empty (planes: both). */
  paintCell(cell: number, food: number, pill: number): void {
    const off = this.cellOffset[cell] as number;
    if (this.planes) {
      this.bg[off] = 0;
      this.bg[off + 1] = food;
      this.bg[off + 5] = pill;
    } else {
      this.bg[off] = 0;
      this.bg[off + 1] = pill;
      this.bg[off + 2] = pill || food;
    }
  }

  /** A new observation; `edibility` = power / pillDuration, 1 → 0 as the power runs out. */
  observe(pacman: number, ghostCells: Int32Array, numGhosts: number, edibility: number): Float32Array {
    const t = this.t;
    const C = this.numChannels;
    let out: Float32Array;
    let pacOff: number;
    if (this.viewportSize === 0) {
      out = this.bg.slice();
      for (let i = 0; i < numGhosts; i++) this.paintGhost(out, this.cellOffset[ghostCells[i] as number] as number, edibility);
      pacOff = this.cellOffset[pacman] as number;
    } else {
      // The window's top-left in padded coordinates is Pacman's (row, col): the margin is the half-size.
      const S = this.viewportSize;
      const pr = t.row[pacman] as number;
      const pc = t.col[pacman] as number;
      const rowLen = S * C;
      out = new Float32Array(S * rowLen);
      for (let i = 0; i < S; i++) {
        const src = ((pr + i) * this.paddedWidth + pc) * C;
        for (let j = 0; j < rowLen; j++) out[i * rowLen + j] = this.bg[src + j] as number;
      }
      for (let i = 0; i < numGhosts; i++) {
        const g = ghostCells[i] as number;
        const dr = (t.row[g] as number) - pr + this.pad;
        const dc = (t.col[g] as number) - pc + this.pad;
        if (dr >= 0 && dr < S && dc >= 0 && dc < S) this.paintGhost(out, (dr * S + dc) * C, edibility);
      }
      pacOff = (this.pad * S + this.pad) * C;
    }
    if (this.planes) out[pacOff + 2] = 1;
    else { out[pacOff] = 0; out[pacOff + 1] = 1; out[pacOff + 2] = 0; }
    return out;
  }

  private paintGhost(out: Float32Array, off: number, e: number): void {
    if (this.planes) {
      out[off + 3] = 1 - e;
      out[off + 4] = e;
    } else {
      out[off] = 1;
      out[off + 1] = e;
      out[off + 2] = 0;
    }
  }
}
