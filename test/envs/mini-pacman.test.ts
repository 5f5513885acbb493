/**
 * Mini Pacman (docs/tasks.md §2): the §2.12 list plus termination, determinism, viewport, reward modes,
 * ghost movement and option errors. Exact scenarios are set up with `setStateForTest`; ghosts are
 * frozen with `ghostSpeedInit: 0` or forced to move with a speed >= 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEnv } from '../../envs/check.ts';
import { ConfigError, EnvError } from '../../envs/errors.ts';
import {
  MINI_PACMAN_RULES, MINI_PACMAN_TIMERS, MiniPacman, type MiniPacmanMode, type MiniPacmanOptions,
  type MiniPacmanState,
} from '../../envs/mini-pacman.ts';
import {
  MAZE, MAZE_HEIGHT, MAZE_WIDTH, MINI_PACMAN_MAZE, chooseGhostDirection, inSafetyWindow, numGhosts,
} from '../../envs/mini-pacman-maze.ts';
import { Rng } from '../../envs/rng.ts';
import { OrderEnforcing } from '../../envs/wrappers.ts';

const W = MAZE_WIDTH;
const RIGHT = 1;
const STAY = 0;
const [D_RIGHT, D_UP, D_LEFT, D_DOWN] = [0, 1, 2, 3];

/** RGB of cell (r, c) in a full [15, 19, 3] observation. */
function px(obs: Float32Array, r: number, c: number): number[] {
  const i = (r * W + c) * 3;
  return [obs[i] as number, obs[i + 1] as number, obs[i + 2] as number];
}

/** An env after reset(seed) with the given state patch applied. */
function scenario(kwargs: Partial<MiniPacmanOptions>, patch: Partial<MiniPacmanState>, seed = 0): MiniPacman {
  const env = new MiniPacman(kwargs);
  env.reset({ seed });
  env.setStateForTest(patch);
  return env;
}

const cellOf = ([r, c]: [number, number]): number => r * W + c;

test('maze has 138 free cells with 2/3/4 free neighbours on 114/16/8 of them', () => {
  assert.equal(MINI_PACMAN_MAZE.length, MAZE_HEIGHT);
  assert.equal(MAZE.freeCells.length, 138);
  const byDegree = [0, 0, 0, 0, 0];
  for (const cell of MAZE.freeCells) byDegree[MAZE.numAvail[cell] as number]!++;
  assert.deepEqual(byDegree, [0, 0, 114, 16, 8]);
  for (let r = 0; r < MAZE_HEIGHT; r++) {
    const row = MINI_PACMAN_MAZE[r] as string;
    assert.equal(row, [...row].reverse().join(''), `row ${r} is left-right symmetric`);
    assert.equal(row, MINI_PACMAN_MAZE[MAZE_HEIGHT - 1 - r], `row ${r} is top-bottom symmetric`);
  }
});

test('passes checkEnv (actions are validated by the OrderEnforcing wrapper, as make() stacks it)', () => {
  for (const kw of [{}, { view: 'viewport', obsMode: 'planes' }] as Partial<MiniPacmanOptions>[]) {
    const report = checkEnv(() => new OrderEnforcing(new MiniPacman(kw)));
    assert.ok(report.ok, JSON.stringify(report.results.filter((r) => !r.ok)));
  }
});

test('nGhosts(level) is 1, 1, 2, 2, 3 and a new level spawns that many', () => {
  assert.deepEqual([1, 2, 3, 4, 5].map(numGhosts), [1, 1, 2, 2, 3]);
  const env = new MiniPacman();
  env.reset({ seed: 3 });
  assert.equal(env.getState().ghosts.length, 1);
  env.setStateForTest({ level: 4, pacman: [1, 1], food: [[1, 2]], ghosts: [{ pos: [13, 9], dir: 0 }] });
  env.step(RIGHT);
  assert.equal(env.getState().level, 5);
  assert.equal(env.getState().ghosts.length, 3);
});

