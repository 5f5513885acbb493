/**
 * A real nats-server for one test file: a temp store dir, a free port on 127.0.0.1, a connection and
 * its JetStream client. `close()` (call it in `after()`) closes the connection, stops the server and
 * removes the directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { startBroker, type Broker, type BrokerOptions } from '../../experiments/distributed/broker.ts';
import { connectBroker } from '../../experiments/distributed/connection.ts';

export interface TestBroker { broker: Broker; dir: string; nc: NatsConnection; js: JetStreamClient; close(): Promise<void> }

export async function withBroker(opts: Partial<BrokerOptions> = {}): Promise<TestBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'engram-nats-'));
  const broker = await startBroker({ storeDir: dir, ...opts });
  try {
    const nc = await connectBroker(broker.url, { token: opts.token, name: 'test' });
    return {
      broker, dir, nc, js: jetstream(nc),
      close: async () => {
        await nc.close();
        await broker.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
