/**
 * The browser viewer (rollout/viewer/): bundling, then the real page in headless Chromium against
 * a scripted stand-in feed server (node:http + ws; the real FeedServer has its own tests). Frames
 * come from the real envs; readouts are shaped like the cores' inspect(). Needs Debian's chromium
 * at /usr/bin/chromium (`apt-get install -y chromium`; CI installs it). About 5 s.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { WebSocketServer, type WebSocket } from 'ws';
import { BoxWorld } from '../../envs/box-world.ts';
import { ContextualChoice } from '../../envs/contextual-choice.ts';
import type { EnvFrame } from '../../envs/env.ts';
import { MiniPacman } from '../../envs/mini-pacman.ts';
import { Rng } from '../../envs/rng.ts';
import type { SequenceFrame } from '../../envs/tasks/bits.ts';
import { CopyTask } from '../../envs/tasks/copy.ts';
import { LanguageModelTask } from '../../envs/tasks/language-model.ts';
import { SyncVectorEnv } from '../../envs/vector.ts';
import { sequenceEvents } from '../../experiments/run/supervised-feed.ts';
import { SegmentSource } from '../../rollout/segments.ts';
import { compact, FEED_VERSION, type FeedMessage, type RunInfo } from '../../rollout/feed.ts';
import { bundleViewer } from '../../rollout/viewer/bundle.ts';
import type { EpisodeMessage } from '../../rollout/viewer/episode.ts';
import { PlaybackQueue, stepsPerSecond } from '../../rollout/viewer/playback.ts';
import { ROOT } from '../fixtures/cli.ts';

const CHROMIUM = '/usr/bin/chromium';
const OUT = join(ROOT, 'test-output');
type Readout = Record<string, number | number[] | number[][]>;

const PACMAN_RUN: RunInfo = { id: 'viewer-test', mode: 'train', env: 'MiniPacman-v0', core: 'rmc', seed: 1, numEnvs: 2,
  actionNames: ['stay', 'right', 'up', 'left', 'down'], observationShape: [5, 5, 3], backend: 'cpu', renderFps: 8 };
const CHOICE_RUN: RunInfo = { id: 'viewer-test-cc', mode: 'watch', env: 'ContextualChoice-v0', core: 'dnd-lstm', seed: 2, numEnvs: 1,
  actionNames: ['press 0', 'press 1'], observationShape: [32], backend: 'cpu', renderFps: 4 };

// ---- scripted feed data

function softmax(xs: number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** RMC inspect() shape with diagnostics: K = 2 heads, N = 4 slots + 1 input row, so S = 5. */
function rmcReadout(rng: Rng): Readout {
  const K = 2, N = 4, S = N + 1;
  return {
    attention: Array.from({ length: K * S }, () => softmax(Array.from({ length: S }, () => rng.normal(0, 2)))),
    memoryNorms: Array.from({ length: N }, () => 2 + rng.uniform() * 6),
    inputGate: Array.from({ length: N }, () => rng.uniform()),
    forgetGate: Array.from({ length: N }, () => rng.uniform()),
    numHeads: K, numSlots: N,
  };
}

/** DND-LSTM inspect() shape; the diagnostic fields only on some steps (recordDiagnostics off/on). */
function dndReadout(rng: Rng, t: number, diag: boolean): Readout {
  const H = 16, vec = () => Array.from({ length: H }, () => Math.tanh(rng.normal()));
  const out: Readout = { h: vec(), c: vec().map((x) => 3 * x), size: Math.min(t, 20), count: t, capacity: 100 };
  if (!diag) return out;
  const r = Array.from({ length: H }, () => rng.uniform());
  return { ...out, r, rMean: r.reduce((a, b) => a + b, 0) / H, retrieved: t > 0 ? 1 : 0, slot: t % 7, topSlots: [3, 1, 0], topSimilarities: [0.9, 0.4, -0.2] };
}