test('spaces, shapes and a fresh observation array per call', () => {
  const cases: [Partial<MiniPacmanOptions>, number[]][] = [
    [{}, [15, 19, 3]], [{ view: 'viewport' }, [5, 5, 3]], [{ obsMode: 'planes' }, [15, 19, 6]],
    [{ view: 'viewport', obsMode: 'planes' }, [5, 5, 6]], [{ view: 'viewport', viewportSize: 7 }, [7, 7, 3]],
  ];
  for (const [kw, shape] of cases) {
    const env = new MiniPacman(kw);
    assert.deepEqual(env.observationSpace.shape, shape);
    assert.equal(env.actionSpace.n, 5);
    const a = env.reset({ seed: 1 }).obs;
    const b = env.step(STAY).obs;
    assert.ok(env.observationSpace.contains(a) && env.observationSpace.contains(b));
    assert.notEqual(a, b);
  }
  assert.throws(() => new MiniPacman().step(0), (e: unknown) => e instanceof EnvError && /step\(\) called before reset\(\)/.test(e.message));
});

test('the first step(0) eats the food under Pacman (+1 in regular)', () => {
  let plain = 0;
  for (let seed = 0; seed < 20; seed++) {
    const env = new MiniPacman();
    env.reset({ seed });
    const s = env.getState();
    const onPill = s.pills.some(([r, c]) => r === s.pacman[0] && c === s.pacman[1]);
    if (!onPill) plain++;
    const { reward } = env.step(STAY);
    assert.equal(reward, onPill ? 3 : 1, `seed ${seed}`);
    assert.equal(env.getState().food.length, 137);
  }
  assert.ok(plain > 10);
});

test('ghosts render (1, 1, 0) on the tick a pill is eaten and (1, 0.95, 0) one tick later', () => {
  const env = scenario({ ghostSpeedInit: 0 }, { pacman: [3, 8], pills: [[3, 9]], ghosts: [{ pos: [13, 9], dir: 0 }] });
  const r1 = env.step(RIGHT);
  assert.equal(r1.reward, 1 + 2);
  assert.deepEqual(px(r1.obs, 13, 9), [1, 1, 0]);
  assert.deepEqual(px(r1.obs, 3, 9), [0, 1, 0]);
  const r2 = env.step(STAY);
  assert.deepEqual(px(r2.obs, 13, 9), [1, Math.fround(0.95), 0]);
  assert.equal(env.getState().power, 19);
});

test('eating a ghost stops later ghosts from moving that tick', () => {
  // Speed 2 is halved to 1 while powered, so a processed ghost always moves.
  const far = { pos: [3, 12] as [number, number], dir: D_RIGHT };
  const eaten = scenario({ ghostSpeedInit: 2 }, { pacman: [1, 1], food: [], power: 5, ghosts: [{ pos: [1, 2], dir: D_LEFT }, far] });
  const r = eaten.step(RIGHT);
  assert.equal(r.reward, 5);
  assert.deepEqual(eaten.getState().ghosts, [far]);
  assert.equal(eaten.episodeMetrics().ghostsEaten, 1);
  const control = scenario({ ghostSpeedInit: 2 }, { pacman: [1, 1], food: [], power: 5, ghosts: [far] });
  control.step(RIGHT);
  assert.deepEqual(control.getState().ghosts[0]?.pos, [3, 13]);
});

test('at most one ghost is eaten per tick', () => {
  const env = scenario({ ghostSpeedInit: 0 }, { pacman: [3, 8], food: [], power: 5, ghosts: [{ pos: [3, 9], dir: 0 }, { pos: [3, 9], dir: 0 }] });
  assert.equal(env.step(RIGHT).reward, 5);
  assert.equal(env.getState().ghosts.length, 1);
  assert.equal(env.step(STAY).reward, 5);
  assert.equal(env.getState().ghosts.length, 0);
});

test('swap-through is not a collision: only a shared cell at a check counts', () => {
  // Pacman steps left out of (3,8) while the ghost steps left into it: their paths cross, no death.
  const env = scenario({ ghostSpeedInit: 1, ghostRandomness: 0 }, { pacman: [3, 8], food: [], ghosts: [{ pos: [3, 9], dir: D_LEFT }] });
  const r = env.step(3);
  assert.equal(r.terminated, false);
  assert.deepEqual(env.getState().ghosts[0]?.pos, [3, 8]);
  assert.deepEqual(env.getState().pacman, [3, 7]);
  // A head-on exchange cannot happen under the §2.6 order: Pacman moves first, so entering the
  // ghost's cell is caught by check (a) before the ghost moves.
  const headOn = scenario({ ghostSpeedInit: 1, ghostRandomness: 0, mode: 'avoid' }, { pacman: [3, 8], food: [], ghosts: [{ pos: [3, 9], dir: D_LEFT }] });
  const h = headOn.step(RIGHT);
  assert.equal(h.terminated, true);
  assert.equal(h.reward, 0.1 - 20);
});

