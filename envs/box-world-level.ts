/**
 * Box-World levels: the cell vocabulary, the palette and procedural generation (docs/tasks.md §3.2–3.4).
 *
 * Follows DeepMind's pycolab `examples/research/box_world/box_world.py` (2019), the released code
 * of Zambaldi, Raposo, Santoro et al., "Relational Deep Reinforcement Learning" (arXiv 1806.01830).
 * A level is plain typed arrays so that the env can copy it in one `set` and tests can inspect it.
 */
import { ConfigError } from './errors.ts';
import type { Rng } from './rng.ts';

/** Key/lock colours (pycolab's COLORS). Abstract keys 1..19 map onto a per-level permutation of them. */
export const NUM_COLOURS = 20;
/** Largest abstract key index: pycolab draws distractor keys from range(L + 1, 20), so colour 20 of the permutation is never used. */
export const MAX_ABSTRACT_KEY = NUM_COLOURS - 1;
export const MAX_PLACEMENT_TRIES = 200;
export const MAX_GENERATION_TRIES = 200;

// Cell codes. Their order is also the symbolic observation's plane order (docs/tasks.md §3.7).
export const CELL_BACKGROUND = 0;
export const CELL_BORDER = 1;
export const CELL_AGENT = 2;
export const CELL_GEM = 3;
/** Key of colour k is CELL_KEY + k. */
export const CELL_KEY = 4;
/** Lock of colour k is CELL_LOCK + k. */
export const CELL_LOCK = CELL_KEY + NUM_COLOURS;
export const NUM_CELL_CODES = CELL_LOCK + NUM_COLOURS; // 44

export function isKey(code: number): boolean {
  return code >= CELL_KEY && code < CELL_LOCK;
}

export function isLock(code: number): boolean {
  return code >= CELL_LOCK && code < NUM_CELL_CODES;
}

/** HSV -> RGB, all in [0, 1]; hue in degrees. */
function hsvToRgb(hue: number, s: number, v: number): [number, number, number] {
  const c = v * s;
  const h = (hue % 360) / 60;
  const x = c * (1 - Math.abs((h % 2) - 1));
  const m = v - c;
  const [r, g, b] = h < 1 ? [c, x, 0] : h < 2 ? [x, c, 0] : h < 3 ? [0, c, x] : h < 4 ? [0, x, c] : h < 5 ? [x, 0, c] : [c, 0, x];
  return [r + m, g + m, b + m];
}

/** RGB in [0, 1] of each cell code, [NUM_CELL_CODES, 3] (docs/tasks.md §3.3). Key k and lock k share colour k. */
export const CELL_RGB: Float32Array = (() => {
  const rgb = new Float32Array(NUM_CELL_CODES * 3);
  rgb.set([0.8, 0.8, 0.8], CELL_BACKGROUND * 3);
  rgb.set([0, 0, 0], CELL_BORDER * 3);
  rgb.set([0.5, 0.5, 0.5], CELL_AGENT * 3);
  rgb.set([1, 1, 1], CELL_GEM * 3); // pycolab uses 999/1000; the spec rounds to 1
  for (let k = 0; k < NUM_COLOURS; k++) {
    const colour = hsvToRgb(18 * k, 0.5, 0.7);
    rgb.set(colour, (CELL_KEY + k) * 3);
    rgb.set(colour, (CELL_LOCK + k) * 3);
  }
  return rgb;
})();

/** What generation needs; BoxWorldOptions extends it. Lists are sampled uniformly per level. */
export interface LevelOptions {
  /** Interior size, 5 to 64 (BoxWorld); the board is (n + 2) x (n + 2) with a one-cell black border. */
  n: number;
  /** L = number of boxes on the path to the gem. */
  solutionLengths: readonly number[];
  /** F = number of forward distractor branches (each hangs off a path key). */
  numForward: readonly number[];
  /** B = number of backward distractors (a path key behind a never-available lock). */
  numBackward: readonly number[];
  /** Boxes per forward branch. */
  branchLength: number;
}

