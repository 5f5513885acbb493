/**
 * NLVR (Suhr et al. 2017) as a reward-free env: the JSON-lines format and its error text, the scene
 * geometry and statement truth checked by an independent pixel-level reader, the balance of the
 * generator, the episode layout and timing (docs/tasks.md §8.2), files, seeding, metrics, rendering
 * and bad kwargs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkEnv } from '../../envs/check.ts';
import { make } from '../../envs/registry.ts';
import { Rng } from '../../envs/rng.ts';
import { formatNlvr, type NlvrExample, type NlvrObject, type NlvrScene, parseNlvr, readNlvrFile } from '../../envs/tasks/nlvr-format.ts';
import { allStatements, FAMILIES, generateExample, holds, statementText } from '../../envs/tasks/nlvr-generator.ts';
import { isAbove, touches, touchesWall } from '../../envs/tasks/nlvr-scene.ts';
import { NLVR_DEFAULTS, type NlvrFrame, type NlvrOptions, NlvrTask, OBJECT_FEATURES, tokenize } from '../../envs/tasks/nlvr.ts';
import { OrderEnforcing } from '../../envs/wrappers.ts';
import { play, withDir } from '../fixtures/task-episodes.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'nlvr');
const TRAIN = join(FIXTURES, 'train.json');


const obj = (x: number, y: number, size: 10 | 20 | 30, shape: NlvrObject['shape'], color: NlvrObject['color']): NlvrObject => ({ x, y, size, shape, color });
const BY_TEXT = new Map(allStatements().map((s) => [statementText(s), s]));
const statement = (text: string) => BY_TEXT.get(text) ?? assert.fail(`not a generated statement: ${text}`);

// ---- An independent reader: pixels for the geometry, regular expressions for the sentences.

/** Cells of a box: −1 empty, else the index of the object covering the pixel. */
function raster(box: readonly NlvrObject[]): Int32Array {
  const grid = new Int32Array(100 * 100).fill(-1);
  box.forEach((o, i) => {
    for (let y = o.y; y < o.y + o.size; y++) for (let x = o.x; x < o.x + o.size; x++) {
      assert.equal(grid[y * 100 + x], -1, 'objects do not overlap');
      grid[y * 100 + x] = i;
    }
  });
  return grid;
}

/** Object i touches another: a pixel of another object in the same row or column at most 2 pixels away (one free pixel between). */
function pixelTouching(box: readonly NlvrObject[], grid: Int32Array, i: number): boolean {
  const o = box[i] as NlvrObject;
  for (let y = o.y; y < o.y + o.size; y++) for (let x = o.x; x < o.x + o.size; x++) {
    for (const [dx, dy] of [[1, 0], [2, 0], [-1, 0], [-2, 0], [0, 1], [0, 2], [0, -1], [0, -2]] as const) {
      const u = x + dx, v = y + dy;
      if (u >= 0 && u < 100 && v >= 0 && v < 100 && grid[v * 100 + u] !== -1 && grid[v * 100 + u] !== i) return true;
    }
  }
  return false;
}
const pixelEdge = (o: NlvrObject) => o.x === 0 || o.y === 0 || o.x + o.size - 1 === 99 || o.y + o.size - 1 === 99;

type Pred = (o: NlvrObject) => boolean;
function description(words: string): Pred {
  const m = /^(?:(yellow|black|blue) )?(triangle|circle|square|item)s?$/.exec(words) ?? assert.fail(`bad description "${words}"`);
  return (o) => (m[1] === undefined || o.color === m[1]) && (m[2] === 'item' || o.shape === m[2]);
}

/** The truth of a generated sentence on a scene, read from its text. */
function readTruth(sentence: string, scene: NlvrScene): boolean {
  const boxes = scene.map((box) => ({ box, grid: raster(box) }));
  const all = scene.flat();
  const pairs = (p: Pred, q: Pred, rel: (a: NlvrObject, b: NlvrObject) => boolean) =>
    scene.some((box) => box.some((a, i) => p(a) && box.some((b, k) => k !== i && q(b) && rel(a, b))));
  let m: RegExpExecArray | null;
  if ((m = /^There is exactly one (.+)\.$/.exec(sentence))) return all.filter(description(m[1]!)).length === 1;
  if ((m = /^There are (exactly|at least) (two|three) (.+)\.$/.exec(sentence))) {
    const n = all.filter(description(m[3]!)).length, k = m[2] === 'two' ? 2 : 3;
    return m[1] === 'exactly' ? n === k : n >= k;
  }
  if ((m = /^There is a box with a (.+) and a (.+)\.$/.exec(sentence))) return pairs(description(m[1]!), description(m[2]!), () => true);
  if ((m = /^There is a box with only (.+)\.$/.exec(sentence))) { const p = description(m[1]!); return scene.some((b) => b.length > 0 && b.every(p)); }
  if ((m = /^There is a (.+) (above|below) a (.+)\.$/.exec(sentence))) {
    return pairs(description(m[1]!), description(m[3]!), (a, b) => (m![2] === 'above' ? a.y < b.y : a.y > b.y));
  }
  if ((m = /^There is a (.+) touching (the edge|another item)\.$/.exec(sentence))) {
    const p = description(m[1]!);
    return boxes.some(({ box, grid }) => box.some((o, i) => p(o) && (m![2] === 'the edge' ? pixelEdge(o) : pixelTouching(box, grid, i))));
  }
  if ((m = /^There is a (.+)\.$/.exec(sentence))) return all.some(description(m[1]!));
  return assert.fail(`unknown sentence ${sentence}`);
}