test('a level cleared by food re-places Pacman, food, pills and ghosts within the same tick', () => {
  for (let seed = 0; seed < 10; seed++) {
    const env = scenario({ ghostSpeedInit: 0, ghostSpeedStep: 0 }, { pacman: [1, 1], food: [[1, 2]], pills: [], ghosts: [{ pos: [13, 9], dir: 0 }] }, seed);
    const { obs, reward, info } = env.step(RIGHT);
    const s = env.getState();
    const pillEaten = s.power === 20;
    assert.equal(info.level, 2);
    assert.equal(reward, pillEaten ? 3 : 1);
    assert.equal(s.food.length, 138);
    assert.equal(s.pills.length + (pillEaten ? 1 : 0), 2);
    assert.equal(s.levelTimer, 0);
    assert.equal(s.ghosts.length, numGhosts(2));
    for (const g of s.ghosts) assert.ok(!inSafetyWindow(MAZE, cellOf(g.pos), cellOf(s.pacman), 5));
    assert.deepEqual(px(obs, ...s.pacman), [0, 1, 0]);
    for (const cell of MAZE.freeCells) {
      assert.notDeepEqual(px(obs, MAZE.row[cell] as number, MAZE.col[cell] as number), [0, 0, 0], 'every free cell has food again');
    }
  }
});

test('ghosts spawn outside the asymmetric safety window (rows r-5..r+4, cols c-5..c+4)', () => {
  const p = cellOf([7, 9]);
  assert.ok(inSafetyWindow(MAZE, cellOf([3, 4]), p, 5));
  assert.ok(inSafetyWindow(MAZE, cellOf([11, 13]), p, 5));
  assert.ok(!inSafetyWindow(MAZE, cellOf([12, 9]), p, 5));
  assert.ok(!inSafetyWindow(MAZE, cellOf([7, 14]), p, 5));
  const env = new MiniPacman();
  for (let seed = 0; seed < 200; seed++) {
    env.reset({ seed });
    const s = env.getState();
    for (const g of s.ghosts) assert.ok(!inSafetyWindow(MAZE, cellOf(g.pos), cellOf(s.pacman), 5), `seed ${seed}`);
  }
});

test('death gives terminated and not truncated, even on the frame-cap tick', () => {
  const env = scenario({ ghostSpeedInit: 0, frameCap: 10, mode: 'hunt' }, { pacman: [3, 8], food: [], frame: 9, ghosts: [{ pos: [3, 9], dir: 0 }] });
  const r = env.step(RIGHT);
  assert.equal(r.terminated, true);
  assert.equal(r.truncated, false);
  assert.equal(r.reward, -20);
  assert.throws(() => env.step(STAY), /step\(\) called after the episode ended; call reset\(\)/);
});

test('the frame cap gives truncated and not terminated', () => {
  const env = scenario({ ghostSpeedInit: 0, frameCap: 5 }, { ghosts: [{ pos: [13, 9], dir: 0 }], pacman: [3, 8] });
  for (let t = 1; t <= 5; t++) {
    const r = env.step(STAY);
    assert.equal(r.truncated, t === 5);
    assert.equal(r.terminated, false);
    assert.equal(r.info.frame, t);
  }
});

test('same seed gives identical observation and reward streams under a fixed action sequence', () => {
  const actions = new Rng(99);
  const seq = Array.from({ length: 3000 }, () => actions.int(0, 4));
  const a = new MiniPacman();
  const b = new MiniPacman();
  const same = (x: Float32Array, y: Float32Array): boolean =>
    Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
  assert.ok(same(a.reset({ seed: 7 }).obs, b.reset({ seed: 7 }).obs));
  let episodes = 0;
  for (const [t, act] of seq.entries()) {
    const ra = a.step(act);
    const rb = b.step(act);
    assert.ok(same(ra.obs, rb.obs) && ra.reward === rb.reward && ra.terminated === rb.terminated, `step ${t}`);
    if (ra.terminated || ra.truncated) {
      episodes++;
      assert.ok(same(a.reset().obs, b.reset().obs), `reset after step ${t}`);
    }
  }
  assert.ok(episodes > 1, 'the run crosses episode boundaries (reset() continues the stream)');
  const env = new MiniPacman();
  const first = env.reset({ seed: 7 }).obs;
  env.step(0);
  assert.deepEqual(env.reset({ seed: 7 }).obs, first);
});

