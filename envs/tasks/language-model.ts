/**
 * Language modelling as a reward-free env (docs/tasks.md §12): read a token, predict the next one.
 * The RMC paper's third task family (Santoro et al. 2018, arXiv 1806.01822: WikiText-103, Project Gutenberg,
 * GigaWord v5); corpora are read by corpus-format.ts and corpus.ts.
 *
 * An episode is one stream, read to its end: obs x_t is the one-hot of token t, the target is token
 * t + 1, scored at every step. Streams are long, so the env declares `metadata.segmentLength` and the
 * supervised learner trains on segments of that many steps, carrying the core's state from one
 * segment to the next of the same episode (truncated backpropagation through time), and resetting
 * it only where an episode begins.
 *
 * Where an episode starts:
 * - parts 0 (training): `reset({seed})` starts at token ⌊N·frac(seed·φ⁻¹)⌋ of the split (N tokens
 *   over all documents), so vector copies seeded s + i start far apart; `reset()` at a token drawn
 *   from the env's seeded random stream. Either reads to the end of that document.
 * - parts P ≥ 1 (evaluation): the split's documents, joined, are cut into P equal pieces;
 *   `reset({seed: s})` reads piece s mod P, `reset()` the next piece. P copies seeded 0 … P − 1 read
 *   the whole split exactly once between them.
 * Timing (§8.2): the step after the last prediction returns a zero obs, `terminated`, targetMask 0.
 * The action is the predicted token or null; episodeMetrics: `tokens` read and the `accuracy` of the
 * predictions given.
 * `metadata.evalKwargs` ({split: 'valid'} when training on 'train') tells evaluation to read held-out
 * text; `pinnedKwargs()` returns the vocabulary, which `engram train` saves in the run's config.
 */
import { fileURLToPath } from 'node:url';
import type { Env, EnvFrame, EnvMetadata, Info, RenderMode, ResetOptions, ResetResult, StepResult } from '../env.ts';
import { ConfigError, EnvError } from '../errors.ts';
import { checkMax, checkOption, resolveKwargs } from '../kwargs.ts';
import { Rng } from '../rng.ts';
import { spreadIndex } from '../seeds.ts';
import { Box, Discrete } from '../space.ts';
import { readResetInts } from './bits.ts';
import { type Corpus, loadCorpus, type TokenUnit, TOKEN_UNITS } from './corpus.ts';
import { CORPUS_FORMATS, CORPUS_SPLITS, type CorpusFormat, type CorpusSplit } from './corpus-format.ts';
import type { ClassPrediction } from './nth-farthest.ts';

export interface LanguageModelOptions {
  /** A file, a directory or a list of them; '' reads the corpus shipped with Engram (envs/corpora). */
  path: string | readonly string[];
  format: CorpusFormat;
  unit: TokenUnit;
  split: CorpusSplit;
  /** Steps per training segment (truncated BPTT length), 1 to 10000. */
  segmentLength: number;
  /** Vocabulary cap, `<unk>` included, 2 to 1000000. */
  vocabSize: number;
  /** A saved vocabulary (a run's); empty: built from the training split. */
  vocab: readonly string[];
  /** 0: streams from seeded start points; P ≥ 1: the split in P pieces (evaluation). */
  parts: number;
}

export const LANGUAGE_MODEL_DEFAULTS: Readonly<LanguageModelOptions> = Object.freeze({
  path: '', format: 'text', unit: 'char', split: 'train', segmentLength: 100, vocabSize: 10_000, vocab: [], parts: 0,
});
/** Tiny Shakespeare (Karpathy 2015, char-rnn): 1.1M characters of Shakespeare's plays, public domain. */
export const SHIPPED_CORPUS = new URL('../corpora/shakespeare.txt', import.meta.url);
const WHERE = 'LanguageModel';
const RENDER_CHARS = 300;
const oneOf = (xs: readonly string[]) => `be one of ${xs.map((x) => `'${x}'`).join(', ')}`;

export interface LanguageModelInfo extends Info {
  /** The next token's id. */
  target: number;
  targetMask: 0 | 1;
  /** Steps into the episode. */
  t: number;
  /** Index of the obs's token in its document (the joined split with parts). */
  position: number;
}

/** `render('state')`: the text read so far (its end), the next token and the last prediction. */
export interface LanguageModelFrame extends EnvFrame {
  readonly kind: 'text';
  readonly task: 'language-model';
  readonly t: number;
  readonly text: string;
  readonly next: string | null;
  readonly prediction: string | null;
}

interface Reading {
  readonly stream: Int32Array;
  /** The obs is stream[pos]; the episode ends when pos reaches end − 1. */
  pos: number;
  readonly start: number;
  readonly end: number;
}

