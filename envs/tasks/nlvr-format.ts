/**
 * The NLVR JSON-lines format: parse it, write it, and find a split's file on disk.
 * Suhr, Lewis, Yeh & Artzi (2017), "A Corpus of Natural Language for Visual Reasoning", ACL; the
 * public files are the `nlvr` folder of github.com/lil-lab/nlvr (`train/train.json`,
 * `dev/dev.json`, `test/test.json`).
 *
 * Format: one example per line, `{"identifier": "1572-0", "sentence": "...", "label": "true" |
 * "false", "structured_rep": [box, box, box], ...}`; other fields (`evals`, `directory`) are ignored.
 * A box is a list of objects `{"x_loc", "y_loc", "size", "type", "color"}`: the box is 100×100 px,
 * (x_loc, y_loc) is the object's top-left corner in it, `size` its width in px (10, 20 or 30),
 * `type` triangle, circle or square, `color` "Yellow", "Black" or "#0099ff" (blue). Blank lines are
 * skipped. Malformed entries throw a ConfigError naming the file and line:
 * `dev.json:7: label must be "true" or "false", got "maybe"`.
 *
 * One of the data-format readers (with babi-format.ts, corpus-format.ts, text-file.ts), the only envs/ files that touch the file system.
 */
import { statSync } from 'node:fs';
import { ConfigError } from '../errors.ts';
import { readTextFile } from './text-file.ts';

export const SHAPES = Object.freeze(['triangle', 'circle', 'square'] as const);
export type NlvrShape = (typeof SHAPES)[number];
/** Colour names as the sentences say them; the files write blue as "#0099ff". */
export const COLORS = Object.freeze(['yellow', 'black', 'blue'] as const);
export type NlvrColor = (typeof COLORS)[number];
export const SIZES = Object.freeze([10, 20, 30] as const);
export type NlvrSize = (typeof SIZES)[number];
/** Boxes per image and their side in px. */
export const NUM_BOXES = 3;
export const BOX_SIZE = 100;

const FILE_COLORS: Readonly<Record<NlvrColor, string>> = Object.freeze({ yellow: 'Yellow', black: 'Black', blue: '#0099ff' });
const FILE_COLOR_NAMES = COLORS.map((c) => FILE_COLORS[c]);

export interface NlvrObject {
  /** x_loc, y_loc: top-left corner in its box, px. */
  readonly x: number;
  readonly y: number;
  readonly size: NlvrSize;
  readonly shape: NlvrShape;
  readonly color: NlvrColor;
}

/** The three boxes of an image, each a list of objects. */
export type NlvrScene = readonly (readonly NlvrObject[])[];

export interface NlvrExample {
  readonly identifier: string;
  readonly sentence: string;
  readonly label: boolean;
  readonly scene: NlvrScene;
}

export type NlvrSplit = 'train' | 'dev' | 'test';

/** Parse the text of one file. `file` names the source in error messages. */
export function parseNlvr(text: string, file = '<text>'): NlvrExample[] {
  const out: NlvrExample[] = [];
  const rows = text.split(/\r?\n/);
  for (let n = 0; n < rows.length; n++) {
    const row = rows[n] as string;
    if (row.trim() === '') continue;
    const bad: Bad = (what) => { throw new ConfigError(`NLVR: ${file}:${n + 1}: ${what}`); };
    let j: unknown;
    try {
      j = JSON.parse(row);
    } catch (e) {
      bad(`not valid JSON (${(e as Error).message.split('\n')[0]})`);
    }
    if (!isRecord(j)) bad(`an example must be a JSON object, got ${shown(j)}`);
    out.push(parseExample(j, bad));
  }
  return out;
}