test('viewport obs is the 5x5 crop of the full obs centred on Pacman, walls outside the grid', () => {
  for (const obsMode of ['rgb', 'planes'] as const) {
    const C = obsMode === 'rgb' ? 3 : 6;
    const full = new MiniPacman({ obsMode });
    const view = new MiniPacman({ obsMode, view: 'viewport' });
    const acts = new Rng(4);
    let overhangs = 0;
    let f = full.reset({ seed: 11 }).obs;
    let v = view.reset({ seed: 11 }).obs;
    for (let t = 0; t < 600; t++) {
      const [pr, pc] = full.getState().pacman;
      for (let i = 0; i < 5; i++) {
        for (let j = 0; j < 5; j++) {
          const r = pr - 2 + i;
          const c = pc - 2 + j;
          const outside = r < 0 || r >= MAZE_HEIGHT || c < 0 || c >= W;
          if (outside && i === 0) overhangs++;
          for (let ch = 0; ch < C; ch++) {
            const want = outside ? (obsMode === 'rgb' || ch === 0 ? 1 : 0) : f[(r * W + c) * C + ch];
            if (v[(i * 5 + j) * C + ch] !== want) assert.fail(`${obsMode} t=${t} window (${i},${j}) ch ${ch}: ${v[(i * 5 + j) * C + ch]} != ${want}`);
          }
        }
      }
      const a = acts.int(0, 4);
      const rf = full.step(a);
      const rv = view.step(a);
      assert.equal(rf.reward, rv.reward);
      if (rf.terminated || rf.truncated) { f = full.reset().obs; v = view.reset().obs; } else { f = rf.obs; v = rv.obs; }
    }
    assert.ok(overhangs > 0, 'the run visits row 1 so the window overhangs the grid');
  }
});

test('planes reduce to the rgb view by the PillEater colouring rule', () => {
  const rgbEnv = new MiniPacman();
  const planeEnv = new MiniPacman({ obsMode: 'planes' });
  const acts = new Rng(2);
  let rgb = rgbEnv.reset({ seed: 5 }).obs;
  let planes = planeEnv.reset({ seed: 5 }).obs;
  for (let t = 0; t < 300; t++) {
    for (let cell = 0; cell < MAZE_HEIGHT * W; cell++) {
      const [wall, food, pac, ghost, edible, pill] = planes.subarray(cell * 6, cell * 6 + 6) as unknown as number[];
      const want = pac === 1 ? [0, 1, 0] : ghost! > 0 || edible! > 0 ? [ghost! + edible!, edible!, 0]
        : pill === 1 ? [0, 1, 1] : food === 1 ? [0, 0, 1] : wall === 1 ? [1, 1, 1] : [0, 0, 0];
      for (let ch = 0; ch < 3; ch++) {
        if (!(Math.abs((rgb[cell * 3 + ch] as number) - want[ch]!) < 1e-6)) assert.fail(`t=${t} cell ${cell} ch ${ch}`);
      }
    }
    const a = acts.int(0, 4);
    const r1 = rgbEnv.step(a);
    const r2 = planeEnv.step(a);
    if (r1.terminated || r1.truncated) { rgb = rgbEnv.reset().obs; planes = planeEnv.reset().obs; } else { rgb = r1.obs; planes = r2.obs; }
  }
});

test('reward modes follow the I2A table, per component and for level advance', () => {
  const table: Record<MiniPacmanMode, [number, number, number, number, number, string]> = {
    regular: [0, 1, 2, 5, 0, 'food'], avoid: [0.1, -0.1, -5, -10, -20, 'food'], hunt: [0, 0, 1, 10, -20, 'ghosts'],
    ambush: [0, -0.1, 0, 10, -20, 'ghosts'], rush: [0, -0.1, 10, 0, 0, 'pills'],
  };
  const far = { pos: [13, 9] as [number, number], dir: 0 };
  for (const [mode, [step, food, pill, ghost, death, on]] of Object.entries(table) as [MiniPacmanMode, typeof table.regular][]) {
    assert.deepEqual(MINI_PACMAN_RULES[mode], { step, food, pill, ghost, death, nextLevelOn: on });
    const kw = { mode, ghostSpeedInit: 0 };
    const base = { pacman: [3, 8] as [number, number], food: [], pills: [[13, 1]] as [number, number][], ghosts: [far, far] };
    assert.equal(scenario(kw, base).step(RIGHT).reward, step, `${mode} empty tick`);
    assert.equal(scenario(kw, { ...base, food: [[3, 9], [13, 2]] }).step(RIGHT).reward, step + food, `${mode} food`);
    assert.equal(scenario(kw, { ...base, pills: [[3, 9], [13, 1]] }).step(RIGHT).reward, step + pill, `${mode} pill`);
    assert.equal(scenario(kw, { ...base, power: 5, ghosts: [{ pos: [3, 9], dir: 0 }, far] }).step(RIGHT).reward, step + ghost, `${mode} ghost`);
    const killed = scenario(kw, { ...base, ghosts: [{ pos: [3, 9], dir: 0 }] }).step(RIGHT);
    assert.equal(killed.reward, step + death, `${mode} killed`);
    assert.equal(killed.terminated, true);
    // Only the mode's own goal clears the level.
    const levelAfter = (patch: Partial<MiniPacmanState>): number => scenario(kw, { ...base, ...patch }).step(RIGHT).info.level;
    assert.equal(levelAfter({ food: [[3, 9]] }), on === 'food' ? 2 : 1, `${mode} last food`);
    assert.equal(levelAfter({ pills: [[3, 9]] }), on === 'pills' ? 2 : 1, `${mode} last pill`);
    assert.equal(levelAfter({ power: 5, ghosts: [{ pos: [3, 9], dir: 0 }] }), on === 'ghosts' ? 2 : 1, `${mode} last ghost`);
  }
});

