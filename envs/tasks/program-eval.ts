/**
 * Learning to Execute (docs/tasks.md §7, wrapped as a reward-free env per §8): read a mini-program one
 * character at a time, then output its value digit by digit. Zaremba & Sutskever (2014), "Learning
 * to Execute" (arXiv 1410.4615); the snippets, protocol and non-autoregressive decoding of Santoro
 * et al. (2018), "Relational recurrent neural networks", §4.1, §5.2, App. A.2 (deepmind/sonnet v1
 * `learn_to_execute.py`). Programs come from lte-grammar.ts; lte-eval.ts evaluates given ones.
 *
 * One episode, program of P characters with an answer of A digits (T = P + A; §8.3, §8.4):
 *   t = 0 … P−1   one-hot program character, decode flag 0        target 0, mask 0, phase 'input'
 *   t = P … T−1   decoder input (below), decode flag 1           target = answer digit, mask 1
 * Obs is [V + 1] = 31: the 30-symbol vocabulary of §7.3 (LTE_VOCAB) ‖ decode-phase flag. The decode
 * phase has exactly the true answer length (§7.3: no end token, scoreLength 'true'). Its input:
 * - 'zeros':   only the flag (non-autoregressive, the RMC paper's best regime; default);
 * - 'teacher': the previous target digit, GO at the first decode step;
 * - 'agent':   the previous action (the model's prediction), GO first; a null action feeds zeros.
 * Targets are class ids 0–9 (the digit). Timing (§8.2): `reset()` returns x_0 with
 * `info = {target, targetMask, t, phase}`; `step(a_t)` returns x_{t+1}; `step(a_{T−1})` returns a
 * zero obs, `terminated: true`, `targetMask: 0`. Reward is always 0. The action is the predicted
 * digit for the current target, or null/undefined (not scored).
 *
 * Difficulty per episode comes from the curriculum (§7.6, see LteCurriculum); `reset({options})`
 * may force `length` (ℓ) and/or `nesting` (k), or give a `program` string (ℓ = `length` or else its
 * longest literal) — e.g. for fixed evaluation sets. Copy always uses nesting 1 (§7.2).
 * episodeMetrics: `programLength`, `answerLength`, `literalLength`, `nesting`, `curriculumLevel`
 * ('naive'/'combined'), and once a decode step got a prediction `charAccuracy` (over the decode
 * steps that got one) and `solved` (1 when every answer digit was predicted right).
 */
import type { Env, EnvFrame, EnvMetadata, Info, RenderMode, ResetOptions, ResetResult, StepResult } from '../env.ts';
import { ConfigError, EnvError } from '../errors.ts';
import { checkMax, checkOption, resolveKwargs } from '../kwargs.ts';
import { Rng } from '../rng.ts';
import { Box, Discrete } from '../space.ts';
import { type AdvanceRule, LengthCurriculum } from './curriculum.ts';
import { countOperations, evaluateNode, parseProgram } from './lte-eval.ts';
import { generateProgram, LTE_DIGIT0, LTE_GO, LTE_TASK_KINDS, LTE_VOCAB, lteAnswer, lteEncode, type LteTaskKind } from './lte-grammar.ts';

export type LteCurriculumMode = 'none' | 'naive' | 'mix' | 'combined';
export const LTE_CURRICULUM_MODES: readonly LteCurriculumMode[] = ['none', 'naive', 'mix', 'combined'];
export type DecoderInput = 'zeros' | 'teacher' | 'agent';
export const DECODER_INPUTS: readonly DecoderInput[] = ['zeros', 'teacher', 'agent'];

export interface ProgramEvalOptions {
  /** Operation set (§7.2): {add}, {if, for}, {add, sub, mul, if, for}, or copy (memorisation). */
  taskKind: LteTaskKind;
  /** Maximum literal length ℓ (digits per fresh number), 1 to 100. */
  maxLength: number;
  /** Maximum nesting k (operations per program), 1 to 100; must be 1 for copy. */
  maxNesting: number;
  curriculum: LteCurriculumMode;
  decoderInput: DecoderInput;
}