export class LanguageModelTask implements Env<Float32Array, ClassPrediction, LanguageModelInfo> {
  readonly options: Readonly<LanguageModelOptions>;
  readonly corpus: Corpus;
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  readonly metadata: EnvMetadata;
  private readonly joined: Int32Array | null;   // parts ≥ 1: every document, end to end
  private reading: Reading | null = null;
  private rng = new Rng(0);
  private piece = 0;
  private done = false;
  private answered = 0;
  private right = 0;
  private lastPrediction: number | null = null;

  constructor(kwargs: Partial<LanguageModelOptions> = {}) {
    const { path, ...rest } = kwargs;
    const o = { ...resolveKwargs(WHERE, { ...LANGUAGE_MODEL_DEFAULTS, path: undefined }, rest), path: path ?? '' };
    checkOption(CORPUS_FORMATS.includes(o.format), WHERE, 'format', oneOf(CORPUS_FORMATS), o.format);
    checkOption(TOKEN_UNITS.includes(o.unit), WHERE, 'unit', oneOf(TOKEN_UNITS), o.unit);
    checkOption(CORPUS_SPLITS.includes(o.split), WHERE, 'split', oneOf(CORPUS_SPLITS), o.split);
    for (const [name, min, max] of [['segmentLength', 1, 10_000], ['vocabSize', 2, 1_000_000], ['parts', 0, 1_000_000]] as const) {
      checkOption(Number.isInteger(o[name]) && o[name] >= min, WHERE, name, `be an integer >= ${min}`, o[name]);
      checkMax(WHERE, name, o[name], min, max);
    }
    checkOption(o.vocab.every((t) => typeof t === 'string' && t !== ''), WHERE, 'vocab', 'be a list of non-empty tokens', o.vocab);
    const paths = typeof o.path === 'string' ? (o.path === '' ? [] : [o.path]) : o.path;
    checkOption(Array.isArray(paths) && paths.every((p) => typeof p === 'string' && p !== ''), WHERE, 'path', 'be a path or a list of paths', o.path);
    checkOption(paths.length > 0 || o.format === 'text', WHERE, 'format', "be 'text' for the shipped corpus (set path to read your own)", o.format);
    this.corpus = loadCorpus({
      paths: paths.length > 0 ? paths : [fileURLToPath(SHIPPED_CORPUS)],
      format: o.format, split: o.split, unit: o.unit, vocabSize: o.vocabSize, vocab: o.vocab,
    });
    this.options = Object.freeze({ ...o, path: typeof o.path === 'string' ? o.path : Object.freeze([...o.path]), vocab: Object.freeze([...o.vocab]) });
    const V = this.corpus.vocab.length;
    this.joined = o.parts > 0 ? joinedStreams(this.corpus) : null;
    if (this.joined && this.joined.length < 2 * o.parts) {
      throw new ConfigError(`${WHERE}: parts ${o.parts} is more than the ${o.split} split's ${this.joined.length} tokens allow (2 per piece)`);
    }
    this.observationSpace = new Box(0, 1, [V]);
    this.actionSpace = new Discrete(V);
    this.metadata = {
      renderModes: ['ansi', 'state'], renderFps: 8, rewardFree: true,
      target: { kind: 'categorical', numClasses: V, classNames: this.corpus.vocab },
      segmentLength: o.segmentLength,
      evalKwargs: o.split === 'train' ? { split: 'valid' } : {},
    };
  }

  /** The vocabulary: saved with a run so that eval and resume read the same token ids. */
  pinnedKwargs(): Record<string, unknown> {
    return { vocab: [...this.corpus.vocab] };
  }

  reset(opts: ResetOptions = {}): ResetResult<Float32Array, LanguageModelInfo> {
    readResetInts(WHERE, opts.options, []);
    this.reading = this.joined ? this.nextPiece(this.joined, opts.seed) : this.nextDocument(opts.seed);
    this.done = false;
    this.answered = 0;
    this.right = 0;
    this.lastPrediction = null;
    return { obs: this.observe(), info: this.describe() };
  }

