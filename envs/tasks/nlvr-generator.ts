/**
 * NLVR-style statements about generated scenes (nlvr-scene.ts), true or false by evaluating them on
 * the scene, after the sentence kinds of Suhr, Lewis, Yeh & Artzi (2017), "A Corpus of Natural
 * Language for Visual Reasoning", ACL. Only the given Rng.
 *
 * A description D is a colour and shape ("yellow circle"), a shape ("circle") or a colour ("yellow
 * item"): 15 in all; plural with a final s. Families, drawn uniformly, then their arguments uniformly:
 * - exist:    "There is a D."
 * - count:    "There is exactly one D." / "There are exactly {two, three} Ds." / "There are at least
 *             {two, three} Ds." (over all three boxes)
 * - box-and:  "There is a box with a D1 and a D2." (D1 ≠ D2, two different objects of one box)
 * - box-only: "There is a box with only {colour} items." / "... with only {shape}s."
 * - relation: "There is a D1 {above, below} a D2." (D1 ≠ D2, two objects of one box; nlvr-scene.ts)
 * - touching: "There is a D touching the edge." / "There is a D touching another item."
 * Balance: the statement is drawn first, then its truth (1/2 each), then the objects per box, then a
 * random scene with those counts, repaired toward that truth one object at a time (its colour and
 * shape redrawn so that the statement holds, or so that it no longer helps it hold; positions stay).
 * So every sentence is true half the time and the number of objects says nothing about the answer.
 * Rejection sampling did not: over scenes of any size "more objects" meant "true" (an LSTM scored
 * 0.64 on that alone), and over fixed counts "There is a circle." still came with 13.3 objects when
 * true, 12.2 when false. A scene no move can repair (no two objects in a box, none touching) is drawn
 * again. Families that need two objects in a box (box-and, relation, touching another item) are left
 * out when maxObjects is 1. The identifier of a generated example is its family.
 */
import { ConfigError } from '../errors.ts';
import type { Rng } from '../rng.ts';
import { COLORS, type NlvrColor, type NlvrExample, type NlvrObject, type NlvrScene, type NlvrShape, SHAPES } from './nlvr-format.ts';
import { isAbove, randomCounts, randomScene, touchesOther, touchesWall } from './nlvr-scene.ts';

export interface Description {
  readonly color: NlvrColor | null;
  readonly shape: NlvrShape | null;
}

export type Statement =
  | { readonly kind: 'exist'; readonly d: Description }
  | { readonly kind: 'count'; readonly d: Description; readonly atLeast: boolean; readonly n: number }
  | { readonly kind: 'box-and'; readonly a: Description; readonly b: Description }
  | { readonly kind: 'box-only'; readonly d: Description }
  | { readonly kind: 'relation'; readonly below: boolean; readonly a: Description; readonly b: Description }
  | { readonly kind: 'touching'; readonly d: Description; readonly wall: boolean };

export type Family = Statement['kind'];
export const FAMILIES: readonly Family[] = Object.freeze(['exist', 'count', 'box-and', 'box-only', 'relation', 'touching']);
/** Families that need two objects in one box. */
const PAIR_FAMILIES: readonly Family[] = ['box-and', 'relation'];

/** The 15 descriptions: colour and shape, shape only, colour only. */
export const DESCRIPTIONS: readonly Description[] = Object.freeze([
  ...COLORS.flatMap((color) => SHAPES.map((shape) => ({ color, shape }))),
  ...SHAPES.map((shape) => ({ color: null, shape })),
  ...COLORS.map((color) => ({ color, shape: null })),
]);
const SINGLE_ATTRIBUTE = DESCRIPTIONS.filter((d) => d.color === null || d.shape === null);
const COUNTS: readonly { atLeast: boolean; n: number }[] = [
  { atLeast: false, n: 1 }, { atLeast: false, n: 2 }, { atLeast: false, n: 3 }, { atLeast: true, n: 2 }, { atLeast: true, n: 3 },
];
const NUMBER_WORDS = ['zero', 'one', 'two', 'three'];
/** Repairs of one scene, scenes with one set of counts, and sets of counts before giving up (a bug). */
const MAX_REPAIRS = 100;
const SCENES_PER_COUNTS = 10;
const MAX_COUNTS = 1000;

function phrase(d: Description, plural = false): string {
  const noun = `${d.shape ?? 'item'}${plural ? 's' : ''}`;
  return d.color === null ? noun : `${d.color} ${noun}`;
}