export interface BoxWorldLevel {
  readonly n: number;
  /** Cell codes, row-major [(n+2), (n+2)], without the agent; cell (0,0) is the (empty) inventory. */
  readonly cells: Uint8Array;
  /** 1 on the lock cells of distractor boxes (opening one costs -1 and ends the episode). */
  readonly distractor: Uint8Array;
  readonly agentRow: number;
  readonly agentCol: number;
  /** L: boxes to open, so the best return is L + 10. */
  readonly solutionLength: number;
  /** Generation attempts used (1 almost always at the default settings); 0 for hand-made levels. */
  readonly attempts: number;
}

/** Abstract content index of the gem (pycolab's -1). Abstract lock 0 means "no lock". */
const GEM_ABSTRACT = -1;

function pick(rng: Rng, list: readonly number[]): number {
  return list[rng.int(0, list.length - 1)] as number;
}

/**
 * Sample the key–lock graph (step 1 of §3.4): parallel lists of abstract (lock, content) pairs.
 * Entries 0..L are the solution path, later entries are distractors.
 */
function sampleGraph(rng: Rng, opts: LevelOptions): { L: number; locks: number[]; contents: number[] } {
  const L = pick(rng, opts.solutionLengths);
  const F = pick(rng, opts.numForward);
  const B = pick(rng, opts.numBackward);
  const locks: number[] = [];
  const contents: number[] = [];
  for (let i = 0; i <= L; i++) {
    locks.push(i);
    contents.push(i < L ? i + 1 : GEM_ABSTRACT);
  }
  for (let f = 0; f < F; f++) {
    let lock = rng.int(1, L);
    for (let b = 0; b < opts.branchLength; b++) {
      let key = rng.int(L + 1, MAX_ABSTRACT_KEY);
      while (key === lock) key = rng.int(L + 1, MAX_ABSTRACT_KEY);
      locks.push(lock);
      contents.push(key);
      lock = key;
    }
  }
  for (let b = 0; b < B; b++) {
    contents.push(rng.int(1, L));
    locks.push(rng.int(L + 1, MAX_ABSTRACT_KEY));
  }
  return { L, locks, contents };
}

/** True when the 3-row x 4-col block rows y-1..y+1, cols x-1..x+2 is all background (keeps a one-cell margin). */
function blockIsFree(cells: Uint8Array, size: number, y: number, x: number): boolean {
  for (let r = y - 1; r <= y + 1; r++) {
    for (let c = x - 1; c <= x + 2; c++) if (cells[r * size + c] !== CELL_BACKGROUND) return false;
  }
  return true;
}

/** A board of background with a border. */
function emptyBoard(n: number): Uint8Array {
  const size = n + 2;
  const cells = new Uint8Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      if (r === 0 || c === 0 || r === size - 1 || c === size - 1) cells[r * size + c] = CELL_BORDER;
    }
  }
  return cells;
}

/** One generation attempt (steps 1–3 of §3.4), or null after MAX_PLACEMENT_TRIES failed draws. */
function tryGenerate(rng: Rng, opts: LevelOptions, attempt: number): BoxWorldLevel | null {
  const { n } = opts;
  const size = n + 2;
  const { L, locks, contents } = sampleGraph(rng, opts);
  const perm = rng.permutation(NUM_COLOURS); // abstract j >= 1 -> colour perm[j - 1]
  const cells = emptyBoard(n);
  const distractor = new Uint8Array(size * size);
  let failures = 0;
  for (let i = 0; i < locks.length; i++) {
    let y = 0;
    let x = 0;
    for (;;) {
      if (failures >= MAX_PLACEMENT_TRIES) return null;
      y = rng.int(2, n - 1);
      x = rng.int(1, n - 3);
      if (blockIsFree(cells, size, y, x)) break;
      failures++;
    }
    const content = contents[i] as number;
    const lock = locks[i] as number;
    cells[y * size + x] = content === GEM_ABSTRACT ? CELL_GEM : CELL_KEY + (perm[content - 1] as number);
    if (lock !== 0) {
      cells[y * size + x + 1] = CELL_LOCK + (perm[lock - 1] as number);
      if (i > L) distractor[y * size + x + 1] = 1;
    }
  }
  for (;;) {
    if (failures >= MAX_PLACEMENT_TRIES) return null;
    const y = rng.int(2, n - 1);
    const x = rng.int(1, n - 1);
    if (cells[y * size + x] === CELL_BACKGROUND) {
      return { n, cells, distractor, agentRow: y, agentCol: x, solutionLength: L, attempts: attempt };
    }
    failures++;
  }
}