  step(action: ClassPrediction): StepResult<Float32Array, LanguageModelInfo> {
    const r = this.reading;
    if (r === null) throw new EnvError(`${WHERE}: step() called before reset(); call reset() first`);
    if (this.done) throw new EnvError(`${WHERE}: step() called after the episode ended; call reset() to start a new one`);
    if (action !== null && action !== undefined) {
      if (!this.actionSpace.contains(action)) throw new EnvError(`${WHERE}: action must be a token id in [0, ${this.actionSpace.n - 1}] or null, got ${JSON.stringify(action) ?? String(action)}`);
      this.answered++;
      if (action === r.stream[r.pos + 1]) this.right++;
      this.lastPrediction = action;
    }
    r.pos++;
    if (r.pos < r.end - 1) return { obs: this.observe(), reward: 0, terminated: false, truncated: false, info: this.describe() };
    this.done = true;
    const info: LanguageModelInfo = { target: 0, targetMask: 0, t: r.pos - r.start, position: r.pos };
    return { obs: new Float32Array(this.corpus.vocab.length), reward: 0, terminated: true, truncated: false, info };
  }

  episodeMetrics(): Record<string, number> {
    if (this.reading === null) return {};
    const tokens = this.reading.pos - this.reading.start;
    return this.answered === 0 ? { tokens } : { tokens, accuracy: this.right / this.answered };
  }

  render(mode: RenderMode): string | EnvFrame {
    if (mode !== 'ansi' && mode !== 'state') throw new EnvError(`${WHERE}: render mode must be one of 'ansi', 'state', got ${JSON.stringify(mode)}`);
    const r = this.reading;
    if (r === null) return mode === 'ansi' ? `${WHERE}: not reset yet` : { kind: 'text', task: 'language-model', ready: false };
    const vocab = this.corpus.vocab;
    const shown = this.done ? r.pos : r.pos + 1;
    const text = this.decode(r.stream.subarray(Math.max(r.start, shown - RENDER_CHARS), shown));
    const next = this.done ? null : (vocab[r.stream[r.pos + 1] as number] as string);
    const prediction = this.lastPrediction === null ? null : (vocab[this.lastPrediction] as string);
    if (mode === 'ansi') {
      const m = this.episodeMetrics();
      return `${WHERE} (${this.options.unit}) t=${r.pos - r.start}${this.done ? ' [done]' : ''}${m['accuracy'] === undefined ? '' : ` accuracy=${m['accuracy'].toFixed(3)}`}\n${text}\n-> next: ${JSON.stringify(next)}`;
    }
    const frame: LanguageModelFrame = { kind: 'text', task: 'language-model', t: r.pos - r.start, text, next, prediction };
    return frame;
  }

  close(): void {}

  /** Tokens as text: characters as they are, words joined by spaces (`<eos>` as a line break). */
  decode(ids: ArrayLike<number>): string {
    const words = Array.from(ids, (id) => this.corpus.vocab[id] as string);
    return this.options.unit === 'char' ? words.join('') : words.map((w) => (w === '<eos>' ? '\n' : w)).join(' ').replace(/ ?\n ?/g, '\n');
  }

  private nextDocument(seed: number | undefined): Reading {
    const streams = this.corpus.streams;
    if (seed !== undefined) this.rng = new Rng(seed);
    const total = streams.reduce((n, s) => n + s.length - 1, 0);
    let at = seed === undefined ? this.rng.int(0, total - 1) : spreadIndex(seed, total);
    let doc = 0;
    while (at >= (streams[doc] as Int32Array).length - 1) at -= (streams[doc++] as Int32Array).length - 1;
    const stream = streams[doc] as Int32Array;
    return { stream, pos: at, start: at, end: stream.length };
  }

  private nextPiece(joined: Int32Array, seed: number | undefined): Reading {
    const P = this.options.parts;
    this.piece = seed === undefined ? (this.piece + 1) % P : (seed >>> 0) % P;
    // Piece k predicts tokens start+1 … end−1; consecutive pieces overlap by the one token they share.
    const bound = (k: number) => Math.round((k * (joined.length - 1)) / P);
    return { stream: joined, pos: bound(this.piece), start: bound(this.piece), end: bound(this.piece + 1) + 1 };
  }

  private observe(): Float32Array {
    const r = this.reading as Reading;
    const x = new Float32Array(this.corpus.vocab.length);
    x[r.stream[r.pos] as number] = 1;
    return x;
  }

  private describe(): LanguageModelInfo {
    const r = this.reading as Reading;
    return { target: r.stream[r.pos + 1] as number, targetMask: 1, t: r.pos - r.start, position: r.pos };
  }
}

/** A corpus's documents end to end, made once per corpus (the envs of an evaluation share it). */
const JOINED = new WeakMap<Corpus, Int32Array>();
function joinedStreams(corpus: Corpus): Int32Array {
  let out = JOINED.get(corpus);
  if (out) return out;
  out = new Int32Array(corpus.streams.reduce((n, s) => n + s.length, 0));
  let at = 0;
  for (const s of corpus.streams) {
    out.set(s, at);
    at += s.length;
  }
  JOINED.set(corpus, out);
  return out;
}
