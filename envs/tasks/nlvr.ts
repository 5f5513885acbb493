/**
 * NLVR as a reward-free env (docs/tasks.md §13, timing §8.2): Suhr, Lewis, Yeh & Artzi (2017), "A Corpus of
 * Natural Language for Visual Reasoning", ACL, on its structured representations, fed as the
 * Working Memory Network consumes it (Pavez, Allende & Allende-Cid 2018, "Working Memory Networks",
 * ACL, arXiv 1805.09354): the scene's objects as facts, one per step, then the sentence as the
 * question. One episode = one example (memory resets between examples), T = objects + 1.
 *
 * Observation [D], D = F + 2V + 1, one layout for every step:
 *   [ object features (F = 16) | sentence (2V) | question flag ]
 * - object step: box one-hot (3) | shape one-hot (3: triangle, circle, square) | colour one-hot (3:
 *   yellow, black, blue) | size one-hot (3: 10, 20, 30) | x_loc/100, y_loc/100 | touching the edge |
 *   touching another object (nlvr-scene.ts); the rest 0. Objects come in a random order (a scene is
 *   a set, the box a feature) [ours]: box by box, an LSTM could sum up each box as it passes.
 * - question step: a bag of words (1 where a word occurs) in two halves [ours]: the words up to and
 *   including the first pivot ("and", "above", "below", "touching") in the first V channels, the
 *   words after it in the next V (a sentence without a pivot fills the first half only), so "a
 *   yellow circle above a black square" differs from "a black square above a yellow circle"; flag 1.
 * The flag is the last channel, so working-memory's `queryChannel` stores objects and queries with
 * the sentence. Target: 1 true, 0 false, on the question step only (mask 1 there).
 *
 * Vocabulary (V words, sorted): generated, every word of every statement the generator can write
 * (nlvr-generator.ts), so D never depends on the sample; files, the training file's words plus
 * `<unk>`, to which new words of the other splits map. Text is lower-cased and . , ? ! ; : split off.
 *
 * Timing (§8.2): `reset()` returns x_0 with `info = {target, targetMask, t, phase, box, identifier}`
 * (phase 'input' on object steps, 'query' on the question; box 0 … 2, −1 on the question);
 * `step(a_t)` returns x_{t+1}; the step after the question returns a zero obs, `terminated`,
 * `targetMask: 0`. Reward 0. The action is the predicted class (0 false, 1 true) or null.
 * episodeMetrics: `accuracy` (1 or 0) when the question step got a prediction.
 * Seeding: generated examples and every object order come from an Rng seeded by `reset({seed})`
 * (+ TEST_SEED_OFFSET for 'test', + DEV_SEED_OFFSET for 'dev'); files are played in order, cycling,
 * and `reset({seed})` jumps to example ⌊N·frac(seed·φ⁻¹)⌋ as bAbI does (docs/tasks.md §6.5).
 */
import type { Env, EnvFrame, EnvMetadata, Info, RenderMode, ResetOptions, ResetResult, StepResult } from '../env.ts';
import { ConfigError, EnvError } from '../errors.ts';
import { checkMax, checkOption, resolveKwargs } from '../kwargs.ts';
import { Rng } from '../rng.ts';
import { spreadIndex } from '../seeds.ts';
import { Box, Discrete } from '../space.ts';
import { readResetInts } from './bits.ts';
import {
  BOX_SIZE, COLORS, type NlvrExample, type NlvrObject, type NlvrSplit, NUM_BOXES, readNlvrFile, resolveNlvrFiles, SHAPES, SIZES,
} from './nlvr-format.ts';
import { allStatements, FAMILIES, type Family, generateExample, possibleFamilies, statementText } from './nlvr-generator.ts';
import { MAX_OBJECTS_PER_BOX, touchesOther, touchesWall } from './nlvr-scene.ts';
import type { ClassPrediction } from './nth-farthest.ts';