/** The RMC paper setting (docs/tasks.md §7.4, §7.7): ℓ = 5, k = 2, mix curriculum, zero decoder input. */
export const PROGRAM_EVAL_DEFAULTS: Readonly<ProgramEvalOptions> = Object.freeze({
  taskKind: 'addition', maxLength: 5, maxNesting: 2, curriculum: 'mix', decoderInput: 'zeros',
});

/** Number of output classes: the digits 0–9 (answers are non-negative, §7.2). */
export const LTE_NUM_CLASSES = 10;
/** Probability of a 'mix' sample under 'combined' (Zaremba's "blend"): 1 in 5. */
const COMBINED_MIX_ONE_IN = 5;
const WHERE = 'ProgramEval';
/**
 * Upper bounds against a typo: each of the k operations adds up to four ℓ-digit literals, and the
 * learner unrolls the whole program, one step per character.
 */
export const PROGRAM_EVAL_MAX = Object.freeze({ maxLength: 100, maxNesting: 100 });

export interface Difficulty { readonly length: number; readonly nesting: number }

/**
 * The LTE curricula of §7.6 over (ℓ, k), starting at (1, 1):
 * - 'none' (baseline): always (maxLength, maxNesting);
 * - 'mix':      ℓ ~ U{1…maxLength}, k ~ U{1…maxNesting} per episode (the RMC paper);
 * - 'naive':    always the current (ℓ, k);
 * - 'combined': with probability 1/5 a 'mix' sample, otherwise the current (ℓ, k) (Zaremba's).
 * `advance()` raises ℓ by one; past maxLength, k grows by one and ℓ resets to 1 (the paper's naive
 * order, §10 item 7). One integer level 1 … maxLength·maxNesting counts these steps (it is a
 * LengthCurriculum). The learner decides when to advance (§7.6: the original rule is validation
 * accuracy above 95% at the current level); the change applies from the next reset().
 */
export class LteCurriculum {
  private readonly levels: LengthCurriculum;

  constructor(readonly mode: LteCurriculumMode, readonly maxLength: number, readonly maxNesting: number) {
    const moves = mode === 'naive' || mode === 'combined';
    this.levels = new LengthCurriculum(WHERE, moves ? 'naive' : 'none', maxLength * maxNesting, 1);
  }

  /** 1 … maxLength·maxNesting (at the target with 'none' and 'mix'). */
  get level(): number { return this.levels.level; }
  get atTarget(): boolean { return this.levels.atTarget; }
  /** True with 'naive' and 'combined', the modes whose sampling follows the level. */
  get moves(): boolean { return this.levels.moves; }

  /** The current (ℓ, k) of 'naive' and 'combined'. */
  get current(): Difficulty {
    const nesting = Math.ceil(this.levels.level / this.maxLength);
    return { length: this.levels.level - (nesting - 1) * this.maxLength, nesting };
  }

  /** One step up (false at the target, and always with 'none' and 'mix'). */
  advance(): boolean { return this.levels.advance(); }

  /** Restore a level (checkpoints); only with 'naive' or 'combined'. */
  setLevel(level: number): void {
    if (this.mode !== 'naive' && this.mode !== 'combined') {
      throw new ConfigError(`${WHERE}: setLevel needs curriculum 'naive' or 'combined', got '${this.mode}'`);
    }
    this.levels.setLevel(level);
  }

  /** (ℓ, k) for the next episode. */
  sample(rng: Rng): Difficulty {
    const mix = (): Difficulty => ({ length: rng.int(1, this.maxLength), nesting: rng.int(1, this.maxNesting) });
    switch (this.mode) {
      case 'none': return { length: this.maxLength, nesting: this.maxNesting };
      case 'mix': return mix();
      case 'naive': return this.current;
      case 'combined': return rng.int(1, COMBINED_MIX_ONE_IN) === 1 ? mix() : this.current;
    }
  }
}

