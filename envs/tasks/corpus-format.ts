/**
 * Text corpora for language modelling (docs/tasks.md §12): the file formats of the RMC paper's three
 * corpora (Santoro et al. 2018, arXiv 1806.01822: WikiText-103, Project Gutenberg, GigaWord v5), read into
 * documents of lines. A document is one stream: the core's state carries across it.
 *
 * Formats:
 * - 'text': plain UTF-8; the whole file is one document.
 * - 'gutenberg': a Project Gutenberg plain-text ebook; the text between the `*** START OF …` and
 *   `*** END OF …` lines (the licence header and footer are dropped).
 * - 'wikitext': the tokenised WikiText files (Merity et al. 2016, `wiki.train.tokens`): every
 *   non-empty line starts with a space, headings read ` = Title = `, ` = = Section = = `. The whole
 *   file is one document, as every WikiText language model reads it.
 * - 'gigaword': one sentence per line, tokens separated by spaces, no empty lines.
 * Malformed input throws a ConfigError naming the file and line: `wiki.train.tokens:7: …`.
 *
 * Splits: a directory whose files are named by split (`*train*`, `*valid*` or `*dev*`, `*test*`, as
 * WikiText's are) gives each split its files; any other file is cut at line boundaries into its
 * first 90% (train), next 5% (valid) and last 5% (test).
 */
import { readdirSync, statSync } from 'node:fs';
import { ConfigError } from '../errors.ts';
import { readTextFile } from './text-file.ts';

export type CorpusFormat = 'text' | 'gutenberg' | 'wikitext' | 'gigaword';
export const CORPUS_FORMATS: readonly CorpusFormat[] = ['text', 'gutenberg', 'wikitext', 'gigaword'];
export type CorpusSplit = 'train' | 'valid' | 'test';
export const CORPUS_SPLITS: readonly CorpusSplit[] = ['train', 'valid', 'test'];

/** One stream of text, as lines without their line breaks. */
export interface CorpusDocument {
  readonly file: string;
  readonly lines: readonly string[];
}

/** Fractions of a file that is not named by split: train, valid, test. */
const CUTS: Readonly<Record<CorpusSplit, readonly [number, number]>> = { train: [0, 0.9], valid: [0.9, 0.95], test: [0.95, 1] };
const SPLIT_NAMES: Readonly<Record<CorpusSplit, RegExp>> = { train: /train/i, valid: /valid|dev/i, test: /test/i };
/** A file cut 90/5/5 has at least one line in each part. */
const MIN_LINES = 20;
const START = /^\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG/i;
const END = /^\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG/i;

/** Parse the text of one file; `file` names it in error messages. */
export function parseCorpus(text: string, format: CorpusFormat, file = '<text>'): string[] {
  const rows = text.split(/\r?\n/);
  if (rows.at(-1) === '') rows.pop();   // the final line break ends the last line
  const bad = (n: number, what: string): never => {
    const row = rows[n] ?? '';
    throw new ConfigError(`corpus: ${file}:${n + 1}: ${what}, got ${JSON.stringify(row.length > 80 ? `${row.slice(0, 80)}…` : row)}`);
  };
  if (format === 'gutenberg') {
    const start = rows.findIndex((r) => START.test(r));
    if (start < 0) throw new ConfigError(`corpus: ${file}:1: not a Project Gutenberg ebook: no "*** START OF THE PROJECT GUTENBERG EBOOK" line (read plain text with format 'text')`);
    const end = rows.findIndex((r, i) => i > start && END.test(r));
    if (end < 0) bad(start, 'the "*** START OF" line has no "*** END OF THE PROJECT GUTENBERG EBOOK" line after it');
    const body = rows.slice(start + 1, end);
    if (body.every((r) => r.trim() === '')) bad(start, 'no text between the START and END lines');
    return body;
  }
  if (format === 'wikitext') {
    rows.forEach((r, n) => {
      if (r !== '' && !r.startsWith(' ')) bad(n, 'a WikiText line is empty or starts with a space (the tokenised wiki.*.tokens files)');
      if (!r.startsWith(' = ')) return;
      const open = /^ ((?:= )+)/.exec(r)?.[1]?.length ?? 0, close = /((?: =)+) ?$/.exec(r)?.[1]?.length ?? 0;
      if (open !== close || r.trim().length <= open) bad(n, 'a WikiText heading reads " = Title = " with as many "=" on both sides');
    });
    return rows;
  }
  if (format === 'gigaword') {
    rows.forEach((r, n) => { if (r.trim() === '') bad(n, 'an empty line (the format is one sentence per line)'); });
    if (rows.length === 0) throw new ConfigError(`corpus: ${file}: empty file (the format is one sentence per line)`);
    return rows;
  }
  return rows;
}

/** Read and parse one file. */
export function readCorpusFile(file: string, format: CorpusFormat): string[] {
  return parseCorpus(readTextFile('corpus', file), format, file);
}

/** The documents of `split` (and of 'train', which the vocabulary is built from) from files and directories. */
export function readCorpus(paths: readonly string[], format: CorpusFormat, split: CorpusSplit): { data: CorpusDocument[]; train: CorpusDocument[] } {
  const files = paths.flatMap((p) => (isDirectory(p) ? filesIn(p) : [p]));
  const named = files.filter((f) => splitOf(f) !== null);
  if (named.length > 0 && named.length < files.length) {
    throw new ConfigError(`corpus: mix of files named by split and not (${files.map(baseName).join(', ')}); give a folder of train/valid/test files or plain files`);
  }
  const read = (s: CorpusSplit): CorpusDocument[] => {
    if (named.length === 0) return files.map((f) => ({ file: f, lines: cut(f, readCorpusFile(f, format), s) }));
    const mine = named.filter((f) => splitOf(f) === s);
    if (mine.length === 0) throw new ConfigError(`corpus: no ${s} file among ${named.map(baseName).join(', ')} (names must contain ${SPLIT_NAMES[s].source.replace(/\|/g, ' or ')})`);
    return mine.map((f) => ({ file: f, lines: readCorpusFile(f, format) }));
  };
  const train = read('train');
  return { data: split === 'train' ? train : read(split), train };
}

/** The lines of `split` of a file not named by split. */
function cut(file: string, lines: readonly string[], split: CorpusSplit): string[] {
  const n = lines.length;
  if (n < MIN_LINES) throw new ConfigError(`corpus: ${file} has ${n} lines; cutting it into train, valid and test takes at least ${MIN_LINES} (or name files by split)`);
  const at = (f: number) => Math.min(n, Math.max(0, Math.round(f * n)));
  const [a, b] = CUTS[split];
  return lines.slice(at(a), Math.max(at(b), at(a) + 1));
}

function filesIn(dir: string): string[] {
  const names = readdirSync(dir).filter((n) => !n.startsWith('.')).sort();
  const files = names.map((n) => `${dir.replace(/[\\/]+$/, '')}/${n}`).filter((f) => statSync(f).isFile());
  if (files.length === 0) throw new ConfigError(`corpus: directory ${dir} holds no files`);
  return files;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    throw new ConfigError(`corpus: path ${JSON.stringify(p)} does not exist`);
  }
}

function splitOf(file: string): CorpusSplit | null {
  const name = baseName(file);
  return CORPUS_SPLITS.find((s) => SPLIT_NAMES[s].test(name)) ?? null;
}

function baseName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}