type Bad = (what: string) => never;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value as the message quotes it: JSON, cut at 80 characters; a missing field says so. */
function shown(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

function parseExample(j: Record<string, unknown>, bad: Bad): NlvrExample {
  for (const k of ['identifier', 'sentence'] as const) {
    if (typeof j[k] !== 'string' || (j[k] as string).trim() === '') bad(`${k} must be a non-empty string, got ${shown(j[k])}`);
  }
  if (j.label !== 'true' && j.label !== 'false') bad(`label must be "true" or "false", got ${shown(j.label)}`);
  const rep = j.structured_rep;
  if (!Array.isArray(rep) || rep.length !== NUM_BOXES) {
    bad(`structured_rep must be a list of exactly ${NUM_BOXES} boxes, got ${Array.isArray(rep) ? `a list of ${rep.length}` : shown(rep)}`);
  }
  const scene = rep.map((box, b) => {
    if (!Array.isArray(box)) bad(`structured_rep[${b}] must be a list of objects, got ${shown(box)}`);
    return box.map((o, i) => parseObject(o, `structured_rep[${b}][${i}]`, bad));
  });
  return { identifier: j.identifier as string, sentence: j.sentence as string, label: j.label === 'true', scene };
}

function parseObject(o: unknown, where: string, bad: Bad): NlvrObject {
  if (!isRecord(o)) bad(`${where} must be an object {x_loc, y_loc, size, type, color}, got ${shown(o)}`);
  const oneOf = (xs: readonly unknown[]) => xs.map((x) => JSON.stringify(x)).join(', ');
  if (!SHAPES.includes(o.type as NlvrShape)) bad(`${where}.type must be one of ${oneOf(SHAPES)}, got ${shown(o.type)}`);
  const color = COLORS.find((c) => FILE_COLORS[c] === o.color);
  if (color === undefined) bad(`${where}.color must be one of ${oneOf(FILE_COLOR_NAMES)}, got ${shown(o.color)}`);
  if (!SIZES.includes(o.size as NlvrSize)) bad(`${where}.size must be one of ${oneOf(SIZES)}, got ${shown(o.size)}`);
  const size = o.size as NlvrSize;
  for (const k of ['x_loc', 'y_loc'] as const) {
    const v = o[k];
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) + size > BOX_SIZE) {
      bad(`${where}.${k} must be an integer from 0 to ${BOX_SIZE - size} (a size ${size} object inside its ${BOX_SIZE} px box), got ${shown(v)}`);
    }
  }
  return { x: o.x_loc as number, y: o.y_loc as number, size, shape: o.type as NlvrShape, color };
}

/** The JSON-lines text of `examples` (the public files' field names), ending with a newline. */
export function formatNlvr(examples: readonly NlvrExample[]): string {
  const line = (e: NlvrExample) => JSON.stringify({
    identifier: e.identifier, sentence: e.sentence, label: e.label ? 'true' : 'false',
    structured_rep: e.scene.map((box) => box.map((o) => ({ x_loc: o.x, y_loc: o.y, size: o.size, type: o.shape, color: FILE_COLORS[o.color] }))),
  });
  return examples.map((e) => `${line(e)}\n`).join('');
}

/** Read and parse one file; errors name the file and line. */
export function readNlvrFile(file: string): NlvrExample[] {
  return parseNlvr(readTextFile('NLVR', file), file);
}

export interface NlvrFiles {
  /** The file of the requested split. */
  readonly data: string;
  /** The file the vocabulary is built from (the training file). */
  readonly vocab: string;
}

/**
 * Which files to read for `split`. A directory holds `{split}.json` or, as the repository's `nlvr`
 * folder, `{split}/{split}.json`; the vocabulary comes from its train file. A file is the data of
 * every split and its own vocabulary.
 */
export function resolveNlvrFiles(where: string, path: string, split: NlvrSplit): NlvrFiles {
  let dir: boolean;
  try {
    dir = statSync(path).isDirectory();
  } catch {
    throw new ConfigError(`${where}: path ${JSON.stringify(path)} does not exist`);
  }
  if (!dir) return { data: path, vocab: path };
  const find = (s: NlvrSplit) => {
    const tried = [joinPath(path, `${s}.json`), joinPath(path, `${s}/${s}.json`)];
    const found = tried.find(isFile);
    if (found === undefined) throw new ConfigError(`${where}: path directory ${path} has no ${s}.json (looked for ${tried.join(' and ')})`);
    return found;
  };
  return { data: find(split), vocab: find('train') };
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function joinPath(dir: string, name: string): string {
  return `${dir.replace(/[\\/]+$/, '')}/${name}`;
}
