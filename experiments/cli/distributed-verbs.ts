/** The distributed verbs of the CLI: `broker`, `learner` (train as the IMPALA learner), `actor`. */
import { spawn, type ChildProcess } from 'node:child_process';
import { startBroker } from '../distributed/broker.ts';
import { ENGRAM_BIN } from '../run/engram-bin.ts';
import { readBrokerToken } from '../distributed/connection.ts';
import { ConfigError } from '../../envs/errors.ts';
import { runActor } from '../distributed/actor.ts';
import { openLearner, runIdOf } from '../distributed/learner.ts';
import { onStopSignal } from '../run/stop-signals.ts';
import { a2cConfig } from '../settings/config.ts';
import type { ActorFlags, BrokerFlags, LearnerFlags } from './commands.ts';
import { feedFlags, trainCommand } from './train-verbs.ts';


export async function brokerCommand(f: BrokerFlags): Promise<void> {
  const token = readBrokerToken();
  const broker = await startBroker({ host: f.host, port: f.port, storeDir: f.store, maxPayload: f.maxPayload * 1024 * 1024, ...(token ? { token } : {}),
    ...(f.tlsCert !== undefined ? { tlsCert: f.tlsCert } : {}), ...(f.tlsKey !== undefined ? { tlsKey: f.tlsKey } : {}) });
  console.log(`engram: broker at ${broker.url} (store ${f.store}${token ? ', token required' : ''}${f.tlsCert ? ', TLS' : ''}); Ctrl-C to stop`);
  await new Promise<void>((resolve) => { const off = onStopSignal(() => { off(); resolve(); }); });
  await broker.stop();
}

export async function learnerCommand(f: LearnerFlags): Promise<void> {
  const token = readBrokerToken();
  let actors: ChildProcess[] = [];
  try {
    await trainCommand(f, {
      resumeCommand: (dir) => `engram learner --connect ${f.connect} --resume ${dir}`,
      trainer: async (cfg, opts) => {
        const a2c = a2cConfig(cfg, 'engram learner');
        if (f.queueSize <= cfg.checkpointEvery) {
          throw new ConfigError(`--queue-size (${f.queueSize}) must exceed checkpointEvery (${cfg.checkpointEvery}): the queue keeps every unroll until the checkpoint that used it`);
        }
        const runId = f.run ?? runIdOf(cfg.runDir);
        const learner = await openLearner(a2c, {
          url: f.connect, token, runId, maxPolicyLag: f.maxPolicyLag, publishEvery: f.publishEvery, queueSize: f.queueSize, backlog: f.backlog, resume: f.resume !== undefined, rhoBar: f.rhoBar, cBar: f.cBar,
        }, opts.observers);
        console.log(`engram: learner of run ${runId}; add actors with: engram actor --connect ${f.connect} --run ${runId}`);
        actors = spawnActors(f.spawnActors, f.connect, runId, f.envModule ?? []);
        return learner;
      },
    });
  } finally {
    for (const a of actors) a.kill('SIGTERM');
  }
}

/** Local actors for the one-machine case; they get the token through the environment, as any actor. */
function spawnActors(n: number, url: string, runId: string, envModules: readonly string[]): ChildProcess[] {
  return Array.from({ length: n }, (_, i) => {
    const child = spawn(process.execPath, [ENGRAM_BIN, 'actor', '--connect', url, '--run', runId, '--index', String(i), ...envModules.flatMap((m) => ['--env-module', m])],
      { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });   // the IPC channel stops them if the learner dies
    process.once('exit', () => child.kill('SIGKILL'));
    return child;
  });
}

export async function actorCommand(f: ActorFlags): Promise<void> {
  const stop = new AbortController();
  const off = onStopSignal(() => stop.abort());
  try {
    const r = await runActor({
      url: f.connect, token: readBrokerToken(), runId: f.run, numEnvs: f.numEnvs, envModules: f.envModule ?? [], backend: f.backend,
      threads: f.threads, index: f.index, signal: stop.signal,
      feed: feedFlags(f), log: (line) => console.log(line),
    });
    console.log(`engram: actor stopped after ${r.unrolls} unrolls (${r.steps} env steps)`);
  } finally {
    off();
  }
}
