/**
 * bAbI question answering (docs/tasks.md §6) as a reward-free env (§8.2, §8.3, worked timeline §8.4).
 * Weston et al. (2015), "Towards AI-Complete Question Answering", arXiv 1502.05698; the word stream
 * follows the DNC bAbI setup (Graves et al. 2016). One episode = one story (memory resets between
 * stories): stories from files are read in order per split, cycling; generated ones are sampled.
 *
 * Encodings (V = vocab.numWords, D = V + 1, categorical targets over vocab.answers):
 * - 'word' (default): one step per token, obs one-hot [D]. After each question's "?" one answer step
 *   whose obs is the answer token (channel V, the answer-step flag); its target is the answer class,
 *   mask 1 there only. "Mary moved to the bathroom. John went to the hallway. Where is Mary?" is
 *   `mary moved to the bathroom . john went to the hallway . where is mary ? <ANS>`, 17 steps.
 * - 'sentence': one step per statement or question, obs = bag of words [V] (1 where a word occurs)
 *   ‖ question flag; the target sits on the question steps.
 * maxStoryLength: a question sees at most that many statements before it; statements outside every
 * later question's window are dropped from the stream (questions never are).
 *
 * Timing (§8.2): `reset()` returns x_0 with `info = {target, targetMask, t, phase, task, line,
 * support}`; `step(a_t)` returns x_{t+1}; the step after the last returns a zero obs, `terminated`,
 * `targetMask: 0`. `line` is the story line ID the step belongs to; `support` the supporting line IDs
 * on scored steps (empty elsewhere). Reward 0. The action is the predicted class or null.
 * episodeMetrics: `questions` (in the story) and `accuracy` over the questions whose answer step got
 * a non-null prediction (absent when none did).
 * Seeding: generated stories come from an Rng seeded by `reset({seed})` (the test split adds
 * TEST_SEED_OFFSET, §0.2). For files, `reset({seed})` jumps to story ⌊N·frac(seed·φ⁻¹)⌋ (seed 0:
 * the first), so vector copies seeded s + i start far apart; `reset()` takes the next story.
 * render('state'): a `BabiFrame` (kind 'text'); the viewer shows its fields as text.
 */
import type { Env, EnvFrame, EnvMetadata, Info, RenderMode, ResetOptions, ResetResult, StepResult } from '../env.ts';
import { ConfigError, EnvError } from '../errors.ts';
import { checkMax, checkOption, resolveKwargs } from '../kwargs.ts';
import { Rng } from '../rng.ts';
import { spreadIndex } from '../seeds.ts';
import { Box, Discrete } from '../space.ts';
import { type BabiQuestion, type BabiSplit, type BabiStory, readBabiFile, resolveBabiFiles } from './babi-format.ts';
import { GENERATED_TASKS, type GeneratedTask, generateStory } from './babi-generator.ts';
import { type BabiEncoding, type BabiEpisode, type BabiPhase, babiEpisode, BabiVocab, buildVocab, generatedVocab, tokenize } from './babi-vocab.ts';
import { readResetInts } from './bits.ts';
import type { ClassPrediction } from './nth-farthest.ts';

export type BabiSource = 'generated' | 'files';
export interface BabiOptions {
  /** bAbI task 1 … 20 (generated: 1, 2, 3, 6, 15). */
  task: number;
  source: BabiSource;
  /** source 'files': a directory (the `en` or `en-10k` folder) or file(s) in the standard format. */
  path: string | readonly string[];
  split: BabiSplit;
  encoding: BabiEncoding;
  /** Statements a question sees at most (MemN2N: 50), 1 to 10000; older ones are dropped. */
  maxStoryLength: number;
}
export const BABI_DEFAULTS: Readonly<BabiOptions> = Object.freeze({
  task: 1, source: 'generated', path: '', split: 'train', encoding: 'word', maxStoryLength: 50,
});
/** Generated test stories use seed + this (disjoint from training seeds, §0.2). */
export const TEST_SEED_OFFSET = 1_000_003;
const WHERE = 'BabiTask';
/** Longer than any bAbI story, so it never cuts one; past it a value is a typo. */
const MAX_STORY_LENGTH = 10_000;
const SOURCES: readonly BabiSource[] = ['generated', 'files'];
const SPLITS: readonly BabiSplit[] = ['train', 'test'];
const ENCODINGS: readonly BabiEncoding[] = ['word', 'sentence'];
const RENDER_CHARS = 360;          // the viewer's raw-field view cuts a value at 400 characters
const EMPTY: readonly number[] = Object.freeze([]);
const oneOf = (xs: readonly string[]) => `be one of ${xs.map((x) => `'${x}'`).join(', ')}`;

