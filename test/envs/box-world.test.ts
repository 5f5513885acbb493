/**
 * Box-World (docs/tasks.md §3.10): level structure, dynamics, rewards, observations, seeding, errors.
 * Levels are solved by a BFS agent over the cell codes (`cellCodes()` / `level`, the env's test seam);
 * puzzles generation never makes (two loose keys) use hand-made levels from `levelFromArt`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoxWorld } from '../../envs/box-world.ts';
import type { BoxWorldOptions } from '../../envs/box-world.ts';
import {
  CELL_AGENT, CELL_BACKGROUND, CELL_BORDER, CELL_GEM, CELL_KEY, CELL_LOCK, CELL_RGB, NUM_CELL_CODES,
  generateLevel, isKey, isLock, levelFromArt,
} from '../../envs/box-world-level.ts';
import type { BoxWorldLevel } from '../../envs/box-world-level.ts';
import { ConfigError, EnvError } from '../../envs/errors.ts';
import { Rng } from '../../envs/rng.ts';

const UP = 0;
const DOWN = 1;
const LEFT = 2;
const RIGHT = 3;
const RMC = { solutionLengths: [1, 2, 3, 4, 5], numForward: [0, 1, 2, 3, 4, 5] };

function rgbOf(code: number): number[] {
  return Array.from(CELL_RGB.subarray(code * 3, code * 3 + 3));
}

function pixel(obs: Float32Array, size: number, r: number, c: number): number[] {
  return Array.from(obs.subarray((r * size + c) * 3, (r * size + c) * 3 + 3));
}

/** Shortest action list from the agent to `goal`, through background cells only (entering `goal` last). */
function pathTo(cells: Uint8Array, size: number, goal: number): number[] {
  const start = cells.indexOf(CELL_AGENT);
  const offsets = [-size, size, -1, 1];
  const prev = new Int32Array(cells.length).fill(-1);
  const how = new Int8Array(cells.length);
  prev[start] = start;
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    const at = queue[q] as number;
    if (at === goal) break;
    for (let a = 0; a < 4; a++) {
      const next = at + (offsets[a] as number);
      if (prev[next] !== -1 || (next !== goal && cells[next] !== CELL_BACKGROUND)) continue;
      prev[next] = at;
      how[next] = a;
      queue.push(next);
    }
  }
  assert.notEqual(prev[goal], -1, `no path to cell ${goal}`);
  const actions: number[] = [];
  for (let at = goal; at !== start; at = prev[at] as number) actions.unshift(how[at] as number);
  return actions;
}

/** Loose (unlocked) keys and gems: a key/gem with no lock to its right. */
function looseObjects(cells: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 1; i < cells.length; i++) {
    const code = cells[i] as number;
    if ((isKey(code) || code === CELL_GEM) && !isLock(cells[i + 1] as number)) out.push(i);
  }
  return out;
}

/** Walk to `goal`; returns the rewards and the last step's flags. */
function walk(env: BoxWorld, goal: number): { rewards: number[]; terminated: boolean; truncated: boolean } {
  const rewards: number[] = [];
  let terminated = false;
  let truncated = false;
  for (const a of pathTo(env.cellCodes(), env.options.n + 2, goal)) {
    const r = env.step(a);
    rewards.push(r.reward);
    ({ terminated, truncated } = r);
    if (terminated || truncated) break;
  }
  return { rewards, terminated, truncated };
}

/** The optimal agent: take the loose key (or gem), open the path lock of its colour, repeat. */
function solve(env: BoxWorld): { total: number; rewards: number[] } {
  const level = env.level as BoxWorldLevel;
  const rewards: number[] = [];
  for (;;) {
    const cells = env.cellCodes();
    let goal: number;
    if (isKey(cells[0] as number)) {
      const lock = (cells[0] as number) - CELL_KEY + CELL_LOCK;
      goal = cells.findIndex((code, i) => code === lock && level.distractor[i] === 0);
    } else {
      const loose = looseObjects(cells);
      assert.equal(loose.length, 1, 'exactly one loose key or gem while nothing is held');
      goal = loose[0] as number;
    }
    const step = walk(env, goal);
    rewards.push(...step.rewards);
    if (step.terminated || step.truncated) return { total: rewards.reduce((a, b) => a + b, 0), rewards };
  }
}

