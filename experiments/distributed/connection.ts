/**
 * A client connection to the broker. The token comes from an option: callers read it from a file
 * or an environment variable (`readBrokerToken`), never from argv, where `ps` shows it to every
 * user of the machine. A refused connection becomes one line that says what to check.
 */
import { readFileSync } from 'node:fs';
import { AuthorizationError, connect, ConnectionError, NoRespondersError, RequestError, TimeoutError, type NatsConnection } from '@nats-io/transport-node';
import { CA_ENV, TOKEN_ENV, TOKEN_FILE_ENV } from './names.ts';
import { ConfigError, RunError } from '../../envs/errors.ts';

export interface ConnectBrokerOptions {
  /** The broker's shared secret, if it has one. */
  token?: string;
  /** The client's name in the server's connection list (e.g. `learner`, `actor-3`). */
  name?: string;
  /** How long the first connection may take. */
  timeoutMs?: number;
  /** A PEM file of the CA that signed a TLS broker's certificate (default: $ENGRAM_BROKER_CA, else the system's CAs). */
  caFile?: string;
  /** Reconnect attempts after a lost connection (-1: forever); the client library's default is 10, 2 s apart. */
  maxReconnectAttempts?: number;
}

export { CA_ENV, TOKEN_ENV, TOKEN_FILE_ENV };

/** The token from `$ENGRAM_BROKER_TOKEN_FILE` (its first line) or `$ENGRAM_BROKER_TOKEN`; undefined if neither is set. */
export function readBrokerToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env[TOKEN_FILE_ENV];
  if (file) {
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch (e) {
      throw new ConfigError(`broker: cannot read the token file ${file} (from $${TOKEN_FILE_ENV}): ${(e as Error).message}`);
    }
    const token = text.split('\n')[0]?.trim();
    if (!token) throw new ConfigError(`broker: the token file ${file} (from $${TOKEN_FILE_ENV}) is empty`);
    return token;
  }
  return env[TOKEN_ENV] || undefined;
}

/**
 * Connects to the broker at `url`: `nats://host:port`, or `tls://host:port` for a broker with TLS.
 * Refusals are a ConfigError (token, TLS) or a RunError (unreachable).
 */
export async function connectBroker(url: string, opts: ConnectBrokerOptions = {}): Promise<NatsConnection> {
  let parsed: URL;
  const shape = `broker: url must look like nats://host:port (or tls://host:port for a broker with TLS), got ${JSON.stringify(url)}`;
  try { parsed = new URL(url); } catch { throw new ConfigError(shape); }
  if (parsed.protocol !== 'nats:' && parsed.protocol !== 'tls:') throw new ConfigError(shape);
  const caFile = opts.caFile ?? (process.env[CA_ENV] || undefined);
  if (caFile !== undefined) {
    try { readFileSync(caFile); } catch (e) { throw new ConfigError(`broker: cannot read the CA file ${caFile}${opts.caFile === undefined ? ` (from $${CA_ENV})` : ''}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`); }
  }
  const tls = parsed.protocol === 'tls:';
  if (parsed.username || parsed.password) {
    throw new ConfigError(`broker: url must not hold credentials; pass the token from a file or $${TOKEN_ENV}`);
  }
  try {
    return await connect({
      servers: url, name: opts.name, timeout: opts.timeoutMs ?? 5000,
      ...(opts.token !== undefined ? { token: opts.token } : {}),
      ...(tls ? { tls: caFile !== undefined ? { caFile } : {} } : {}),
      ...(opts.maxReconnectAttempts !== undefined ? { maxReconnectAttempts: opts.maxReconnectAttempts } : {}),
    });
  } catch (e) {
    throw refusal(url, e, opts.token !== undefined, tls);
  }
}

function refusal(url: string, e: unknown, hadToken: boolean, tls: boolean): Error {
  const why = (e as Error).message + (((e as Error).cause as Error | undefined)?.message ?? '');
  if (/tls|certificate|self.signed|SSL/i.test(why)) {
    return new ConfigError(tls
      ? `broker ${url}: TLS failed (${oneLineOf(why)}); for a certificate your system does not trust, set $${CA_ENV} to the CA's PEM file`
      : `broker ${url} requires TLS; connect with tls://${url.replace(/^nats:\/\//, '')}`);
  }
  if (e instanceof AuthorizationError) {
    return new ConfigError(hadToken
      ? `broker ${url} refused the token (${e.message}); check $${TOKEN_FILE_ENV} or $${TOKEN_ENV}`
      : `broker ${url} requires a token (${e.message}); set $${TOKEN_FILE_ENV} or $${TOKEN_ENV}`);
  }
  if (e instanceof ConnectionError || e instanceof TimeoutError) {
    const why = (e.cause as Error | undefined)?.message ?? e.message;
    return new RunError(`broker ${url} cannot be reached (${why}); is the broker running?`);
  }
  return e as Error;
}

const oneLineOf = (s: string) => s.replace(/\s+/g, ' ').trim().slice(0, 200);

/** How long a learner or an actor waits for a broker that went away (a restart) before giving up. */
export const BROKER_OUTAGE_MS = 120_000;

/** True for the errors of a broker that is down or restarting (the client reconnects by itself). */
export function brokerDown(e: unknown): boolean {
  return e instanceof TimeoutError || e instanceof ConnectionError || e instanceof NoRespondersError || e instanceof RequestError;
}

/**
 * Runs `call`, and again while the broker is down, for up to `outageMs`; says once on stderr that
 * it waits. After that, one RunError line naming `what` (the run stays resumable).
 */
export async function throughOutage<T>(what: string, call: () => Promise<T>, outageMs = BROKER_OUTAGE_MS): Promise<T> {
  const start = Date.now();
  let said = false;
  for (;;) {
    try {
      const v = await call();
      if (said) console.error(`engram: the broker is back (${what})`);
      return v;
    } catch (e) {
      if (!brokerDown(e)) throw e;
      if (Date.now() - start > outageMs) throw new RunError(`lost the broker for ${Math.round(outageMs / 1000)} s while ${what} (${(e as Error).message})`);
      if (!said) console.error(`engram: the broker does not answer (${what}); waiting for it to come back`);
      said = true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
