/**
 * Box-World: a key–lock puzzle on a grid (docs/tasks.md §3), as in DeepMind's pycolab
 * `examples/research/box_world` (Zambaldi et al. 2018, "Relational Deep Reinforcement Learning",
 * arXiv 1806.01830), with the 5x5 viewport variant of the RMC paper (Santoro et al. 2018,
 * arXiv 1806.01822, App. A.3).
 *
 * The agent holds at most one key (drawn in the border cell (0,0)). Walking onto a lock with the
 * matching key opens the box: +1 on the solution path, -1 and the episode ends on a distractor.
 * Walking onto the unlocked gem gives +10 and ends the episode. The board is kept as Uint8Array
 * cell codes plus a cached RGB image updated cell by cell, so a step costs a few writes and one copy.
 */
import type { Env, EnvMetadata, GridFrame, RenderMode, ResetOptions, ResetResult, StepResult } from './env.ts';
import { ConfigError, EnvError } from './errors.ts';
import { checkMax, checkOption, resolveKwargs } from './kwargs.ts';
import { Rng } from './rng.ts';
import { Box, Discrete } from './space.ts';
import {
  CELL_AGENT, CELL_BACKGROUND, CELL_BORDER, CELL_GEM, CELL_KEY, CELL_LOCK, CELL_RGB, MAX_ABSTRACT_KEY,
  MAX_GENERATION_TRIES, NUM_CELL_CODES, NUM_COLOURS, generateLevel, isLock,
} from './box-world-level.ts';
import type { BoxWorldLevel, LevelOptions } from './box-world-level.ts';

export interface BoxWorldOptions extends LevelOptions {
  /** Actions before `truncated` (pycolab's counter allows 121; the spec uses 120). */
  maxSteps: number;
  /** 'full': the whole [n+2, n+2] board (Zambaldi); 'viewport': a 5x5 window on the agent (RMC A.3). */
  view: 'full' | 'viewport';
  /** Viewport only: the held key as constant extra channels ('plane') or a few values after the window ('vector'). */
  heldKeyEncoding: 'plane' | 'vector';
  /** 'rgb' colours, or 'symbolic' one-hot planes over the NUM_CELL_CODES cell codes (for debugging). */
  obsMode: 'rgb' | 'symbolic';
}

/** pycolab's defaults (believed to be Zambaldi's training levels). The RMC viewport variant uses L 1..5, F 0..5. */
export const BOX_WORLD_DEFAULTS: BoxWorldOptions = Object.freeze({
  n: 12,
  solutionLengths: Object.freeze([1, 2, 3, 4]),
  numForward: Object.freeze([0, 1, 2, 3, 4]),
  numBackward: Object.freeze([0]),
  branchLength: 1,
  maxSteps: 120,
  view: 'full',
  heldKeyEncoding: 'plane',
  obsMode: 'rgb',
});

export type BoxWorldInfo = {
  /** L of this level: boxes to open, so the best return is L + 10. */
  solutionLength: number;
  /** Colour index 0..19 of the held key, or -1 when nothing is held. */
  heldKey: number;
};

/** `render('state')`: the board picture plus what the viewer shows beside it. */
export interface BoxWorldFrame extends GridFrame {
  /** RGB bytes of the held key, or null. */
  readonly heldKey: number[] | null;
  readonly solutionLength: number;
  readonly steps: number;
}

const WHERE = 'BoxWorld';
const VIEW_SIZE = 5;
const VIEW_CELLS = VIEW_SIZE * VIEW_SIZE;
const VIEW_RADIUS = (VIEW_SIZE - 1) / 2;
/**
 * Largest interior size n (Zambaldi's levels use 12). The full view is [n+2, n+2, C] and the conv
 * encoder's linear layer grows with n²: at the default agent, n = 64 already gives 25M weights.
 */
export const BOX_WORLD_MAX_N = 64;