interface EpisodeSpec { env: number; episode: number; steps: number; from?: number; start?: boolean }

function pacmanEpisode({ env, episode, steps }: EpisodeSpec): FeedMessage[] {
  const pac = new MiniPacman({ view: 'viewport' });
  pac.reset({ seed: 10 + env });
  const rng = new Rng(7 + env);
  const out: FeedMessage[] = [{ type: 'episode-start', env, episode, globalStep: 0 }];
  let ret = 0;
  for (let t = 0; t < steps; t++) {
    const frame = pac.render('state');   // the observation the agent acts on
    const probs = softmax([0, 1, 2, 3, 4].map(() => rng.normal()));
    const action = rng.categorical(probs);
    const res = pac.step(action);
    ret += res.reward;
    out.push({ type: 'step', env, episode, t, globalStep: t * 2 + env, frame: compact(frame), action, probs: compact(probs),
      value: compact(rng.normal()), reward: res.reward, return: compact(ret), memory: compact(rmcReadout(rng)) });
    if (res.terminated || res.truncated) break;
  }
  return out;
}

function choiceSteps({ env, episode, steps, from = 0 }: EpisodeSpec): FeedMessage[] {
  const cc = new ContextualChoice({ obsDim: 16, ctxDim: 16, trialLength: 8, tNoiseOff: 3, nUniqueTrials: 2 });
  cc.reset({ seed: 3 });
  const rng = new Rng(11);
  const out: FeedMessage[] = [];
  let ret = 0;
  for (let t = 0; t < from + steps; t++) {
    const frame = cc.render('state') as EnvFrame;
    const probs = softmax([rng.normal(), rng.normal()]);
    const action = rng.categorical(probs);
    const res = cc.step(action);
    ret += res.reward;
    if (t >= from) {
      out.push({ type: 'step', env, episode, t, globalStep: 100 + t, frame: compact(frame), action, probs: compact(probs),
        value: 0.1, reward: res.reward, return: compact(ret), memory: compact(dndReadout(rng, t, t % 2 === 0)) });
    }
  }
  return out;
}

const metrics = (n: number): FeedMessage[] => Array.from({ length: n }, (_, i) => ({
  type: 'metrics', iteration: i + 1, globalStep: (i + 1) * 40,
  scalars: { 'losses/policy': 0.1 / (i + 1), 'losses/value': 1 / (i + 1), 'losses/entropy': 1.6 - 0.1 * i, 'charts/episode_return': i - 2 },
}));

// ---- the stand-in server: the page, the bundle, and a feed the test scripts message by message

interface StandIn {
  readonly url: string;
  readonly received: unknown[];
  readonly sockets: WebSocket[];
  send(ws: WebSocket, messages: readonly (FeedMessage | string | Record<string, unknown>)[]): void;
  close(): Promise<void>;
}

async function startStandIn(run: RunInfo): Promise<StandIn> {
  const { js, css } = await bundleViewer();
  const html = readFileSync(join(ROOT, 'rollout/viewer/index.html'), 'utf8');
  const http: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = path === '/' ? ['text/html', html] : path === '/page.js' ? ['text/javascript', js] : path === '/page.css' ? ['text/css', css] : null;
    if (!body) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': `${body[0]}; charset=utf-8` }).end(body[1]);
  });
  const wss = new WebSocketServer({ server: http, path: '/feed' });
  const received: unknown[] = [];
  const sockets: WebSocket[] = [];
  const hello = (following: number): FeedMessage => ({ type: 'hello', version: FEED_VERSION, run, following });
  const send: StandIn['send'] = (ws, messages) => { for (const m of messages) ws.send(typeof m === 'string' ? m : JSON.stringify(m)); };
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { type: string; env: number };
      received.push(m);
      if (m.type === 'follow') send(ws, [hello(m.env)]);   // as the real server: a fresh hello naming the env
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`, received, sockets, send,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

// ---- the browser

let browser: Promise<Browser> | undefined;
function launch(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `viewer test: ${CHROMIUM} not found; install it with \`apt-get install -y chromium\` (CI installs it)`);
  browser ??= chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  return browser;
}
after(async () => { if (browser) await (await browser).close(); });

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function openPage(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await (await launch()).newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  return { page, errors };
}

