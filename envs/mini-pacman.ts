/**
 * Mini Pacman (docs/tasks.md §2): collect food in a fixed 15×19 maze while ghosts chase you; a power
 * pill makes them edible for 20 ticks. Five reward modes re-use one game (§2.8).
 *
 * Sources: Racanière et al. (2017), "Imagination-Augmented Agents for Deep Reinforcement Learning"
 * (I2A), NeurIPS, appendix "MiniPacman" — the rules follow its released `PillEater` code;
 * Santoro et al. (2018), "Relational recurrent neural networks", NeurIPS §5.3 — the 5×5 viewport.
 *
 * One `step` is one tick in the order of §2.6: Pacman moves and eats, then each ghost is checked
 * against Pacman, moves with probability `ghostSpeed`, and is checked again. Collisions are only ever
 * "same cell at a check". The observation is drawn before a timer-driven level change (§2.6 step 7),
 * so on that tick it still shows the old level; `info.level` already names the new one.
 *
 * Speed: the state is integers in typed arrays, and MazeCanvas keeps a background image (walls,
 * food, pills) up to date cell by cell, so an observation is one copy plus the ghosts and Pacman.
 */
import type { Env, EnvMetadata, GridFrame, Info, RenderMode, ResetOptions, ResetResult, StepResult } from './env.ts';
import { ConfigError, EnvError } from './errors.ts';
import { checkMax, checkOption, resolveKwargs } from './kwargs.ts';
import {
  MAZE, MAZE_HEIGHT, MAZE_WIDTH, MazeCanvas, NUM_CELLS, chooseGhostDirection, ghostSpeed, inSafetyWindow, numGhosts,
} from './mini-pacman-maze.ts';
import { Rng } from './rng.ts';
import { Box, Discrete } from './space.ts';

export { MINI_PACMAN_MAZE, numGhosts } from './mini-pacman-maze.ts';

export type MiniPacmanMode = 'regular' | 'avoid' | 'hunt' | 'ambush' | 'rush';

export interface MiniPacmanOptions {
  /** Reward mode (§2.8); RMC's task is 'regular'. */
  mode: MiniPacmanMode;
  /** 'full' sees the whole maze; 'viewport' a viewportSize² window centred on Pacman (RMC). */
  view: 'full' | 'viewport';
  /** Odd side of the viewport window. */
  viewportSize: number;
  /** 'rgb': 3 colour channels (§2.9 table); 'planes': PillEater's 6 planes. */
  obsMode: 'rgb' | 'planes';
  /** Ticks per episode before truncation; 0 = no limit. */
  frameCap: number;
  /** Ticks ghosts stay edible after a pill. */
  pillDuration: number;
  /** Power pills per level, 0 to 138 (the maze's free cells). */
  nPills: number;
  /** Ghost move probability at level 1, and its increase per level. */
  ghostSpeedInit: number;
  ghostSpeedStep: number;
  /** Probability an unpowered ghost picks a random direction at a junction. */
  ghostRandomness: number;
  /** Ghosts spawn outside rows r−d … r+d−1, cols c−d … c+d−1 around Pacman. */
  safeDistance: number;
  /** 'pilleater': the original code's timers (hunt and ambush never advance on time). */
  compat: 'none' | 'pilleater';
  /** Per-mode overrides of MINI_PACMAN_TIMERS (ticks until the next level; −1 = never). */
  timerTerminate: Partial<Record<MiniPacmanMode, number>>;
}

export const MINI_PACMAN_DEFAULTS: Readonly<MiniPacmanOptions> = Object.freeze({
  mode: 'regular',
  view: 'full',
  viewportSize: 5,
  obsMode: 'rgb',
  frameCap: 3000,
  pillDuration: 20,
  nPills: 2,
  ghostSpeedInit: 0.5,
  ghostSpeedStep: 0.1,
  ghostRandomness: 0.05,
  safeDistance: 5,
  compat: 'none',
  timerTerminate: {},
});