/** Checks beyond resolveKwargs' type check. Colour budget: path keys 1..L, distractor keys L+1..19. */
function checkOptions(o: BoxWorldOptions): void {
  const ints = (v: readonly number[], lo: number, hi = Infinity): boolean =>
    Array.isArray(v) && v.length > 0 && v.every((x) => Number.isInteger(x) && x >= lo && x <= hi);
  checkOption(Number.isInteger(o.n) && o.n >= 5, WHERE, 'n', 'be an integer >= 5', o.n);
  checkMax(WHERE, 'n', o.n, 5, BOX_WORLD_MAX_N);
  checkOption(ints(o.solutionLengths, 1, MAX_ABSTRACT_KEY), WHERE, 'solutionLengths', `be a non-empty list of integers in [1, ${MAX_ABSTRACT_KEY}]`, o.solutionLengths);
  checkOption(ints(o.numForward, 0), WHERE, 'numForward', 'be a non-empty list of integers >= 0', o.numForward);
  checkOption(ints(o.numBackward, 0), WHERE, 'numBackward', 'be a non-empty list of integers >= 0', o.numBackward);
  checkOption(Number.isInteger(o.branchLength) && o.branchLength >= 1, WHERE, 'branchLength', 'be an integer >= 1', o.branchLength);
  checkOption(Number.isInteger(o.maxSteps) && o.maxSteps >= 1, WHERE, 'maxSteps', 'be an integer >= 1', o.maxSteps);
  checkOption(o.view === 'full' || o.view === 'viewport', WHERE, 'view', "be one of 'full', 'viewport'", o.view);
  checkOption(o.heldKeyEncoding === 'plane' || o.heldKeyEncoding === 'vector', WHERE, 'heldKeyEncoding', "be one of 'plane', 'vector'", o.heldKeyEncoding);
  checkOption(o.obsMode === 'rgb' || o.obsMode === 'symbolic', WHERE, 'obsMode', "be one of 'rgb', 'symbolic'", o.obsMode);
  const maxL = Math.max(...o.solutionLengths);
  const maxF = Math.max(...o.numForward);
  const maxB = Math.max(...o.numBackward);
  // Forward branches longer than 1 need two distractor colours (a branch key differs from its lock).
  const distractorColours = maxB > 0 || maxF > 0 ? (maxF > 0 && o.branchLength > 1 ? 2 : 1) : 0;
  checkOption(maxL + distractorColours <= MAX_ABSTRACT_KEY, WHERE, 'solutionLengths',
    `leave ${distractorColours} of the ${MAX_ABSTRACT_KEY} colours for distractor keys (max ${MAX_ABSTRACT_KEY - distractorColours} with these numForward/numBackward/branchLength)`,
    o.solutionLengths);
  // Objects' content cells are never 8-adjacent, so 2x2 blocks anchored on them are disjoint inside
  // rows 2..n, cols 2..n-1: a hard bound. Under it, try the largest level once on a throwaway stream,
  // so a size that (almost) never fits fails here and not mid-training.
  const numObjects = maxL + 1 + maxF * o.branchLength + maxB;
  let fits = numObjects <= ((o.n - 1) * (o.n - 2)) / 4;
  const largest = { ...o, solutionLengths: [maxL], numForward: [maxF], numBackward: [maxB] };
  try { if (fits) generateLevel(new Rng(0), largest); } catch (e) { if (e instanceof ConfigError) fits = false; else throw e; }
  checkOption(fits, WHERE, 'n', `be large enough for the largest level (L=${maxL}, F=${maxF}, B=${maxB}, `
    + `branchLength ${o.branchLength}: ${numObjects} objects, each with a one-cell margin); no placement found in `
    + `${MAX_GENERATION_TRIES} attempts, use a larger n or fewer boxes`, o.n);
}

export class BoxWorld implements Env<Float32Array, number> {
  readonly observationSpace: Box;
  readonly actionSpace = new Discrete(4);
  readonly metadata: EnvMetadata = Object.freeze({ renderModes: Object.freeze(['ansi', 'state'] as const), renderFps: 8, actionNames: Object.freeze(['up', 'down', 'left', 'right']) });
  readonly options: Readonly<BoxWorldOptions>;

