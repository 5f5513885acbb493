/**
 * Procedural bAbI stories for tasks 1, 2, 3, 6 and 15 (docs/tasks.md §6.3), after the Lua/Torch
 * generator `facebookarchive/bAbI-tasks` of Weston et al. (2015), "Towards AI-Complete Question
 * Answering", arXiv 1502.05698. Statistically similar to the public files, not identical. All
 * randomness comes from the given Rng; output is the `BabiStory` the parser yields, and
 * `generateBabiText` writes the standard format.
 *
 * World of tasks 1, 2, 3, 6: hidden initial state John/kitchen, Mary/bedroom, Sandra/garden,
 * Daniel/hallway; apple/kitchen, football/garden, milk/kitchen. The reader knows an actor's location
 * only from a narrated move. Actions (arguments drawn uniformly, invalid draws rejected up to 100
 * times, then the action type is redrawn): move (not already there; carries held objects), get
 * (same location, object not held), drop (actor holds it).
 * - Task 1: 15 lines, questions at 3, 6, 9, 12, 15 about a uniformly chosen actor with a known
 *   location: "Where is {A}?", support = its last move.
 * - Task 6: the same with "Is {A} in the {L}?": yes (prob. 1/2, the last narrated location) or no
 *   (a uniformly chosen other location).
 * - Tasks 2, 3: actions of a uniform type until 5 questions; after each statement, once >= 3
 *   statements followed the last question, ask with prob. 1/2 if some object qualifies.
 *   Task 2 "Where is the {O}?" about an object whose location the reader infers: held by an actor
 *   of known location (support: the get + the actor's latest move) or dropped by an actor whose
 *   location was known then (support: the drop + that move). Task 3 keeps, per object, the history
 *   of inferred locations (an entry when the location first becomes known or changes) and asks
 *   "Where was the {O} before the {L_k}?" for an entry k >= 1 whose location occurs once in the
 *   history; answer L_{k−1}, support = the two entries' supports, which must be exactly 3 lines or
 *   the story is rejected and drawn again (as the Lua rewrite does).
 * - Task 15: fears (each species fears a uniform other one), species per actor uniform with
 *   replacement, 8 statements in random order, then "What is {actor} afraid of?" for each actor in
 *   random order; answer the feared species (singular), support = the "is a" and the fear line.
 */
import { ConfigError } from '../errors.ts';
import type { Rng } from '../rng.ts';
import { type BabiLine, type BabiStory, formatBabi } from './babi-format.ts';

export const GENERATED_TASKS = Object.freeze([1, 2, 3, 6, 15] as const);
export type GeneratedTask = (typeof GENERATED_TASKS)[number];

export const LOCATIONS: readonly string[] = Object.freeze(['bedroom', 'kitchen', 'garden', 'hallway', 'bathroom', 'office']);
export const ACTORS: readonly string[] = Object.freeze(['John', 'Mary', 'Sandra', 'Daniel']);
export const OBJECTS: readonly string[] = Object.freeze(['apple', 'football', 'milk']);
const MOVE_VERBS = ['went', 'journeyed', 'travelled', 'moved'];
const GET_VERBS = ['grabbed', 'took', 'got'];
const DROP_VERBS = ['dropped', 'put down', 'let go of'];
const ACTOR_START = [1, 0, 2, 3];   // kitchen, bedroom, garden, hallway (never narrated)
const OBJECT_START = [1, 2, 1];     // kitchen, garden, kitchen

export const DEDUCTION_ACTORS: readonly string[] = Object.freeze(['Gertrude', 'Winona', 'Jessica', 'Emily']);
export const SPECIES: readonly string[] = Object.freeze(['mouse', 'sheep', 'wolf', 'cat']);
const SPECIES_PLURAL = ['mice', 'sheep', 'wolves', 'cats'];

const MAX_TRIES = 100;       // rejection draws per action type (§6.3)
const MAX_ATTEMPTS = 10_000; // task 3 stories drawn before giving up (never reached in practice)
const MAX_STATEMENTS = 1000; // a task 2/3 story this long is drawn again

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Sentence templates, shared with the vocabulary (babi-vocab.ts enumerates them). */
export const moveText = (a: number, l: number, verb: number) => `${ACTORS[a]} ${MOVE_VERBS[verb]} to the ${LOCATIONS[l]}.`;
export const getText = (a: number, o: number, verb: number) => `${ACTORS[a]} ${GET_VERBS[verb]} the ${OBJECTS[o]}.`;
export const dropText = (a: number, o: number, verb: number) => `${ACTORS[a]} ${DROP_VERBS[verb]} the ${OBJECTS[o]}.`;
export const whereActorText = (a: number) => `Where is ${ACTORS[a]}?`;
export const isActorInText = (a: number, l: number) => `Is ${ACTORS[a]} in the ${LOCATIONS[l]}?`;
export const whereObjectText = (o: number) => `Where is the ${OBJECTS[o]}?`;
export const whereWasText = (o: number, l: number) => `Where was the ${OBJECTS[o]} before the ${LOCATIONS[l]}?`;
export const fearText = (s: number, feared: number) => `${capitalise(SPECIES_PLURAL[s] as string)} are afraid of ${SPECIES_PLURAL[feared]}.`;
export const isAText = (a: number, s: number) => `${DEDUCTION_ACTORS[a]} is a ${SPECIES[s]}.`;
export const afraidText = (a: number) => `What is ${(DEDUCTION_ACTORS[a] as string).toLowerCase()} afraid of?`;
export const NUM_VERBS = Object.freeze({ move: MOVE_VERBS.length, get: GET_VERBS.length, drop: DROP_VERBS.length });