// ---- The format

test('parser: the fixture\'s fields, extra fields ignored, "#0099ff" read as blue, blank lines skipped', () => {
  const train = readNlvrFile(TRAIN);
  assert.equal(train.length, 4);
  assert.deepEqual(train[0], {
    identifier: 't1-0', sentence: 'There is a yellow circle touching the edge.', label: true,
    scene: [[obj(0, 40, 20, 'circle', 'yellow'), obj(50, 50, 10, 'square', 'black')], [obj(30, 30, 30, 'triangle', 'blue')],
      [obj(40, 80, 20, 'square', 'yellow'), obj(40, 59, 20, 'square', 'black')]],
  });
  assert.deepEqual(train.map((e) => [e.identifier, e.label]), [['t1-0', true], ['t2-1', true], ['t3-2', false], ['t4-3', false]]);
  assert.deepEqual(parseNlvr(readFileSync(TRAIN, 'utf8').replace(/\n/g, '\r\n'), 'x.json'), train, 'CRLF');
});

test('writer: formatNlvr text parses back to the same examples, fixture and generated', () => {
  const train = readNlvrFile(TRAIN);
  const text = formatNlvr(train);
  assert.deepEqual(parseNlvr(text, 'w.json'), train);
  assert.equal(text.split('\n').length, 5, 'one line each and a final newline');
  assert.match(text, /^\{"identifier":"t1-0","sentence":"There is a yellow circle touching the edge\.","label":"true","structured_rep":\[\[\{"x_loc":0,"y_loc":40,"size":20,"type":"circle","color":"Yellow"\}/);
  assert.match(text, /"color":"#0099ff"/);
  const rng = new Rng(7);
  const generated = Array.from({ length: 200 }, () => generateExample(rng, 8));
  assert.deepEqual(parseNlvr(formatNlvr(generated), 'g.json'), generated);
  assert.equal(formatNlvr([]), '');
});

test('malformed entries: ConfigError naming the file and line', () => {
  const line = (fields: Record<string, unknown>) => JSON.stringify({ identifier: 'a', sentence: 'There is a circle.', label: 'true', structured_rep: [[], [], []], ...fields });
  const o = { x_loc: 0, y_loc: 0, size: 10, type: 'circle', color: 'Yellow' };
  const cases: [string, RegExp][] = [
    [`${line({})}\n{"identifier": "b",\n`, /^NLVR: f\.json:2: not valid JSON \(/],
    ['[1, 2]\n', /^NLVR: f\.json:1: an example must be a JSON object, got \[1,2\]$/],
    [line({ label: 'maybe' }), /^NLVR: f\.json:1: label must be "true" or "false", got "maybe"$/],
    [line({ label: true }), /f\.json:1: label must be "true" or "false", got true$/],
    [line({ identifier: 3 }), /f\.json:1: identifier must be a non-empty string, got 3$/],
    [line({ sentence: undefined }), /f\.json:1: sentence must be a non-empty string, got nothing \(the field is missing\)$/],
    [line({ sentence: ' ' }), /f\.json:1: sentence must be a non-empty string, got " "$/],
    [line({ structured_rep: [[], []] }), /f\.json:1: structured_rep must be a list of exactly 3 boxes, got a list of 2$/],
    [line({ structured_rep: 'none' }), /f\.json:1: structured_rep must be a list of exactly 3 boxes, got "none"$/],
    [line({ structured_rep: [[], {}, []] }), /f\.json:1: structured_rep\[1\] must be a list of objects, got \{\}$/],
    [line({ structured_rep: [[], [], [7]] }), /f\.json:1: structured_rep\[2\]\[0\] must be an object \{x_loc, y_loc, size, type, color\}, got 7$/],
    [line({ structured_rep: [[o, { ...o, type: 'star' }], [], []] }), /structured_rep\[0\]\[1\]\.type must be one of "triangle", "circle", "square", got "star"$/],
    [line({ structured_rep: [[{ ...o, color: 'yellow' }], [], []] }), /structured_rep\[0\]\[0\]\.color must be one of "Yellow", "Black", "#0099ff", got "yellow"$/],
    [line({ structured_rep: [[{ ...o, size: 15 }], [], []] }), /structured_rep\[0\]\[0\]\.size must be one of 10, 20, 30, got 15$/],
    [line({ structured_rep: [[{ ...o, y_loc: 2.5 }], [], []] }), /structured_rep\[0\]\[0\]\.y_loc must be an integer from 0 to 90 \(a size 10 object inside its 100 px box\), got 2\.5$/],
    [line({ structured_rep: [[{ ...o, x_loc: undefined }], [], []] }), /x_loc must be an integer from 0 to 90 .*, got nothing \(the field is missing\)$/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseNlvr(text, 'f.json'), (e: Error) => e.name === 'ConfigError' && re.test(e.message), text);
  // The malformed fixture files, read from disk.
  const files: Record<string, RegExp> = {
    'bad-json.json': /:2: not valid JSON/,
    'bad-label.json': /:1: label must be "true" or "false", got "maybe"$/,
    'missing-sentence.json': /:1: sentence must be a non-empty string, got nothing \(the field is missing\)$/,
    'two-boxes.json': /:3: structured_rep must be a list of exactly 3 boxes, got a list of 2$/,
    'bad-shape.json': /:1: structured_rep\[0\]\[0\]\.type must be one of "triangle", "circle", "square", got "star"$/,
    'bad-color.json': /:1: structured_rep\[1\]\[0\]\.color must be one of "Yellow", "Black", "#0099ff", got "Red"$/,
    'outside-box.json': /:1: structured_rep\[2\]\[0\]\.x_loc must be an integer from 0 to 80 \(a size 20 object inside its 100 px box\), got 85$/,
  };
  assert.deepEqual(readdirSync(join(FIXTURES, 'malformed')).sort(), Object.keys(files).sort());
  for (const [name, re] of Object.entries(files)) {
    const file = join(FIXTURES, 'malformed', name);
    assert.throws(() => readNlvrFile(file), (e: Error) => e.name === 'ConfigError' && e.message.startsWith(`NLVR: ${file}:`) && re.test(e.message), name);
  }
  assert.throws(() => new NlvrTask({ source: 'files', path: join(FIXTURES, 'malformed', 'bad-label.json') }), /bad-label\.json:1: label must be/);
  assert.throws(() => readNlvrFile('/nonexistent/dev.json'), /^ConfigError: NLVR: cannot read \/nonexistent\/dev\.json: ENOENT/);
});

// ---- Geometry and statements

test('geometry: flush with a wall; touching at a gap of 0 or 1 px with overlapping spans, not at 2 px or corners; above', () => {
  assert.deepEqual([obj(0, 40, 10, 'circle', 'black'), obj(40, 0, 10, 'circle', 'black'), obj(80, 40, 20, 'circle', 'black'), obj(40, 70, 30, 'circle', 'black'),
    obj(1, 1, 10, 'circle', 'black'), obj(79, 79, 20, 'circle', 'black')].map(touchesWall), [true, true, true, true, false, false]);
  const a = obj(40, 80, 20, 'square', 'yellow');
  const cases: [NlvrObject, boolean][] = [
    [obj(40, 59, 20, 'square', 'black'), true],    // a tower: 1 px apart, as in the files
    [obj(40, 60, 20, 'square', 'black'), true],    // flush
    [obj(40, 58, 20, 'square', 'black'), false],   // 2 px apart
    [obj(61, 85, 10, 'circle', 'black'), true],    // to the right, 1 px
    [obj(61, 70, 10, 'circle', 'black'), false],   // right and above: spans do not overlap
    [obj(61, 69, 10, 'circle', 'black'), false],   // corner to corner
    [obj(9, 60, 30, 'circle', 'black'), true],     // to the left, 1 px; y spans 60..89 and 80..99 overlap
    [obj(8, 60, 30, 'circle', 'black'), false],    // to the left, 2 px
  ];
  for (const [b, want] of cases) {
    assert.equal(touches(a, b), want, JSON.stringify(b));
    assert.equal(touches(b, a), want, 'symmetric');
  }
  assert.equal(isAbove(obj(40, 59, 20, 'square', 'black'), a), true);
  assert.equal(isAbove(a, obj(40, 59, 20, 'square', 'black')), false);
  assert.equal(isAbove(obj(0, 80, 10, 'circle', 'black'), a), false, 'same top edge: not above');
});

test('statement truth on hand-built scenes: counts, box-and, box-only, above/below, touching', () => {
  const Yc = (x: number, y: number) => obj(x, y, 10, 'circle', 'yellow');
  const Ks = (x: number, y: number, s: 10 | 20 | 30 = 20) => obj(x, y, s, 'square', 'black');
  const Bt = (x: number, y: number) => obj(x, y, 20, 'triangle', 'blue');
  const scene: NlvrScene = [[Yc(10, 10), Ks(10, 50)], [Ks(40, 0, 30), Yc(71, 5)], [Bt(50, 50)]];
  const truths: [string, boolean][] = [
    ['There is a yellow circle.', true], ['There is a blue circle.', false], ['There is a triangle.', true],
    ['There is exactly one blue item.', true], ['There is exactly one yellow circle.', false], ['There are exactly two yellow circles.', true],
    ['There are at least two black squares.', true], ['There are at least three squares.', false], ['There are exactly three black items.', false],
    ['There is a box with a yellow circle and a black square.', true], ['There is a box with a yellow circle and a blue triangle.', false],
    ['There is a box with a black square and a yellow item.', true],
    ['There is a box with only blue items.', true], ['There is a box with only triangles.', true], ['There is a box with only yellow items.', false],
    ['There is a yellow circle above a black square.', true],   // box 1: circle at y 10, square at y 50
    ['There is a yellow circle below a black square.', true],   // box 2: circle at y 5, square at y 0
    ['There is a black square above a yellow item.', true], ['There is a blue triangle above a yellow circle.', false],
    ['There is a black square touching the edge.', true], ['There is a yellow circle touching the edge.', false],
    ['There is a yellow circle touching another item.', true],  // box 2: x 71 is 1 px right of the square's 40 + 30
    ['There is a blue item touching another item.', false], ['There is a black square touching another item.', true],
  ];
  for (const [text, want] of truths) {
    assert.equal(holds(statement(text), scene), want, text);
    assert.equal(readTruth(text, scene), want, `reader: ${text}`);
  }
  for (const e of [...readNlvrFile(TRAIN), ...readNlvrFile(join(FIXTURES, 'test.json'))]) {
    assert.equal(holds(statement(e.sentence), e.scene), e.label, `fixture ${e.identifier}`);
  }
});

test('generator: the same seed gives the same examples; valid scenes; truth agrees with the independent reader', () => {
  const draw = (seed: number, n: number, maxObjects = 8) => {
    const rng = new Rng(seed);
    return Array.from({ length: n }, () => generateExample(rng, maxObjects));
  };
  assert.deepEqual(draw(3, 50), draw(3, 50));
  assert.notDeepEqual(draw(3, 50), draw(4, 50));
  for (const maxObjects of [8, 3, 1]) {
    for (const e of draw(11, maxObjects === 8 ? 400 : 150, maxObjects)) {
      assert.equal(e.scene.length, 3);
      for (const box of e.scene) {
        assert.ok(box.length >= 1 && box.length <= maxObjects, `${box.length} objects`);
        for (const o of box) assert.ok(o.x >= 0 && o.y >= 0 && o.x + o.size <= 100 && o.y + o.size <= 100);
      }
      assert.equal(readTruth(e.sentence, e.scene), e.label, `${e.sentence} on ${JSON.stringify(e.scene)}`);
      assert.equal(e.identifier, statement(e.sentence).kind);
      if (maxObjects === 1) assert.ok(!['box-and', 'relation'].includes(e.identifier) && !e.sentence.endsWith('another item.'));
    }
  }
});

test('balance: true half the time overall and per family; the number of objects says nothing', () => {
  const rng = new Rng(5);
  const stats = new Map<string, { n: number; yes: number }>();
  const objectsWhen = { true: 0, false: 0 };
  const N = 6000;
  let touchingEdge = 0, touchingOther = 0, objects = 0;
  for (let i = 0; i < N; i++) {
    const e = generateExample(rng, 8);
    const s = stats.get(e.identifier) ?? { n: 0, yes: 0 };
    s.n++;
    if (e.label) s.yes++;
    stats.set(e.identifier, s);
    objectsWhen[`${e.label}`] += e.scene.flat().length;
    for (const box of e.scene) box.forEach((o, k) => { objects++; if (touchesWall(o)) touchingEdge++; if (box.some((p, j) => j !== k && touches(o, p))) touchingOther++; });
  }
  assert.deepEqual([...stats.keys()].sort(), [...FAMILIES].sort());
  const yes = [...stats.values()].reduce((a, s) => a + s.yes, 0);
  assert.ok(Math.abs(yes / N - 0.5) < 0.02, `true rate ${yes / N}`);
  for (const [family, s] of stats) {
    assert.ok(Math.abs(s.n / N - 1 / 6) < 0.025, `${family} share ${s.n / N}`);
    assert.ok(Math.abs(s.yes / s.n - 0.5) < 0.06, `${family} true rate ${s.yes / s.n}`);
  }
  const [t, f] = [objectsWhen.true / yes, objectsWhen.false / (N - yes)];
  assert.ok(Math.abs(t - f) < 0.5, `mean objects ${t.toFixed(2)} when true, ${f.toFixed(2)} when false (std of the difference ~0.17)`);
  assert.ok(touchingEdge / objects > 0.25 && touchingOther / objects > 0.2, `edge ${touchingEdge / objects}, touching ${touchingOther / objects}`);
});

// ---- The env

test('generated: fixed vocabulary and obs width [16 + 2V + 1]; metadata; defaults', () => {
  assert.deepEqual({ ...NLVR_DEFAULTS }, { source: 'generated', path: '', split: 'train', maxObjects: 8, statements: [...FAMILIES] });
  const env = new NlvrTask();
  const words = new Set(allStatements().flatMap((s) => tokenize(statementText(s))));
  assert.deepEqual([...env.words], [...words].sort());
  assert.equal(env.words.length, 32);
  assert.deepEqual(env.observationSpace.shape, [OBJECT_FEATURES + 2 * 32 + 1]);
  assert.equal(OBJECT_FEATURES, 16);
  assert.equal(env.actionSpace.n, 2);
  assert.deepEqual(env.metadata, { renderModes: ['ansi', 'state'], renderFps: 4, rewardFree: true, target: { kind: 'categorical', numClasses: 2 } });
  for (const kw of [{ maxObjects: 2 }, { statements: ['count' as const] }, { split: 'test' as const }]) {
    assert.deepEqual(new NlvrTask(kw).observationSpace.shape, env.observationSpace.shape, 'the width never depends on the options');
  }
  assert.deepEqual(tokenize('There is a box, with 2 Circles.'), ['there', 'is', 'a', 'box', ',', 'with', '2', 'circles', '.']);
});

test('episode: objects in a shuffled order, then the sentence; target and mask on the question only (§8.2)', () => {
  const env = new NlvrTask({ source: 'files', path: TRAIN });
  const ex = env.examples[0] as NlvrExample;
  const { words } = env;
  const V = words.length;
  const D = OBJECT_FEATURES + 2 * V + 1;
  const { obs, infos, last } = play(env, () => null, 0);
  assert.equal(obs.length, 6, '5 objects and the question');
  assert.ok(obs.every((o) => o.length === D && env.observationSpace.contains(o)));
  // Every object once, with its features; the order is a permutation of the file order.
  const features = (box: number, o: NlvrObject, touching: boolean) => {
    const x = new Array<number>(D).fill(0);
    x[box] = 1;
    x[3 + ['triangle', 'circle', 'square'].indexOf(o.shape)] = 1;
    x[6 + ['yellow', 'black', 'blue'].indexOf(o.color)] = 1;
    x[9 + [10, 20, 30].indexOf(o.size)] = 1;
    x[12] = o.x / 100;
    x[13] = o.y / 100;
    x[14] = touchesWall(o) ? 1 : 0;
    x[15] = touching ? 1 : 0;
    return x.map((v) => Math.fround(v));
  };
  const expected = [
    features(0, ex.scene[0]![0]!, false), features(0, ex.scene[0]![1]!, false), features(1, ex.scene[1]![0]!, false),
    features(2, ex.scene[2]![0]!, true), features(2, ex.scene[2]![1]!, true),
  ];
  const seen = obs.slice(0, 5).map((o) => Array.from(o));
  assert.deepEqual([...seen].sort(), [...expected].sort());
  assert.deepEqual(infos.slice(0, 5).map((i, t) => i.box === seen[t]!.slice(0, 3).indexOf(1)), new Array(5).fill(true));
  // The question: "there is a yellow circle touching" in the first half, "the edge ." in the second.
  const q = obs[5]!;
  const hot = (lo: number) => Array.from(q.subarray(lo, lo + V)).flatMap((v, i) => (v === 1 ? [words[i]] : []));
  assert.deepEqual(hot(OBJECT_FEATURES), ['a', 'circle', 'is', 'there', 'touching', 'yellow']);
  assert.deepEqual(hot(OBJECT_FEATURES + V), ['.', 'edge', 'the']);
  assert.equal(q[D - 1], 1, 'the question flag is the last channel');
  assert.ok(Array.from(q.subarray(0, OBJECT_FEATURES)).every((v) => v === 0));
  assert.ok(obs.slice(0, 5).every((o) => o[D - 1] === 0 && o.subarray(OBJECT_FEATURES).every((v) => v === 0)));
  assert.deepEqual(infos.map((i) => [i.t, i.target, i.targetMask, i.phase]), [
    [0, 0, 0, 'input'], [1, 0, 0, 'input'], [2, 0, 0, 'input'], [3, 0, 0, 'input'], [4, 0, 0, 'input'], [5, 1, 1, 'query'],
  ]);
  assert.ok(infos.every((i) => i.identifier === 't1-0'));
  assert.equal(infos[5]!.box, -1);
  assert.deepEqual(Array.from(last.obs), new Array(D).fill(0));
  assert.equal(last.terminated, true);
  assert.deepEqual({ ...last.info }, { target: 0, targetMask: 0, t: 6, phase: 'query', box: -1, identifier: 't1-0' });
  // Shuffled: over a few generated episodes some object of a later box comes before one of an earlier box.
  const gen = new NlvrTask();
  const orders = [1, 2, 3, 4, 5].map((seed) => play(gen, () => null, seed).infos.slice(0, -1).map((i) => i.box));
  assert.ok(orders.some((b) => b.some((x, k) => k > 0 && x < b[k - 1]!)), JSON.stringify(orders));
});

test('the pivot splits "a D1 above a D2" and "a box with a D1 and a D2" into two bags', () => {
  const scene: NlvrScene = [[obj(0, 0, 10, 'circle', 'yellow')], [], []];
  const sentences = ['There is a yellow circle above a black square.', 'There is a black square above a yellow circle.', 'There is a box with a black square and a yellow circle.'];
  withDir('nlvr-', { 'train.json': formatNlvr(sentences.map((sentence) => ({ identifier: 'x', sentence, label: true, scene }))) }, (dir) => {
    const env = new NlvrTask({ source: 'files', path: dir });
    const V = env.words.length;
    const halves = sentences.map((_, k) => {
      const q = play(env, () => null, k === 0 ? 0 : undefined).obs.at(-1)!;
      const read = (lo: number) => env.words.filter((_, i) => q[lo + i] === 1).join(' ');
      return [read(OBJECT_FEATURES), read(OBJECT_FEATURES + V)];
    });
    assert.deepEqual(halves, [
      ['a above circle is there yellow', '. a black square'],
      ['a above black is square there', '. a circle yellow'],
      ['a and black box is square there with', '. a circle yellow'],
    ]);
  });
  // Generated relation and box-and statements: the first half ends at the pivot.
  const env = new NlvrTask({ statements: ['relation', 'box-and'] });
  for (let seed = 0; seed < 20; seed++) {
    const q = play(env, () => null, seed).obs.at(-1)!;
    const tokens = tokenize(env.example!.sentence);
    const p = tokens.findIndex((w) => ['and', 'above', 'below'].includes(w));
    const second = env.words.filter((_, i) => q[OBJECT_FEATURES + env.words.length + i] === 1);
    assert.deepEqual(second, [...new Set(tokens.slice(p + 1))].sort(), env.example!.sentence);
  }
});

test('files: a flat folder, the repository layout, a file; splits in order, cycling; seeded start; <unk>', () => {
  const train = readNlvrFile(TRAIN);
  const dev = readNlvrFile(join(FIXTURES, 'dev.json'));
  const texts = { train: readFileSync(TRAIN, 'utf8'), dev: readFileSync(join(FIXTURES, 'dev.json'), 'utf8'), test: readFileSync(join(FIXTURES, 'test.json'), 'utf8') };
  withDir('nlvr-', { 'train/train.json': texts.train, 'dev/dev.json': texts.dev, 'test/test.json': texts.test }, (repo) => {
    for (const path of [FIXTURES, `${FIXTURES}/`, repo]) {
      const env = new NlvrTask({ source: 'files', path, split: 'dev' });
      assert.deepEqual(env.examples, dev, path);
      assert.ok(env.words.includes('<unk>') && !env.words.includes('tower'), 'the vocabulary comes from train.json');
      env.reset({ seed: 0 });
      const order = [0, 1, 2].map((k) => (k === 0 ? 0 : env.reset(), env.example!.identifier));
      assert.deepEqual(order, ['d1-0', 'd2-1', 'd1-0']);
    }
  });
  const file = new NlvrTask({ source: 'files', path: join(FIXTURES, 'dev.json'), split: 'test' });
  assert.deepEqual(file.examples, dev, 'a file is the data of every split');
  assert.ok(file.words.includes('tower'), 'and its own vocabulary');
  const env = new NlvrTask({ source: 'files', path: FIXTURES });
  assert.deepEqual(env.examples, train);
  const starts = [0, 1, 2, 3].map((seed) => (env.reset({ seed }), env.example!.identifier));
  assert.deepEqual(starts, ['t1-0', 't3-2', 't1-0', 't4-3'], 'reset({seed}) starts at example ⌊N·frac(seed·φ⁻¹)⌋');
  const devEnv = new NlvrTask({ source: 'files', path: FIXTURES, split: 'dev' });
  const q = play(devEnv, () => null, 0).obs.at(-1)!;
  assert.equal(q[OBJECT_FEATURES + devEnv.words.indexOf('<unk>')], 1, '"tower" and "block" map to <unk>');
  assert.deepEqual(env.observationSpace.shape, [OBJECT_FEATURES + 2 * env.words.length + 1]);
});

test('checkEnv passes through OrderEnforcing and make(): generated, every split, files', () => {
  const configs: Partial<NlvrOptions>[] = [
    {}, { split: 'dev' }, { split: 'test', maxObjects: 1 }, { statements: ['relation'] },
    { source: 'files', path: FIXTURES }, { source: 'files', path: FIXTURES, split: 'test' },
  ];
  for (const kw of configs) {
    const r = checkEnv(() => new OrderEnforcing(new NlvrTask(kw), 'Nlvr-v0'));
    assert.ok(r.ok, `${JSON.stringify(kw)}\n${r.results.filter((x) => !x.ok).map((x) => `${x.name}: ${x.message}`).join('\n')}`);
  }
  const r = checkEnv(() => make('Nlvr-v0'));
  assert.ok(r.ok, r.results.filter((x) => !x.ok).map((x) => `${x.name}: ${x.message}`).join('\n'));
  const wrapped = make('Nlvr-v0', { maxObjects: 3 });
  wrapped.reset({ seed: 1 });
  assert.equal(wrapped.step(null).reward, 0, 'null actions pass');
});

test('same seed, same stream; reset() continues it; dev and test are other streams', () => {
  const stream = (kw: Partial<NlvrOptions>, seed = 5) => {
    const env = new NlvrTask(kw);
    return Array.from({ length: 4 }, (_, e) => {
      const p = play(env, (i) => i.target, e === 0 ? seed : undefined);
      return JSON.stringify([p.obs.map((o) => Array.from(o)), p.infos.map((i) => [i.target, i.targetMask, i.box])]);
    });
  };
  const a = stream({});
  assert.deepEqual(a, stream({}));
  assert.equal(new Set(a).size, 4);
  for (const other of [stream({ split: 'test' }), stream({ split: 'dev' }), stream({}, 6)]) assert.ok(other.every((x) => !a.includes(x)));
  assert.notDeepEqual(stream({ split: 'test' }), stream({ split: 'dev' }));
  const files = stream({ source: 'files', path: FIXTURES });
  assert.deepEqual(files, stream({ source: 'files', path: FIXTURES }), 'files: the same example order and object order');
});

test('metrics: accuracy only when the question step got a prediction', () => {
  const env = new NlvrTask();
  assert.deepEqual(env.episodeMetrics(), {});
  play(env, () => null, 3);
  assert.deepEqual(env.episodeMetrics(), {});
  play(env, (i) => (i.targetMask ? i.target : null));
  assert.deepEqual(env.episodeMetrics(), { accuracy: 1 });
  play(env, (i) => (i.targetMask ? 1 - i.target : 0));
  assert.deepEqual(env.episodeMetrics(), { accuracy: 0 }, 'predictions on object steps are not scored');
});

test('render: a text frame with the objects read so far, then the sentence, answer and prediction; an ansi drawing', () => {
  const env = new NlvrTask({ source: 'files', path: TRAIN });
  assert.equal(env.render('ansi'), 'Nlvr: not reset yet');
  assert.deepEqual(env.render('state'), { kind: 'text', task: 'nlvr', ready: false, lines: [] });
  env.reset({ seed: 0 });
  env.step(null);
  let f = env.render('state') as NlvrFrame;
  assert.deepEqual([f.kind, f.task, f.t, f.numSteps, f.lines.length, f.sentence, f.answer, f.prediction], ['text', 'nlvr', 1, 6, 2, null, null, null]);
  const lines = ['box 1: medium yellow circle (0,40) edge', 'box 1: small black square (50,50)', 'box 2: big blue triangle (30,30)',
    'box 3: medium yellow square (40,80) edge touching', 'box 3: medium black square (40,59) touching'];
  assert.ok(f.lines.every((l) => lines.includes(l)), JSON.stringify(f.lines));
  for (let t = 1; t < 5; t++) env.step(null);
  env.step(0);
  f = env.render('state') as NlvrFrame;
  assert.deepEqual([f.t, [...f.lines].sort(), f.sentence, f.answer, f.prediction], [6, [...lines].sort(), 'There is a yellow circle touching the edge.', 'true', 'false']);
  assert.deepEqual(JSON.parse(JSON.stringify(f)), f);
  const ansi = env.render('ansi') as string;
  assert.deepEqual(ansi.split('\n').slice(0, 2), ['NLVR (files) t=6/6 [done]', '+--------------------+ +--------------------+ +--------------------+']);
  assert.equal(ansi.split('\n')[6], '|yoyo                | |      b^b^b^        | |                    |', 'the yellow circle at (0, 40), 20 px');
  assert.equal(ansi.split('\n')[7], '|yoyo      k#        | |      b^b^b^        | |        k#k#        |', 'and the small black square at (50, 50)');
  assert.ok(ansi.endsWith('There is a yellow circle touching the edge.  -> true (predicted false)'));
  const gen = new NlvrTask();
  play(gen, () => null, 1);
  assert.ok(JSON.stringify((gen.render('state') as NlvrFrame).lines).length < 400, 'the viewer shows the newest lines uncut');
});

test('bad kwargs, paths and actions: one clear error each', () => {
  const bad: [Partial<NlvrOptions>, RegExp][] = [
    [{ source: 'web' as 'files' }, /^Nlvr: source must be one of 'generated', 'files', got "web"$/],
    [{ split: 'valid' as 'dev' }, /^Nlvr: split must be one of 'train', 'dev', 'test', got "valid"$/],
    [{ maxObjects: 0 }, /^Nlvr: maxObjects must be an integer >= 1, got 0$/],
    [{ maxObjects: 2.5 }, /^Nlvr: maxObjects must be an integer >= 1, got 2\.5$/],
    [{ maxObjects: 9 }, /^Nlvr: maxObjects must be an integer from 1 to 8, got 9$/],
    [{ statements: [] }, /^Nlvr: statements must be a list of distinct families from 'exist', 'count', 'box-and', 'box-only', 'relation', 'touching', got \[\]$/],
    [{ statements: ['exists' as 'exist'] }, /^Nlvr: statements must be a list of distinct families .*, got \["exists"\]$/],
    [{ statements: ['count', 'count'] }, /statements must be a list of distinct families/],
    [{ statements: ['relation', 'box-and'], maxObjects: 1 }, /^Nlvr: statements must include a family possible with maxObjects 1 \(not only 'box-and', 'relation'\), got \["relation","box-and"\]$/],
    [{ path: FIXTURES }, /^Nlvr: path must be empty with source 'generated' \(set source: 'files' to read files\), got ".*fixtures\/nlvr"$/],
    [{ source: 'files' }, /^Nlvr: path must name a folder or a file with source 'files', got ""; e\.g\. path: 'nlvr\/nlvr'/],
    [{ source: 'files', path: '/nonexistent/nlvr' }, /^Nlvr: path "\/nonexistent\/nlvr" does not exist$/],
    [{ source: 'files', path: join(FIXTURES, 'malformed'), split: 'dev' }, /^Nlvr: path directory .*malformed has no dev\.json \(looked for .*malformed\/dev\.json and .*malformed\/dev\/dev\.json\)$/],
    [{ source: 'files', path: FIXTURES, maxObjects: 4 }, /^Nlvr: maxObjects must be left at 8 with source 'files' \(it sizes generated scenes\), got 4$/],
    [{ source: 'files', path: FIXTURES, statements: ['exist'] }, /^Nlvr: statements must be left at all six families with source 'files'/],
    [{ maxObjets: 3 } as never, /^Nlvr: unknown option "maxObjets"; did you mean "maxObjects"\?/],
    [{ maxObjects: '3' as unknown as number }, /^Nlvr: maxObjects must be a number, got "3"$/],
    [{ statements: 'exist' as unknown as [] }, /^Nlvr: statements must be a list, got "exist"$/],
  ];
  for (const [kw, re] of bad) assert.throws(() => new NlvrTask(kw), (e: Error) => e.name === 'ConfigError' && re.test(e.message), JSON.stringify(kw));
  withDir('nlvr-', { 'train.json': '\n' }, (dir) => assert.throws(() => new NlvrTask({ source: 'files', path: dir }), /^ConfigError: Nlvr: no example in .*train\.json$/));
  const env = new NlvrTask();
  assert.throws(() => env.step(0), /^EnvError: Nlvr: step\(\) called before reset\(\); call reset\(\) first$/);
  env.reset({ seed: 1 });
  assert.throws(() => env.step(2), /^EnvError: Nlvr: action must be 0 \(false\), 1 \(true\) or null, got 2$/);
  assert.throws(() => env.reset({ options: { example: 3 } }), /Nlvr: unknown reset option "example"; known: \(none\)/);
  play(env);
  assert.throws(() => env.step(null), /^EnvError: Nlvr: step\(\) called after the episode ended; call reset\(\) to start a new one$/);
});