  private rng = new Rng(0);
  private readonly size: number; // board side, n + 2
  /** Flat-index step of each action: 0 up, 1 down, 2 left, 3 right. */
  private readonly offsets: Int32Array;
  private readonly cells: Uint8Array; // codes with the agent, and the held key at (0,0)
  private readonly image: Float32Array; // [size, size, 3] RGB of `cells`
  private readonly obsChannels: number; // per window cell: 3 (rgb) or NUM_CELL_CODES (symbolic)
  private readonly heldSize: number; // held-key values: 3 (rgb) or NUM_COLOURS (symbolic one-hot)
  private current: BoxWorldLevel | null = null;
  private distractor: Uint8Array = new Uint8Array(0);
  private agent = 0; // flat index
  private held = -1; // colour of the held key, -1 when none
  private steps = 0;
  private episodeReturn = 0;
  private boxesOpened = 0;
  private solved = 0;
  private done = false;

  constructor(kwargs: Partial<BoxWorldOptions> = {}) {
    const o = resolveKwargs(WHERE, BOX_WORLD_DEFAULTS, kwargs as Record<string, unknown>);
    checkOptions(o);
    // Copy the lists so a caller mutating theirs later cannot change this env.
    this.options = Object.freeze({
      ...o, solutionLengths: [...o.solutionLengths], numForward: [...o.numForward], numBackward: [...o.numBackward],
    });
    this.size = o.n + 2;
    this.offsets = Int32Array.from([-this.size, this.size, -1, 1]);
    this.cells = new Uint8Array(this.size * this.size);
    this.image = new Float32Array(this.size * this.size * 3);
    const symbolic = o.obsMode === 'symbolic';
    this.obsChannels = symbolic ? NUM_CELL_CODES : 3;
    this.heldSize = symbolic ? NUM_COLOURS : 3;
    const shape = o.view === 'full' ? [this.size, this.size, this.obsChannels]
      : o.heldKeyEncoding === 'plane' ? [VIEW_SIZE, VIEW_SIZE, this.obsChannels + this.heldSize]
        : [VIEW_CELLS * this.obsChannels + this.heldSize];
    this.observationSpace = new Box(0, 1, shape);
  }

  /** The current episode's level as generated (not updated as the agent plays); null before reset. */
  get level(): BoxWorldLevel | null {
    return this.current;
  }

  /** A copy of the current cell codes (agent included, held key at (0,0)); a seam for tests and tools. */
  cellCodes(): Uint8Array {
    return this.cells.slice();
  }

  reset(opts: ResetOptions = {}): ResetResult<Float32Array, BoxWorldInfo> {
    if (opts.options && Object.keys(opts.options).length > 0) {
      throw new ConfigError(`${WHERE}: reset() takes no options, got ${JSON.stringify(Object.keys(opts.options))}`);
    }
    if (opts.seed !== undefined) this.rng = new Rng(opts.seed);
    return this.start(generateLevel(this.rng, this.options));
  }

  /** Start an episode on a given level (hand-made with levelFromArt, or replayed); does not touch the Rng. */
  resetToLevel(level: BoxWorldLevel): ResetResult<Float32Array, BoxWorldInfo> {
    if (level.n !== this.options.n) throw new ConfigError(`${WHERE}: resetToLevel needs a level with n=${this.options.n}, got n=${level.n}`);
    return this.start(level);
  }