/** The answer classes a task can produce, in sorted order. */
export function generatedAnswers(task: GeneratedTask): string[] {
  if (task === 6) return ['no', 'yes'];
  return [...(task === 15 ? SPECIES : LOCATIONS)].sort();
}

/** One story of `task`, drawn from `rng`. */
export function generateStory(task: GeneratedTask, rng: Rng): BabiStory {
  switch (task) {
    case 1: case 6: return actorStory(task, rng);
    case 2: return objectStory(rng, false) as BabiStory;
    case 3:
      for (let i = 0; i < MAX_ATTEMPTS; i++) {
        const story = objectStory(rng, true);
        if (story) return story;
      }
      throw new Error(`babi-generator: no task 3 story with 3-line supports in ${MAX_ATTEMPTS} attempts`);
    case 15: return deductionStory(rng);
    default: throw new ConfigError(`babi-generator: task must be one of ${GENERATED_TASKS.join(', ')}, got ${JSON.stringify(task)}`);
  }
}

/** `numStories` stories of `task` in the standard text format. */
export function generateBabiText(task: GeneratedTask, rng: Rng, numStories: number): string {
  return formatBabi(Array.from({ length: numStories }, () => generateStory(task, rng)));
}

/** True state plus what the reader was told. */
class World {
  readonly actorLoc = [...ACTOR_START];
  readonly objectLoc = [...OBJECT_START];
  readonly holder = [-1, -1, -1];
  readonly knownLoc = [-1, -1, -1, -1];   // reader: actor location from its last narrated move
  readonly knownLine = [0, 0, 0, 0];      // ... and that move's line
  readonly getLine = [0, 0, 0];           // the get line of the current holder
  readonly dropped: ({ loc: number; support: number[] } | null)[] = [null, null, null];

  /** Draw a valid action (of a uniform type, or a move) and apply it; returns the sentence. */
  act(rng: Rng, line: number, movesOnly: boolean): string {
    for (;;) {
      const type = movesOnly ? 0 : (rng.int(0, 2) as 0 | 1 | 2); // 0 move, 1 get, 2 drop
      // With no valid get/drop at all the 100 draws would surely fail: skip them (same distribution).
      if (type !== 0 && !this.anyValid(type)) continue;
      for (let i = 0; i < MAX_TRIES; i++) {
        const a = rng.int(0, ACTORS.length - 1);
        if (type === 0) {
          const l = rng.int(0, LOCATIONS.length - 1);
          if (this.actorLoc[a] === l) continue;
          this.actorLoc[a] = l;
          for (let o = 0; o < OBJECTS.length; o++) if (this.holder[o] === a) this.objectLoc[o] = l;
          this.knownLoc[a] = l;
          this.knownLine[a] = line;
          return moveText(a, l, rng.int(0, MOVE_VERBS.length - 1));
        }
        const o = rng.int(0, OBJECTS.length - 1);
        if (type === 1) {
          if (this.holder[o] !== -1 || this.objectLoc[o] !== this.actorLoc[a]) continue;
          this.holder[o] = a;
          this.getLine[o] = line;
          return getText(a, o, rng.int(0, GET_VERBS.length - 1));
        }
        if (this.holder[o] !== a) continue;
        this.holder[o] = -1;
        this.dropped[o] = (this.knownLoc[a] as number) >= 0 ? { loc: this.knownLoc[a] as number, support: [this.knownLine[a] as number, line] } : null;
        return dropText(a, o, rng.int(0, DROP_VERBS.length - 1));
      }
    }
  }

  private anyValid(type: 1 | 2): boolean {
    for (let o = 0; o < OBJECTS.length; o++) {
      const h = this.holder[o] as number;
      if (type === 2 ? h >= 0 : h < 0 && this.actorLoc.includes(this.objectLoc[o] as number)) return true;
    }
    return false;
  }

  /** Where the reader can tell object o is, with the lines that show it; null if it cannot. */
  infer(o: number): { loc: number; support: number[] } | null {
    const h = this.holder[o] as number;
    if (h < 0) return this.dropped[o] ?? null;
    const loc = this.knownLoc[h] as number;
    return loc < 0 ? null : { loc, support: sortedUnique([this.getLine[o] as number, this.knownLine[h] as number]) };
  }
}

