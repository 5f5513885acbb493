/**
 * The message broker of a distributed run: one `nats-server` child process with JetStream, started
 * from a config file written here (store_dir, max_payload, an optional token, optional TLS). The server picks a
 * free port when asked for port 0 (`port: -1` in its config) and logs it; we read it from the log.
 *
 * The binary is Debian's `nats-server` package (v2.9.10 in bookworm): it is found on PATH or in
 * /usr/sbin, the Debian install path, which is not on a normal user's PATH.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { ConfigError, RunError } from '../../envs/errors.ts';

export interface BrokerOptions {
  /** The address the server listens on; a non-loopback address needs a token. */
  host?: string;
  /** The client port; 0 picks a free one. */
  port?: number;
  /** JetStream's store directory (created if missing); the config file is written there too, mode 0600. */
  storeDir: string;
  /** The largest message the server accepts, in bytes (the server's own default is 1 MiB). */
  maxPayload?: number;
  /** A shared secret every client must present; read it from a file or env var, never argv. */
  token?: string;
  /** TLS: the server's certificate and private key (PEM files); every client must then use TLS. */
  tlsCert?: string;
  tlsKey?: string;
  /** The nats-server binary; by default found on PATH, then /usr/sbin/nats-server. */
  binary?: string;
  /** How long to wait for the server to report ready. */
  startTimeoutMs?: number;
}

export const BROKER_DEFAULTS = { host: '127.0.0.1', port: 0, maxPayload: 8 * 1024 * 1024, startTimeoutMs: 10_000 } as const;

export interface Broker {
  /** `nats://host:port` (`tls://host:port` with TLS), ready for `connectBroker`. */
  url: string;
  port: number;
  pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s); resolves when it has exited. Idempotent. */
  stop(): Promise<void>;
}

/** Tokens are written into the config file between double quotes, so they keep to a safe alphabet. */
const TOKEN_RE = /^[A-Za-z0-9._~+/=-]{8,256}$/;
/** A config value between double quotes; the server's parser reads JSON-style escapes. */
const quote = (s: string) => JSON.stringify(s);

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The path of the nats-server binary, or a ConfigError that says how to install it. */
export function findNatsServer(binary?: string): string {
  const candidates = binary !== undefined ? [binary]
    : [...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'nats-server')), '/usr/sbin/nats-server'];
  for (const c of candidates) {
    try { accessSync(c, constants.X_OK); return c; } catch { /* next */ }
  }
  throw new ConfigError(binary !== undefined
    ? `broker: nats-server binary ${binary} is not an executable file`
    : "broker: nats-server is not installed; install Debian's nats-server (apt-get install nats-server)");
}

type Checked = Required<Omit<BrokerOptions, 'token' | 'binary' | 'tlsCert' | 'tlsKey'>> & { token?: string; tls?: { cert: string; key: string } };

function validate(o: BrokerOptions): Checked {
  const host = o.host ?? BROKER_DEFAULTS.host;
  const port = o.port ?? BROKER_DEFAULTS.port;
  const maxPayload = o.maxPayload ?? BROKER_DEFAULTS.maxPayload;
  const startTimeoutMs = o.startTimeoutMs ?? BROKER_DEFAULTS.startTimeoutMs;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`broker: port must be an integer in [0, 65535], got ${port}`);
  if (!Number.isInteger(maxPayload) || maxPayload < 1024 || maxPayload > 64 * 1024 * 1024) {
    throw new ConfigError(`broker: maxPayload must be an integer in [1024, 64 MiB], got ${maxPayload}`);
  }
  if (o.token !== undefined && !TOKEN_RE.test(o.token)) {
    throw new ConfigError('broker: token must be 8-256 characters of [A-Za-z0-9._~+/=-]');
  }
  if (!isLoopback(host) && o.token === undefined) {
    throw new ConfigError(`broker: host ${host} is not a loopback address; a token is required to listen on it`);
  }
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) throw new ConfigError(`broker: host must be a host name or IP address, got ${JSON.stringify(host)}`);
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) throw new ConfigError('broker: TLS needs both a certificate (--tls-cert) and its key (--tls-key)');
  const tls = o.tlsCert !== undefined && o.tlsKey !== undefined ? { cert: readablePem(o.tlsCert, 'certificate', '--tls-cert'), key: readablePem(o.tlsKey, 'private key', '--tls-key') } : undefined;
  return { host, port, storeDir: o.storeDir, maxPayload, startTimeoutMs, token: o.token, ...(tls ? { tls } : {}) };
}

