import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import WebSocket from 'ws';
import { FEED_VERSION, parseClientMessage, type FeedMessage } from '../../rollout/feed.ts';
import { FeedObserver } from '../../rollout/feed-observer.ts';
import { FeedRecorder, readRecording } from '../../rollout/feed-recorder.ts';
import { RUN, withServer } from '../fixtures/feed-server.ts';

const step = (t: number, episode = 1): FeedMessage => ({ type: 'step', env: 0, episode, t, globalStep: t, frame: null, action: t % 5, probs: [0.2, 0.2, 0.2, 0.2, 0.2],
  value: 0.5, reward: 1, return: t + 1, memory: null });

function client(url: string): Promise<{ ws: WebSocket; messages: FeedMessage[]; next: (pred: (m: FeedMessage) => boolean) => Promise<FeedMessage> }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}feed`);
  const messages: FeedMessage[] = [];
  const waiters: { pred: (m: FeedMessage) => boolean; resolve: (m: FeedMessage) => void }[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as FeedMessage;
    messages.push(m);
    for (const w of [...waiters]) if (w.pred(m)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); }
  });
  const next = (pred: (m: FeedMessage) => boolean) => new Promise<FeedMessage>((resolve) => {
    const seen = messages.find(pred);
    if (seen) resolve(seen); else waiters.push({ pred, resolve });
  });
  return new Promise((resolve, reject) => { ws.once('open', () => resolve({ ws, messages, next })); ws.once('error', reject); });
}

test('binds to 127.0.0.1 on a free port and serves the page', async () => {
  const logs = await withServer({}, async (_s, url) => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.match(await (await fetch(url)).text(), /<title>engram<\/title>/);
    assert.equal(await (await fetch(`${url}page.js`)).text(), 'console.log(1)');
    assert.equal((await fetch(`${url}nope`)).status, 404);
  });
  assert.deepEqual(logs, [], 'no warning on loopback');
});

test('a client gets hello, then steps and episode boundaries in order', async () => {
  await withServer({}, async (s, url) => {
    const c = await client(url);
    const hello = await c.next((m) => m.type === 'hello');
    assert.deepEqual(hello, { type: 'hello', version: FEED_VERSION, run: RUN, following: 0 });
    s.publish({ type: 'episode-start', env: 0, episode: 1, globalStep: 0 });
    for (let t = 0; t < 5; t++) s.publish(step(t));
    s.publish({ type: 'episode-end', env: 0, episode: 1, globalStep: 5, return: 5, length: 5, terminated: true, metrics: { level: 1 } });
    await c.next((m) => m.type === 'episode-end');
    assert.deepEqual(c.messages.map((m) => m.type), ['hello', 'episode-start', 'step', 'step', 'step', 'step', 'step', 'episode-end']);
    c.ws.close();
  });
});

test('a late joiner gets the hello, recent metrics and the current episode so far', async () => {
  await withServer({}, async (s, url) => {
    s.publish({ type: 'metrics', iteration: 1, globalStep: 10, scalars: { 'losses/policy': 0.1 } });
    s.publish({ type: 'episode-start', env: 0, episode: 1, globalStep: 0 });
    s.publish(step(0));
    s.publish({ type: 'episode-end', env: 0, episode: 1, globalStep: 1, return: 1, length: 1, terminated: true, metrics: {} });
    s.publish({ type: 'episode-start', env: 0, episode: 2, globalStep: 1 });
    s.publish(step(0, 2));
    s.publish(step(1, 2));
    const c = await client(url);
    await c.next((m) => m.type === 'step' && m.t === 1);
    assert.deepEqual(c.messages.map((m) => m.type), ['hello', 'metrics', 'episode-start', 'step', 'step']);
    assert.equal((c.messages[2] as { episode: number }).episode, 2);
    c.ws.close();
  });
});

test('a slow client never slows the producer: steps are dropped (latest wins), boundaries are not', async () => {
  await withServer({ clientBudget: 2048 }, async (s, url) => {
    const c = await client(url);
    await c.next((m) => m.type === 'hello');
    (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();   // the client stops reading
    const big = 'x'.repeat(2000);
    const start = performance.now();
    for (let e = 1; e <= 20; e++) {
      s.publish({ type: 'episode-start', env: 0, episode: e, globalStep: e });
      for (let t = 0; t < 200; t++) s.publish({ ...(step(t, e) as Extract<FeedMessage, { type: 'step' }>), memory: { note: [t] }, frame: { kind: 'x', pad: big } });
      s.publish({ type: 'episode-end', env: 0, episode: e, globalStep: e, return: 1, length: 200, terminated: true, metrics: {} });
    }
    const ms = performance.now() - start;
    assert.ok(ms < 2000, `publishing 4,000 steps took ${ms} ms`);
    assert.ok(s.stats.droppedSteps > 1000, `dropped ${s.stats.droppedSteps}`);
    (c.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await c.next((m) => m.type === 'episode-end' && m.episode === 20);
    const ends = c.messages.filter((m) => m.type === 'episode-end').map((m) => (m as { episode: number }).episode);
    const starts = c.messages.filter((m) => m.type === 'episode-start').map((m) => (m as { episode: number }).episode);
    assert.deepEqual(ends, Array.from({ length: 20 }, (_, i) => i + 1));
    assert.deepEqual(starts, Array.from({ length: 20 }, (_, i) => i + 1));
    // Order is kept: every step lies between its episode's start and end.
    let current = 0;
    for (const m of c.messages) {
      if (m.type === 'episode-start') current = m.episode;
      if (m.type === 'step') assert.equal(m.episode, current);
    }
    c.ws.close();
  });
});

test('bad client messages are logged and ignored; follow switches the followed env for everyone', async () => {
  const logs = await withServer({}, async (s, url) => {
    const a = await client(url), b = await client(url);
    await a.next((m) => m.type === 'hello');
    a.ws.send('not json');
    a.ws.send(JSON.stringify({ type: 'follow', env: 99 }));
    a.ws.send(JSON.stringify({ type: 'explode' }));
    a.ws.send('y'.repeat(10_000));
    a.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    a.ws.send(JSON.stringify({ type: 'follow', env: 2 }));
    await b.next((m) => m.type === 'hello' && m.following === 2);
    assert.equal(s.following(), 2);
    assert.equal(s.stats.badMessages, 5);
    s.publish(step(0));
    await a.next((m) => m.type === 'step');
    a.ws.close(); b.ws.close();
  });
  // One line for the first, one summary when the client leaves; the reasons are in the lines.
  assert.equal(logs.length, 2, logs.join('\n'));
  assert.match(logs[0]!, /ignored a message from client 127\.0\.0\.1:\d+: not JSON/);
  assert.match(logs[1]!, /ignored 4 more bad messages from client 127\.0\.0\.1:\d+ \(last: binary \(3 bytes\)\)/);
});

test('parseClientMessage names what is wrong', () => {
  assert.deepEqual(parseClientMessage('{"type":"follow","env":1}', 2), { type: 'follow', env: 1 });
  assert.match(parseClientMessage('{"type":"follow","env":"1"}', 2) as string, /follow.env must be an integer/);
  assert.match(parseClientMessage('{"type":"follow","env":99}', 3) as string, /follow.env must be an integer in \[0, 2\], got 99/);
  assert.match(parseClientMessage('[]', 2) as string, /unknown message type/);
});

test('FeedObserver throttles steps but never boundaries, and marks episodes', () => {
  const sent: FeedMessage[] = [];
  let now = 0;
  const o = new FeedObserver({ publish: (m) => sent.push(m) }, { maxStepRate: 10, now: () => now });
  const ev = (t: number) => ({ globalStep: t, env: 0, t, action: 1, reward: 1, episodeReturn: t + 1, value: 0.3333333, probs: [0.5, 0.5], terminated: false, truncated: false });
  for (let t = 0; t < 10; t++) {
    if (o.watchedEnv() === 0) o.onStep(ev(t));
    now += 25;   // 40 steps/s offered, 10/s allowed
  }
  o.onEpisode({ globalStep: 10, env: 0, terminated: true, episode: { return: 10, length: 10, level: 1 } });
  o.onEpisode({ globalStep: 10, env: 1, terminated: true, episode: { return: 3, length: 3 } });   // not followed
  o.onUpdate({ iteration: 1, globalStep: 10, metrics: { 'losses/value': 0.123456 } });
  assert.deepEqual(sent.map((m) => m.type), ['episode-start', 'step', 'step', 'step', 'episode-end', 'metrics']);
  assert.equal((sent[1] as { value: number }).value, 0.333);
  assert.deepEqual((sent[4] as { metrics: object }).metrics, { level: 1 });
});

const tmp = mkdtempSync(join(tmpdir(), 'engram-rec-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('recordings round-trip; malformed lines name the file and line', async () => {
  const path = join(tmp, 'r.jsonl');
  const r = new FeedRecorder(path, RUN);
  r.publish({ type: 'episode-start', env: 0, episode: 1, globalStep: 0 });
  r.publish(step(0));
  await r.close();
  const back = readRecording(path);
  assert.deepEqual(back.run, RUN);
  assert.deepEqual(back.messages.map((m) => m.type), ['episode-start', 'step']);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(tmp, 'bad.jsonl'), `${JSON.stringify({ type: 'hello', version: 1, run: RUN, following: 0 })}\n{oops\n`);
  assert.throws(() => readRecording(join(tmp, 'bad.jsonl')), /bad\.jsonl:2: not a JSON feed message/);
});