export interface BabiInfo extends Info {
  /** Answer class at scored steps, 0 elsewhere. */
  target: number;
  targetMask: 0 | 1;
  /** Index of this obs, 0 … T−1 (T on the terminal step). */
  t: number;
  /** 'input' statement, 'query' question (scored in the sentence stream), 'output' answer step. */
  phase: BabiPhase;
  /** The bAbI task number. */
  task: number;
  /** Story line ID of this step (0 on the terminal step). */
  line: number;
  /** Supporting line IDs of the question scored at this step; empty elsewhere. */
  support: readonly number[];
}

/** `render('state')`: the story so far as text lines ("ID words"), newest last. */
export interface BabiFrame extends EnvFrame {
  readonly kind: 'text';
  readonly task: 'babi';
  readonly babiTask: number;
  readonly t: number;
  readonly numSteps: number;
  /** Story lines read so far (a partial last one in the word stream), trimmed from the front to ~360 chars. */
  readonly lines: string[];
  /** The latest question reached, its answer, and the prediction made for it (null: none yet). */
  readonly question: string | null;
  readonly answer: string | null;
  readonly prediction: string | null;
}

export class BabiTask implements Env<Float32Array, ClassPrediction, BabiInfo> {
  readonly options: Readonly<BabiOptions>;
  readonly vocab: BabiVocab;
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  readonly metadata: EnvMetadata;
  /** source 'files': the stories of the split that have a question, in file order. */
  readonly stories: readonly BabiStory[];

  private rng: Rng;
  private next = 0;                      // files: the story the next reset() plays
  private episode: BabiEpisode | null = null;
  private t = 0;
  private done = false;
  private preds = new Int32Array(0);     // per question: −2 not reached, −1 null, else the class

  constructor(kwargs: Partial<BabiOptions> = {}) {
    const { path, ...rest } = kwargs;
    const o = { ...resolveKwargs(WHERE, { ...BABI_DEFAULTS, path: undefined }, rest), path: path ?? '' };
    checkOption(Number.isInteger(o.task) && o.task >= 1 && o.task <= 20, WHERE, 'task', 'be an integer in 1 … 20', o.task);
    checkOption(SOURCES.includes(o.source), WHERE, 'source', oneOf(SOURCES), o.source);
    checkOption(SPLITS.includes(o.split), WHERE, 'split', oneOf(SPLITS), o.split);
    checkOption(ENCODINGS.includes(o.encoding), WHERE, 'encoding', oneOf(ENCODINGS), o.encoding);
    checkOption(Number.isInteger(o.maxStoryLength) && o.maxStoryLength >= 1, WHERE, 'maxStoryLength', 'be an integer >= 1', o.maxStoryLength);
    checkMax(WHERE, 'maxStoryLength', o.maxStoryLength, 1, MAX_STORY_LENGTH);
    const paths = typeof o.path === 'string' ? (o.path === '' ? [] : [o.path]) : o.path;
    checkOption(Array.isArray(paths) && paths.every((p) => typeof p === 'string' && p !== ''), WHERE, 'path', 'be a path or a list of paths', o.path);
    if (o.source === 'generated') {
      checkOption(GENERATED_TASKS.includes(o.task as GeneratedTask), WHERE, 'task', `be one of ${GENERATED_TASKS.join(', ')} with source 'generated' (any of 1 … 20 with source 'files')`, o.task);
      checkOption(paths.length === 0, WHERE, 'path', "be empty with source 'generated' (set source: 'files' to read files)", o.path);
      this.vocab = generatedVocab(o.task as GeneratedTask);
      this.stories = [];
    } else {
      if (paths.length === 0) throw new ConfigError(`${WHERE}: path must name a directory or file(s) with source 'files', got ""; e.g. path: 'tasks_1-20_v1-2/en-10k'`);
      const files = resolveBabiFiles(WHERE, paths, o.task, o.split);
      const cache = new Map<string, BabiStory[]>();
      const read = (list: readonly string[]) => list.flatMap((f) => {
        if (!cache.has(f)) cache.set(f, readBabiFile(f));
        return cache.get(f) as BabiStory[];
      });
      this.vocab = buildVocab(read(files.vocab));
      this.stories = Object.freeze(read(files.data).filter((st) => st.lines.some((l) => l.kind === 'question')));
      if (this.stories.length === 0) throw new ConfigError(`${WHERE}: no story with a question in ${files.data.join(', ')}`);
    }
    this.options = Object.freeze({ ...o, path: typeof o.path === 'string' ? o.path : Object.freeze([...o.path]) });
    this.rng = new Rng(this.seedOffset());
    const D = this.vocab.numWords + 1;
    this.observationSpace = new Box(0, 1, [D]);
    this.actionSpace = new Discrete(this.vocab.numClasses);
    this.metadata = { renderModes: ['ansi', 'state'], renderFps: 4, rewardFree: true, target: { kind: 'categorical', numClasses: this.vocab.numClasses } };
  }

