/**
 * bAbI vocabulary and answer classes (docs/tasks.md §8.3; Weston et al. 2015, "Towards AI-Complete
 * Question Answering", arXiv 1502.05698). Text is lower-cased and "." and "?" are split off as
 * tokens. Each answer string is one class, comma-joined answers included (`football,milk`, `n,w`).
 * Words and answers are sorted, so ids do not depend on the order stories were read.
 *
 * - Generated tasks (babi-generator.ts): a fixed vocabulary per task, enumerated from every sentence
 *   the generator can write, so V and numClasses never depend on the sampled stories.
 * - Files: built from the training file(s) of the task, plus `<unk>` as a word and as an answer
 *   class, which any word or answer of the test split missing from training maps to.
 *
 * `babiEpisode` lays a story out as env steps (the word or sentence stream of §8.3); babi.ts plays it.
 */
import { ConfigError } from '../errors.ts';
import type { BabiLine, BabiQuestion, BabiStory } from './babi-format.ts';
import {
  ACTORS, afraidText, DEDUCTION_ACTORS, dropText, fearText, GENERATED_TASKS, generatedAnswers, type GeneratedTask, getText,
  isActorInText, isAText, LOCATIONS, moveText, NUM_VERBS, OBJECTS, SPECIES, whereActorText, whereObjectText, whereWasText,
} from './babi-generator.ts';

/** Stands for a word or an answer the training files never showed. */
export const UNKNOWN = '<unk>';

/** The tokens of one sentence: lower case, "." and "?" as their own tokens. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().replace(/([.?])/g, ' $1 ').split(/\s+/).filter((w) => w !== '');
}

export class BabiVocab {
  /** V input words (the obs adds one channel: the answer-step or question flag). */
  readonly words: readonly string[];
  /** The answer classes, index = class id. */
  readonly answers: readonly string[];
  private readonly wordIds: ReadonlyMap<string, number>;
  private readonly answerIds: ReadonlyMap<string, number>;

  constructor(words: readonly string[], answers: readonly string[]) {
    this.words = Object.freeze([...words]);
    this.answers = Object.freeze([...answers]);
    this.wordIds = indexOf('words', this.words);
    this.answerIds = indexOf('answers', this.answers);
  }

  get numWords(): number {
    return this.words.length;
  }

  get numClasses(): number {
    return this.answers.length;
  }

  /** Id of a token; `<unk>` when the vocabulary has it, else a thrown Error (a generator bug). */
  wordId(word: string): number {
    return lookup(this.wordIds, word, 'word');
  }

  /** Class id of an answer (compared in lower case); `<unk>` as for words. */
  answerId(answer: string): number {
    return lookup(this.answerIds, answer.toLowerCase(), 'answer');
  }
}

function indexOf(what: string, items: readonly string[]): ReadonlyMap<string, number> {
  const m = new Map<string, number>();
  items.forEach((w, i) => {
    if (m.has(w)) throw new RangeError(`BabiVocab: ${what} must be unique, got ${JSON.stringify(w)} twice`);
    m.set(w, i);
  });
  return m;
}

function lookup(ids: ReadonlyMap<string, number>, key: string, what: string): number {
  const id = ids.get(key) ?? ids.get(UNKNOWN);
  if (id === undefined) throw new Error(`BabiVocab: unknown ${what} ${JSON.stringify(key)} and no ${UNKNOWN} entry`);
  return id;
}

/** The vocabulary of loaded training stories (sorted words and answers, plus `<unk>`). */
export function buildVocab(stories: readonly BabiStory[]): BabiVocab {
  const words = new Set<string>([UNKNOWN]);
  const answers = new Set<string>([UNKNOWN]);
  for (const story of stories) {
    for (const line of story.lines) {
      for (const w of tokenize(line.text)) words.add(w);
      if (line.kind === 'question') answers.add(line.answer.toLowerCase());
    }
  }
  return new BabiVocab([...words].sort(), [...answers].sort());
}

