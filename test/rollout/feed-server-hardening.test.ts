/**
 * The feed server under hostile or careless clients: odd request targets, foreign origins, floods of
 * bad messages, busy ports. Real servers on 127.0.0.1; raw sockets where fetch would normalise the URL.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import WebSocket from 'ws';
import { ConfigError } from '../../envs/errors.ts';
import { FeedServer } from '../../rollout/feed-server.ts';
import { PAGE, RUN, withServer } from '../fixtures/feed-server.ts';

/** Sends `request` as raw bytes and returns the status code of the answer (0: closed without one). */
function rawStatus(url: string, request: string, reset = false): Promise<number> {
  return new Promise((resolve) => {
    const sock = connect(Number(new URL(url).port), '127.0.0.1');
    let out = '';
    sock.on('data', (d) => { out += d.toString('latin1'); });
    sock.on('error', () => {});
    sock.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(out)?.[1] ?? 0)));
    sock.write(request, () => { if (reset) sock.resetAndDestroy(); });
  });
}

const UPGRADE = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
const TARGETS = ['//', '//evil.com/x', '/\\evil.com', '*', 'http://a/b', `/${'a'.repeat(8000)}`, '/%zz', '/feed/../feed2'];

/** Resolves with the HTTP status of a refused WebSocket upgrade, or 101 if it opened. */
function upgradeStatus(url: string, opts: WebSocket.ClientOptions): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}feed`, opts);
    ws.on('unexpected-response', (req, res) => { resolve(res.statusCode ?? 0); req.destroy(); });
    ws.on('open', () => { resolve(101); ws.close(); });
    ws.on('error', () => {});
  });
}

test('odd request targets answer 400 or 404, plain or as an upgrade, and the server keeps serving', async () => {
  await withServer({}, async (_s, url) => {
    const host = `Host: ${new URL(url).host}\r\n`;
    for (const target of TARGETS) {
      const plain = await rawStatus(url, `GET ${target} HTTP/1.1\r\n${host}Connection: close\r\n\r\n`);
      assert.ok(plain === 400 || plain === 404, `GET ${target.slice(0, 20)}: ${plain}`);
      const upgrade = await rawStatus(url, `GET ${target} HTTP/1.1\r\n${host}${UPGRADE}\r\n`);
      assert.ok(upgrade === 400 || upgrade === 404, `upgrade ${target.slice(0, 20)}: ${upgrade}`);
    }
    assert.equal(await rawStatus(url, 'garbage\r\n\r\n'), 400);
    assert.equal(await rawStatus(url, `GET /feed HTTP/1.1\r\n${host}Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n`), 400);   // no key
    await rawStatus(url, `GET // HTTP/1.1\r\n${host}${UPGRADE}\r\n`, true);   // reset mid-answer
    await rawStatus(url, `GET /feed HTTP/1.1\r\n${host}${UPGRADE}\r\n`, true);
    assert.equal((await fetch(url)).status, 200);
    assert.equal(await upgradeStatus(url, {}), 101);
  });
});

test('the feed refuses other sites\' pages (403) and accepts its own page and scripts', async () => {
  const logs = await withServer({}, async (_s, url) => {
    const { port } = new URL(url);
    assert.equal(await upgradeStatus(url, { origin: 'http://evil.example' }), 403);
    assert.equal(await upgradeStatus(url, { origin: 'null' }), 403);
    // DNS rebinding: the page's origin matches the Host it asked for, but that is not loopback.
    assert.equal(await upgradeStatus(url, { origin: `http://evil.example:${port}`, headers: { host: `evil.example:${port}` } }), 403);
    assert.equal(await upgradeStatus(url, {}), 101);   // no Origin: a script
    assert.equal(await upgradeStatus(url, { origin: url.slice(0, -1) }), 101);
    assert.equal(await upgradeStatus(url, { origin: `http://localhost:${port}`, headers: { host: `localhost:${port}` } }), 101);
  });
  assert.equal(logs.length, 1, logs.join('\n'));
  assert.match(logs[0]!, /refused a feed connection from origin "http:\/\/evil\.example"/);
});

test('10,000 bad messages are all counted but logged in a few lines', async () => {
  const logs = await withServer({}, async (s, url) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}feed`);
    await new Promise((r) => ws.once('open', r));
    for (let i = 0; i < 10_000; i++) ws.send('not json');
    while (s.stats.badMessages < 10_000) await new Promise((r) => setTimeout(r, 10));
    ws.close();
    await new Promise((r) => ws.once('close', r));
  });
  assert.ok(logs.length <= 3, `${logs.length} lines`);
  assert.match(logs.join('\n'), /ignored 9999 more bad messages from client 127\.0\.0\.1:\d+ \(last: not JSON/);
});

test('binding beyond loopback warns once that the feed has no authentication', async () => {
  const logs = await withServer({ host: '0.0.0.0' }, async () => {});
  assert.equal(logs.length, 1, logs.join('\n'));
  assert.match(logs[0]!, /listening on 0\.0\.0\.0:\d+, which is not a loopback address: the feed has no authentication, so anyone who can reach 0\.0\.0\.0:\d+ can watch this run/);
});

test('start() failures are one ConfigError naming the flag', async () => {
  await withServer({}, async (_s, url) => {
    const port = Number(new URL(url).port);
    const busy = new FeedServer({ run: RUN, page: PAGE, port });
    await assert.rejects(busy.start(), (e: Error) => e instanceof ConfigError
      && e.message === `--port ${port}: already in use on 127.0.0.1; pick another port or --port 0 for a free one`);
  });
  await assert.rejects(new FeedServer({ run: RUN, port: 70000 }).start(), (e: Error) => e instanceof ConfigError && /--port must be an integer from 0 to 65535, got 70000/.test(e.message));
  // 192.0.2.1 is a documentation address, never this machine's, and needs no DNS.
  await assert.rejects(new FeedServer({ run: RUN, host: '192.0.2.1' }).start(), (e: Error) => e instanceof ConfigError
    && /^--host 192\.0\.2\.1: cannot bind \(EADDRNOTAVAIL\); use an address of this machine such as 127\.0\.0\.1$/.test(e.message));
});
