/**
 * The bAbI text format (docs/tasks.md §6.2): parse it, write it, and find a task's files on disk.
 * Weston, Bordes, Chopra, Rush, van Merriënboer, Joulin & Mikolov (2015), "Towards AI-Complete
 * Question Answering: A Set of Prerequisite Toy Tasks", arXiv 1502.05698; dataset v1.2.
 *
 * Format: every line is `ID text`; the ID restarts at 1 at the start of each story (the only story
 * delimiter) and otherwise counts up by one. A question is `ID question?<TAB>answer<TAB>supporting
 * IDs` (IDs space separated, any order; the public files put a space before the first tab, which is
 * trimmed). Answers are kept as written (`football,milk` is one answer). Blank lines are skipped.
 * Malformed entries throw a ConfigError naming the file and line: `qa1_train.txt:7: …`.
 *
 * Files: `qa{k}_{name}_{train|test}.txt`. A directory is searched (not recursively) for task k's
 * files, so pass the `en` (1k) or `en-10k` (10k) folder of the archive.
 *
 * One of the data-format readers (with corpus-format.ts, nlvr-format.ts, text-file.ts), the only envs/ files that touch the file system.
 */
import { readdirSync, statSync } from 'node:fs';
import { ConfigError } from '../errors.ts';
import { readTextFile } from './text-file.ts';

export interface BabiStatement {
  readonly kind: 'statement';
  /** Line ID within the story, from 1. */
  readonly id: number;
  /** The sentence as written, e.g. "Mary moved to the bathroom." */
  readonly text: string;
}

export interface BabiQuestion {
  readonly kind: 'question';
  readonly id: number;
  /** e.g. "Where is Mary?" */
  readonly text: string;
  /** One class, e.g. "bathroom" or "football,milk". */
  readonly answer: string;
  /** IDs of the supporting lines, in file order. */
  readonly support: readonly number[];
}

export type BabiLine = BabiStatement | BabiQuestion;

/** One story: its lines in order, IDs 1, 2, 3, … */
export interface BabiStory {
  readonly lines: readonly BabiLine[];
}

export type BabiSplit = 'train' | 'test';

/** Task names of the public files, index k − 1 for task k (§6.2). */
export const BABI_TASK_NAMES: readonly string[] = Object.freeze([
  'single-supporting-fact', 'two-supporting-facts', 'three-supporting-facts', 'two-arg-relations',
  'three-arg-relations', 'yes-no-questions', 'counting', 'lists-sets', 'simple-negation',
  'indefinite-knowledge', 'basic-coreference', 'conjunction', 'compound-coreference', 'time-reasoning',
  'basic-deduction', 'basic-induction', 'positional-reasoning', 'size-reasoning', 'path-finding',
  'agents-motivations',
]);

const LINE = /^(\d+) (.*)$/;

/** Parse the text of one file into stories. `file` names the source in error messages. */
export function parseBabi(text: string, file = '<text>'): BabiStory[] {
  const stories: BabiLine[][] = [];
  let current: BabiLine[] | null = null;
  const rows = text.split(/\r?\n/);
  for (let n = 0; n < rows.length; n++) {
    const row = rows[n] as string;
    if (row.trim() === '') continue;
    const bad: (what: string) => never = (what) => {
      throw new ConfigError(`bAbI: ${file}:${n + 1}: ${what}, got ${JSON.stringify(row.length > 120 ? `${row.slice(0, 120)}…` : row)}`);
    };
    const m = LINE.exec(row);
    if (!m) bad('a line must start with its ID and a space ("ID text")');
    const id = Number(m[1]);
    const rest = m[2] as string;
    if (id === 1) {
      current = [];
      stories.push(current);
    } else if (current === null) {
      bad(`the first line of a file must have ID 1, not ${id}`);
    } else if (id !== current.length + 1) {
      bad(`line ID ${id} does not follow ${current.length} (IDs count up by one and restart at 1 for a new story)`);
    }
    current.push(rest.includes('\t') ? parseQuestion(id, rest, bad) : parseStatement(id, rest, bad));
  }
  return stories.map((lines) => ({ lines }));
}

function parseStatement(id: number, rest: string, bad: (what: string) => never): BabiStatement {
  const text = rest.trim();
  if (text === '') bad('a statement needs text after its ID');
  return { kind: 'statement', id, text };
}