/** The fixed vocabulary of a generated task: every token of every sentence it can write. */
export function generatedVocab(task: GeneratedTask): BabiVocab {
  if (!GENERATED_TASKS.includes(task)) throw new ConfigError(`generatedVocab: task must be one of ${GENERATED_TASKS.join(', ')}, got ${JSON.stringify(task)}`);
  const words = new Set<string>();
  for (const s of possibleSentences(task)) for (const w of tokenize(s)) words.add(w);
  return new BabiVocab([...words].sort(), generatedAnswers(task));
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Every statement and question text of a generated task (a few hundred strings). */
function possibleSentences(task: GeneratedTask): string[] {
  const A = range(ACTORS.length), L = range(LOCATIONS.length), O = range(OBJECTS.length);
  if (task === 15) {
    const S = range(SPECIES.length), D = range(DEDUCTION_ACTORS.length);
    return [...S.flatMap((s) => S.map((f) => fearText(s, f))), ...D.flatMap((a) => S.map((s) => isAText(a, s))), ...D.map(afraidText)];
  }
  const out = A.flatMap((a) => L.flatMap((l) => range(NUM_VERBS.move).map((v) => moveText(a, l, v))));
  if (task === 1) out.push(...A.map(whereActorText));
  if (task === 6) out.push(...A.flatMap((a) => L.map((l) => isActorInText(a, l))));
  if (task === 2 || task === 3) {
    out.push(...A.flatMap((a) => O.flatMap((o) => [
      ...range(NUM_VERBS.get).map((v) => getText(a, o, v)), ...range(NUM_VERBS.drop).map((v) => dropText(a, o, v)),
    ])));
    out.push(...(task === 2 ? O.map(whereObjectText) : O.flatMap((o) => L.map((l) => whereWasText(o, l)))));
  }
  return out;
}

export type BabiEncoding = 'word' | 'sentence';
/** 'input' statement, 'query' question, 'output' the answer step of the word stream. */
export type BabiPhase = 'input' | 'query' | 'output';

/** One story laid out step by step (T steps, obs width D = V + 1). */
export interface BabiEpisode {
  readonly encoding: BabiEncoding;
  readonly numSteps: number;            // T
  readonly obsSize: number;             // D
  readonly offsets: Int32Array;         // [T + 1]: step t sets channels hot[offsets[t] … offsets[t+1]) to 1
  readonly hot: Int32Array;
  readonly targets: Int32Array;         // [T] answer class where scored, 0 elsewhere
  readonly mask: Uint8Array;            // [T]
  readonly lineIds: Int32Array;         // [T] story line ID of each step
  readonly phases: readonly BabiPhase[]; // [T]
  readonly questionAt: Int32Array;      // [T] index of the question scored at t, −1 elsewhere
  readonly lines: readonly BabiLine[];  // the lines kept under maxStoryLength
  readonly lineStart: Int32Array;       // [lines] first step of each kept line
  readonly questions: readonly BabiQuestion[];
  readonly scoredAt: Int32Array;        // [questions] the step scoring each question
}

/**
 * The lines of `story` the stream keeps: every question, and each statement that is among the last
 * `maxStoryLength` statements before some later question.
 */
export function keptLines(story: BabiStory, maxStoryLength: number): BabiLine[] {
  const keep: BabiLine[] = [];
  let budget = 0;
  for (let i = story.lines.length - 1; i >= 0; i--) {
    const line = story.lines[i] as BabiLine;
    if (line.kind === 'question') budget = maxStoryLength;
    else if (budget > 0) budget--;
    else continue;
    keep.push(line);
  }
  return keep.reverse();
}

/** Lay `story` out as the word stream or the sentence stream of docs/tasks.md §8.3. */
export function babiEpisode(story: BabiStory, vocab: BabiVocab, encoding: BabiEncoding, maxStoryLength: number): BabiEpisode {
  const V = vocab.numWords;
  const lines = keptLines(story, maxStoryLength);
  const offsets = [0], hot: number[] = [], targets: number[] = [], mask: number[] = [], lineIds: number[] = [];
  const phases: BabiPhase[] = [], questionAt: number[] = [], lineStart: number[] = [], scoredAt: number[] = [];
  const questions: BabiQuestion[] = [];
  const push = (channels: readonly number[], line: BabiLine, phase: BabiPhase) => {
    hot.push(...channels);
    offsets.push(hot.length);
    const scored = phase === 'output' || (encoding === 'sentence' && line.kind === 'question');
    if (scored) {
      scoredAt.push(targets.length);
      questions.push(line as BabiQuestion);
    }
    targets.push(scored ? vocab.answerId((line as BabiQuestion).answer) : 0);
    mask.push(scored ? 1 : 0);
    questionAt.push(scored ? questions.length - 1 : -1);
    lineIds.push(line.id);
    phases.push(phase);
  };
  for (const line of lines) {
    lineStart.push(targets.length);
    const ids = tokenize(line.text).map((w) => vocab.wordId(w));
    const phase: BabiPhase = line.kind === 'question' ? 'query' : 'input';
    if (encoding === 'sentence') {
      push([...new Set(ids)].sort((a, b) => a - b).concat(line.kind === 'question' ? [V] : []), line, phase);
      continue;
    }
    for (const id of ids) push([id], line, phase);
    if (line.kind === 'question') push([V], line, 'output');
  }
  return {
    encoding, numSteps: targets.length, obsSize: V + 1, offsets: Int32Array.from(offsets), hot: Int32Array.from(hot),
    targets: Int32Array.from(targets), mask: Uint8Array.from(mask), lineIds: Int32Array.from(lineIds), phases, questionAt: Int32Array.from(questionAt),
    lines, lineStart: Int32Array.from(lineStart), questions, scoredAt: Int32Array.from(scoredAt),
  };
}