test('palette is HSV(18°·k, 0.5, 0.7) with the examples of docs/tasks.md §3.3', () => {
  const close = (got: number[], want: number[]) => got.forEach((v, i) => assert.ok(Math.abs(v - (want[i] as number)) < 1e-6, `${got} vs ${want}`));
  close(rgbOf(CELL_KEY + 0), [0.7, 0.35, 0.35]);
  close(rgbOf(CELL_KEY + 5), [0.525, 0.7, 0.35]);
  close(rgbOf(CELL_KEY + 10), [0.35, 0.7, 0.7]);
  close(rgbOf(CELL_LOCK + 15), [0.525, 0.35, 0.7]);
  close(rgbOf(CELL_BACKGROUND), [0.8, 0.8, 0.8]);
  close(rgbOf(CELL_BORDER), [0, 0, 0]);
  close(rgbOf(CELL_AGENT), [0.5, 0.5, 0.5]);
  close(rgbOf(CELL_GEM), [1, 1, 1]);
});

test('full view is a new [14, 14, 3] RGB board per call, with the agent grey and the border black', () => {
  const env = new BoxWorld();
  assert.deepEqual(env.observationSpace.shape, [14, 14, 3]);
  assert.equal(env.actionSpace.n, 4);
  assert.deepEqual(env.metadata.renderModes, ['ansi', 'state']);
  const { obs, info } = env.reset({ seed: 1 });
  assert.ok(env.observationSpace.contains(obs));
  const [r, c] = env.render('state').agent;
  assert.deepEqual(pixel(obs, 14, r, c), rgbOf(CELL_AGENT));
  assert.deepEqual(pixel(obs, 14, 0, 0), [0, 0, 0]);
  assert.deepEqual(pixel(obs, 14, 13, 7), [0, 0, 0]);
  assert.deepEqual(info, { solutionLength: env.level?.solutionLength, heldKey: -1 });
  obs.fill(0.25); // the caller owns it
  const next = env.step(UP).obs;
  assert.notEqual(next, obs);
  assert.deepEqual(pixel(next, 14, 13, 7), [0, 0, 0]);
});

test('with L=1, F=0 there is one loose key and one box: the gem behind a lock of that key\'s colour', () => {
  const rng = new Rng(5);
  for (let s = 0; s < 50; s++) {
    const level = generateLevel(rng, { n: 12, solutionLengths: [1], numForward: [0], numBackward: [0], branchLength: 1 });
    const objects = [...level.cells.keys()].filter((i) => (level.cells[i] as number) > CELL_BORDER);
    assert.equal(objects.length, 3);
    const keys = objects.filter((i) => isKey(level.cells[i] as number));
    const locks = objects.filter((i) => isLock(level.cells[i] as number));
    assert.equal(keys.length, 1);
    assert.equal(locks.length, 1);
    const lock = locks[0] as number;
    assert.equal(level.cells[lock - 1], CELL_GEM);
    assert.equal((level.cells[lock] as number) - CELL_LOCK, (level.cells[keys[0] as number] as number) - CELL_KEY);
    assert.equal(level.distractor.reduce((a, b) => a + b, 0), 0);
    assert.equal(level.solutionLength, 1);
  }
});

test('a shortest-path agent earns the optimal return 11 with L=1, F=0 (+1 for the box, +10 for the gem)', () => {
  const env = new BoxWorld({ solutionLengths: [1], numForward: [0] });
  for (let seed = 0; seed < 20; seed++) {
    env.reset({ seed });
    const { total, rewards } = solve(env);
    assert.equal(total, 11);
    assert.deepEqual(rewards.filter((x) => x !== 0), [1, 10]);
    assert.deepEqual(env.episodeMetrics(), { solved: 1, solutionLength: 1, boxesOpened: 1 });
  }
});

