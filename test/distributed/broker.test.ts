/**
 * The broker process and client connections: a real nats-server on 127.0.0.1 per test, with a
 * temp store dir. The token never goes through argv, so connections read it from an option.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, RunError } from '../../envs/errors.ts';
import { brokerConfig, startBroker, type Broker } from '../../experiments/distributed/broker.ts';
import { connectBroker, readBrokerToken } from '../../experiments/distributed/connection.ts';
import { ROOT } from '../fixtures/cli.ts';

const TOKEN = 'test-token-0123456789';
const dirs: string[] = [];
const brokers: Broker[] = [];
const tempDir = () => { const d = mkdtempSync(join(tmpdir(), 'engram-nats-')); dirs.push(d); return d; };
async function start(opts: { token?: string; port?: number; tlsCert?: string; tlsKey?: string } = {}): Promise<Broker> {
  const b = await startBroker({ storeDir: tempDir(), ...opts });
  brokers.push(b);
  return b;
}

after(async () => {
  await Promise.all(brokers.map((b) => b.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('startBroker picks a free port, serves JetStream, and stop() ends the process', async () => {
  const b = await start();
  assert.ok(b.port > 0);
  assert.equal(b.url, `nats://127.0.0.1:${b.port}`);
  const nc = await connectBroker(b.url);
  assert.equal(nc.info?.jetstream, true);
  assert.equal(nc.info?.max_payload, 8 * 1024 * 1024, 'the default maxPayload reaches the server');
  await nc.close();
  await b.stop();
  await b.stop();   // idempotent
  assert.throws(() => process.kill(b.pid, 0), /ESRCH/);
  await assert.rejects(connectBroker(b.url, { timeoutMs: 1000 }), (e: Error) => e instanceof RunError && /cannot be reached .*is the broker running\?/.test(e.message));
});

test('a taken port is a ConfigError that says so', async () => {
  const b = await start();
  await assert.rejects(start({ port: b.port }), (e: Error) => e instanceof ConfigError && e.message === `broker: port ${b.port} is taken; choose another port or 0 for a free one`);
});

test('a non-loopback host needs a token; a missing binary says what to install', async () => {
  await assert.rejects(startBroker({ storeDir: tempDir(), host: '0.0.0.0' }), (e: Error) => e instanceof ConfigError && /not a loopback address; a token is required/.test(e.message));
  await assert.rejects(startBroker({ storeDir: tempDir(), binary: '/nonexistent/nats-server' }), /broker: nats-server binary \/nonexistent\/nats-server is not an executable file/);
  await assert.rejects(startBroker({ storeDir: tempDir(), token: 'has space "quote"' }), /token must be 8-256 characters/);
});

test('the config file holds the token, readable by its owner only', async () => {
  const b = await start({ token: TOKEN });
  const conf = join(dirs.at(-1) as string, 'nats-server.conf');
  assert.equal(statSync(conf).mode & 0o777, 0o600);
  assert.match(readFileSync(conf, 'utf8'), /authorization \{\n  token: "test-token-0123456789"\n\}/);
  assert.ok(b.port > 0);
  assert.equal(brokerConfig({ host: '127.0.0.1', port: 4222, storeDir: '/s', maxPayload: 1024 }),
    'host: "127.0.0.1"\nport: 4222\nmax_payload: 1024\njetstream {\n  store_dir: "/s"\n}\n');
});

test('a client without the token, or with a wrong one, is refused in one line; the right token connects', async () => {
  const b = await start({ token: TOKEN });
  await assert.rejects(connectBroker(b.url), (e: Error) => e instanceof ConfigError && /requires a token \(Authorization Violation\)/.test(e.message));
  await assert.rejects(connectBroker(b.url, { token: 'wrong-token-000' }), (e: Error) => e instanceof ConfigError && /refused the token \(Authorization Violation\)/.test(e.message));
  await assert.rejects(connectBroker(`nats://${TOKEN}@127.0.0.1:${b.port}`), /must not hold credentials/);
  const nc = await connectBroker(b.url, { token: TOKEN });
  await nc.flush();
  await nc.close();
});

const TLS = join(ROOT, 'test/fixtures/tls');
const [CERT, KEY] = [join(TLS, 'broker-cert.pem'), join(TLS, 'broker-key.pem')];

test('a TLS broker: clients that trust its CA connect over TLS; others are refused in one line saying what to do', async () => {
  const b = await start({ token: TOKEN, tlsCert: CERT, tlsKey: KEY });
  assert.match(b.url, /^tls:\/\/127\.0\.0\.1:\d+$/);
  const nc = await connectBroker(b.url, { token: TOKEN, caFile: CERT });
  assert.equal(nc.info?.tls_required, true);
  await nc.flush();
  await nc.close();
  await assert.rejects(connectBroker(b.url, { token: TOKEN }), (e: Error) => e instanceof ConfigError && /TLS failed \(self-signed certificate\); .* set \$ENGRAM_BROKER_CA/.test(e.message));
  await assert.rejects(connectBroker(b.url.replace('tls:', 'nats:'), { token: TOKEN }), (e: Error) => e instanceof ConfigError && /requires TLS; connect with tls:\/\/127\.0\.0\.1/.test(e.message));
  await assert.rejects(connectBroker(b.url, { token: TOKEN, caFile: join(TLS, 'none.pem') }), (e: Error) => e instanceof ConfigError && /cannot read the CA file/.test(e.message));
});

test('TLS settings are checked before the server starts', async () => {
  await assert.rejects(startBroker({ storeDir: tempDir(), tlsCert: CERT }), (e: Error) => e instanceof ConfigError && /needs both a certificate \(--tls-cert\) and its key/.test(e.message));
  await assert.rejects(startBroker({ storeDir: tempDir(), tlsCert: join(TLS, 'none.pem'), tlsKey: KEY }), (e: Error) => e instanceof ConfigError && /--tls-cert .*none\.pem: cannot read it \(ENOENT\)/.test(e.message));
  await assert.rejects(startBroker({ storeDir: tempDir(), tlsCert: CERT, tlsKey: join(ROOT, 'package.json') }), (e: Error) => e instanceof ConfigError && /--tls-key .*package\.json: not a PEM file/.test(e.message));
  assert.match(brokerConfig({ host: '127.0.0.1', port: 1, storeDir: '/s', maxPayload: 1024, tls: { cert: '/c.pem', key: '/k.pem' } }), /tls \{\n  cert_file: "\/c\.pem"\n  key_file: "\/k\.pem"\n\}/);
});

test('readBrokerToken reads the token file first, then the env var', () => {
  const file = join(tempDir(), 'token');
  writeFileSync(file, `${TOKEN}\n`);
  assert.equal(readBrokerToken({ ENGRAM_BROKER_TOKEN_FILE: file, ENGRAM_BROKER_TOKEN: 'other' }), TOKEN);
  assert.equal(readBrokerToken({ ENGRAM_BROKER_TOKEN: 'other' }), 'other');
  assert.equal(readBrokerToken({}), undefined);
  assert.throws(() => readBrokerToken({ ENGRAM_BROKER_TOKEN_FILE: `${file}.missing` }), /cannot read the token file/);
});