  step(action: number): StepResult<Float32Array, BoxWorldInfo> {
    if (!this.current) throw new EnvError(`${WHERE}: step() called before reset()`);
    if (this.done) throw new EnvError(`${WHERE}: step() called after the episode ended; call reset() first`);
    const cells = this.cells;
    // An action outside 0..3 (unchecked here, the wrapper's job) targets the agent's own cell: no move.
    const target = this.agent + (this.offsets[action] ?? 0);
    const code = cells[target] as number;
    let reward = 0;
    let terminated = false;
    if (code === CELL_BACKGROUND) {
      this.moveTo(target);
    } else if (isLock(code)) {
      if (code - CELL_LOCK === this.held) {
        this.moveTo(target);
        this.setHeld(-1); // the key is used up
        this.boxesOpened++;
        if (this.distractor[target] === 1) {
          reward = -1;
          terminated = true;
        } else {
          reward = 1;
        }
      }
    } else if ((code === CELL_GEM || code >= CELL_KEY) && !isLock(cells[target + 1] as number)) {
      this.moveTo(target);
      if (code === CELL_GEM) {
        reward = 10;
        terminated = true;
        this.solved = 1;
      } else {
        this.setHeld(code - CELL_KEY); // any key held before is lost
      }
    }
    this.steps++;
    this.episodeReturn += reward;
    const truncated = !terminated && this.steps >= this.options.maxSteps;
    this.done = terminated || truncated;
    return { obs: this.observe(), reward, terminated, truncated, info: this.info() };
  }

  render(mode: 'ansi'): string;
  render(mode: 'state'): BoxWorldFrame;
  render(mode: RenderMode): string | BoxWorldFrame;
  render(mode: RenderMode): string | BoxWorldFrame {
    if (!this.current) throw new EnvError(`${WHERE}: render() called before reset()`);
    if (mode === 'ansi') return this.renderAnsi();
    if (mode === 'state') return this.renderState();
    throw new ConfigError(`${WHERE}: render mode must be one of 'ansi', 'state', got ${JSON.stringify(mode)}`);
  }

  episodeMetrics(): Record<string, number> {
    return { solved: this.solved, solutionLength: this.current?.solutionLength ?? 0, boxesOpened: this.boxesOpened };
  }

  private start(level: BoxWorldLevel): ResetResult<Float32Array, BoxWorldInfo> {
    this.current = level;
    this.distractor = level.distractor;
    this.cells.set(level.cells);
    this.agent = level.agentRow * this.size + level.agentCol;
    this.cells[this.agent] = CELL_AGENT;
    this.held = -1;
    this.cells[0] = CELL_BORDER;
    for (let i = 0; i < this.cells.length; i++) this.paint(i);
    this.steps = 0;
    this.episodeReturn = 0;
    this.boxesOpened = 0;
    this.solved = 0;
    this.done = false;
    return { obs: this.observe(), info: this.info() };
  }

  private info(): BoxWorldInfo {
    return { solutionLength: (this.current as BoxWorldLevel).solutionLength, heldKey: this.held };
  }

  /** Copy cell i's colour into the cached image. */
  private paint(i: number): void {
    const src = (this.cells[i] as number) * 3;
    const dst = i * 3;
    this.image[dst] = CELL_RGB[src] as number;
    this.image[dst + 1] = CELL_RGB[src + 1] as number;
    this.image[dst + 2] = CELL_RGB[src + 2] as number;
  }

  /** Objects the agent enters are gone (opened lock, taken key), so the cell left behind is background. */
  private moveTo(target: number): void {
    this.cells[this.agent] = CELL_BACKGROUND;
    this.paint(this.agent);
    this.cells[target] = CELL_AGENT;
    this.paint(target);
    this.agent = target;
  }

  /** The inventory lives in border cell (0,0): black when empty, else the key's colour (pycolab). */
  private setHeld(colour: number): void {
    this.held = colour;
    this.cells[0] = colour < 0 ? CELL_BORDER : CELL_KEY + colour;
    this.paint(0);
  }

  private observe(): Float32Array {
    if (this.options.view === 'viewport') return this.observeViewport();
    if (this.obsChannels === 3) return new Float32Array(this.image); // the copy constructor beats slice() in V8
    const out = new Float32Array(this.cells.length * NUM_CELL_CODES);
    for (let i = 0; i < this.cells.length; i++) out[i * NUM_CELL_CODES + (this.cells[i] as number)] = 1;
    return out;
  }