/**
 * Generate a level (docs/tasks.md §3.4): sample the graph, place every entry then the agent; after
 * MAX_PLACEMENT_TRIES failed draws start over, and give up after MAX_GENERATION_TRIES attempts.
 * Draws only from `rng`. Options are assumed valid (BoxWorld checks them at construction).
 */
export function generateLevel(rng: Rng, opts: LevelOptions): BoxWorldLevel {
  for (let attempt = 1; attempt <= MAX_GENERATION_TRIES; attempt++) {
    const level = tryGenerate(rng, opts, attempt);
    if (level) return level;
  }
  throw new ConfigError(
    `BoxWorld: could not place a level on an n=${opts.n} grid in ${MAX_GENERATION_TRIES} attempts `
    + `(solutionLengths ${JSON.stringify(opts.solutionLengths)}, numForward ${JSON.stringify(opts.numForward)}, `
    + `numBackward ${JSON.stringify(opts.numBackward)}, branchLength ${opts.branchLength}); use a larger n or fewer boxes`,
  );
}

/**
 * A hand-made level in pycolab's ASCII notation: '#' border, ' ' background, '.' agent, '*' gem,
 * 'a'..'t' key of colour 0..19, 'A'..'T' lock of colour 0..19 (a lock locks the cell to its left).
 * `distractorLocks` lists [row, col] of locks that cost -1; the others count toward L.
 * For tests, replays and puzzles that generation never produces (e.g. two loose keys).
 */
export function levelFromArt(art: readonly string[], distractorLocks: ReadonlyArray<readonly [number, number]> = []): BoxWorldLevel {
  const size = art.length;
  if (size < 3 || art.some((row) => row.length !== size)) {
    throw new ConfigError(`levelFromArt: art must be a square of at least 3 rows, got ${art.length} rows of lengths ${JSON.stringify(art.map((r) => r.length))}`);
  }
  const cells = new Uint8Array(size * size);
  const distractor = new Uint8Array(size * size);
  let agent = -1;
  let numPathLocks = 0;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const ch = (art[r] as string)[c] as string;
      const edge = r === 0 || c === 0 || r === size - 1 || c === size - 1;
      const code = artCode(ch);
      if (code === undefined) throw new ConfigError(`levelFromArt: unknown character ${JSON.stringify(ch)} at [${r}, ${c}]`);
      if (edge !== (code === CELL_BORDER)) throw new ConfigError(`levelFromArt: the border must be '#' and only the border, got ${JSON.stringify(ch)} at [${r}, ${c}]`);
      if (code === CELL_AGENT) {
        if (agent >= 0) throw new ConfigError(`levelFromArt: art must have exactly one agent '.', got a second at [${r}, ${c}]`);
        agent = r * size + c;
      } else {
        cells[r * size + c] = code;
      }
      if (isLock(code)) numPathLocks++;
    }
  }
  if (agent < 0) throw new ConfigError(`levelFromArt: art must have exactly one agent '.', got none`);
  for (const [r, c] of distractorLocks) {
    if (!isLock(cells[r * size + c] ?? CELL_BORDER)) throw new ConfigError(`levelFromArt: distractor [${r}, ${c}] must be a lock cell`);
    if (distractor[r * size + c] === 1) continue; // listed twice
    distractor[r * size + c] = 1;
    numPathLocks--;
  }
  const agentRow = Math.floor(agent / size);
  return { n: size - 2, cells, distractor, agentRow, agentCol: agent - agentRow * size, solutionLength: numPathLocks, attempts: 0 };
}

function artCode(ch: string): number | undefined {
  if (ch === '#') return CELL_BORDER;
  if (ch === ' ') return CELL_BACKGROUND;
  if (ch === '.') return CELL_AGENT;
  if (ch === '*') return CELL_GEM;
  const k = ch.charCodeAt(0);
  if (k >= 97 && k < 97 + NUM_COLOURS) return CELL_KEY + k - 97; // 'a'..'t'
  if (k >= 65 && k < 65 + NUM_COLOURS) return CELL_LOCK + k - 65; // 'A'..'T'
  return undefined;
}