export interface MiniPacmanRules {
  step: number;
  food: number;
  pill: number;
  ghost: number;
  death: number;
  /** What clears a level besides the timer. */
  nextLevelOn: 'food' | 'ghosts' | 'pills';
}

/** The I2A appendix table (§2.8). */
export const MINI_PACMAN_RULES: Readonly<Record<MiniPacmanMode, Readonly<MiniPacmanRules>>> = Object.freeze({
  regular: { step: 0, food: 1, pill: 2, ghost: 5, death: 0, nextLevelOn: 'food' },
  avoid: { step: 0.1, food: -0.1, pill: -5, ghost: -10, death: -20, nextLevelOn: 'food' },
  hunt: { step: 0, food: 0, pill: 1, ghost: 10, death: -20, nextLevelOn: 'ghosts' },
  ambush: { step: 0, food: -0.1, pill: 0, ghost: 10, death: -20, nextLevelOn: 'ghosts' },
  rush: { step: 0, food: -0.1, pill: 10, ghost: 0, death: 0, nextLevelOn: 'pills' },
});

/** Level timers (§2.8 OPEN, recommended: the gym port's 80 for hunt/ambush). */
export const MINI_PACMAN_TIMERS: Readonly<Record<MiniPacmanMode, number>> = Object.freeze({
  regular: -1, avoid: 128, hunt: 80, ambush: 80, rush: -1,
});

export interface MiniPacmanInfo extends Info {
  level: number;
  frame: number;
}

/** A plain picture of the game state, for tests and debugging. Directions: 0 right, 1 up, 2 left, 3 down. */
export interface MiniPacmanState {
  pacman: [number, number];
  ghosts: { pos: [number, number]; dir: number }[];
  pills: [number, number][];
  food: [number, number][];
  power: number;
  level: number;
  levelTimer: number;
  frame: number;
}

const WHERE = 'MiniPacman';
const MODES = Object.keys(MINI_PACMAN_RULES) as MiniPacmanMode[];
/** Up to one pill per free cell (138); a typo of millions would be allocated and placed at every level. */
const MAX_PILLS = MAZE.freeCells.length;

export class MiniPacman implements Env<Float32Array, number, MiniPacmanInfo> {
  readonly options: Readonly<MiniPacmanOptions>;
  readonly observationSpace: Box;
  readonly actionSpace = new Discrete(5);
  readonly metadata: EnvMetadata = { renderModes: ['ansi', 'state'], renderFps: 8, actionNames: ['stay', 'right', 'up', 'left', 'down'] };
  /** Effective level timer of this mode (−1 = never). */
  readonly timerTerminate: number;

  private rng = new Rng(0);
  private readonly rules: Readonly<MiniPacmanRules>;
  private readonly canvas: MazeCanvas;
  private readonly food = new Uint8Array(NUM_CELLS);
  private readonly pillCount = new Uint8Array(NUM_CELLS);
  private pillCells = new Int32Array(0);
  private numPills = 0;
  private ghostCells = new Int32Array(0);
  private ghostDirs = new Int32Array(0);
  private numGhosts = 0;
  private pacman = 0;
  private power = 0;
  private level = 1;
  private levelTimer = 0;
  private frame = 0;
  private nFood = 0;
  private speed = 0;
  private score = 0;
  private foodEaten = 0;
  private ghostsEaten = 0;
  private phase: 'new' | 'running' | 'done' = 'new';

  constructor(kwargs: Partial<MiniPacmanOptions> = {}) {
    const o = resolveKwargs(WHERE, MINI_PACMAN_DEFAULTS, kwargs);
    validate(o);
    this.options = Object.freeze({ ...o, timerTerminate: Object.freeze({ ...o.timerTerminate }) });
    this.rules = MINI_PACMAN_RULES[o.mode];
    const compat = o.compat === 'pilleater' ? { hunt: -1, ambush: -1 } : {};
    this.timerTerminate = { ...MINI_PACMAN_TIMERS, ...compat, ...o.timerTerminate }[o.mode];
    const viewport = o.view === 'viewport';
    this.canvas = new MazeCanvas(MAZE, o.obsMode, viewport ? o.viewportSize : 0);
    const side = viewport ? [o.viewportSize, o.viewportSize] : [MAZE_HEIGHT, MAZE_WIDTH];
    this.observationSpace = new Box(0, 1, [...side, this.canvas.numChannels]);
  }