  /** The current episode's story (after maxStoryLength), or null before the first reset. */
  get story(): BabiStory | null {
    return this.episode === null ? null : { lines: this.episode.lines };
  }

  reset(opts: ResetOptions = {}): ResetResult<Float32Array, BabiInfo> {
    readResetInts(WHERE, opts.options, []);
    const { source, task, encoding, maxStoryLength } = this.options;
    let story: BabiStory;
    if (source === 'generated') {
      if (opts.seed !== undefined) this.rng = new Rng(opts.seed + this.seedOffset());
      story = generateStory(task as GeneratedTask, this.rng);
    } else {
      const N = this.stories.length;
      if (opts.seed !== undefined) this.next = spreadIndex(opts.seed, N);
      story = this.stories[this.next] as BabiStory;
      this.next = (this.next + 1) % N;
    }
    const ep = babiEpisode(story, this.vocab, encoding, maxStoryLength);
    this.episode = ep;
    this.t = 0;
    this.done = false;
    this.preds = new Int32Array(ep.questions.length).fill(-2);
    return { obs: this.observe(ep, 0), info: this.describe(ep, 0) };
  }

  step(action: ClassPrediction): StepResult<Float32Array, BabiInfo> {
    const ep = this.episode;
    if (ep === null) throw new EnvError(`${WHERE}: step() called before reset(); call reset() first`);
    if (this.done) throw new EnvError(`${WHERE}: step() called after the episode ended; call reset() to start a new one`);
    const given = action !== null && action !== undefined;
    if (given && !this.actionSpace.contains(action)) {
      throw new EnvError(`${WHERE}: action must be an answer class in [0, ${this.vocab.numClasses - 1}] or null, got ${JSON.stringify(action) ?? String(action)}`);
    }
    const q = ep.questionAt[this.t] as number;
    if (q >= 0) this.preds[q] = given ? action : -1;
    this.t++;
    if (this.t < ep.numSteps) return { obs: this.observe(ep, this.t), reward: 0, terminated: false, truncated: false, info: this.describe(ep, this.t) };
    this.done = true;
    const info: BabiInfo = { target: 0, targetMask: 0, t: this.t, phase: 'output', task: this.options.task, line: 0, support: EMPTY };
    return { obs: new Float32Array(ep.obsSize), reward: 0, terminated: true, truncated: false, info };
  }

  /** `questions` in the story; `accuracy` over the questions answered with a class so far. */
  episodeMetrics(): Record<string, number> {
    const ep = this.episode;
    if (ep === null) return {};
    let answered = 0;
    let right = 0;
    this.preds.forEach((p, q) => {
      if (p < 0) return;
      answered++;
      if (p === ep.targets[ep.scoredAt[q] as number]) right++;
    });
    return answered === 0 ? { questions: ep.questions.length } : { questions: ep.questions.length, accuracy: right / answered };
  }