test('level timers: avoid 128, hunt/ambush 80 (-1 with compat pilleater), regular/rush never', () => {
  assert.deepEqual(MINI_PACMAN_TIMERS, { regular: -1, avoid: 128, hunt: 80, ambush: 80, rush: -1 });
  const timer = (kw: Partial<MiniPacmanOptions>): number => new MiniPacman(kw).timerTerminate;
  assert.equal(timer({ mode: 'avoid' }), 128);
  assert.equal(timer({ mode: 'hunt' }), 80);
  assert.equal(timer({ mode: 'ambush', compat: 'pilleater' }), -1);
  assert.equal(timer({ mode: 'hunt', compat: 'pilleater', timerTerminate: { hunt: 50 } }), 50);
  assert.equal(timer({ mode: 'regular' }), -1);
  // The obs of the timer tick still shows the old level (§2.6: render, then the timer check).
  const env = scenario({ mode: 'avoid', ghostSpeedInit: 0 }, { pacman: [3, 8], levelTimer: 127, ghosts: [{ pos: [13, 9], dir: 0 }] });
  const r = env.step(STAY);
  assert.equal(r.info.level, 2);
  assert.deepEqual(px(r.obs, 3, 8), [0, 1, 0]);
  assert.equal(env.getState().levelTimer, 0);
});

test('ghost movement: corridors keep direction, junctions chase by v.unit(d) and flee when powered', () => {
  const rng = new Rng(0);
  const dir = (at: [number, number], heading: number, pac: [number, number], powered = false): number =>
    chooseGhostDirection(MAZE, cellOf(at), heading, cellOf(pac), powered, 0, rng);
  assert.equal(dir([3, 9], D_RIGHT, [3, 1]), D_RIGHT, 'corridor keeps direction even away from Pacman');
  assert.equal(dir([3, 9], D_LEFT, [3, 17]), D_LEFT);
  assert.equal(dir([1, 1], D_UP, [13, 17]), D_RIGHT, 'corner turns without reversing');
  assert.equal(dir([1, 1], D_LEFT, [1, 17]), D_DOWN);
  // (3,3) is a 4-way junction.
  assert.equal(dir([3, 3], D_DOWN, [1, 3]), D_RIGHT, 'reverse (up) dropped; right/left tie at 0, right first');
  assert.equal(dir([3, 3], D_RIGHT, [13, 5]), D_DOWN, 'chase: v=(10,2) scores down highest');
  assert.equal(dir([3, 3], D_RIGHT, [1, 9]), D_RIGHT, 'chase: v=(-2,6) scores right 6 > up 2');
  assert.equal(dir([3, 3], D_RIGHT, [13, 5], true), D_UP, 'flee: lowest score');
  assert.equal(dir([3, 3], D_UP, [3, 3]), D_UP, 'v = 0 keeps the direction');
  // With randomness 1 an unpowered ghost picks uniformly among the non-reverse directions.
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 3000; i++) counts[chooseGhostDirection(MAZE, cellOf([3, 3]), D_RIGHT, cellOf([13, 5]), false, 1, rng)]!++;
  assert.equal(counts[D_LEFT], 0);
  for (const d of [D_RIGHT, D_UP, D_DOWN]) assert.ok(counts[d]! > 850 && counts[d]! < 1150, `counts ${counts}`);
  // In the env a moving ghost at a junction steps toward Pacman.
  const env = scenario({ ghostSpeedInit: 1, ghostRandomness: 0 }, { pacman: [13, 5], food: [], ghosts: [{ pos: [3, 3], dir: D_RIGHT }] });
  env.step(STAY);
  assert.deepEqual(env.getState().ghosts[0], { pos: [4, 3], dir: D_DOWN });
});