  reset(opts: ResetOptions = {}): ResetResult<Float32Array, MiniPacmanInfo> {
    if (opts.seed !== undefined) this.rng = new Rng(opts.seed);
    this.frame = 0;
    this.score = 0;
    this.foodEaten = 0;
    this.ghostsEaten = 0;
    this.initLevel(1);
    this.phase = 'running';
    return { obs: this.observe(), info: { level: this.level, frame: this.frame } };
  }

  step(action: number): StepResult<Float32Array, MiniPacmanInfo> {
    if (this.phase !== 'running') {
      throw new EnvError(this.phase === 'new'
        ? `${WHERE}: step() called before reset(); call reset() first`
        : `${WHERE}: step() called after the episode ended; call reset() to start a new one`);
    }
    const R = this.rules;
    const a = action >= 1 && action <= 4 ? action | 0 : 0; // the action wrapper validates; only index safely
    this.frame++;
    this.levelTimer++;
    let reward = R.step;
    this.power = Math.max(0, this.power - 1);
    const pac = MAZE.next[this.pacman * 5 + a] as number;
    this.pacman = pac;
    if (this.food[pac]) {
      this.food[pac] = 0;
      this.nFood--;
      this.foodEaten++;
      reward += R.food;
      this.paintCell(pac);
      if (this.nFood === 0 && R.nextLevelOn === 'food') this.initLevel(this.level + 1);
    }
    if (this.pillCount[this.pacman]) { // a new level may have moved Pacman onto a pill
      this.removePill(this.pacman);
      reward += R.pill;
      this.power = this.options.pillDuration;
      if (this.numPills === 0 && R.nextLevelOn === 'pills') this.initLevel(this.level + 1);
    }
    let died = false;
    // A ghost on Pacman's cell kills him, or is eaten while powered; eating one stops the loop
    // (at most one ghost eaten per tick; later ghosts do not move). Death does not stop it: as the
    // original, every ghost that touches Pacman this tick adds deathReward again.
    const collide = (i: number): boolean => {
      if (this.ghostCells[i] !== this.pacman) return false;
      if (this.power === 0) { died = true; reward += R.death; return false; }
      reward += this.eatGhost(i);
      return true;
    };
    for (let i = 0; i < this.numGhosts; i++) {
      if (collide(i)) break;
      const p = this.power > 0 ? this.speed * 0.5 : this.speed;
      if (this.rng.uniform() < p) {
        const cell = this.ghostCells[i] as number;
        const dir = chooseGhostDirection(MAZE, cell, this.ghostDirs[i] as number, this.pacman, this.power > 0,
          this.options.ghostRandomness, this.rng);
        this.ghostDirs[i] = dir;
        this.ghostCells[i] = MAZE.next[cell * 5 + dir + 1] as number;
        if (collide(i)) break;
      }
    }
    const obs = this.observe();
    if (this.levelTimer === this.timerTerminate) this.initLevel(this.level + 1);
    const truncated = !died && this.options.frameCap > 0 && this.frame >= this.options.frameCap;
    if (died || truncated) this.phase = 'done';
    this.score += reward;
    return { obs, reward, terminated: died, truncated, info: { level: this.level, frame: this.frame } };
  }