export interface ProgramEvalInfo extends Info {
  /** The answer digit at decode steps, 0 elsewhere. */
  target: number;
  targetMask: 0 | 1;
  /** Step index of this obs, 0..T−1 (T on the terminal step). */
  t: number;
  phase: 'input' | 'output';
}

/** `render('state')`: the program, its answer and the predicted digits so far ('?' = none given). */
export interface ProgramEvalFrame extends EnvFrame {
  readonly kind: 'text';
  readonly lines: string[];
  readonly answer: string;
  readonly prediction: string;
  readonly t: number;
}

/** The predicted digit (class id), or nothing. */
export type DigitPrediction = number | null | undefined;

interface Episode { code: string; answer: string; chars: Int32Array; literalLength: number; nesting: number }

export class ProgramEvalTask implements Env<Float32Array, DigitPrediction, ProgramEvalInfo> {
  readonly options: Readonly<ProgramEvalOptions>;
  readonly observationSpace = new Box(0, 1, [LTE_VOCAB.length + 1]);
  readonly actionSpace = new Discrete(LTE_NUM_CLASSES);
  readonly metadata: EnvMetadata = {
    renderModes: ['ansi', 'state'], renderFps: 4, rewardFree: true, target: { kind: 'categorical', numClasses: LTE_NUM_CLASSES },
  };
  readonly curriculum: LteCurriculum;
  /** §7.6, the original rule: advance when the (training batch) per-character accuracy exceeds 95%. */
  readonly advanceRule: AdvanceRule = { metric: 'accuracy', above: 0.95 };

  private rng = new Rng(0);
  private ep: Episode | null = null;
  private preds = new Int8Array(0); // [T] predicted digit, −1 = none
  private t = 0;
  private done = false;

  constructor(kwargs: Partial<ProgramEvalOptions> = {}) {
    const o: ProgramEvalOptions = { ...resolveKwargs(WHERE, PROGRAM_EVAL_DEFAULTS, kwargs) };
    const list = (xs: readonly string[]) => `be one of ${xs.map((x) => `'${x}'`).join(', ')}`;
    checkOption(LTE_TASK_KINDS.includes(o.taskKind), WHERE, 'taskKind', list(LTE_TASK_KINDS), o.taskKind);
    for (const k of ['maxLength', 'maxNesting'] as const) {
      checkOption(Number.isInteger(o[k]) && o[k] >= 1, WHERE, k, 'be an integer >= 1', o[k]);
      checkMax(WHERE, k, o[k], 1, PROGRAM_EVAL_MAX[k]);
    }
    checkOption(LTE_CURRICULUM_MODES.includes(o.curriculum), WHERE, 'curriculum', list(LTE_CURRICULUM_MODES), o.curriculum);
    checkOption(DECODER_INPUTS.includes(o.decoderInput), WHERE, 'decoderInput', list(DECODER_INPUTS), o.decoderInput);
    if (o.taskKind === 'copy') {
      checkOption(kwargs.maxNesting === undefined || kwargs.maxNesting === 1, WHERE, 'maxNesting', "be 1 with taskKind 'copy' (memorisation uses nesting 1, docs/tasks.md §7.2)", kwargs.maxNesting);
      o.maxNesting = 1;
    }
    this.options = Object.freeze({ ...o });
    this.curriculum = new LteCurriculum(o.curriculum, o.maxLength, o.maxNesting);
  }

  reset(opts: ResetOptions = {}): ResetResult<Float32Array, ProgramEvalInfo> {
    const forced = readResetOptions(opts.options, this.options.taskKind);
    const given = forced.program !== undefined ? this.given(forced.program, forced.length) : null; // validated before re-seeding
    if (opts.seed !== undefined) this.rng = new Rng(opts.seed);
    this.ep = given ?? this.sample(forced);
    this.preds = new Int8Array(this.ep.code.length + this.ep.answer.length).fill(-1);
    this.t = 0;
    this.done = false;
    return { obs: this.observe(0), info: this.describe(0) };
  }