/** The absolute path of a PEM file that holds `what`; the server reads it, so check it here. */
function readablePem(path: string, what: string, flag: string): string {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) { throw new ConfigError(`broker: ${flag} ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? 'error'})`); }
  if (!/-----BEGIN [A-Z ]+-----/.test(text)) throw new ConfigError(`broker: ${flag} ${path}: not a PEM file (expected a ${what} starting -----BEGIN ...-----)`);
  return resolve(path);
}

/** The server's config file: JetStream on, one listen address, the payload limit, the token. */
export function brokerConfig(o: { host: string; port: number; storeDir: string; maxPayload: number; token?: string; tls?: { cert: string; key: string } }): string {
  return [
    `host: ${quote(o.host)}`,
    `port: ${o.port === 0 ? -1 : o.port}`,
    `max_payload: ${o.maxPayload}`,
    `jetstream {\n  store_dir: ${quote(o.storeDir)}\n}`,
    ...(o.token !== undefined ? [`authorization {\n  token: ${quote(o.token)}\n}`] : []),
    ...(o.tls ? [`tls {\n  cert_file: ${quote(o.tls.cert)}\n  key_file: ${quote(o.tls.key)}\n}`] : []),
    '',
  ].join('\n');
}

/** Starts nats-server and resolves once it accepts clients. */
export async function startBroker(opts: BrokerOptions): Promise<Broker> {
  const o = validate(opts);
  const bin = findNatsServer(opts.binary);
  mkdirSync(o.storeDir, { recursive: true });
  const confPath = join(o.storeDir, 'nats-server.conf');
  writeFileSync(confPath, brokerConfig(o), { mode: 0o600 });
  const child = spawn(bin, ['-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await waitReady(child, o.startTimeoutMs, o.port);
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);   // never leave a server behind a crashed parent
  let stopped: Promise<void> | undefined;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `${o.tls ? 'tls' : 'nats'}://${host}:${port}`, port, pid: child.pid as number,
    stop: () => (stopped ??= stopChild(child).finally(() => process.removeListener('exit', onExit))),
  };
}

/** Reads the server's log until "Server is ready", returning the client port it listens on. */
function waitReady(child: ChildProcess, timeoutMs: number, askedPort: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const tail: string[] = [];
    let buf = '';
    let port: number | undefined;
    let done = false;
    const finish = (err: Error | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) { child.kill('SIGKILL'); reject(err); } else resolve(port as number);
    };
    const timer = setTimeout(() => finish(new RunError(`broker: nats-server did not report ready within ${timeoutMs} ms; log: ${tail.join(' | ')}`)), timeoutMs);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {   // keep draining after ready: a full pipe would block the server
      if (done) return;
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line.replace(/^\[\d+\] \S+ \S+ /, ''));
        if (tail.length > 8) tail.shift();
        const m = /Listening for client connections on (\S+):(\d+)\s*$/.exec(line);
        if (m) port = Number(m[2]);
        if (/Server is ready/.test(line) && port !== undefined) finish(undefined);
      }
    });
    child.once('error', (e) => finish(new ConfigError(`broker: cannot start nats-server: ${e.message}`)));
    child.once('exit', (code, signal) => {
      const log = tail.join(' | ');
      finish(/address already in use/i.test(log)
        ? new ConfigError(`broker: port ${askedPort} is taken; choose another port or 0 for a free one`)
        : new RunError(`broker: nats-server exited (${signal ?? `code ${code}`}) before it was ready; log: ${log}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(kill); resolve(); });
    child.kill('SIGTERM');
  });
}
