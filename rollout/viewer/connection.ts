/**
 * A WebSocket to the feed that reconnects by itself. Training runs restart and `engram watch`
 * servers come and go, so the page keeps retrying with exponential backoff (0.5 s doubling up to
 * 10 s, with jitter so many tabs do not reconnect in lockstep); the delay resets once a message
 * arrives, i.e. once the server has really answered.
 */
import type { ClientMessage } from '../feed.ts';

export type ConnectionStatus =
  | { state: 'connecting'; attempt: number }
  | { state: 'open' }
  | { state: 'waiting'; retryInMs: number };

export interface ConnectionHandlers {
  onMessage(text: string): void;
  onStatus(status: ConnectionStatus): void;
}

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;

export class FeedConnection {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly url: string, private readonly handlers: ConnectionHandlers) {}

  start(): void {
    this.connect();
  }

  /** Sends a client message if connected; returns whether it was sent. */
  send(m: ClientMessage): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(m));
    return true;
  }

  private connect(): void {
    this.timer = undefined;
    this.attempt++;
    this.handlers.onStatus({ state: 'connecting', attempt: this.attempt });
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => this.handlers.onStatus({ state: 'open' });
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return;   // the protocol is text only
      this.attempt = 0;
      this.handlers.onMessage(ev.data);
    };
    // 'error' is always followed by 'close'; retry once, from there.
    ws.onclose = () => {
      if (this.ws === ws) this.ws = null;
      this.retry();
    };
  }

  private retry(): void {
    if (this.timer !== undefined) return;
    const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, this.attempt - 1));
    const delay = Math.round(base * (0.8 + 0.4 * Math.random()));
    this.handlers.onStatus({ state: 'waiting', retryInMs: delay });
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
