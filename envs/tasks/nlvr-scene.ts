/**
 * NLVR scenes: the geometry the statements talk about, and seeded random scenes in the style of the
 * corpus' scatter images (Suhr, Lewis, Yeh & Artzi 2017, "A Corpus of Natural Language for Visual
 * Reasoning", ACL). Every object is an axis-aligned square of side `size` at (x, y) in its 100 px box.
 *
 * Relations, as the public files draw them (measured on dev.json: 3355 objects flush with a wall,
 * 153 one px off, 146 two px off; 3220 object pairs exactly 1 px apart along one axis, none at 0 px,
 * so contact is drawn with a 1 px gap; no overlaps):
 * - touching the edge: flush with a wall (x = 0, y = 0, x + size = 100 or y + size = 100), as
 *   allennlp's NLVR `touch_wall`;
 * - touching each other: same box, a gap of at most 1 px along one axis and overlapping spans along
 *   the other (a corner-to-corner contact does not count);
 * - A above B: same box and A's top edge higher (smaller y), as allennlp's NLVR `above`.
 *
 * Random scenes: per box a given number of objects of uniform size, shape and colour, placed one by
 * one: with probability 0.3 flush with a uniformly chosen wall, 0.3 touching a placed object (1 px gap
 * on a uniformly chosen side), else uniformly; a draw that overlaps a placed object or leaves the box
 * is drawn again, and an object with no free place after 100 draws is left out. Only the given Rng.
 */
import type { Rng } from '../rng.ts';
import { BOX_SIZE, COLORS, NUM_BOXES, type NlvrObject, type NlvrScene, type NlvrSize, SHAPES, SIZES } from './nlvr-format.ts';

/** Objects per box at most (dev.json's boxes hold 1 to 7). */
export const MAX_OBJECTS_PER_BOX = 8;
/** Largest gap, in px, between two objects drawn as touching (the files use 1). */
export const TOUCH_GAP = 1;
const P_WALL = 0.3;
const P_TOUCH = 0.3;
const MAX_DRAWS = 100;

/** Gap between two spans [a, a + sa) and [b, b + sb): negative when they overlap. */
function gap(a: number, sa: number, b: number, sb: number): number {
  return Math.max(a, b) - Math.min(a + sa, b + sb);
}

export function touchesWall(o: NlvrObject): boolean {
  return o.x === 0 || o.y === 0 || o.x + o.size === BOX_SIZE || o.y + o.size === BOX_SIZE;
}

/** Two objects of one box touch: a gap of at most TOUCH_GAP px along one axis, overlapping spans along the other. */
export function touches(a: NlvrObject, b: NlvrObject): boolean {
  const gx = gap(a.x, a.size, b.x, b.size);
  const gy = gap(a.y, a.size, b.y, b.size);
  return (gx >= 0 && gx <= TOUCH_GAP && gy < 0) || (gy >= 0 && gy <= TOUCH_GAP && gx < 0);
}

export function overlaps(a: NlvrObject, b: NlvrObject): boolean {
  return gap(a.x, a.size, b.x, b.size) < 0 && gap(a.y, a.size, b.y, b.size) < 0;
}

/** A above B (same box assumed): A's top edge is higher. */
export function isAbove(a: NlvrObject, b: NlvrObject): boolean {
  return a.y < b.y;
}

/** Whether object i of `box` touches another object of the box. */
export function touchesOther(box: readonly NlvrObject[], i: number): boolean {
  const o = box[i] as NlvrObject;
  return box.some((p, k) => k !== i && touches(o, p));
}

/** Objects per box: uniform in 1 … maxObjects, for each of the three boxes. */
export function randomCounts(rng: Rng, maxObjects: number): number[] {
  return Array.from({ length: NUM_BOXES }, () => rng.int(1, maxObjects));
}

/** A random scene with `counts[b]` objects in box b (fewer when one finds no free place). */
export function randomScene(rng: Rng, counts: readonly number[]): NlvrScene {
  return counts.map((n) => randomBox(rng, n));
}

function randomBox(rng: Rng, n: number): NlvrObject[] {
  const box: NlvrObject[] = [];
  for (let k = 0; k < n; k++) {
    const size = SIZES[rng.int(0, SIZES.length - 1)] as NlvrSize;
    const shape = SHAPES[rng.int(0, SHAPES.length - 1)] as NlvrObject['shape'];
    const color = COLORS[rng.int(0, COLORS.length - 1)] as NlvrObject['color'];
    for (let d = 0; d < MAX_DRAWS; d++) {
      const [x, y] = position(rng, size, box);
      const o: NlvrObject = { x, y, size, shape, color };
      if (x < 0 || y < 0 || x + size > BOX_SIZE || y + size > BOX_SIZE || box.some((p) => overlaps(o, p))) continue;
      box.push(o);
      break;
    }
  }
  return box;
}

/** A candidate top-left corner: flush with a wall, next to a placed object, or uniform. */
function position(rng: Rng, size: number, box: readonly NlvrObject[]): [number, number] {
  const far = BOX_SIZE - size;
  const u = rng.uniform();
  if (u < P_WALL) {
    const side = rng.int(0, 3);   // left, top, right, bottom
    const along = rng.int(0, far);
    return side === 0 ? [0, along] : side === 1 ? [along, 0] : side === 2 ? [far, along] : [along, far];
  }
  if (u < P_WALL + P_TOUCH && box.length > 0) {
    const p = box[rng.int(0, box.length - 1)] as NlvrObject;
    const side = rng.int(0, 3);
    const slide = (lo: number) => rng.int(lo - size + 1, lo + p.size - 1);   // spans overlap along the other axis
    const g = TOUCH_GAP;
    return side === 0 ? [p.x - size - g, slide(p.y)] : side === 1 ? [slide(p.x), p.y - size - g]
      : side === 2 ? [p.x + p.size + g, slide(p.y)] : [slide(p.x), p.y + p.size + g];
  }
  return [rng.int(0, far), rng.int(0, far)];
}
