/**
 * The Engram viewer page (bundled to /page.js by ./bundle.ts). It connects to the feed at /feed
 * (protocol: ../feed.ts, docs/feed.md), queues the followed episode's messages, plays them back
 * at the chosen speed and draws four panels: Environment, Agent, Memory, Training curves.
 *
 * Data flow: socket text -> onText (parse, route) -> metrics straight to the curves; episode
 * messages into the PlaybackQueue -> tick (one requestAnimationFrame loop, running only while
 * there is something to do) applies them to the EpisodeView and redraws once per frame.
 */
import type { ClientMessage, FeedMessage, RunInfo } from '../feed.ts';
import { AgentPanel } from './agent-panel.ts';
import { FeedConnection, type ConnectionStatus } from './connection.ts';
import { Curves } from './curves.ts';
import { drawEnv, drawJson } from './draw-env.ts';
import { drawMemory } from './draw-memory.ts';
import { applyEpisodeMessage, emptyEpisode, type EpisodeMessage, type HelloMessage } from './episode.ts';
import { fitCanvas } from './paint.ts';
import { PlaybackQueue, SPEEDS, stepsPerSecond, type Speed } from './playback.ts';

const ENV_HEIGHT = 420;
/** feed.ts may only be imported for types here; typing this as hello's `version` makes tsc flag a protocol bump. */
const PAGE_FEED_VERSION: HelloMessage['version'] = 1;

function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`viewer: #${id} is missing from index.html`);
  return e as T;
}

const app = byId<HTMLElement>('app');
const envCanvas = byId<HTMLCanvasElement>('env-canvas');
const memoryCanvas = byId<HTMLCanvasElement>('memory-canvas');
const statusEl = byId<HTMLElement>('status');
const notesEl = byId<HTMLElement>('notes');
const runInfoEl = byId<HTMLElement>('run-info');
const pauseButton = byId<HTMLButtonElement>('pause');
const speedSelect = byId<HTMLSelectElement>('speed');
const envPicker = byId<HTMLSelectElement>('env-picker');

const agent = new AgentPanel(byId('agent-probs'), {
  env: byId('agent-env'), episode: byId('agent-episode'), t: byId('agent-t'), value: byId('agent-value'), reward: byId('agent-reward'),
  return: byId('agent-return'), globalStep: byId('agent-global-step'), lastEpisode: byId('agent-last'),
});
const curves = new Curves(byId('curve-return'), byId('curve-loss'));

// ---- state
let run: RunInfo | null = null;
let following = 0;
/** A hello was seen on the current connection; the first one also resets the curves (history follows it). */
let helloSeen = false;
let view = emptyEpisode();
const queue = new PlaybackQueue();
let speed: Speed = 'live';
let paused = false;
let dirty = true;
let appliedSteps = 0;
let ignored = 0;
let lastIgnored = '';

// ---- messages
/** The feed is data from another process: a message the code below did not foresee must not stop the page. */
function onText(raw: string): void {
  try { route(raw); } catch (e) { ignore(`a message the page could not handle (${String(e)})`); }
}

function route(raw: string): void {
  let m: unknown;
  try { m = JSON.parse(raw); } catch { ignore('a message that is not JSON'); return; }
  const type = m && typeof m === 'object' ? (m as { type?: unknown }).type : undefined;
  if (typeof type !== 'string') { ignore('a message without a "type"'); return; }
  const msg = m as FeedMessage;
  switch (msg.type) {
    case 'hello': onHello(msg); return;
    case 'metrics': curves.addMetrics(msg); return;
    case 'episode-start':
    case 'step':
    case 'episode-end':
      // Not before a hello. No filter on `env`: the server sends only the followed env, and a
      // recording may switch envs mid-way (a viewer changed the followed env while recording).
      if (!run) return;
      if (msg.type === 'episode-end') curves.addEpisode(msg);
      queue.push(msg);
      schedule();
      return;
    default:
      ignore(`unknown message type ${JSON.stringify(type)}`);
  }
}

function onHello(h: HelloMessage): void {
  const r = h.run;
  if (!r || typeof r !== 'object') { ignore('a hello without run info'); return; }
  if (h.version !== PAGE_FEED_VERSION) note(`this page reads feed version ${PAGE_FEED_VERSION}, the server sent ${JSON.stringify(h.version)}`);
  const first = !helloSeen;
  helloSeen = true;
  run = r;
  following = Number.isInteger(h.following) ? h.following : 0;
  // A server restart, a reconnect or a new followed env: the episode on screen is no longer current.
  queue.clear();
  view = emptyEpisode();
  if (first) curves.reset();   // the server re-sends the metrics history right after this hello
  agent.setActions(Array.isArray(r.actionNames) ? r.actionNames.map(String) : []);
  runInfoEl.textContent = `${r.id} · ${r.mode} · ${r.env} · core ${r.core} · seed ${r.seed} · ${r.backend}`;
  buildEnvPicker(Number.isInteger(r.numEnvs) && r.numEnvs > 0 ? r.numEnvs : 1, r.mode === 'replay');
  labelSpeeds(r.renderFps);
  app.dataset.following = String(following);
  if (noteText.startsWith('switching')) note('');
  dirty = true;
  schedule();
}

function ignore(what: string): void {
  ignored++;
  lastIgnored = what;
  renderNotes();
}

let noteText = '';
function note(s: string): void {
  noteText = s;
  renderNotes();
}

function renderNotes(): void {
  const parts = [noteText];
  if (ignored > 0) parts.push(`ignored ${ignored} message(s), last: ${lastIgnored}`);
  if (queue.dropped > 0) parts.push(`skipped ${queue.dropped} queued message(s) to keep up`);
  notesEl.textContent = parts.filter(Boolean).join(' · ');
}