function actorStory(task: 1 | 6, rng: Rng): BabiStory {
  const world = new World();
  const lines: BabiLine[] = [];
  for (let id = 1; id <= 15; id++) {
    if (id % 3 !== 0) {
      lines.push({ kind: 'statement', id, text: world.act(rng, id, true) });
      continue;
    }
    const known = ACTORS.map((_, a) => a).filter((a) => (world.knownLoc[a] as number) >= 0);
    const a = known[rng.int(0, known.length - 1)] as number;
    const loc = world.knownLoc[a] as number;
    const support = [world.knownLine[a] as number];
    if (task === 1) {
      lines.push({ kind: 'question', id, text: whereActorText(a), answer: LOCATIONS[loc] as string, support });
    } else {
      const yes = rng.bernoulli(0.5);
      const other = rng.int(0, LOCATIONS.length - 2);
      const asked = yes ? loc : other >= loc ? other + 1 : other;
      lines.push({ kind: 'question', id, text: isActorInText(a, asked), answer: yes ? 'yes' : 'no', support });
    }
  }
  return { lines };
}

interface HistoryEntry { loc: number; support: number[] }

/** Tasks 2 (history = false) and 3; null when a task 3 story must be rejected. */
function objectStory(rng: Rng, history: boolean): BabiStory | null {
  const world = new World();
  const lines: BabiLine[] = [];
  const histories: HistoryEntry[][] = OBJECTS.map(() => []);
  let questions = 0;
  let since = 0;
  while (questions < 5) {
    if (lines.length >= MAX_STATEMENTS) return history ? null : objectStory(rng, false);
    const id = lines.length + 1;
    lines.push({ kind: 'statement', id, text: world.act(rng, id, false) });
    since++;
    for (let o = 0; o < OBJECTS.length; o++) {
      const now = world.infer(o);
      const h = histories[o] as HistoryEntry[];
      if (now && (h.length === 0 || (h[h.length - 1] as HistoryEntry).loc !== now.loc)) h.push(now);
    }
    if (since < 3 || !rng.bernoulli(0.5)) continue;
    const qid = id + 1;
    if (!history) {
      const candidates = OBJECTS.map((_, o) => o).filter((o) => world.infer(o) !== null);
      if (candidates.length === 0) continue;
      const o = candidates[rng.int(0, candidates.length - 1)] as number;
      const where = world.infer(o) as HistoryEntry;
      lines.push({ kind: 'question', id: qid, text: whereObjectText(o), answer: LOCATIONS[where.loc] as string, support: where.support });
    } else {
      const choices = histories.map(uniqueEntries);
      const candidates = OBJECTS.map((_, o) => o).filter((o) => (choices[o] as number[]).length > 0);
      if (candidates.length === 0) continue;
      const o = candidates[rng.int(0, candidates.length - 1)] as number;
      const ks = choices[o] as number[];
      const k = ks[rng.int(0, ks.length - 1)] as number;
      const h = histories[o] as HistoryEntry[];
      const before = h[k - 1] as HistoryEntry;
      const after = h[k] as HistoryEntry;
      const support = sortedUnique([...before.support, ...after.support]);
      if (support.length !== 3) return null;
      lines.push({ kind: 'question', id: qid, text: whereWasText(o, after.loc), answer: LOCATIONS[before.loc] as string, support });
    }
    questions++;
    since = 0;
  }
  return { lines };
}

/** Entries k >= 1 whose location occurs exactly once in the history. */
function uniqueEntries(h: readonly HistoryEntry[]): number[] {
  const out: number[] = [];
  for (let k = 1; k < h.length; k++) {
    const loc = (h[k] as HistoryEntry).loc;
    if (h.filter((e) => e.loc === loc).length === 1) out.push(k);
  }
  return out;
}

function deductionStory(rng: Rng): BabiStory {
  const n = SPECIES.length;
  const fears = SPECIES.map((_, s) => {
    const other = rng.int(0, n - 2);
    return other >= s ? other + 1 : other;
  });
  const species = DEDUCTION_ACTORS.map(() => rng.int(0, n - 1));
  // Statements 0..3 are the fear lines of species 0..3, 4..7 the "is a" lines of actors 0..3.
  const order = rng.permutation(2 * n);
  const lineOf = new Array<number>(2 * n);
  const lines: BabiLine[] = [];
  order.forEach((which, i) => {
    lineOf[which] = i + 1;
    const text = which < n ? fearText(which, fears[which] as number) : isAText(which - n, species[which - n] as number);
    lines.push({ kind: 'statement', id: i + 1, text });
  });
  for (const a of rng.permutation(DEDUCTION_ACTORS.length)) {
    const s = species[a] as number;
    const id = lines.length + 1;
    const support = sortedUnique([lineOf[n + a] as number, lineOf[s] as number]);
    lines.push({ kind: 'question', id, text: afraidText(a), answer: SPECIES[fears[s] as number] as string, support });
  }
  return { lines };
}

function sortedUnique(xs: readonly number[]): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}