function parseQuestion(id: number, rest: string, bad: (what: string) => never): BabiQuestion {
  const parts = rest.split('\t');
  if (parts.length !== 3) bad(`a question must read "ID question<TAB>answer<TAB>supporting IDs" (3 tab-separated fields), found ${parts.length}`);
  const text = (parts[0] as string).trim();
  const answer = (parts[1] as string).trim();
  const ids = (parts[2] as string).trim();
  if (text === '') bad('a question needs text before its first tab');
  if (answer === '' || /\s/.test(answer)) bad('the answer must be one non-empty word (join several with commas)');
  if (ids !== '' && !/^\d+( +\d+)*$/.test(ids)) bad('supporting IDs must be integers separated by spaces');
  const support = ids === '' ? [] : ids.split(/ +/).map(Number);
  for (const s of support) if (s < 1 || s >= id) bad(`supporting ID ${s} must name an earlier line of this story (1 … ${id - 1})`);
  return { kind: 'question', id, text, answer, support };
}

/**
 * The standard text of `stories`, one line each, ending with a newline. Questions are written as in
 * the public files, with a space before the first tab: `3 Where is Mary? \tbathroom\t1`.
 */
export function formatBabi(stories: readonly BabiStory[]): string {
  const out: string[] = [];
  for (const story of stories) {
    for (const line of story.lines) {
      out.push(line.kind === 'statement' ? `${line.id} ${line.text}` : `${line.id} ${line.text} \t${line.answer}\t${line.support.join(' ')}`);
    }
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** Read and parse one file; errors name the file and line. */
export function readBabiFile(file: string): BabiStory[] {
  return parseBabi(readTextFile('bAbI', file), file);
}

export interface BabiFiles {
  /** The files of the requested split, stories read in this order. */
  readonly data: readonly string[];
  /** The training files the vocabulary is built from. */
  readonly vocab: readonly string[];
}

/**
 * Which files to read for task `task` and `split`, from directories and/or files (§6.2).
 * - A directory contributes its `qa{task}_*_train.txt` and `qa{task}_*_test.txt`.
 * - A `…_train.txt` / `…_test.txt` file serves its split; the other split and the training file
 *   (for the vocabulary) are found next to it by name.
 * - Any other file serves both splits and the vocabulary.
 * A file named `qa{k}_…` must have k = task.
 */
export function resolveBabiFiles(where: string, paths: readonly string[], task: number, split: BabiSplit): BabiFiles {
  const files: string[] = [];
  for (const p of paths) {
    if (isDirectory(where, p)) files.push(...findInDirectory(where, p, task));
    else files.push(p);
  }
  for (const f of files) {
    const m = /^qa(\d+)_/.exec(baseName(f));
    if (m && Number(m[1]) !== task) throw new ConfigError(`${where}: path file ${f} holds task ${m[1]}, but task is ${task}`);
  }
  const plain = files.filter((f) => splitOf(f) === null);
  const ofSplit = (s: BabiSplit) => {
    const direct = files.filter((f) => splitOf(f) === s);
    const given = direct.length > 0 ? direct : files.filter((f) => splitOf(f) !== null).map((f) => sibling(f, s));
    for (const f of given) if (!isFile(f)) throw new ConfigError(`${where}: the ${s} file ${f} does not exist (${s === 'train' ? 'the vocabulary is built from the training files' : 'needed for split \'test\''})`);
    return given;
  };
  const unique = (xs: string[]) => [...new Set(xs)];
  return { data: unique([...ofSplit(split), ...plain]), vocab: unique([...ofSplit('train'), ...plain]) };
}

function findInDirectory(where: string, dir: string, task: number): string[] {
  const names = readdirSync(dir).sort();
  const pattern = new RegExp(`^qa${task}_.*_(train|test)\\.txt$`);
  const found = names.filter((n) => pattern.test(n));
  const trains = found.filter((n) => n.endsWith('_train.txt'));
  const tests = found.filter((n) => n.endsWith('_test.txt'));
  if (trains.length === 0) {
    const subdirs = names.filter((n) => n.startsWith('en') && isDirectory(where, joinPath(dir, n)));
    const hint = subdirs.length > 0 ? `; pass one of its folders instead: ${subdirs.map((s) => joinPath(dir, s)).join(', ')} (en = 1k, en-10k = 10k)` : '';
    throw new ConfigError(`${where}: path directory ${dir} has no qa${task}_*_train.txt${hint}`);
  }
  if (trains.length > 1 || tests.length > 1) {
    throw new ConfigError(`${where}: path directory ${dir} has several files for task ${task} (${found.join(', ')}); pass the file(s) to use`);
  }
  return [...trains, ...tests].map((n) => joinPath(dir, n));
}

function isDirectory(where: string, p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    throw new ConfigError(`${where}: path ${JSON.stringify(p)} does not exist`);
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function splitOf(file: string): BabiSplit | null {
  return file.endsWith('_train.txt') ? 'train' : file.endsWith('_test.txt') ? 'test' : null;
}

function sibling(file: string, split: BabiSplit): string {
  return file.replace(/_(train|test)\.txt$/, `_${split}.txt`);
}

function baseName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

function joinPath(dir: string, name: string): string {
  return `${dir.replace(/[\\/]+$/, '')}/${name}`;
}
