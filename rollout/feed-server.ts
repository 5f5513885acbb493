/**
 * FeedServer — http + WebSocket server for the live viewer. Serves the page at `/`, the bundled
 * script at `/page.js`, and the feed at `/feed`. Binds 127.0.0.1 by default; port 0 picks a free one.
 *
 * Training never waits on viewers: each client has a small send budget; past it, boundary
 * messages queue and steps collapse to the latest (latest wins). A late joiner gets the hello,
 * the recent metrics and the followed episode so far. Bad client messages are ignored; each client's
 * are logged once, then summarised at most every BAD_LOG_INTERVAL_MS.
 *
 * No request may stop a run: odd request targets get 400/404, socket errors are swallowed, and the
 * feed refuses WebSocket upgrades from other sites' pages (Origin check). There is no authentication,
 * so binding beyond loopback logs a warning.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ConfigError } from '../envs/errors.ts';
import { FEED_VERSION, isBoundary, parseClientMessage, type FeedMessage, type RunInfo } from './feed.ts';
import type { FeedSink } from './feed-observer.ts';

export interface FeedServerOptions {
  readonly run: RunInfo;
  readonly host?: string;
  readonly port?: number;
  /** Bytes in flight per client before steps start to be dropped. */
  readonly clientBudget?: number;
  /** Client messages longer than this are ignored. */
  readonly maxClientMessage?: number;
  /** Metrics messages kept for late joiners. */
  readonly metricsHistory?: number;
  /** Where to log bad client messages and warnings (default stderr). */
  readonly log?: (line: string) => void;
  /** The page (index.html, page.js, css); loaded lazily by default. */
  readonly page?: () => Promise<ViewerPage>;
}

export interface ViewerPage { html: string; js: string; css: string }

interface Client {
  readonly ws: WebSocket;
  /** Remote address:port, to tell clients apart in log lines. */
  readonly label: string;
  inflight: number;
  readonly queue: { data: string; step: boolean }[];
  /** Bad messages not yet logged, the last one's reason, and when a line was last logged (0: never). */
  unlogged: number;
  lastWhy: string;
  lastLog: number;
}

const MAX_EPISODE_LOG = 5000;
/** A client sending garbage in a loop must not flood stderr: one summary line per interval at most. */
const BAD_LOG_INTERVAL_MS = 10_000;

export class FeedServer implements FeedSink {
  private following_ = 0;
  private readonly clients = new Set<Client>();
  private readonly metrics: string[] = [];
  private episodeLog: string[] = [];
  private http: Server | undefined;
  private wss: WebSocketServer | undefined;
  private pagePromise: Promise<ViewerPage> | undefined;
  private readonly budget: number;
  private readonly maxClientMessage: number;
  private readonly log: (line: string) => void;
  private refusedOriginLogged = false;
  /** Counters for tests and the overhead report. */
  readonly stats = { sent: 0, droppedSteps: 0, badMessages: 0 };

  constructor(private readonly opts: FeedServerOptions) {
    this.budget = opts.clientBudget ?? 256 * 1024;
    this.maxClientMessage = opts.maxClientMessage ?? 4096;
    this.log = opts.log ?? ((line) => process.stderr.write(`engram feed: ${line}\n`));
  }

  /** The env of the batch the viewers follow. */
  following(): number { return this.following_; }

  get numClients(): number { return this.clients.size; }

