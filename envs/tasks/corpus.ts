/**
 * A corpus as token ids (docs/tasks.md §12): characters or words, a vocabulary built from the training
 * split, and each document of a split as one Int32Array stream.
 *
 * - 'char': every character (code point) of every line, then "\n".
 * - 'word': the line's space-separated words, then `<eos>` (every line, empty ones included, as the
 *   WikiText and PyTorch word-language-model readers do).
 * Vocabulary: the training split's tokens by count (most frequent first, ties in code-point order),
 * capped at `vocabSize` − 1, then `<unk>`, which stands for every other token. A vocabulary given as
 * a list is used as it is (a run's saved one: eval and resume read the same ids).
 *
 * Loaded corpora are cached per process: the N envs of a run share one copy.
 */
import { resolve } from 'node:path';
import { ConfigError } from '../errors.ts';
import { type CorpusDocument, type CorpusFormat, type CorpusSplit, readCorpus } from './corpus-format.ts';

export type TokenUnit = 'char' | 'word';
export const TOKEN_UNITS: readonly TokenUnit[] = ['char', 'word'];
/** Stands for a token outside the vocabulary (WikiText writes it in its text too). */
export const UNKNOWN = '<unk>';
/** Ends every line of a word stream. */
export const END_OF_LINE = '<eos>';

export interface CorpusOptions {
  readonly paths: readonly string[];
  readonly format: CorpusFormat;
  readonly split: CorpusSplit;
  readonly unit: TokenUnit;
  readonly vocabSize: number;
  /** A saved vocabulary (ids = positions); empty: build one from the training split. */
  readonly vocab: readonly string[];
}

export interface Corpus {
  /** Token of each id; `<unk>` is one of them. */
  readonly vocab: readonly string[];
  /** The split's documents as id streams (each at least 2 tokens long). */
  readonly streams: readonly Int32Array[];
  /** Bits per token of the training split's unigram distribution (add-one smoothed) on this split. */
  readonly unigramBits: number;
}

const CACHE = new Map<string, Corpus>();

export function loadCorpus(o: CorpusOptions): Corpus {
  const key = JSON.stringify({ ...o, paths: o.paths.map((p) => resolve(p)) });
  const hit = CACHE.get(key);
  if (hit) return hit;
  const { data, train } = readCorpus(o.paths, o.format, o.split);
  const vocab = o.vocab.length > 0 ? checkVocab(o.vocab) : buildVocab(train, o.unit, o.vocabSize);
  const ids = new Map(vocab.map((t, i) => [t, i]));
  // readCorpus gives the training split as `data` itself when it is the one asked for: encode it once.
  const trainIds = train.map((d) => encode(d, o.unit, ids));
  const streams = (data === train ? trainIds : data.map((d) => encode(d, o.unit, ids))).filter((s) => s.length >= 2);
  if (streams.length === 0) throw new ConfigError(`corpus: the ${o.split} split of ${o.paths.join(', ')} has no text`);
  const counts = new Float64Array(vocab.length);
  for (const t of trainIds) for (const id of t) counts[id] = (counts[id] as number) + 1;
  const corpus = { vocab, streams, unigramBits: unigramBits(counts, streams) };
  CACHE.set(key, corpus);
  return corpus;
}

/** Calls `f` with each token of a document, in order. */
export function forEachToken(doc: CorpusDocument, unit: TokenUnit, f: (token: string) => void): void {
  for (const line of doc.lines) {
    if (unit === 'char') {
      for (const ch of line) f(ch);
      f('\n');
    } else {
      for (const w of line.split(/\s+/)) if (w !== '') f(w);
      f(END_OF_LINE);
    }
  }
}

export function buildVocab(docs: readonly CorpusDocument[], unit: TokenUnit, vocabSize: number): string[] {
  const counts = new Map<string, number>();
  for (const d of docs) forEachToken(d, unit, (t) => counts.set(t, (counts.get(t) ?? 0) + 1));
  counts.delete(UNKNOWN);
  const byCount = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return [...byCount.slice(0, vocabSize - 1).map(([t]) => t), UNKNOWN];
}

function checkVocab(vocab: readonly string[]): string[] {
  const list = [...vocab];
  if (!list.includes(UNKNOWN)) throw new ConfigError(`corpus: a saved vocab must contain ${UNKNOWN}`);
  if (new Set(list).size !== list.length) throw new ConfigError('corpus: a saved vocab lists a token twice');
  return list;
}

function encode(doc: CorpusDocument, unit: TokenUnit, ids: ReadonlyMap<string, number>): Int32Array {
  const unk = ids.get(UNKNOWN) as number;
  let out = new Int32Array(1024);
  let n = 0;
  forEachToken(doc, unit, (t) => {
    if (n === out.length) {
      const grown = new Int32Array(out.length * 2);
      grown.set(out);
      out = grown;
    }
    out[n++] = ids.get(t) ?? unk;
  });
  return out.slice(0, n);
}

/** Cross-entropy in bits per predicted token of the smoothed unigram model `counts` on `streams`. */
function unigramBits(counts: Float64Array, streams: readonly Int32Array[]): number {
  const total = counts.reduce((a, b) => a + b, 0) + counts.length;
  let bits = 0, n = 0;
  for (const s of streams) {
    for (let i = 1; i < s.length; i++) bits -= Math.log2(((counts[s[i] as number] as number) + 1) / total);
    n += s.length - 1;
  }
  return bits / Math.max(n, 1);
}