  /** 'ansi': the maze as text plus a status line; 'state': a GridFrame of the full maze. */
  render(mode: 'ansi'): string;
  render(mode: 'state'): GridFrame;
  render(mode: RenderMode): string | GridFrame;
  render(mode: RenderMode): string | GridFrame {
    if (mode !== 'ansi' && mode !== 'state') {
      throw new EnvError(`${WHERE}: render mode must be one of ansi, state, got ${JSON.stringify(mode)}`);
    }
    const ghostAt = new Uint8Array(NUM_CELLS);
    for (let i = 0; i < this.numGhosts; i++) ghostAt[this.ghostCells[i] as number] = 1;
    const size = this.options.viewportSize;
    const r0 = (MAZE.row[this.pacman] as number) - (size - 1) / 2;
    const c0 = (MAZE.col[this.pacman] as number) - (size - 1) / 2;
    const viewport = this.options.view === 'viewport' ? { row: r0, col: c0, size } : null;
    if (mode === 'ansi') {
      const lines: string[] = [];
      for (let r = 0; r < MAZE_HEIGHT; r++) {
        let line = '';
        for (let c = 0; c < MAZE_WIDTH; c++) line += this.glyph(r * MAZE_WIDTH + c, ghostAt);
        lines.push(line);
      }
      lines.push(`score ${round3(this.score)}  level ${this.level}  frame ${this.frame}  power ${this.power}`);
      if (viewport) lines.push(`viewport rows ${r0}..${r0 + size - 1}, cols ${c0}..${c0 + size - 1} (${size}x${size} around P)`);
      return lines.join('\n');
    }
    const e = this.power / this.options.pillDuration;
    const rgb: number[] = [];
    for (let cell = 0; cell < NUM_CELLS; cell++) {
      for (const v of this.colour(cell, ghostAt, e)) rgb.push(Math.round(v * 255));
    }
    return {
      kind: 'grid', height: MAZE_HEIGHT, width: MAZE_WIDTH, rgb,
      agent: [MAZE.row[this.pacman] as number, MAZE.col[this.pacman] as number], viewport,
      level: this.level, score: this.score, power: this.power, frame: this.frame,
    };
  }

  episodeMetrics(): Record<string, number> {
    return { level: this.level, foodEaten: this.foodEaten, ghostsEaten: this.ghostsEaten };
  }

  /** The current game state as plain data. */
  getState(): MiniPacmanState {
    const pos = (cell: number): [number, number] => [MAZE.row[cell] as number, MAZE.col[cell] as number];
    const ghosts = Array.from(this.ghostCells.subarray(0, this.numGhosts), (cell, i) => ({ pos: pos(cell), dir: this.ghostDirs[i] as number }));
    return {
      pacman: pos(this.pacman), ghosts, pills: Array.from(this.pillCells.subarray(0, this.numPills), pos),
      food: Array.from(MAZE.freeCells).filter((cell) => this.food[cell]).map(pos),
      power: this.power, level: this.level, levelTimer: this.levelTimer, frame: this.frame,
    };
  }

  /**
   * Test seam: overwrite parts of the state after reset() to set up an exact scenario. Setting
   * `level` also sets that level's ghost speed. Not for agents: it bypasses the rules.
   */
  setStateForTest(patch: Partial<MiniPacmanState>): void {
    if (this.phase === 'new') throw new EnvError(`${WHERE}: setStateForTest() called before reset(); call reset() first`);
    const cellOf = ([r, c]: [number, number]): number => {
      const cell = r * MAZE_WIDTH + c;
      if (!(r >= 0 && r < MAZE_HEIGHT && c >= 0 && c < MAZE_WIDTH) || MAZE.walls[cell]) {
        throw new EnvError(`${WHERE}: setStateForTest positions must be free cells, got [${r}, ${c}]`);
      }
      return cell;
    };
    if (patch.pacman) this.pacman = cellOf(patch.pacman);
    if (patch.ghosts) {
      this.ensureGhostCapacity(patch.ghosts.length);
      this.numGhosts = patch.ghosts.length;
      patch.ghosts.forEach((g, i) => { this.ghostCells[i] = cellOf(g.pos); this.ghostDirs[i] = g.dir & 3; });
    }
    if (patch.food) {
      this.food.fill(0);
      for (const p of patch.food) this.food[cellOf(p)] = 1;
      this.nFood = patch.food.length;
    }
    if (patch.pills) {
      this.pillCount.fill(0);
      this.pillCells = Int32Array.from(patch.pills, cellOf);
      this.numPills = this.pillCells.length;
      for (const cell of this.pillCells) this.pillCount[cell]!++;
    }
    if (patch.power !== undefined) this.power = patch.power;
    if (patch.level !== undefined) {
      this.level = patch.level;
      this.speed = ghostSpeed(this.level, this.options.ghostSpeedInit, this.options.ghostSpeedStep);
    }
    if (patch.levelTimer !== undefined) this.levelTimer = patch.levelTimer;
    if (patch.frame !== undefined) this.frame = patch.frame;
    for (const cell of MAZE.freeCells) this.paintCell(cell);
  }