/** Pixels of a canvas that are not the white background. Strings, not functions: tsx's keepNames would leak __name into the page. */
function inkPixels(page: Page, id: string): Promise<number> {
  return page.evaluate(`(() => {
    const c = document.getElementById(${JSON.stringify(id)});
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235) n++;
    return n;
  })()`);
}

const waitApplied = (page: Page, n: number) => page.waitForSelector(`#app[data-applied-steps="${n}"]`, { state: 'attached', timeout: 5000 });
const textOf = async (page: Page, sel: string) => (await page.textContent(sel)) ?? '';

// ---- tests

test('bundleViewer returns a self-contained ES module and the uPlot CSS', async () => {
  const { js, css } = await bundleViewer();
  assert.doesNotMatch(js, /^\s*import\s[^;]*?from\s*["'][^./]/m, 'no static import of a bare module');
  assert.doesNotMatch(js, /\bimport\(\s*["'][^./]/, 'no dynamic import of a bare module');
  assert.doesNotMatch(js, /\brequire\(\s*["']/, 'no require()');
  assert.match(js, /uPlot/, 'uPlot is bundled in');
  assert.match(css, /\.uplot/, 'the uPlot stylesheet');
  assert.equal(await bundleViewer(), await bundleViewer(), 'cached per process');
});

test('the playback queue stays bounded by skipping to the newest episode start', () => {
  const start = (episode: number): EpisodeMessage => ({ type: 'episode-start', env: 0, episode, globalStep: 0 });
  const step = (episode: number, t: number): EpisodeMessage => ({ type: 'step', env: 0, episode, t, globalStep: t, frame: null, action: 0,
    probs: [1], value: 0, reward: 0, return: 0, memory: null });
  const q = new PlaybackQueue(10);
  q.push(start(1));
  for (let t = 0; t < 6; t++) q.push(step(1, t));
  q.push(start(2));
  for (let t = 0; t < 3; t++) q.push(step(2, t));   // 11 > 10: episode 1 is skipped
  assert.equal(q.length, 4);
  assert.equal(q.dropped, 7);
  assert.deepEqual(q.shift(), start(2));
  for (let t = 3; t < 15; t++) q.push(step(2, t));  // no newer start: the oldest steps go
  assert.equal(q.length, 10);
  assert.deepEqual(q.shift(), step(2, 5));
  assert.equal(stepsPerSecond('2', 4), 8);
  assert.equal(stepsPerSecond('live', 4), Infinity);
});

test('draws a Mini Pacman + RMC episode, survives malformed data, and sends follow', async () => {
  const server = await startStandIn(PACMAN_RUN);
  try {
    const { page, errors } = await openPage(server.url);
    await until('the page to connect', () => server.sockets.length === 1);
    const ws = server.sockets[0] as WebSocket;
    const episode = pacmanEpisode({ env: 0, episode: 1, steps: 22 });
    const steps = episode.filter((m) => m.type === 'step').length;
    assert.ok(steps >= 12, `the scripted episode should last a while, got ${steps} steps`);
    server.send(ws, [{ type: 'hello', version: FEED_VERSION, run: PACMAN_RUN, following: 0 }, ...metrics(4), ...episode.slice(0, 11)]);
    await waitApplied(page, 10);
    await page.waitForSelector('#status[data-state="open"]');

    // Malformed data, drawn one at a time: none of it may throw in the page.
    server.send(ws, [{ type: 'bogus', x: 1 }, 'not json {', { no: 'type' },
      { type: 'step', env: 0, episode: 1, t: 10, globalStep: 99, frame: { kind: 'hologram', beams: [1, 2, 3], note: 'x'.repeat(900) },
        action: 9, probs: [0.5], value: 0, reward: 0, return: 0, memory: { weird: 'text', nested: { a: [1, 'b'] }, wide: [[1, 2], [3]] } }]);
    await waitApplied(page, 11);
    assert.ok(await inkPixels(page, 'env-canvas') > 200, 'an unknown frame kind is shown as text');
    server.send(ws, [{ type: 'step', env: 0, episode: 1, t: 11, globalStep: 100, frame: { kind: 'grid', height: 3, width: 3, rgb: [1, 2] },
      action: 0, probs: [], value: 0, reward: 0, return: 0, memory: null }]);
    await waitApplied(page, 12);

    server.send(ws, [...episode.slice(11).map((m) => ({ ...m, ...(m.type === 'step' ? { t: m.t + 2 } : {}) })),
      { type: 'episode-end', env: 0, episode: 1, globalStep: 60, return: 1.5, length: steps, terminated: false, metrics: { level: 1, foodEaten: 3 } }]);
    await waitApplied(page, steps + 2);
    assert.ok(await inkPixels(page, 'env-canvas') > 20_000, 'the maze is drawn');
    assert.ok(await inkPixels(page, 'memory-canvas') > 5_000, 'attention heatmaps and slot bars are drawn');
    const probs = await textOf(page, '#agent-probs');
    for (const name of PACMAN_RUN.actionNames) assert.ok(probs.includes(name), `action "${name}" shown, got ${JSON.stringify(probs)}`);
    assert.match(await textOf(page, '#agent-last'), /return 1\.5.*foodEaten 3/);
    assert.match(await textOf(page, '#notes'), /ignored 3 message/);
    assert.ok(await page.locator('#curve-return canvas').count() > 0, 'uPlot charts exist');
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'viewer.png'), fullPage: true });

    // The env picker sends follow; the server's fresh hello switches the page to env 1.
    await page.selectOption('#env-picker', '1');
    await until('a follow message', () => server.received.length > 0);
    assert.deepEqual(server.received, [{ type: 'follow', env: 1 }]);
    await page.waitForSelector('#app[data-following="1"]');
    const other = pacmanEpisode({ env: 1, episode: 7, steps: 3 });
    server.send(ws, other);
    await waitApplied(page, steps + 2 + (other.length - 1));
    assert.equal(await textOf(page, '#agent-episode'), '7');
    assert.equal(await textOf(page, '#agent-env'), '1');
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
    await page.close();
  } finally {
    await server.close();
  }
});

test('draws contextual choice + DND-LSTM, pauses, and resumes cleanly after a reconnect', async () => {
  const server = await startStandIn(CHOICE_RUN);
  try {
    const { page, errors } = await openPage(server.url);
    await until('the page to connect', () => server.sockets.length === 1);
    const ws = server.sockets[0] as WebSocket;
    const hello: FeedMessage = { type: 'hello', version: FEED_VERSION, run: CHOICE_RUN, following: 0 };
    server.send(ws, [hello, ...metrics(2), { type: 'episode-start', env: 0, episode: 3, globalStep: 100 }, ...choiceSteps({ env: 0, episode: 3, steps: 11 })]);
    await waitApplied(page, 11);
    server.send(ws, choiceSteps({ env: 0, episode: 3, steps: 1, from: 11 }));   // a step without the DND diagnostics
    await waitApplied(page, 12);
    assert.ok(await inkPixels(page, 'env-canvas') > 5_000, 'evidence, context and the trial history are drawn');
    assert.ok(await inkPixels(page, 'memory-canvas') > 2_000, 'h/c strips and the dictionary are drawn');
    assert.match(await textOf(page, '#agent-probs'), /press 0.*press 1/s);
    await page.screenshot({ path: join(OUT, 'viewer-contextual-choice.png'), fullPage: true });

    // Paused, the view holds still while messages queue; resuming plays them.
    await page.click('#pause');
    server.send(ws, choiceSteps({ env: 0, episode: 3, steps: 3, from: 12 }));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await page.getAttribute('#app', 'data-applied-steps'), '12');
    await page.click('#pause');
    await waitApplied(page, 15);

    // At 4× renderFps (16 steps/s) a burst of 8 queued steps plays over ~0.5 s, not at once.
    await page.selectOption('#speed', '4');
    server.send(ws, choiceSteps({ env: 0, episode: 3, steps: 8, from: 15 }));
    await page.waitForFunction('Number(document.getElementById("app").dataset.appliedSteps) >= 16');
    const early = Number(await page.getAttribute('#app', 'data-applied-steps'));
    assert.ok(early < 23, `steps are paced, got ${early - 15} of 8 at once`);
    await waitApplied(page, 23);
    await page.selectOption('#speed', 'live');

    // The server drops the connection (a restart); the page reconnects and takes a mid-episode join.
    ws.terminate();
    await until('the page to reconnect', () => server.sockets.length === 2, 5000);
    server.send(server.sockets[1] as WebSocket, [hello, ...metrics(2), ...choiceSteps({ env: 0, episode: 3, steps: 2, from: 26 })]);
    await waitApplied(page, 25);
    await page.waitForSelector('#status[data-state="open"]');
    assert.equal(await textOf(page, '#agent-t'), '27');
    assert.equal(await textOf(page, '#agent-episode'), '3');
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
    await page.close();
  } finally {
    await server.close();
  }
});

test('draws Box World (held key, viewport) with LSTM gates and an unknown core\'s readout', async () => {
  const run: RunInfo = { ...PACMAN_RUN, id: 'viewer-test-bw', env: 'BoxWorld-v0', core: 'lstm', numEnvs: 1, actionNames: ['up', 'down', 'left', 'right'] };
  const server = await startStandIn(run);
  try {
    const { page, errors } = await openPage(server.url);
    await until('the page to connect', () => server.sockets.length === 1);
    const bw = new BoxWorld({ view: 'viewport' });
    bw.reset({ seed: 4 });
    const rng = new Rng(5);
    const H = 24, vec = () => Array.from({ length: H }, () => rng.normal());
    const frame = { ...bw.render('state'), heldKey: [230, 120, 20] };
    const readouts: Readout[] = [
      { h: vec().map(Math.tanh), c: vec(), gates: [0, 1, 2, 3].map(() => vec().map((x) => 1 / (1 + Math.exp(-x)))) },
      // A future core (NTM/DNC-like): weightings, usage, a memory matrix, a scalar.
      { readWeights: [[0.7, 0.1, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25]], usage: [0.9, 0.1, 0, 0.4], allocationGate: 0.3,
        memory: Array.from({ length: 64 }, vec), memoryNorms: Array.from({ length: 64 }, () => rng.uniform()) },
    ];
    const ws = server.sockets[0] as WebSocket;
    const steps = readouts.map((memory, t): FeedMessage => ({ type: 'step', env: 0, episode: 1, t, globalStep: t, frame: compact(frame), action: t,
      probs: [0.1, 0.2, 0.3, 0.4], value: 0.2, reward: -0.1, return: -0.1 * (t + 1), memory: compact(memory) }));
    server.send(ws, [{ type: 'hello', version: FEED_VERSION, run, following: 0 }, steps[0] as FeedMessage]);
    await waitApplied(page, 1);
    assert.ok(await inkPixels(page, 'memory-canvas') > 2_000, 'LSTM h/c strips and gates');
    await page.screenshot({ path: join(OUT, 'viewer-lstm.png'), fullPage: true });
    server.send(ws, [steps[1] as FeedMessage]);
    await waitApplied(page, 2);
    assert.ok(await inkPixels(page, 'env-canvas') > 10_000, 'the Box World board');
    assert.ok(await inkPixels(page, 'memory-canvas') > 2_000, 'generic strips and heatmaps');
    await page.screenshot({ path: join(OUT, 'viewer-box-world.png'), fullPage: true });
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
    await page.close();
  } finally {
    await server.close();
  }
});

test('draws a supervised Copy-v0 sequence with NTM readouts, and switches the curves to the task metric', async () => {
  const run: RunInfo = { ...PACMAN_RUN, id: 'viewer-test-copy', env: 'Copy-v0', core: 'ntm', numEnvs: 2, actionNames: [], observationShape: [9], renderFps: 4 };
  const server = await startStandIn(run);
  try {
    const { page, errors } = await openPage(server.url);
    await until('the page to connect', () => server.sockets.length === 1);
    // A real copy episode (L = 4: T = 9 steps, 9 input channels, 8 target bits), with made-up predictions.
    const copy = new CopyTask({ minLength: 4, maxLength: 4 });
    copy.reset({ seed: 6 });
    const whole = copy.render('state') as SequenceFrame;
    const rng = new Rng(8);
    const T = whole.inputs.length, R = 1, Hw = 1, N = 16;
    const weights = (rows: number) => Array.from({ length: rows }, () => softmax(Array.from({ length: N }, () => rng.normal(0, 3))));
    const steps = whole.inputs.map((input, t): FeedMessage => {
      const target = whole.targets[t] as number[];
      const mask = whole.mask[t] === 1 ? 1 : 0;
      // Mostly right, with a few confident mistakes to outline.
      const prediction = target.map((y) => (rng.uniform() < 0.15 ? 1 - y : y) * 0.8 + 0.1);
      const frame = { kind: 'sequence', task: 'Copy-v0', t, length: T, input, target, targetKind: 'bernoulli', mask, prediction };
      const memory: Readout = { readWeights: weights(R), writeWeights: weights(Hw), memoryNorms: Array.from({ length: N }, () => rng.uniform() * 2) };
      return { type: 'step', env: 0, episode: 1, t, globalStep: 40, frame: compact(frame), action: prediction.filter((p) => p >= 0.5).length,
        probs: compact(prediction), value: 0, reward: 0, return: 0, memory: compact(memory) };
    });
    const taskMetrics = (i: number): FeedMessage => ({ type: 'metrics', iteration: i, globalStep: 40 * i,
      scalars: { 'losses/total': 0.7 / i, 'losses/grad_norm': 1, 'task/bits_per_seq': 30 / i, 'task/bit_errors_per_seq': 12 / i, 'task/solved': 0 } });
    const ws = server.sockets[0] as WebSocket;
    server.send(ws, [{ type: 'hello', version: FEED_VERSION, run, following: 0 }, taskMetrics(1), taskMetrics(2),
      { type: 'episode-start', env: 0, episode: 1, globalStep: 40 }, ...steps,
      { type: 'episode-end', env: 0, episode: 1, globalStep: 40, return: 0, length: T, terminated: true, metrics: { bitErrors: 3, scored: 4, solved: 0 } }]);
    await waitApplied(page, T);
    assert.ok(await inkPixels(page, 'env-canvas') > 10_000, 'the input, target and prediction maps are drawn');
    assert.ok(await inkPixels(page, 'memory-canvas') > 1_000, 'read/write weightings and memory norms are drawn');
    await page.waitForFunction('document.querySelector("#curve-return .u-title")?.textContent === "Task: bits per sequence"');
    assert.equal(await textOf(page, '#curve-loss .u-title'), 'Loss');
    assert.match(await textOf(page, '#agent-last'), /bitErrors 3/);
    assert.match(await textOf(page, '#agent-probs'), /bit 0.*bit 7/s, 'the prediction is shown per bit');
    await page.screenshot({ path: join(OUT, 'viewer-copy.png'), fullPage: true });

    // An env's own whole-sequence frame (render('state')) is drawn too, without per-step rows.
    server.send(ws, [{ type: 'step', env: 0, episode: 2, t: 0, globalStep: 80, frame: compact(whole), action: 0, probs: [], value: 0, reward: 0,
      return: 0, memory: null }]);
    await waitApplied(page, T + 1);
    assert.ok(await inkPixels(page, 'env-canvas') > 10_000, 'the whole-sequence frame');
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
    await page.close();
  } finally {
    await server.close();
  }
});

test('draws a language model reading Shakespeare: the text coloured by guesses and the likeliest next tokens', async () => {
  const env = new LanguageModelTask({});
  const names = env.corpus.vocab;
  const run: RunInfo = { ...PACMAN_RUN, id: 'viewer-test-lm', env: 'LanguageModel-v0', core: 'lstm', numEnvs: 1, actionNames: [], observationShape: [names.length], renderFps: 8 };
  const server = await startStandIn(run);
  try {
    const { page, errors } = await openPage(server.url);
    await until('the page to connect', () => server.sockets.length === 1);
    // 120 real characters, with made-up predictions that put most of their mass on the right next character.
    const venv = new SyncVectorEnv([env], { autoresetMode: 'same-step' });
    const batch = new SegmentSource(venv, { kind: 'categorical', numClasses: names.length, classNames: names }, 5, 120).next();
    const rng = new Rng(9);
    const predictions = Array.from({ length: 120 }, (_, t) => {
      const logits = names.map(() => rng.normal());
      logits[batch.targets[t] as number] = (logits[batch.targets[t] as number] as number) + (rng.uniform() < 0.7 ? 5 : 0);
      return softmax(logits);
    });
    const { steps, episode } = sequenceEvents(batch, 0, { predictions, readouts: [] }, { task: 'LanguageModel-v0', target: { kind: 'categorical', numClasses: names.length, classNames: names }, globalStep: 40 });
    const frame0 = steps[0]?.frame as unknown as { token: string; next: string; guesses: [string, number][] };
    assert.equal(frame0.token + frame0.next, env.decode([batch.obs.subarray(0, names.length).indexOf(1), batch.targets[0] as number]), 'the first two characters');
    assert.equal(frame0.guesses.length, 5);
    const ws = server.sockets[0] as WebSocket;
    const tokenMetrics = (i: number): FeedMessage => ({ type: 'metrics', iteration: i, globalStep: 40 * i,
      scalars: { 'losses/total': 3 / i, 'losses/grad_norm': 1, 'task/bits_per_token': 4.5 / i, 'task/perplexity': 2 ** (4.5 / i), 'task/accuracy': 0.2 * i } });
    server.send(ws, [{ type: 'hello', version: FEED_VERSION, run, following: 0 }, tokenMetrics(1), tokenMetrics(2),
      { type: 'episode-start', env: 0, episode: 1, globalStep: 40 },
      ...steps.map((e): FeedMessage => ({ type: 'step', env: 0, episode: 1, t: e.t, globalStep: 40, frame: compact(e.frame ?? null), action: e.action,
        probs: compact(e.probs), value: 0, reward: 0, return: 0, memory: null })),
      { type: 'episode-end', env: 0, episode: 1, globalStep: 40, return: 0, length: 120, terminated: true, metrics: episode.episode as Record<string, number> }]);
    await waitApplied(page, 120);
    assert.ok(await inkPixels(page, 'env-canvas') > 5_000, 'the text and the guesses are drawn');
    await page.waitForFunction('document.querySelector("#curve-return .u-title")?.textContent === "Task: bits per token"');
    await page.screenshot({ path: join(OUT, 'viewer-language-model.png'), fullPage: true });
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
    await page.close();
  } finally {
    await server.close();
  }
});