test('a shortest-path agent earns L + 10 on default levels, opening exactly the L path boxes', () => {
  const env = new BoxWorld({ maxSteps: 1000 });
  for (let seed = 0; seed < 100; seed++) {
    env.reset({ seed });
    const L = (env.level as BoxWorldLevel).solutionLength;
    assert.equal(solve(env).total, L + 10, `seed ${seed}`);
    assert.deepEqual(env.episodeMetrics(), { solved: 1, solutionLength: L, boxesOpened: L });
  }
});

// Board n=6 (8x8): key b loose at (2,2), agent at (2,4), the gem at (4,2) locked by lock A at (4,3).
const WRONG_KEY_ART = ['########', '#      #', '# b .  #', '#      #', '# *A   #', '#      #', '#      #', '########'];
const SMALL = { n: 6, solutionLengths: [1], numForward: [0] };

test('walking onto a lock with the wrong key, or none, or onto a locked gem does not move the agent', () => {
  const env = new BoxWorld(SMALL);
  env.resetToLevel(levelFromArt(WRONG_KEY_ART));
  const agentAt = () => env.render('state').agent;
  env.step(DOWN);
  env.step(LEFT);
  assert.deepEqual(agentAt(), [3, 3]);
  let r = env.step(DOWN); // lock A, nothing held
  assert.deepEqual([agentAt(), r.reward, r.info.heldKey], [[3, 3], 0, -1]);
  env.step(UP);
  r = env.step(LEFT); // picks up key b (colour 1)
  assert.deepEqual([agentAt(), r.reward, r.info.heldKey], [[2, 2], 0, 1]);
  env.step(RIGHT);
  env.step(DOWN);
  r = env.step(DOWN); // lock A with key b
  assert.deepEqual([agentAt(), r.reward, r.info.heldKey, r.terminated], [[3, 3], 0, 1, false]);
  env.step(LEFT);
  r = env.step(DOWN); // the gem is still locked
  assert.deepEqual([agentAt(), r.reward, r.terminated], [[3, 2], 0, false]);
  assert.equal(env.cellCodes()[4 * 8 + 2], CELL_GEM);
});

test('picking up a second loose key replaces the first, which is lost', () => {
  const env = new BoxWorld(SMALL);
  const art = ['########', '#      #', '# a. b #', '#      #', '#      #', '#      #', '#      #', '########'];
  env.resetToLevel(levelFromArt(art));
  assert.equal(env.step(LEFT).info.heldKey, 0);
  env.step(RIGHT);
  env.step(RIGHT);
  const r = env.step(RIGHT);
  assert.equal(r.info.heldKey, 1);
  assert.deepEqual(pixel(r.obs, 8, 0, 0), rgbOf(CELL_KEY + 1));
  const cells = env.cellCodes();
  assert.equal(cells[0], CELL_KEY + 1);
  assert.equal(cells.filter((code) => isKey(code)).length, 1, 'only the held key is left');
  assert.deepEqual(env.render('state').heldKey, rgbOf(CELL_KEY + 1).map((v) => Math.round(v * 255)));
});

test('opening a distractor box returns -1 and terminates', () => {
  const env = new BoxWorld({ solutionLengths: [1], numForward: [1] });
  for (let seed = 0; seed < 10; seed++) {
    env.reset({ seed });
    const level = env.level as BoxWorldLevel;
    walk(env, looseObjects(env.cellCodes())[0] as number);
    const { rewards, terminated, truncated } = walk(env, level.distractor.indexOf(1));
    assert.deepEqual([rewards.at(-1), terminated, truncated], [-1, true, false]);
    assert.deepEqual(env.episodeMetrics(), { solved: 0, solutionLength: 1, boxesOpened: 1 });
    assert.throws(() => env.step(UP), (e: unknown) => e instanceof EnvError && /called after the episode ended; call reset\(\)/.test(e.message));
  }
});