  async start(): Promise<string> {
    const host = this.opts.host ?? '127.0.0.1';
    const http = createServer((req, res) => { void this.serve(req, res); });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
    this.wss.on('error', (e) => this.log(`websocket server error: ${e.message}`));
    http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head, host));
    try {
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(this.opts.port ?? 0, host, () => { http.off('error', reject); resolve(); });   // a bad port throws here
      });
    } catch (e) {
      throw bindError(e, host, this.opts.port ?? 0);
    }
    // A listening server's errors are logged: the run goes on without its viewer.
    http.on('error', (e) => this.log(`server error: ${e.message}`));
    this.http = http;
    const { port } = http.address() as AddressInfo;
    const hostPort = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    if (!isLoopback(host)) {
      this.log(`listening on ${hostPort}, which is not a loopback address: the feed has no authentication, so anyone who can reach ${hostPort} can watch this run`);
    }
    return `http://${hostPort}/`;
  }

  publish(m: FeedMessage): void {
    const data = JSON.stringify(m);
    this.remember(m, data);
    const step = !isBoundary(m);
    for (const c of this.clients) this.enqueue(c, data, step);
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
    await new Promise<void>((r) => (this.wss ? this.wss.close(() => r()) : r()));
    await new Promise<void>((r) => (this.http ? this.http.close(() => r()) : r()));
  }

  private hello(): string {
    return JSON.stringify({ type: 'hello', version: FEED_VERSION, run: this.opts.run, following: this.following_ } satisfies FeedMessage);
  }

  /** Hands `/feed` upgrades from the viewer's own origin (or from scripts) to ws; refuses the rest. */
  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, host: string): void {
    socket.on('error', () => {});   // a reset mid-handshake must not become an uncaught exception
    const path = pathOf(req.url);
    if (path === undefined) return refuse(socket, 400);
    if (path !== '/feed') return refuse(socket, 404);
    if (!originAllowed(req, isLoopback(host))) {
      if (!this.refusedOriginLogged) {
        this.refusedOriginLogged = true;
        this.log(`refused a feed connection from origin ${JSON.stringify(req.headers.origin)}: only the viewer's own page may connect (further refusals are not logged)`);
      }
      return refuse(socket, 403);
    }
    this.wss!.handleUpgrade(req, socket, head, (ws) => this.connect(ws, req));   // ws answers malformed upgrades with 400
  }

  private connect(ws: WebSocket, req: IncomingMessage): void {
    const { remoteAddress, remotePort } = req.socket;
    const c: Client = { ws, label: `${remoteAddress}:${remotePort}`, inflight: 0, queue: [], unlogged: 0, lastWhy: '', lastLog: 0 };
    this.clients.add(c);
    ws.on('close', () => this.forget(c));
    ws.on('error', () => this.forget(c));
    ws.on('message', (raw, isBinary) => this.onClientMessage(c, raw as Buffer, isBinary));
    for (const data of [this.hello(), ...this.metrics, ...this.episodeLog]) this.enqueue(c, data, false);
  }

  /** Drops a gone client; what it sent since the last summary is still reported. */
  private forget(c: Client): void {
    this.clients.delete(c);
    if (c.unlogged > 0) this.logIgnored(c, Date.now());
  }

  private onClientMessage(c: Client, raw: Buffer, isBinary: boolean): void {
    if (isBinary || raw.length > this.maxClientMessage) {
      this.badMessage(c, `${isBinary ? 'binary' : 'too long'} (${raw.length} bytes)`);
      return;
    }
    const m = parseClientMessage(raw.toString('utf8'), this.opts.run.numEnvs);
    if (typeof m === 'string') {
      this.badMessage(c, m);
      return;
    }
    if (m.env !== this.following_) {
      this.following_ = m.env;
      this.episodeLog = [];
      const hello = this.hello();
      for (const other of this.clients) this.enqueue(other, hello, false);
    }
  }

  /** Counts every bad message; logs a client's first, then a summary at most every BAD_LOG_INTERVAL_MS. */
  private badMessage(c: Client, why: string): void {
    this.stats.badMessages++;
    const now = Date.now();
    if (c.lastLog === 0) {
      c.lastLog = now;
      this.log(`ignored a message from client ${c.label}: ${why} (further bad messages from this client are summarised)`);
      return;
    }
    c.unlogged++;
    c.lastWhy = why;
    if (now - c.lastLog >= BAD_LOG_INTERVAL_MS) this.logIgnored(c, now);
  }

  private logIgnored(c: Client, now: number): void {
    this.log(`ignored ${c.unlogged} more bad message${c.unlogged === 1 ? '' : 's'} from client ${c.label} (last: ${c.lastWhy})`);
    c.unlogged = 0;
    c.lastLog = now;
  }

  /** Keeps what a late joiner needs: recent metrics and the followed episode so far. */
  private remember(m: FeedMessage, data: string): void {
    if (m.type === 'metrics') {
      this.metrics.push(data);
      if (this.metrics.length > (this.opts.metricsHistory ?? 2000)) this.metrics.shift();
    } else if (m.type === 'episode-start') {
      this.episodeLog = [data];
    } else if (m.type === 'step' || m.type === 'episode-end') {
      this.episodeLog.push(data);
      if (this.episodeLog.length > MAX_EPISODE_LOG) this.episodeLog.splice(1, 1);
    }
  }

  private enqueue(c: Client, data: string, step: boolean): void {
    const last = c.queue[c.queue.length - 1];
    if (step && last?.step) { last.data = data; this.stats.droppedSteps++; }   // latest wins
    else c.queue.push({ data, step });
    this.flush(c);
  }

  private flush(c: Client): void {
    while (c.queue.length > 0 && c.inflight < this.budget && c.ws.readyState === c.ws.OPEN) {
      const { data } = c.queue.shift()!;
      const bytes = Buffer.byteLength(data);
      c.inflight += bytes;
      this.stats.sent++;
      c.ws.send(data, () => { c.inflight -= bytes; this.flush(c); });
    }
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req.url);
    if (path === undefined) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('bad request target');
      return;
    }
    try {
      if (path === '/' || path === '/index.html' || path === '/page.js' || path === '/page.css') {
        const page = await (this.pagePromise ??= (this.opts.page ?? defaultPage)());
        const [type, body] = path === '/page.js' ? ['text/javascript', page.js] : path === '/page.css' ? ['text/css', page.css] : ['text/html', page.html];
        res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
        res.end(body);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    } catch (e) {
      this.log(`could not serve ${path}: ${(e as Error).message}`);
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('viewer unavailable');
    }
  }
}