// ---- playback
let framePending = false;
let lastTick: number | null = null;
let budget = 0;

function schedule(): void {
  if (framePending) return;
  framePending = true;
  requestAnimationFrame(tick);
}

function tick(now: number): void {
  framePending = false;
  try {
    if (!paused) consume(now);
    if (dirty) draw();
  } catch (e) {
    dirty = false;
    note(`could not show this step: ${String(e)}`);
  }
  if (!paused && queue.length > 0) schedule();
  else lastTick = null;
}

function consume(now: number): void {
  const droppedBefore = queue.dropped;
  const rate = stepsPerSecond(speed, run?.renderFps ?? 8);
  if (speed === 'live') { while (nextStep()); }
  else if (rate === Infinity) nextStep();   // 'max': one step per drawn frame
  else {
    // A budget of steps accrues with time; the first step after an idle spell shows at once.
    budget = lastTick === null ? 1 : Math.min(3, budget + ((now - lastTick) / 1000) * rate);
    lastTick = now;
    while (budget >= 1 && nextStep()) budget -= 1;
  }
  if (queue.dropped !== droppedBefore) renderNotes();
}

/** Applies queued messages up to and including the next step; false when the queue ran dry. */
function nextStep(): boolean {
  for (let m = queue.shift(); m; m = queue.shift()) {
    apply(m);
    if (m.type === 'step') return true;
  }
  return false;
}

function apply(m: EpisodeMessage): void {
  applyEpisodeMessage(view, m);
  if (m.type === 'step') appliedSteps++;
  dirty = true;
}

// ---- drawing
function panelWidth(canvas: HTMLCanvasElement): number {
  return Math.max(280, (canvas.parentElement?.clientWidth ?? 480) - 24);
}

function draw(): void {
  dirty = false;
  const names = run?.actionNames ?? [];
  const ew = panelWidth(envCanvas);
  const ctx = fitCanvas(envCanvas, ew, ENV_HEIGHT);
  if (ctx) {
    try { drawEnv(ctx, ew, ENV_HEIGHT, { step: view.step, trial: view.trial, sequence: view.sequence, actionNames: names }); }
    catch (e) { fitCanvas(envCanvas, ew, ENV_HEIGHT); drawJson(ctx, ew, ENV_HEIGHT, `could not draw this frame: ${String(e)}`, view.step?.frame); }
  }
  const mw = panelWidth(memoryCanvas);
  try { drawMemory(memoryCanvas, mw, view.step ? view.step.memory : undefined, view.step === null); }
  catch (e) { drawMemory(memoryCanvas, mw, { error: `could not draw this readout: ${String(e)}` }, false); }
  agent.show(view);
  // Read by test/rollout/viewer.test.ts (and handy in devtools): how far playback has got.
  app.dataset.appliedSteps = String(appliedSteps);
  app.dataset.episode = view.episode === null ? '' : String(view.episode);
}

// ---- controls
/** A replay plays back whatever env was recorded, so there is nothing to pick there. */
function buildEnvPicker(numEnvs: number, replay: boolean): void {
  if (envPicker.options.length !== numEnvs) {
    envPicker.replaceChildren(...Array.from({ length: numEnvs }, (_, i) => new Option(`env ${i}`, String(i))));
  }
  envPicker.value = String(following);
  envPicker.disabled = replay || numEnvs < 2;
  envPicker.title = replay ? 'a recording shows the env it recorded' : 'Which env of the batch to watch';
}

function labelSpeeds(renderFps: number): void {
  for (const o of Array.from(speedSelect.options)) {
    const s = o.value as Speed;
    o.textContent = s === 'live' ? 'live' : s === 'max' ? 'max' : `${s}× (${stepsPerSecond(s, renderFps)} steps/s)`;
  }
}

function setPaused(p: boolean): void {
  paused = p;
  pauseButton.textContent = p ? 'Resume' : 'Pause';
  pauseButton.setAttribute('aria-pressed', String(p));
  lastTick = null;
  schedule();
}

pauseButton.addEventListener('click', () => setPaused(!paused));
speedSelect.addEventListener('change', () => {
  const s = speedSelect.value as Speed;
  speed = SPEEDS.includes(s) ? s : 'live';
  lastTick = null;
  schedule();
});
envPicker.addEventListener('change', () => {
  const env = Number(envPicker.value);
  const m: ClientMessage = { type: 'follow', env };
  // The server answers with a fresh hello naming the new env; until then the old one stays on screen.
  if (connection.send(m)) note(`switching to env ${env}…`);
  else { envPicker.value = String(following); note('not connected: cannot switch env'); }
});
document.addEventListener('keydown', (e) => {
  if (e.key === ' ' && e.target === document.body) { e.preventDefault(); setPaused(!paused); }
});
window.addEventListener('resize', () => { curves.resize(); dirty = true; schedule(); });

// ---- connection
function onStatus(s: ConnectionStatus): void {
  if (s.state === 'connecting') helloSeen = false;
  statusEl.dataset.state = s.state;
  statusEl.textContent = s.state === 'open' ? 'connected'
    : s.state === 'connecting' ? (s.attempt > 1 ? `reconnecting (attempt ${s.attempt})…` : 'connecting…')
      : `disconnected; retrying in ${(s.retryInMs / 1000).toFixed(1)} s`;
}

const feedUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/feed`;
const connection = new FeedConnection(feedUrl, { onMessage: onText, onStatus });
connection.start();
schedule();