  /** §2.5, in the original's order of random draws: pills, Pacman, then each ghost's cell and heading. */
  private initLevel(level: number): void {
    const o = this.options;
    const free = MAZE.freeCells;
    const pick = (): number => free[this.rng.int(0, free.length - 1)] as number;
    this.level = level;
    for (const cell of free) this.food[cell] = 1;
    this.nFood = free.length;
    this.canvas.refill();
    for (let i = 0; i < this.numPills; i++) this.pillCount[this.pillCells[i] as number] = 0;
    if (this.pillCells.length !== o.nPills) this.pillCells = new Int32Array(o.nPills);
    for (let i = 0; i < o.nPills; i++) {
      const cell = pick();
      this.pillCells[i] = cell;
      this.pillCount[cell]!++;
      this.paintCell(cell);
    }
    this.numPills = o.nPills;
    this.pacman = pick();
    this.numGhosts = numGhosts(level);
    this.ensureGhostCapacity(this.numGhosts);
    for (let i = 0; i < this.numGhosts; i++) {
      let cell = pick();
      while (inSafetyWindow(MAZE, cell, this.pacman, o.safeDistance)) cell = pick(); // uniform over the rest
      this.ghostCells[i] = cell;
      this.ghostDirs[i] = this.rng.int(0, 3); // §2.5 OPEN: uniform over the 4 directions
    }
    this.power = 0;
    this.levelTimer = 0;
    this.speed = ghostSpeed(level, o.ghostSpeedInit, o.ghostSpeedStep);
  }

  private ensureGhostCapacity(n: number): void {
    if (this.ghostCells.length >= n) return;
    const cap = Math.max(n, 2 * this.ghostCells.length);
    const cells = new Int32Array(cap);
    const dirs = new Int32Array(cap);
    cells.set(this.ghostCells);
    dirs.set(this.ghostDirs);
    this.ghostCells = cells;
    this.ghostDirs = dirs;
  }

  /** Removes one pill at `cell` (the first in list order), keeping the order of the rest. */
  private removePill(cell: number): void {
    const i = this.pillCells.subarray(0, this.numPills).indexOf(cell);
    this.pillCells.copyWithin(i, i + 1, this.numPills);
    this.numPills--;
    this.pillCount[cell]!--;
    this.paintCell(cell);
  }

  /** Removes ghost i (list order kept) and returns the reward; may start the next level. */
  private eatGhost(i: number): number {
    this.ghostCells.copyWithin(i, i + 1, this.numGhosts);
    this.ghostDirs.copyWithin(i, i + 1, this.numGhosts);
    this.numGhosts--;
    this.ghostsEaten++;
    if (this.numGhosts === 0 && this.rules.nextLevelOn === 'ghosts') this.initLevel(this.level + 1);
    return this.rules.ghost;
  }

  private paintCell(cell: number): void {
    this.canvas.paintCell(cell, this.food[cell] as number, this.pillCount[cell] ? 1 : 0);
  }

  private observe(): Float32Array {
    return this.canvas.observe(this.pacman, this.ghostCells, this.numGhosts, this.power / this.options.pillDuration);
  }