  render(mode: RenderMode): string | EnvFrame {
    if (mode !== 'ansi' && mode !== 'state') throw new EnvError(`${WHERE}: render mode must be one of 'ansi', 'state', got ${JSON.stringify(mode)}`);
    const ep = this.episode;
    if (ep === null) return mode === 'ansi' ? `${WHERE}: not reset yet` : { kind: 'text', task: 'babi', ready: false, lines: [] };
    const { task, source, encoding } = this.options;
    const shown = this.shownLines(ep);
    const lastQ = this.latestQuestion(ep);
    const pred = lastQ < 0 ? -2 : (this.preds[lastQ] as number);
    const className = (c: number) => this.vocab.answers[c] as string;
    if (mode === 'ansi') {
      const head = `bAbI task ${task} (${source}, ${encoding}) t=${this.t}/${ep.numSteps}${this.done ? ' [done]' : ''}`;
      const m = this.episodeMetrics();
      return [head + (m['accuracy'] === undefined ? '' : ` accuracy=${m['accuracy'].toFixed(3)}`), ...shown.map((l) => l.text)].join('\n');
    }
    const lines: string[] = [];
    let chars = 0;
    for (const { plain } of shown.reverse()) {
      if (lines.length > 0 && chars + plain.length > RENDER_CHARS) break;
      lines.unshift(plain);
      chars += plain.length + 3; // JSON quotes and comma
    }
    const question = lastQ < 0 ? null : ep.questions[lastQ] ?? null;
    const frame: BabiFrame = {
      kind: 'text', task: 'babi', babiTask: task, t: this.t, numSteps: ep.numSteps, lines,
      question: question ? tokenize(question.text).join(' ') : null,
      answer: question ? className(ep.targets[ep.scoredAt[lastQ] as number] as number) : null,
      prediction: pred >= 0 ? className(pred) : null,
    };
    return frame;
  }

  close(): void {}

  private seedOffset(): number {
    return this.options.split === 'test' ? TEST_SEED_OFFSET : 0;
  }

  /** Kept lines whose first step was reached: `plain` = "ID words", `text` adds answer and prediction. */
  private shownLines(ep: BabiEpisode): { plain: string; text: string }[] {
    const out: { plain: string; text: string }[] = [];
    let q = -1;
    ep.lines.forEach((line, i) => {
      if (line.kind === 'question') q++;
      const start = ep.lineStart[i] as number;
      if (start > this.t) return;
      const words = tokenize(line.text);
      const seen = ep.encoding === 'word' ? words.slice(0, this.t - start + 1) : words;
      const plain = `${line.id} ${seen.join(' ')}`;
      let text = plain;
      if (line.kind === 'question' && this.t >= (ep.scoredAt[q] as number)) {
        const p = this.preds[q] as number;
        const answer = this.vocab.answers[ep.targets[ep.scoredAt[q] as number] as number] as string;
        text += `  -> ${answer}${p === -2 ? '' : p === -1 ? ' (no prediction)' : ` (predicted ${this.vocab.answers[p]}${p === ep.targets[ep.scoredAt[q] as number] ? ', right' : ', wrong'})`}`;
      }
      out.push({ plain, text });
    });
    return out;
  }

  /** Index of the last question whose first step was reached, or −1. */
  private latestQuestion(ep: BabiEpisode): number {
    let q = -1;
    let k = -1;
    ep.lines.forEach((line, i) => {
      if (line.kind !== 'question') return;
      k++;
      if ((ep.lineStart[i] as number) <= this.t) q = k;
    });
    return q;
  }

  private observe(ep: BabiEpisode, t: number): Float32Array {
    const x = new Float32Array(ep.obsSize);
    for (let i = ep.offsets[t] as number; i < (ep.offsets[t + 1] as number); i++) x[ep.hot[i] as number] = 1;
    return x;
  }

  private describe(ep: BabiEpisode, t: number): BabiInfo {
    const q = ep.questionAt[t] as number;
    return {
      target: ep.targets[t] as number, targetMask: ep.mask[t] === 1 ? 1 : 0, t, phase: ep.phases[t] as BabiPhase,
      task: this.options.task, line: ep.lineIds[t] as number, support: q >= 0 ? [...(ep.questions[q] as BabiQuestion).support] : EMPTY,
    };
  }
}
