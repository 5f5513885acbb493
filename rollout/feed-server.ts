/**
 * FeedServer — http + WebSocket server for the live viewer. Serves the page at `/`, the bundled
 * script at `/page.js`, and the feed at `/feed`. Binds 127.0.0.1 by default; port 0 picks a free one.
 *
 * Training never waits on viewers: each client has a small send budget; past it, boundary
 * messages queue and steps collapse to the latest (latest wins). A late joiner gets the hello,
 * the recent metrics and the followed episode so far. Bad client messages are logged and ignored.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
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
  /** Where to log bad client messages (default stderr). */
  readonly log?: (line: string) => void;
  /** The page (index.html, page.js, css); loaded lazily by default. */
  readonly page?: () => Promise<ViewerPage>;
}

export interface ViewerPage { html: string; js: string; css: string }

interface Client {
  readonly ws: WebSocket;
  inflight: number;
  readonly queue: { data: string; step: boolean }[];
}

const MAX_EPISODE_LOG = 5000;

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
    this.http = createServer((req, res) => { void this.serve(req, res); });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
    this.http.on('upgrade', (req, socket, head) => {
      if (new URL(req.url ?? '/', 'http://x').pathname !== '/feed') { socket.destroy(); return; }
      this.wss!.handleUpgrade(req, socket, head, (ws) => this.connect(ws));
    });
    const host = this.opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.http!.once('error', reject);
      this.http!.listen(this.opts.port ?? 0, host, () => resolve());
    });
    const { port } = this.http.address() as AddressInfo;
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
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

  private connect(ws: WebSocket): void {
    const c: Client = { ws, inflight: 0, queue: [] };
    this.clients.add(c);
    ws.on('close', () => this.clients.delete(c));
    ws.on('error', () => this.clients.delete(c));
    ws.on('message', (raw, isBinary) => this.onClientMessage(raw as Buffer, isBinary));
    for (const data of [this.hello(), ...this.metrics, ...this.episodeLog]) this.enqueue(c, data, false);
  }

  private onClientMessage(raw: Buffer, isBinary: boolean): void {
    if (isBinary || raw.length > this.maxClientMessage) {
      this.stats.badMessages++;
      this.log(`ignored a ${isBinary ? 'binary' : 'too long'} client message (${raw.length} bytes)`);
      return;
    }
    const m = parseClientMessage(raw.toString('utf8'), this.opts.run.numEnvs);
    if (typeof m === 'string') {
      this.stats.badMessages++;
      this.log(`ignored a client message: ${m}`);
      return;
    }
    if (m.env !== this.following_) {
      this.following_ = m.env;
      this.episodeLog = [];
      const hello = this.hello();
      for (const c of this.clients) this.enqueue(c, hello, false);
    }
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
    const path = new URL(req.url ?? '/', 'http://x').pathname;
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

async function defaultPage(): Promise<ViewerPage> {
  const { bundleViewer } = await import('./viewer/bundle.ts');
  const { js, css } = await bundleViewer();
  const html = readFileSync(new URL('./viewer/index.html', import.meta.url), 'utf8');
  return { html, js, css };
}