test('render: ansi picture with status and viewport line; state GridFrame of the full map', () => {
  const env = scenario({ view: 'viewport', ghostSpeedInit: 0 }, { pacman: [1, 1], power: 3, pills: [[1, 3]], ghosts: [{ pos: [3, 9], dir: 0 }] });
  const text = env.render('ansi');
  const lines = text.split('\n');
  assert.equal(lines[0], '#'.repeat(19));
  assert.equal(lines[1], '#P.o#.........#...#');
  assert.equal(lines[3]?.[9], 'g');
  assert.match(text, /score 0 {2}level 1 {2}frame 0 {2}power 3/);
  assert.match(text, /viewport rows -1\.\.3, cols -1\.\.3/);
  const frame = env.render('state');
  assert.equal(frame.kind, 'grid');
  assert.equal(frame.rgb.length, 15 * 19 * 3);
  assert.deepEqual(frame.agent, [1, 1]);
  assert.deepEqual(frame.viewport, { row: -1, col: -1, size: 5 });
  assert.deepEqual(frame.rgb.slice((1 * W + 1) * 3, (1 * W + 1) * 3 + 3), [0, 255, 0]);
  assert.deepEqual(frame.rgb.slice((3 * W + 9) * 3, (3 * W + 9) * 3 + 3), [255, Math.round((3 / 20) * 255), 0]);
  assert.equal(frame.level, 1);
  const fullView = new MiniPacman();
  fullView.reset({ seed: 0 });
  assert.equal(fullView.render('state').viewport, null);
  assert.doesNotMatch(fullView.render('ansi'), /viewport/);
});

test('episodeMetrics counts level, food and ghosts of the episode', () => {
  const env = scenario({ ghostSpeedInit: 0 }, { pacman: [3, 8], power: 5, ghosts: [{ pos: [3, 10], dir: 0 }, { pos: [13, 9], dir: 0 }] });
  env.step(RIGHT);
  env.step(RIGHT);
  assert.deepEqual(env.episodeMetrics(), { level: 1, foodEaten: 2, ghostsEaten: 1 });
  env.reset();
  assert.deepEqual(env.episodeMetrics(), { level: 1, foodEaten: 0, ghostsEaten: 0 });
});

test('bad kwargs give clear ConfigError messages', () => {
  const bad = (kw: Record<string, unknown>, re: RegExp): void =>
    assert.throws(() => new MiniPacman(kw as Partial<MiniPacmanOptions>), (e: unknown) => e instanceof ConfigError && re.test(e.message));
  bad({ mode: 'foo' }, /^MiniPacman: mode must be one of regular, avoid, hunt, ambush, rush, got "foo"$/);
  bad({ moed: 'hunt' }, /MiniPacman: unknown option "moed"; did you mean "mode"\?/);
  bad({ view: 'partial' }, /MiniPacman: view must be one of full, viewport, got "partial"/);
  bad({ viewportSize: 4 }, /MiniPacman: viewportSize must be an odd integer from 1 to 39, got 4/);
  bad({ frameCap: '100' }, /MiniPacman: frameCap must be a number, got "100"/);
  bad({ ghostRandomness: 1.5 }, /MiniPacman: ghostRandomness must be in \[0, 1\], got 1.5/);
  bad({ safeDistance: 20 }, /MiniPacman: safeDistance must leave free cells for ghosts/);
  bad({ compat: 'gym' }, /MiniPacman: compat must be one of none, pilleater, got "gym"/);
  bad({ timerTerminate: { hunt: 0 } }, /MiniPacman: timerTerminate.hunt must be -1 \(never\) or an integer >= 1, got 0/);
  bad({ timerTerminate: { chase: 5 } }, /MiniPacman: timerTerminate keys must be modes \(regular, avoid, hunt, ambush, rush\), got "chase"/);
  bad({ timerTerminate: [80] }, /MiniPacman: timerTerminate must be an object of per-mode ticks, got \[80\]/);
});