export type NlvrSource = 'generated' | 'files';
export interface NlvrOptions {
  source: NlvrSource;
  /** source 'files': a JSON-lines file, or a folder with train.json, dev.json, test.json (or the repository's `nlvr` folder). */
  path: string;
  split: NlvrSplit;
  /** Generated scenes: objects per box at most, 1 to 8 (the corpus: 8); leave at 8 with files. */
  maxObjects: number;
  /** Generated statements: the families drawn from (nlvr-generator.ts), uniformly; leave at all six with files. */
  statements: Family[];
}
export const NLVR_DEFAULTS: Readonly<NlvrOptions> = Object.freeze({
  source: 'generated', path: '', split: 'train', maxObjects: MAX_OBJECTS_PER_BOX, statements: [...FAMILIES],
});
/** Generated test and dev examples use seed + these (disjoint from training seeds, docs/tasks.md §0.2). */
export const TEST_SEED_OFFSET = 1_000_003;
export const DEV_SEED_OFFSET = 2_000_003;
/** F: box, shape, colour, size one-hots, x, y, touching the edge, touching another object. */
export const OBJECT_FEATURES = 3 * 4 + 4;
export const UNKNOWN = '<unk>';
/** Words that end the first half of the sentence encoding. */
export const PIVOTS: readonly string[] = Object.freeze(['and', 'above', 'below', 'touching']);
const WHERE = 'Nlvr';
const SOURCES: readonly NlvrSource[] = ['generated', 'files'];
const SPLITS: readonly NlvrSplit[] = ['train', 'dev', 'test'];
const RENDER_CHARS = 360;          // the viewer's raw-field view cuts a value at 400 characters
const ANSWERS = ['false', 'true'];
const oneOf = (xs: readonly string[]) => `be one of ${xs.map((x) => `'${x}'`).join(', ')}`;

/** Lower case, with . , ? ! ; : as tokens of their own. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().replace(/([.,?!;:])/g, ' $1 ').split(/\s+/).filter((w) => w !== '');
}

export interface NlvrInfo extends Info {
  /** 1 true, 0 false on the question step; 0 elsewhere. */
  target: number;
  targetMask: 0 | 1;
  /** Index of this obs, 0 … T−1 (T on the terminal step). */
  t: number;
  phase: 'input' | 'query';
  /** Box of the object at this step (0 … 2); −1 on the question and terminal steps. */
  box: number;
  /** The example's identifier (generated: its statement family). */
  identifier: string;
}

/** `render('state')`: the objects read so far as text lines, newest last, and the question once reached. */
export interface NlvrFrame extends EnvFrame {
  readonly kind: 'text';
  readonly task: 'nlvr';
  readonly t: number;
  readonly numSteps: number;
  /** "box 1: big yellow circle (10,20) edge touching", trimmed from the front to ~360 chars. */
  readonly lines: string[];
  readonly sentence: string | null;
  readonly answer: string | null;
  readonly prediction: string | null;
}

export class NlvrTask implements Env<Float32Array, ClassPrediction, NlvrInfo> {
  readonly options: Readonly<NlvrOptions>;
  /** V sentence words, sorted. */
  readonly words: readonly string[];
  readonly observationSpace: Box;
  readonly actionSpace = new Discrete(2);
  readonly metadata: EnvMetadata = { renderModes: ['ansi', 'state'], renderFps: 4, rewardFree: true, target: { kind: 'categorical', numClasses: 2 } };
  /** source 'files': the examples of the split, in file order. */
  readonly examples: readonly NlvrExample[];

  private readonly wordIds: ReadonlyMap<string, number>;
  private rng: Rng;
  private next = 0;                       // files: the example the next reset() plays
  private current: NlvrExample | null = null;
  private objects: { box: number; o: NlvrObject; touching: boolean }[] = [];
  private t = 0;
  private done = false;
  private pred = -2;                      // −2 not reached, −1 null, else the class