test('every generated object keeps a one-cell empty margin (default and RMC settings)', () => {
  const rng = new Rng(11);
  const size = 14;
  for (const extra of [{}, RMC]) {
    const opts = { n: 12, solutionLengths: [1, 2, 3, 4], numForward: [0, 1, 2, 3, 4], numBackward: [0, 1], branchLength: 1, ...extra };
    for (let s = 0; s < 400; s++) {
      const { cells } = generateLevel(rng, opts);
      for (let i = 0; i < cells.length; i++) {
        const code = cells[i] as number;
        if (code <= CELL_BORDER) continue;
        if (isLock(code)) assert.ok(isKey(cells[i - 1] as number) || cells[i - 1] === CELL_GEM, 'a lock locks a key or the gem');
        for (let dr = -1; dr <= 1; dr++) {
          for (let dc = -1; dc <= 1; dc++) {
            const j = i + dr * size + dc;
            const partner = dr === 0 && ((dc === 1 && isLock(cells[j] as number)) || (dc === -1 && isLock(code)));
            if (j !== i && !partner) assert.equal(cells[j], CELL_BACKGROUND, `object at ${i} touches ${j}`);
          }
        }
      }
    }
  }
});

test('generation with the RMC settings (L 1..5, F 0..5) never throws', () => {
  const rng = new Rng(3);
  let maxAttempts = 0;
  for (let s = 0; s < 3000; s++) {
    maxAttempts = Math.max(maxAttempts, generateLevel(rng, { n: 12, numBackward: [0], branchLength: 1, ...RMC }).attempts);
  }
  assert.ok(maxAttempts < 50, `max attempts ${maxAttempts}`);
});

test('truncates after maxSteps actions, and a gem on the last step only terminates', () => {
  const idle = ['########', '#.     #', '#      #', '#    * #', '#      #', '#      #', '#      #', '########'];
  const env = new BoxWorld({ ...SMALL, maxSteps: 5 });
  env.resetToLevel(levelFromArt(idle));
  for (let t = 1; t <= 4; t++) assert.equal(env.step(UP).truncated, false);
  const last = env.step(UP);
  assert.deepEqual([last.terminated, last.truncated, last.reward], [false, true, 0]);
  assert.equal(env.render('state').steps, 5);

  const gem = new BoxWorld({ ...SMALL, maxSteps: 1 });
  gem.resetToLevel(levelFromArt(['########', '#      #', '#      #', '#    *.#', '#      #', '#      #', '#      #', '########']));
  const r = gem.step(LEFT);
  assert.deepEqual([r.reward, r.terminated, r.truncated], [10, true, false]);
  assert.equal(gem.episodeMetrics().solved, 1);
});

test('random play: episodes end by maxSteps at the latest, never with both flags', () => {
  const env = new BoxWorld();
  const rng = new Rng(2);
  env.reset({ seed: 2 });
  let length = 0;
  for (let t = 0; t < 5000; t++) {
    const r = env.step(rng.int(0, 3));
    length++;
    assert.ok(!(r.terminated && r.truncated));
    assert.equal(r.truncated, length === 120 && !r.terminated);
    if (r.terminated || r.truncated) {
      env.reset();
      length = 0;
    }
  }
});

test('same seed gives byte-identical observation and reward streams; reset() continues the stream', () => {
  const play = (seed: number) => {
    const env = new BoxWorld({ view: 'viewport' });
    const actions = new Rng(99);
    const out: number[] = [...env.reset({ seed }).obs];
    for (let t = 0; t < 1500; t++) {
      const r = env.step(actions.int(0, 3));
      out.push(...r.obs, r.reward);
      if (r.terminated || r.truncated) out.push(...env.reset().obs);
    }
    return out;
  };
  assert.deepEqual(play(7), play(7));
  assert.notDeepEqual(play(7), play(8));
  const env = new BoxWorld();
  const first = env.reset({ seed: 4 }).obs;
  const second = env.reset().obs;
  assert.notDeepEqual(second, first);
  assert.deepEqual(env.reset({ seed: 4 }).obs, first);
  assert.deepEqual(env.reset().obs, second);
});