  /** 5x5 window centred on the agent (black / border outside the board) + the held key (docs/tasks.md §3.7). */
  private observeViewport(): Float32Array {
    const size = this.size;
    const C = this.obsChannels;
    const plane = this.options.heldKeyEncoding === 'plane';
    const stride = plane ? C + this.heldSize : C;
    const out = new Float32Array(this.observationSpace.size);
    const agentRow = Math.floor(this.agent / size);
    const agentCol = this.agent - agentRow * size;
    let o = 0;
    for (let r = agentRow - VIEW_RADIUS; r <= agentRow + VIEW_RADIUS; r++) {
      for (let c = agentCol - VIEW_RADIUS; c <= agentCol + VIEW_RADIUS; c++, o += stride) {
        const inside = r >= 0 && r < size && c >= 0 && c < size;
        if (C === 3) {
          if (!inside) continue; // zeros are black
          const src = (r * size + c) * 3;
          out[o] = this.image[src] as number;
          out[o + 1] = this.image[src + 1] as number;
          out[o + 2] = this.image[src + 2] as number;
        } else {
          out[o + (inside ? (this.cells[r * size + c] as number) : CELL_BORDER)] = 1; // off-board reads as wall, like the black RGB
        }
      }
    }
    if (this.held >= 0) {
      if (!plane) this.writeHeld(out, VIEW_CELLS * C);
      else for (let i = 0; i < VIEW_CELLS; i++) this.writeHeld(out, i * stride + C);
    }
    return out;
  }

  private writeHeld(out: Float32Array, at: number): void {
    if (this.heldSize === NUM_COLOURS) {
      out[at + this.held] = 1;
      return;
    }
    const src = (CELL_KEY + this.held) * 3;
    out[at] = CELL_RGB[src] as number;
    out[at + 1] = CELL_RGB[src + 1] as number;
    out[at + 2] = CELL_RGB[src + 2] as number;
  }

  private rgbBytes(code: number): [number, number, number] {
    return [0, 1, 2].map((ch) => Math.round((CELL_RGB[code * 3 + ch] as number) * 255)) as [number, number, number];
  }

  private renderAnsi(): string {
    const lines: string[] = [];
    for (let r = 0; r < this.size; r++) {
      let line = '\x1b[30m'; // black glyphs read on every cell colour
      for (let c = 0; c < this.size; c++) {
        const code = this.cells[r * this.size + c] as number;
        const glyph = code === CELL_AGENT ? '@@' : code === CELL_GEM ? '**' : '  ';
        line += `\x1b[48;2;${this.rgbBytes(code).join(';')}m${glyph}`;
      }
      lines.push(`${line}\x1b[0m`);
    }
    const held = this.held < 0 ? 'nothing'
      : `\x1b[48;2;${this.rgbBytes(CELL_KEY + this.held).join(';')}m  \x1b[0m key ${this.held}`;
    lines.push(`held ${held} | step ${this.steps}/${this.options.maxSteps} | return ${this.episodeReturn} | L=${(this.current as BoxWorldLevel).solutionLength}`);
    return lines.join('\n');
  }

  private renderState(): BoxWorldFrame {
    const rgb = Array.from(this.image, (v) => Math.round(v * 255));
    const row = Math.floor(this.agent / this.size);
    const col = this.agent - row * this.size;
    return {
      kind: 'grid',
      height: this.size,
      width: this.size,
      rgb,
      agent: [row, col],
      viewport: this.options.view === 'viewport' ? { row: row - VIEW_RADIUS, col: col - VIEW_RADIUS, size: VIEW_SIZE } : null,
      heldKey: this.held < 0 ? null : this.rgbBytes(CELL_KEY + this.held),
      solutionLength: (this.current as BoxWorldLevel).solutionLength,
      steps: this.steps,
    };
  }
}