  step(action: DigitPrediction): StepResult<Float32Array, ProgramEvalInfo> {
    const ep = this.ep;
    if (ep === null) throw new EnvError(`${WHERE}: step() called before reset(); call reset() first`);
    if (this.done) throw new EnvError(`${WHERE}: step() called after the episode ended; call reset() to start a new one`);
    if (action !== null && action !== undefined && !this.actionSpace.contains(action)) {
      throw new EnvError(`${WHERE}: action must be a digit class id in [0, ${LTE_NUM_CLASSES - 1}] or null, got ${JSON.stringify(action) ?? String(action)}`);
    }
    this.preds[this.t] = action ?? -1;
    this.t++;
    const T = this.preds.length;
    if (this.t < T) return { obs: this.observe(this.t), reward: 0, terminated: false, truncated: false, info: this.describe(this.t) };
    this.done = true;
    const info: ProgramEvalInfo = { target: 0, targetMask: 0, t: T, phase: 'output' };
    return { obs: new Float32Array(this.observationSpace.size), reward: 0, terminated: true, truncated: false, info };
  }

  episodeMetrics(): Record<string, number> {
    const ep = this.ep;
    if (ep === null) return {};
    const out: Record<string, number> = {
      programLength: ep.code.length, answerLength: ep.answer.length, literalLength: ep.literalLength, nesting: ep.nesting,
    };
    if (this.curriculum.mode === 'naive' || this.curriculum.mode === 'combined') out['curriculumLevel'] = this.curriculum.level;
    let given = 0;
    let right = 0;
    for (let j = 0; j < ep.answer.length; j++) {
      const p = this.preds[ep.code.length + j] as number;
      if (p < 0) continue;
      given++;
      if (p === ep.answer.charCodeAt(j) - 48) right++;
    }
    if (given > 0) {
      out['charAccuracy'] = right / given;
      out['solved'] = right === ep.answer.length ? 1 : 0;
    }
    return out;
  }

  render(mode: RenderMode): string | EnvFrame {
    if (mode !== 'ansi' && mode !== 'state') throw new EnvError(`${WHERE}: render mode must be one of 'ansi', 'state', got ${JSON.stringify(mode)}`);
    const ep = this.ep;
    if (ep === null) return mode === 'ansi' ? `${WHERE}: not reset yet` : { kind: 'text', lines: [], answer: '', prediction: '', t: 0 };
    const P = ep.code.length;
    let prediction = '';
    for (let s = P; s < this.t; s++) prediction += (this.preds[s] as number) < 0 ? '?' : String(this.preds[s]);
    if (mode === 'state') {
      const frame: ProgramEvalFrame = { kind: 'text', lines: [ep.code], answer: ep.answer, prediction, t: this.t };
      return frame;
    }
    const { taskKind } = this.options;
    const m = this.episodeMetrics();
    const acc = m['charAccuracy'] === undefined ? '' : ` charAccuracy=${m['charAccuracy'].toFixed(3)}`;
    const lines = [`${WHERE} ${taskKind} length=${ep.literalLength} nesting=${ep.nesting} t=${this.t}/${this.preds.length}${this.done ? ' [done]' : ''}${acc}`];
    const label = (s: string) => s.padEnd(11);
    lines.push(label('program') + ep.code);
    if (this.t < P) lines.push(label('') + ' '.repeat(this.t) + '^');
    lines.push(label('answer') + ep.answer, label('prediction') + prediction);
    if (this.t >= P && !this.done) lines.push(label('') + ' '.repeat(this.t - P) + '^');
    return lines.join('\n');
  }

  close(): void {}