  constructor(kwargs: Partial<NlvrOptions> = {}) {
    const o = resolveKwargs(WHERE, NLVR_DEFAULTS, kwargs);
    checkOption(SOURCES.includes(o.source), WHERE, 'source', oneOf(SOURCES), o.source);
    checkOption(SPLITS.includes(o.split), WHERE, 'split', oneOf(SPLITS), o.split);
    checkOption(Number.isInteger(o.maxObjects) && o.maxObjects >= 1, WHERE, 'maxObjects', 'be an integer >= 1', o.maxObjects);
    checkMax(WHERE, 'maxObjects', o.maxObjects, 1, MAX_OBJECTS_PER_BOX);
    const families = o.statements;
    checkOption(families.length > 0 && families.every((f) => FAMILIES.includes(f)) && new Set(families).size === families.length,
      WHERE, 'statements', `be a list of distinct families from ${FAMILIES.map((f) => `'${f}'`).join(', ')}`, families);
    checkOption(possibleFamilies(families, o.maxObjects).length > 0, WHERE, 'statements',
      `include a family possible with maxObjects 1 (not only 'box-and', 'relation')`, families);
    let words: string[];
    if (o.source === 'generated') {
      checkOption(o.path === '', WHERE, 'path', "be empty with source 'generated' (set source: 'files' to read files)", o.path);
      words = [...new Set(allStatements().flatMap((s) => tokenize(statementText(s))))];
      this.examples = [];
    } else {
      if (o.path === '') throw new ConfigError(`${WHERE}: path must name a folder or a file with source 'files', got ""; e.g. path: 'nlvr/nlvr' (train/train.json, dev/dev.json, test/test.json)`);
      checkOption(o.maxObjects === MAX_OBJECTS_PER_BOX, WHERE, 'maxObjects', `be left at ${MAX_OBJECTS_PER_BOX} with source 'files' (it sizes generated scenes)`, o.maxObjects);
      checkOption(families.length === FAMILIES.length, WHERE, 'statements', "be left at all six families with source 'files' (it picks generated statements)", families);
      const files = resolveNlvrFiles(WHERE, o.path, o.split);
      const data = readNlvrFile(files.data);
      const train = files.vocab === files.data ? data : readNlvrFile(files.vocab);
      words = [UNKNOWN, ...train.flatMap((e) => tokenize(e.sentence))];
      this.examples = Object.freeze(data);
      if (data.length === 0) throw new ConfigError(`${WHERE}: no example in ${files.data}`);
    }
    this.words = Object.freeze([...new Set(words)].sort());
    this.wordIds = new Map(this.words.map((w, i) => [w, i]));
    this.options = Object.freeze({ ...o, statements: Object.freeze([...families]) as Family[] });
    this.rng = new Rng(this.seedOffset());
    this.observationSpace = new Box(0, 1, [OBJECT_FEATURES + 2 * this.words.length + 1]);
  }

  /** The current episode's example, or null before the first reset. */
  get example(): NlvrExample | null {
    return this.current;
  }

  reset(opts: ResetOptions = {}): ResetResult<Float32Array, NlvrInfo> {
    readResetInts(WHERE, opts.options, []);
    if (opts.seed !== undefined) this.rng = new Rng(opts.seed + this.seedOffset());
    if (this.options.source === 'generated') {
      this.current = generateExample(this.rng, this.options.maxObjects, this.options.statements);
    } else {
      const N = this.examples.length;
      if (opts.seed !== undefined) this.next = spreadIndex(opts.seed, N);
      this.current = this.examples[this.next] as NlvrExample;
      this.next = (this.next + 1) % N;
    }
    this.objects = this.rng.shuffle(this.current.scene.flatMap((objs, box) => objs.map((o, i) => ({ box, o, touching: touchesOther(objs, i) }))));
    this.t = 0;
    this.done = false;
    this.pred = -2;
    return { obs: this.observe(0), info: this.describe(0) };
  }

  step(action: ClassPrediction): StepResult<Float32Array, NlvrInfo> {
    if (this.current === null) throw new EnvError(`${WHERE}: step() called before reset(); call reset() first`);
    if (this.done) throw new EnvError(`${WHERE}: step() called after the episode ended; call reset() to start a new one`);
    const given = action !== null && action !== undefined;
    if (given && !this.actionSpace.contains(action)) {
      throw new EnvError(`${WHERE}: action must be 0 (false), 1 (true) or null, got ${JSON.stringify(action) ?? String(action)}`);
    }
    if (this.t === this.objects.length) this.pred = given ? action : -1;
    this.t++;
    if (this.t <= this.objects.length) return { obs: this.observe(this.t), reward: 0, terminated: false, truncated: false, info: this.describe(this.t) };
    this.done = true;
    const info: NlvrInfo = { target: 0, targetMask: 0, t: this.t, phase: 'query', box: -1, identifier: this.current.identifier };
    return { obs: new Float32Array(this.observationSpace.size), reward: 0, terminated: true, truncated: false, info };
  }

  /** `accuracy` of the answer, when the question step got a prediction. */
  episodeMetrics(): Record<string, number> {
    if (this.current === null || this.pred < 0) return {};
    return { accuracy: this.pred === Number(this.current.label) ? 1 : 0 };
  }