export function statementText(s: Statement): string {
  switch (s.kind) {
    case 'exist': return `There is a ${phrase(s.d)}.`;
    case 'count': return s.n === 1 && !s.atLeast ? `There is exactly one ${phrase(s.d)}.`
      : `There are ${s.atLeast ? 'at least' : 'exactly'} ${NUMBER_WORDS[s.n]} ${phrase(s.d, true)}.`;
    case 'box-and': return `There is a box with a ${phrase(s.a)} and a ${phrase(s.b)}.`;
    case 'box-only': return `There is a box with only ${phrase(s.d, true)}.`;
    case 'relation': return `There is a ${phrase(s.a)} ${s.below ? 'below' : 'above'} a ${phrase(s.b)}.`;
    case 'touching': return `There is a ${phrase(s.d)} touching ${s.wall ? 'the edge' : 'another item'}.`;
  }
}

export function matches(o: NlvrObject, d: Description): boolean {
  return (d.color === null || o.color === d.color) && (d.shape === null || o.shape === d.shape);
}

/** Two different objects i, k of one box with `pair(box[i], box[k])`. */
function somePair(scene: NlvrScene, pair: (o: NlvrObject, p: NlvrObject) => boolean): boolean {
  return scene.some((box) => box.some((o, i) => box.some((p, k) => k !== i && pair(o, p))));
}

/** The truth of `s` on `scene`. */
export function holds(s: Statement, scene: NlvrScene): boolean {
  switch (s.kind) {
    case 'exist': return scene.some((box) => box.some((o) => matches(o, s.d)));
    case 'count': {
      const n = scene.reduce((sum, box) => sum + box.filter((o) => matches(o, s.d)).length, 0);
      return s.atLeast ? n >= s.n : n === s.n;
    }
    case 'box-and': return somePair(scene, (o, p) => matches(o, s.a) && matches(p, s.b));
    case 'box-only': return scene.some((box) => box.length > 0 && box.every((o) => matches(o, s.d)));
    case 'relation': return somePair(scene, (o, p) => matches(o, s.a) && matches(p, s.b) && (s.below ? isAbove(p, o) : isAbove(o, p)));
    case 'touching': return scene.some((box) => box.some((o, i) => matches(o, s.d) && (s.wall ? touchesWall(o) : touchesOther(box, i))));
  }
}

/** Every statement the generator can write (756), for the fixed vocabulary. */
export function allStatements(): Statement[] {
  const D = DESCRIPTIONS;
  const pairs = D.flatMap((a) => D.filter((b) => b !== a).map((b) => ({ a, b })));
  return [
    ...D.map((d): Statement => ({ kind: 'exist', d })),
    ...D.flatMap((d) => COUNTS.map((c): Statement => ({ kind: 'count', d, ...c }))),
    ...pairs.map(({ a, b }): Statement => ({ kind: 'box-and', a, b })),
    ...SINGLE_ATTRIBUTE.map((d): Statement => ({ kind: 'box-only', d })),
    ...[false, true].flatMap((below) => pairs.map(({ a, b }): Statement => ({ kind: 'relation', below, a, b }))),
    ...[true, false].flatMap((wall) => D.map((d): Statement => ({ kind: 'touching', d, wall }))),
  ];
}

/** The families of `families` possible with `maxObjects` per box. */
export function possibleFamilies(families: readonly Family[], maxObjects: number): Family[] {
  return families.filter((f) => maxObjects >= 2 || !PAIR_FAMILIES.includes(f));
}

/** A statement of a family drawn uniformly from `families` (those possible with `maxObjects`), arguments uniform. */
export function sampleStatement(rng: Rng, maxObjects: number, families: readonly Family[] = FAMILIES): Statement {
  const possible = possibleFamilies(families, maxObjects);
  if (possible.length === 0) throw new ConfigError(`nlvr-generator: no family of ${families.join(', ')} is possible with maxObjects ${maxObjects}`);
  const kind = possible[rng.int(0, possible.length - 1)] as Family;
  const pick = <T>(xs: readonly T[]) => xs[rng.int(0, xs.length - 1)] as T;
  const d = pick(DESCRIPTIONS);
  const other = () => {
    const k = rng.int(0, DESCRIPTIONS.length - 2);
    return DESCRIPTIONS[k >= DESCRIPTIONS.indexOf(d) ? k + 1 : k] as Description;
  };
  switch (kind) {
    case 'exist': return { kind, d };
    case 'count': return { kind, d, ...pick(COUNTS) };
    case 'box-and': return { kind, a: d, b: other() };
    case 'box-only': return { kind, d: pick(SINGLE_ATTRIBUTE) };
    case 'relation': return { kind, below: rng.bernoulli(0.5), a: d, b: other() };
    case 'touching': return { kind, d, wall: maxObjects < 2 || rng.bernoulli(0.5) };
  }
}

/**
 * One example: a statement, its truth (1/2 each), the objects per box, a random scene with those
 * counts, then repairs (colours and shapes redrawn, positions kept) until the statement has that truth.
 */