  private sample(forced: ForcedOptions): Episode {
    const { taskKind } = this.options;
    const both = forced.length !== undefined && forced.nesting !== undefined;
    const d = both ? { length: 0, nesting: 0 } : this.curriculum.sample(this.rng);
    const literalLength = forced.length ?? d.length;
    const nesting = forced.nesting ?? d.nesting;
    const prog = generateProgram(this.rng, taskKind, literalLength, nesting);
    return { code: prog.code, answer: prog.answer, chars: lteEncode(WHERE, prog.code), literalLength, nesting };
  }

  /** An episode for a given program: parsed and evaluated exactly by lte-eval.ts. */
  private given(code: string, length: number | undefined): Episode {
    const { taskKind } = this.options;
    const chars = lteEncode(WHERE, code);
    if (taskKind === 'copy' && !/^[0-9]+$/.test(code)) throw new ConfigError(`${WHERE}: reset option program must be a plain number with taskKind 'copy', got ${JSON.stringify(code)}`);
    const ast = parseProgram(code);
    const literalLength = length ?? Math.max(...(code.match(/[0-9]+/g) ?? []).map((s) => s.length));
    const answer = taskKind === 'copy' ? code : lteAnswer(taskKind, evaluateNode(ast), literalLength);
    return { code, answer, chars, literalLength, nesting: Math.max(1, countOperations(ast)) };
  }

  private observe(t: number): Float32Array {
    const ep = this.ep as Episode;
    const x = new Float32Array(this.observationSpace.size);
    const P = ep.code.length;
    if (t < P) {
      x[ep.chars[t] as number] = 1;
      return x;
    }
    x[LTE_VOCAB.length] = 1; // decode-phase flag
    const { decoderInput } = this.options;
    if (decoderInput === 'zeros') return x;
    const j = t - P;
    if (j === 0) x[LTE_GO] = 1;
    else if (decoderInput === 'teacher') x[LTE_DIGIT0 + ep.answer.charCodeAt(j - 1) - 48] = 1;
    else if ((this.preds[t - 1] as number) >= 0) x[LTE_DIGIT0 + (this.preds[t - 1] as number)] = 1;
    return x;
  }

  private describe(t: number): ProgramEvalInfo {
    const ep = this.ep as Episode;
    const j = t - ep.code.length;
    if (j < 0) return { target: 0, targetMask: 0, t, phase: 'input' };
    return { target: ep.answer.charCodeAt(j) - 48, targetMask: 1, t, phase: 'output' };
  }
}

interface ForcedOptions { length?: number; nesting?: number; program?: string }
const RESET_OPTIONS = ['length', 'nesting', 'program'];

/** Validate `reset({options})`: `length` and `nesting` integers >= 1, `program` a string. */
function readResetOptions(options: Record<string, unknown> | undefined, kind: LteTaskKind): ForcedOptions {
  const out: ForcedOptions = {};
  for (const [key, v] of Object.entries(options ?? {})) {
    if (!RESET_OPTIONS.includes(key)) throw new ConfigError(`${WHERE}: unknown reset option "${key}"; known: ${RESET_OPTIONS.join(', ')}`);
    if (v === undefined) continue;
    if (key === 'program') {
      if (typeof v !== 'string' || v.length === 0) throw new ConfigError(`${WHERE}: reset option program must be a non-empty string, got ${JSON.stringify(v)}`);
      out.program = v;
    } else {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ConfigError(`${WHERE}: reset option ${key} must be an integer >= 1, got ${JSON.stringify(v)}`);
      out[key as 'length' | 'nesting'] = v;
    }
  }
  if (out.program !== undefined && out.nesting !== undefined) throw new ConfigError(`${WHERE}: reset option nesting cannot be combined with program (the program fixes it)`);
  if (kind === 'copy' && out.nesting !== undefined && out.nesting !== 1) throw new ConfigError(`${WHERE}: reset option nesting must be 1 with taskKind 'copy', got ${out.nesting}`);
  return out;
}