test('viewport is the 5x5 crop of the full board around the agent, black outside, plus the held key', () => {
  const full = new BoxWorld();
  const plane = new BoxWorld({ view: 'viewport' });
  const vector = new BoxWorld({ view: 'viewport', heldKeyEncoding: 'vector' });
  assert.deepEqual(plane.observationSpace.shape, [5, 5, 6]);
  assert.deepEqual(vector.observationSpace.shape, [78]);
  const actions = new Rng(1);
  let f = full.reset({ seed: 9 }).obs;
  let p = plane.reset({ seed: 9 }).obs;
  let v = vector.reset({ seed: 9 }).obs;
  let outside = 0;
  let held = 0;
  for (let t = 0; t < 3000; t++) {
    const [ar, ac] = full.render('state').agent;
    assert.deepEqual(plane.render('state').viewport, { row: ar - 2, col: ac - 2, size: 5 });
    const inventory = pixel(f, 14, 0, 0); // black when nothing is held
    if (inventory.some((x) => x > 0)) held++;
    for (let i = 0; i < 25; i++) {
      const r = ar - 2 + Math.floor(i / 5);
      const c = ac - 2 + (i % 5);
      const inside = r >= 0 && r < 14 && c >= 0 && c < 14;
      if (!inside) outside++;
      const want = inside ? pixel(f, 14, r, c) : [0, 0, 0];
      assert.deepEqual(Array.from(p.subarray(i * 6, i * 6 + 6)), [...want, ...inventory]);
      assert.deepEqual(Array.from(v.subarray(i * 3, i * 3 + 3)), want);
    }
    assert.deepEqual(Array.from(v.subarray(75)), inventory);
    const a = actions.int(0, 3);
    const [rf, rp, rv] = [full.step(a), plane.step(a), vector.step(a)];
    assert.deepEqual([rp.reward, rv.reward, rp.terminated, rp.truncated], [rf.reward, rf.reward, rf.terminated, rf.truncated]);
    [f, p, v] = rf.terminated || rf.truncated ? [full.reset().obs, plane.reset().obs, vector.reset().obs] : [rf.obs, rp.obs, rv.obs];
  }
  assert.ok(outside > 0 && held > 0, `covered off-board cells (${outside}) and a held key (${held})`);
});

test('symbolic observations are one-hot cell codes; viewport adds the held key as 20 one-hot values', () => {
  const env = new BoxWorld({ obsMode: 'symbolic' });
  assert.deepEqual(env.observationSpace.shape, [14, 14, NUM_CELL_CODES]);
  const { obs } = env.reset({ seed: 3 });
  const cells = env.cellCodes();
  for (let i = 0; i < cells.length; i++) {
    const planes = obs.subarray(i * NUM_CELL_CODES, (i + 1) * NUM_CELL_CODES);
    assert.equal(planes.reduce((a, b) => a + b, 0), 1);
    assert.equal(planes[cells[i] as number], 1);
  }
  assert.deepEqual(new BoxWorld({ obsMode: 'symbolic', view: 'viewport' }).observationSpace.shape, [5, 5, NUM_CELL_CODES + 20]);
  const vec = new BoxWorld({ ...SMALL, obsMode: 'symbolic', view: 'viewport', heldKeyEncoding: 'vector' });
  assert.deepEqual(vec.observationSpace.shape, [25 * NUM_CELL_CODES + 20]);
  vec.resetToLevel(levelFromArt(WRONG_KEY_ART));
  vec.step(LEFT);
  const picked = vec.step(LEFT).obs; // key b, colour 1
  assert.deepEqual(Array.from(picked.subarray(25 * NUM_CELL_CODES)).indexOf(1), 1);
  assert.equal(picked[CELL_KEY + 1], 1, 'the window\'s top-left is board cell (0,0), the inventory');
  const edge = vec.step(UP).obs; // agent at (1,2): the window's top row is off the board
  for (let c = 0; c < 5; c++) assert.equal(edge[c * NUM_CELL_CODES + CELL_BORDER], 1, 'off-board reads as border');
});