  /** Full-view RGB of one cell (§2.9 table), for render. */
  private colour(cell: number, ghostAt: Uint8Array, e: number): [number, number, number] {
    if (cell === this.pacman) return [0, 1, 0];
    if (ghostAt[cell]) return [1, e, 0];
    if (this.pillCount[cell]) return [0, 1, 1];
    if (this.food[cell]) return [0, 0, 1];
    return MAZE.walls[cell] ? [1, 1, 1] : [0, 0, 0];
  }

  private glyph(cell: number, ghostAt: Uint8Array): string {
    if (cell === this.pacman) return 'P';
    if (ghostAt[cell]) return this.power > 0 ? 'g' : 'G';
    if (this.pillCount[cell]) return 'o';
    if (this.food[cell]) return '.';
    return MAZE.walls[cell] ? '#' : ' ';
  }
}

function validate(o: MiniPacmanOptions): void {
  const isInt = (v: number, min: number): boolean => Number.isInteger(v) && v >= min;
  const isNum = (v: number, min: number): boolean => Number.isFinite(v) && v >= min;
  checkOption(MODES.includes(o.mode), WHERE, 'mode', `be one of ${MODES.join(', ')}`, o.mode);
  checkOption(o.view === 'full' || o.view === 'viewport', WHERE, 'view', 'be one of full, viewport', o.view);
  checkOption(isInt(o.viewportSize, 1) && o.viewportSize % 2 === 1 && o.viewportSize <= 39, WHERE, 'viewportSize',
    'be an odd integer from 1 to 39', o.viewportSize);
  checkOption(o.obsMode === 'rgb' || o.obsMode === 'planes', WHERE, 'obsMode', 'be one of rgb, planes', o.obsMode);
  checkOption(isInt(o.frameCap, 0), WHERE, 'frameCap', 'be an integer >= 0 (0 = no limit)', o.frameCap);
  checkOption(isInt(o.pillDuration, 1), WHERE, 'pillDuration', 'be an integer >= 1', o.pillDuration);
  checkOption(isInt(o.nPills, 0), WHERE, 'nPills', 'be an integer >= 0', o.nPills);
  checkMax(WHERE, 'nPills', o.nPills, 0, MAX_PILLS);
  checkOption(isNum(o.ghostSpeedInit, 0), WHERE, 'ghostSpeedInit', 'be a number >= 0', o.ghostSpeedInit);
  checkOption(isNum(o.ghostSpeedStep, 0), WHERE, 'ghostSpeedStep', 'be a number >= 0', o.ghostSpeedStep);
  checkOption(isNum(o.ghostRandomness, 0) && o.ghostRandomness <= 1, WHERE, 'ghostRandomness', 'be in [0, 1]', o.ghostRandomness);
  checkOption(isInt(o.safeDistance, 0), WHERE, 'safeDistance', 'be an integer >= 0', o.safeDistance);
  // Ghost spawning must always find a cell, wherever Pacman stands.
  const spawnable = Array.from(MAZE.freeCells).every((p) =>
    Array.from(MAZE.freeCells).some((g) => !inSafetyWindow(MAZE, g, p, o.safeDistance)));
  checkOption(spawnable, WHERE, 'safeDistance', 'leave free cells for ghosts wherever Pacman starts', o.safeDistance);
  checkOption(o.compat === 'none' || o.compat === 'pilleater', WHERE, 'compat', 'be one of none, pilleater', o.compat);
  const t = o.timerTerminate as unknown;
  if (t === null || typeof t !== 'object' || Array.isArray(t)) {
    throw new ConfigError(`${WHERE}: timerTerminate must be an object of per-mode ticks, got ${JSON.stringify(t)}`);
  }
  for (const [mode, ticks] of Object.entries(t)) {
    checkOption(MODES.includes(mode as MiniPacmanMode), WHERE, 'timerTerminate keys', `be modes (${MODES.join(', ')})`, mode);
    checkOption(ticks === -1 || (typeof ticks === 'number' && isInt(ticks, 1)), WHERE, `timerTerminate.${mode}`,
      'be -1 (never) or an integer >= 1', ticks);
  }
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