  render(mode: RenderMode): string | EnvFrame {
    if (mode !== 'ansi' && mode !== 'state') throw new EnvError(`${WHERE}: render mode must be one of 'ansi', 'state', got ${JSON.stringify(mode)}`);
    const ex = this.current;
    if (ex === null) return mode === 'ansi' ? `${WHERE}: not reset yet` : { kind: 'text', task: 'nlvr', ready: false, lines: [] };
    const seen = this.objects.slice(0, Math.min(this.t + 1, this.objects.length));
    const asked = this.t >= this.objects.length;
    const answer = asked ? ANSWERS[Number(ex.label)] as string : null;
    const prediction = this.pred >= 0 ? ANSWERS[this.pred] as string : null;
    if (mode === 'ansi') {
      const head = `NLVR (${this.options.source}) t=${this.t}/${this.objects.length + 1}${this.done ? ' [done]' : ''}`;
      const q = asked ? [`${ex.sentence}  -> ${answer}${prediction === null ? '' : ` (predicted ${prediction})`}`] : [];
      return [head, ...drawBoxes(seen), 'y yellow, k black, b blue; ^ triangle, o circle, # square', ...q].join('\n');
    }
    const lines: string[] = [];
    let chars = 0;
    for (const s of seen.map(describeObject).reverse()) {
      if (lines.length > 0 && chars + s.length > RENDER_CHARS) break;
      lines.unshift(s);
      chars += s.length + 3; // JSON quotes and comma
    }
    const frame: NlvrFrame = {
      kind: 'text', task: 'nlvr', t: this.t, numSteps: this.objects.length + 1, lines, sentence: asked ? ex.sentence : null, answer, prediction,
    };
    return frame;
  }

  close(): void {}

  private seedOffset(): number {
    return this.options.split === 'test' ? TEST_SEED_OFFSET : this.options.split === 'dev' ? DEV_SEED_OFFSET : 0;
  }

  private observe(t: number): Float32Array {
    const x = new Float32Array(this.observationSpace.size);
    if (t < this.objects.length) {
      const { box, o, touching } = this.objects[t] as (typeof this.objects)[number];
      const hot = [box, 3 + SHAPES.indexOf(o.shape), 6 + COLORS.indexOf(o.color), 9 + SIZES.indexOf(o.size)];
      for (const i of hot) x[i] = 1;
      x[12] = o.x / BOX_SIZE;
      x[13] = o.y / BOX_SIZE;
      x[14] = touchesWall(o) ? 1 : 0;
      x[15] = touching ? 1 : 0;
      return x;
    }
    const V = this.words.length;
    const tokens = tokenize((this.current as NlvrExample).sentence);
    const pivot = tokens.findIndex((w) => PIVOTS.includes(w));
    tokens.forEach((w, i) => {
      const id = this.wordIds.get(w) ?? (this.wordIds.get(UNKNOWN) as number);
      x[OBJECT_FEATURES + (pivot >= 0 && i > pivot ? V : 0) + id] = 1;
    });
    x[x.length - 1] = 1;
    return x;
  }

  private describe(t: number): NlvrInfo {
    const ex = this.current as NlvrExample;
    const query = t === this.objects.length;
    return {
      target: query ? Number(ex.label) : 0, targetMask: query ? 1 : 0, t, phase: query ? 'query' : 'input',
      box: query ? -1 : (this.objects[t] as (typeof this.objects)[number]).box, identifier: ex.identifier,
    };
  }
}

const SIZE_NAMES: Readonly<Record<number, string>> = { 10: 'small', 20: 'medium', 30: 'big' };

function describeObject({ box, o, touching }: { box: number; o: NlvrObject; touching: boolean }): string {
  const flags = `${touchesWall(o) ? ' edge' : ''}${touching ? ' touching' : ''}`;
  return `box ${box + 1}: ${SIZE_NAMES[o.size]} ${o.color} ${o.shape} (${o.x},${o.y})${flags}`;
}

/** The boxes side by side, 5 px per column and 10 px per row; an object is its colour letter and shape glyph repeated. */
function drawBoxes(objects: readonly { box: number; o: NlvrObject }[]): string[] {
  const W = BOX_SIZE / 5, H = BOX_SIZE / 10;
  const grids = Array.from({ length: NUM_BOXES }, () => Array.from({ length: H }, () => new Array<string>(W).fill(' ')));
  for (const { box, o } of objects) {
    const glyph = [o.color === 'black' ? 'k' : (o.color[0] as string), { triangle: '^', circle: 'o', square: '#' }[o.shape]];
    const c0 = Math.floor(o.x / 5), r0 = Math.floor(o.y / 10);
    for (let r = r0; r < Math.min(H, r0 + o.size / 10); r++) {
      for (let c = c0; c < Math.min(W, c0 + o.size / 5); c++) (grids[box] as string[][])[r]![c] = glyph[(c - c0) % 2] as string;
    }
  }
  const border = Array.from({ length: NUM_BOXES }, () => `+${'-'.repeat(W)}+`).join(' ');
  const rows = Array.from({ length: H }, (_, r) => grids.map((g) => `|${(g[r] as string[]).join('')}|`).join(' '));
  return [border, ...rows, border];
}