test('render: ansi shows the board in 24-bit colour with a status line; state is a GridFrame', () => {
  const env = new BoxWorld({ view: 'viewport' });
  assert.throws(() => env.render('ansi'), /BoxWorld: render\(\) called before reset\(\)/);
  env.reset({ seed: 0 });
  const text = env.render('ansi');
  assert.equal(text.split('\n').length, 15);
  assert.match(text, /\x1b\[48;2;204;204;204m/);
  assert.match(text, /@@/);
  assert.match(text, /\*\*/);
  assert.match(text, /held nothing \| step 0\/120 \| return 0 \| L=\d/);
  const frame = env.render('state');
  assert.deepEqual([frame.kind, frame.height, frame.width, frame.rgb.length, frame.heldKey, frame.steps], ['grid', 14, 14, 588, null, 0]);
  assert.ok(frame.rgb.every((x) => Number.isInteger(x) && x >= 0 && x <= 255));
  const [r, c] = frame.agent;
  assert.deepEqual(frame.rgb.slice((r * 14 + c) * 3, (r * 14 + c) * 3 + 3), [128, 128, 128]);
  assert.deepEqual(frame.viewport, { row: r - 2, col: c - 2, size: 5 });
  assert.equal(JSON.parse(JSON.stringify(frame)).solutionLength, env.level?.solutionLength);
});

test('misuse and bad kwargs give clear errors', () => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ nn: 12 }, /^BoxWorld: unknown option "nn"; did you mean "n"\?/],
    [{ n: '12' }, /^BoxWorld: n must be a number, got "12"$/],
    [{ n: 3 }, /^BoxWorld: n must be an integer >= 5, got 3$/],
    [{ solutionLengths: [] }, /^BoxWorld: solutionLengths must be a non-empty list of integers in \[1, 19\], got \[\]$/],
    [{ solutionLengths: [0, 2] }, /solutionLengths must be a non-empty list of integers in \[1, 19\], got \[0,2\]/],
    [{ solutionLengths: [19] }, /^BoxWorld: solutionLengths must leave 1 of the 19 colours for distractor keys \(max 18 .*\), got \[19\]$/],
    [{ solutionLengths: [18], branchLength: 2 }, /solutionLengths must leave 2 of the 19 colours for distractor keys \(max 17/],
    [{ numForward: [-1] }, /^BoxWorld: numForward must be a non-empty list of integers >= 0, got \[-1\]$/],
    [{ numBackward: null }, /numBackward must be a non-empty list of integers >= 0, got null/],
    [{ branchLength: 0 }, /^BoxWorld: branchLength must be an integer >= 1, got 0$/],
    [{ maxSteps: 2.5 }, /^BoxWorld: maxSteps must be an integer >= 1, got 2.5$/],
    [{ view: 'side' }, /^BoxWorld: view must be one of 'full', 'viewport', got "side"$/],
    [{ heldKeyEncoding: 'onehot' }, /heldKeyEncoding must be one of 'plane', 'vector', got "onehot"/],
    [{ obsMode: 'pixels' }, /obsMode must be one of 'rgb', 'symbolic', got "pixels"/],
    [{ numForward: [1e6] }, /^BoxWorld: n must be large enough for the largest level \(L=4, F=1000000, B=0, branchLength 1: 1000005 objects/],
    [{ n: 6 }, /^BoxWorld: n must be large enough for the largest level \(L=4, F=4, B=0, branchLength 1: 9 objects, .*in 200 attempts, use a larger n or fewer boxes, got 6$/],
  ];
  for (const [kwargs, message] of bad) {
    assert.throws(() => new BoxWorld(kwargs as Partial<BoxWorldOptions>), (e: unknown) => e instanceof ConfigError && message.test(e.message), JSON.stringify(kwargs));
  }
  const env = new BoxWorld();
  assert.throws(() => env.step(0), (e: unknown) => e instanceof EnvError && e.message === 'BoxWorld: step() called before reset()');
  assert.throws(() => env.reset({ options: { level: 3 } }), /BoxWorld: reset\(\) takes no options, got \["level"\]/);
  assert.throws(() => env.resetToLevel(levelFromArt(WRONG_KEY_ART)), /BoxWorld: resetToLevel needs a level with n=12, got n=6/);
  assert.throws(() => levelFromArt(['###', '# #', '###']), /levelFromArt: art must have exactly one agent '.', got none/);
  assert.throws(() => levelFromArt(['####', '#.x#', '#  #', '####']), /levelFromArt: unknown character "x" at \[1, 2\]/);
});