/**
 * The path of an origin-form request target ('/feed?x' -> '/feed'); undefined for any other form
 * ('*', 'http://a/b'). Prefixing a fixed origin keeps '//evil.com/x' a path (a 404), not a host.
 */
function pathOf(target: string | undefined): string | undefined {
  if (target === undefined || !target.startsWith('/')) return undefined;
  try { return new URL(`http://x${target}`).pathname; } catch { return undefined; }
}

/** Answers an upgrade request on its raw socket and closes it. */
function refuse(socket: Duplex, status: number): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * Browsers always send Origin on a WebSocket upgrade, so a missing one is a script (`ws` in Node)
 * and may connect. A page may connect only if it came from this server: Origin equals the Host it
 * asked for. Bound to loopback, Host must name loopback too, else a DNS-rebound site passes.
 */
function originAllowed(req: IncomingMessage, loopbackOnly: boolean): boolean {
  const { origin, host } = req.headers;
  if (origin === undefined) return true;
  if (host === undefined || origin.toLowerCase() !== `http://${host.toLowerCase()}`) return false;
  try { return !loopbackOnly || isLoopback(new URL(origin).hostname); } catch { return false; }
}

/** 127.0.0.0/8, ::1 and localhost; anything else may be reachable from other machines. */
function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** listen() failures as one line a user can act on; anything unexpected keeps its stack. */
function bindError(e: unknown, host: string, port: number): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EADDRINUSE': return new ConfigError(`--port ${port}: already in use on ${host}; pick another port or --port 0 for a free one`);
    case 'EACCES': return new ConfigError(`--port ${port}: permission denied on ${host} (ports below 1024 need privileges); pick a port from 1024 to 65535 or --port 0`);
    case 'ERR_SOCKET_BAD_PORT': return new ConfigError(`--port must be an integer from 0 to 65535, got ${port}`);
    case 'EADDRNOTAVAIL': case 'ENOTFOUND': case 'EAI_AGAIN': case 'EAI_NONAME': case 'EAFNOSUPPORT': case 'EINVAL':
      return new ConfigError(`--host ${host}: cannot bind (${code}); use an address of this machine such as 127.0.0.1`);
    default: return e;
  }
}

async function defaultPage(): Promise<ViewerPage> {
  const { bundleViewer } = await import('./viewer/bundle.ts');
  const { js, css } = await bundleViewer();
  const html = readFileSync(new URL('./viewer/index.html', import.meta.url), 'utf8');
  return { html, js, css };
}