export function generateExample(rng: Rng, maxObjects: number, families: readonly Family[] = FAMILIES): NlvrExample {
  const s = sampleStatement(rng, maxObjects, families);
  const label = rng.bernoulli(0.5);
  for (let k = 0; k < MAX_COUNTS; k++) {
    const counts = randomCounts(rng, maxObjects);
    for (let i = 0; i < SCENES_PER_COUNTS; i++) {
      const scene = randomScene(rng, counts).map((box) => [...box]);
      for (let r = 0; r <= MAX_REPAIRS; r++) {
        if (holds(s, scene) === label) return { identifier: s.kind, sentence: statementText(s), label, scene };
        if (!repair(s, scene, label, rng)) break;
      }
    }
  }
  throw new Error(`nlvr-generator: no scene in ${MAX_COUNTS * SCENES_PER_COUNTS} draws where "${statementText(s)}" is ${label}`);
}

type Scene = NlvrObject[][];
type Slot = { box: number; i: number };

/** `o` redressed to match d (the attribute d leaves open drawn uniformly). */
function dress(o: NlvrObject, d: Description, rng: Rng): NlvrObject {
  return { ...o, color: d.color ?? (COLORS[rng.int(0, COLORS.length - 1)] as NlvrColor), shape: d.shape ?? (SHAPES[rng.int(0, SHAPES.length - 1)] as NlvrShape) };
}

/** `o` with colour and shape redrawn until it matches none of `ds`. */
function undress(o: NlvrObject, ds: readonly Description[], rng: Rng): NlvrObject {
  for (;;) {
    const p = dress(o, { color: null, shape: null }, rng);
    if (!ds.some((d) => matches(p, d))) return p;
  }
}

/**
 * One move of `scene` (in place) toward truth `want` for `s`: dress an object so that `s` holds, or
 * undress one of the objects that make it hold. False when the geometry allows no move (no two
 * objects in a box, none at different heights, none touching).
 */
function repair(s: Statement, scene: Scene, want: boolean, rng: Rng): boolean {
  const slots = scene.flatMap((objs, box) => objs.map((_, i): Slot => ({ box, i })));
  const at = (x: Slot) => (scene[x.box] as NlvrObject[])[x.i] as NlvrObject;
  const pick = <T>(xs: readonly T[]) => (xs.length === 0 ? undefined : xs[rng.int(0, xs.length - 1)]);
  const ds = s.kind === 'box-and' || s.kind === 'relation' ? [s.a, s.b] : [s.d];
  const strip = (xs: readonly Slot[]) => {
    const x = pick(xs);
    if (x) (scene[x.box] as NlvrObject[])[x.i] = undress(at(x), ds, rng);
    return x !== undefined;
  };
  const put = (x: Slot | undefined, d: Description) => {
    if (x) (scene[x.box] as NlvrObject[])[x.i] = dress(at(x), d, rng);
    return x !== undefined;
  };
  const matching = (xs: readonly Slot[], d: Description) => xs.filter((x) => matches(at(x), d));
  switch (s.kind) {
    case 'exist': return want ? put(pick(slots), s.d) : strip(matching(slots, s.d));
    case 'touching': {
      const touching = slots.filter((x) => (s.wall ? touchesWall(at(x)) : touchesOther(scene[x.box] as NlvrObject[], x.i)));
      return want ? put(pick(touching), s.d) : strip(matching(touching, s.d));
    }
    case 'count': {
      const n = matching(slots, s.d).length;
      const others = slots.filter((x) => !matches(at(x), s.d));
      const up = want ? n < s.n : !s.atLeast && others.length > 0 && rng.bernoulli(0.5);
      return up ? put(pick(others), s.d) : strip(matching(slots, s.d));
    }
    case 'box-only': {
      if (!want) return strip(slots.filter((x) => (scene[x.box] as NlvrObject[]).every((o) => matches(o, s.d))));
      const b = rng.int(0, scene.length - 1);
      for (const x of slots) if (x.box === b) put(x, s.d);
      return true;
    }
    case 'box-and': case 'relation': {
      // x can stand for D1 and y for D2: two objects of one box, x higher (above) or lower (below) for a relation.
      const fits = (x: Slot, y: Slot) => x.box === y.box && x.i !== y.i && (s.kind === 'box-and' || (s.below ? isAbove(at(y), at(x)) : isAbove(at(x), at(y))));
      const pairs = slots.flatMap((x) => slots.filter((y) => fits(x, y)).map((y) => [x, y] as const));
      if (want) {
        const pair = pick(pairs);
        return pair !== undefined && put(pair[0], s.a) && put(pair[1], s.b);
      }
      return strip([...new Set(pairs.filter(([x, y]) => matches(at(x), s.a) && matches(at(y), s.b)).flat())]);
    }
  }
}
