/**
 * `npm run bench`: env throughput, the fused kernels' figures next to their kernels-off twins and, with
 * --torch, PyTorch's (bench/kernels.ts), A2C training/acting throughput, supervised training throughput,
 * and the distributed figures (unroll and weights sizes, weights publish and fetch times: bench/distributed.ts).
 * A table for people; with --json one line per figure: {"bench", "value", "unit"}.
 * --filter TEXT runs only benches whose name contains TEXT; --seconds S sets the time per bench;
 * --threads N runs the wasm backend with N threads (names then end in @tN).
 * Flags are parsed as the CLI parses them: an unknown flag or bad value is one `bench: ...` line, exit 2.
 */
import { CommanderError } from '@commander-js/extra-typings';
import { make } from '../envs/registry.ts';
import { Rng } from '../envs/rng.ts';
import { discreteActions } from '../envs/space.ts';
import { SyncVectorEnv } from '../envs/vector.ts';
import { buildEnvs } from '../experiments/run/build.ts';
import { buildA2CAgent, makeTrainer } from '../experiments/run/trainers.ts';
import { runInfo, withDiagnostics } from '../experiments/run/feed.ts';
import { FeedObserver } from '../rollout/feed-observer.ts';
import { FeedServer } from '../rollout/feed-server.ts';
import type { RolloutObserver } from '../rollout/observer.ts';
import WebSocket from 'ws';
import { a2cConfig, resolveExperimentConfig } from '../experiments/settings/config.ts';
import { ConfigError } from '../envs/errors.ts';
import { command, parsePositiveNumber, threadsOption } from '../experiments/cli/options.ts';
import { initBackend } from '../memory/tf.ts';
import { Runner } from '../rollout/runner.ts';
import { disposeTrajectory } from '../rollout/trajectory.ts';
import { distributedBenches } from './distributed.ts';
import { kernelBenches } from './kernels.ts';

interface Figure { bench: string; value: number; unit: string }

function parseFlags(argv: string[]) {
  const program = command('bench', 'bench')
    .description('env, A2C and supervised throughput')
    .option('--json', 'one JSON line per figure', false)
    .option('--torch', 'also run bench/torch_update.py: single-thread PyTorch A2C updates, for the same-run ratio', false)
    .option('--filter <text>', 'run only benches whose name contains TEXT', '')
    .option('--seconds <s>', 'time per figure', parsePositiveNumber('--seconds'), 1.5)
    .addOption(threadsOption().default(1));
  try {
    program.parse(argv);
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);   // help exits 0; commander printed the line
    if (e instanceof ConfigError) { console.error(`bench: ${e.message}`); process.exit(2); }
    throw e;
  }
  return program.opts();
}

const { json, filter, seconds, threads, torch } = parseFlags(process.argv);
const figures: Figure[] = [];

function report(figure: Figure): void {
  const f = threads > 1 ? { ...figure, bench: `${figure.bench}@t${threads}` } : figure;
  figures.push(f);
  if (json) console.log(JSON.stringify({ ...f, value: Math.round(f.value * 100) / 100 }));
  else console.log(`${f.bench.padEnd(44)} ${formatNumber(f.value).padStart(12)} ${f.unit}`);
}

function wanted(name: string): boolean {
  return filter === '' || name.includes(filter);
}

/** Runs `body` (which returns work units done) until `seconds` pass; returns units per second. */
function rate(body: () => number, budget = seconds): number {
  body(); // warm-up
  let units = 0;
  const start = performance.now();
  while (performance.now() - start < budget * 1000) units += body();
  return units / ((performance.now() - start) / 1000);
}

const ENV_CASES: { name: string; id: string; kwargs: Record<string, unknown> }[] = [
  { name: 'ContextualChoice-v0', id: 'ContextualChoice-v0', kwargs: {} },
  { name: 'MiniPacman-v0', id: 'MiniPacman-v0', kwargs: {} },
  { name: 'MiniPacman-v0:viewport', id: 'MiniPacman-v0', kwargs: { view: 'viewport' } },
  { name: 'BoxWorld-v0', id: 'BoxWorld-v0', kwargs: {} },
  { name: 'BoxWorld-v0:viewport', id: 'BoxWorld-v0', kwargs: { view: 'viewport' } },
];

function envBenches(): void {
  for (const c of ENV_CASES) {
    if (wanted(`env/${c.name}/single`)) {
      const env = make(c.id, c.kwargs);
      const rng = new Rng(0);
      const n = discreteActions(env.actionSpace, c.id);
      env.reset({ seed: 0 });
      report({ bench: `env/${c.name}/single`, value: rate(() => {
        for (let i = 0; i < 1000; i++) {
          const r = env.step(rng.int(0, n - 1));
          if (r.terminated || r.truncated) env.reset();
        }
        return 1000;
      }), unit: 'steps/s' });
    }
    if (wanted(`env/${c.name}/vec16`)) {
      const venv = new SyncVectorEnv(Array.from({ length: 16 }, () => make(c.id, c.kwargs)));
      const rng = new Rng(1);
      const n = discreteActions(venv.singleActionSpace, c.id);
      const actions = new Int32Array(16);
      venv.reset({ seed: 0 });
      report({ bench: `env/${c.name}/vec16`, value: rate(() => {
        for (let i = 0; i < 100; i++) {
          for (let b = 0; b < 16; b++) actions[b] = rng.int(0, n - 1);
          venv.step(actions);
        }
        return 1600;
      }), unit: 'steps/s' });
    }
    if (wanted(`env/${c.name}/resets`)) {
      const env = make(c.id, c.kwargs);
      report({ bench: `env/${c.name}/resets`, value: rate(() => { for (let i = 0; i < 20; i++) env.reset(); return 20; }), unit: 'resets/s' });
    }
  }
}

const A2C_CASES: { env: string; core: string }[] = [];
for (const env of ['ContextualChoice-v0', 'MiniPacman-v0']) for (const core of ['lstm', 'dnd-lstm', 'rmc']) A2C_CASES.push({ env, core });

function a2cBenches(): void {
  for (const c of A2C_CASES) {
    const names = [`a2c/${c.env}/${c.core}/train`, `a2c/${c.env}/${c.core}/act`];
    if (!names.some(wanted)) continue;
    const cfg = a2cConfig(resolveExperimentConfig({ flags: { env: c.env, core: c.core, runDir: 'unused' } }), 'bench');
    const venv = buildEnvs(cfg, cfg.numEnvs);
    const agent = buildA2CAgent(cfg, venv);
    const runner = new Runner(venv, agent, { seed: 0 });
    const T = cfg.agent.numSteps, B = cfg.numEnvs;
    if (wanted(names[0] as string)) {
      report({ bench: names[0] as string, value: rate(() => {
        const traj = runner.collect(T);
        agent.learn(traj);
        disposeTrajectory(traj, agent);
        return T * B;
      }, seconds * 2), unit: 'steps/s' });
    }
    if (wanted(names[1] as string)) {
      report({ bench: names[1] as string, value: rate(() => {
        const traj = runner.collect(T);
        disposeTrajectory(traj, agent);
        return T * B;
      }), unit: 'steps/s' });
    }
    runner.dispose();
    agent.dispose();
  }
}

/**
 * Training throughput with the live viewer on (FeedServer + FeedObserver + one connected client),
 * next to the same run without it: the cost of watching.
 */
async function viewerBench(): Promise<void> {
  const name = 'view/MiniPacman-v0/rmc/train';
  if (!wanted(name)) return;
  const base = a2cConfig(resolveExperimentConfig({ flags: { env: 'MiniPacman-v0', core: 'rmc', runDir: 'unused' }, sets: ['env.view=viewport'] }), 'bench');
  const measure = async (viewed: boolean): Promise<number> => {
    // --view also turns the core's diagnostics on (attention for the viewer): count that too.
    const cfg = viewed ? withDiagnostics(base) : base;
    const observers: RolloutObserver[] = [];
    const trainer = makeTrainer(cfg, { envSeed: 0, observers });
    let close = async () => {};
    if (viewed) {
      const server = new FeedServer({ run: runInfo(cfg, trainer.venv, 'train', 'bench'), page: async () => ({ html: '', js: '', css: '' }) });
      const url = await server.start();
      const ws = new WebSocket(`${url.replace('http', 'ws')}feed`);
      await new Promise((r) => ws.once('open', r));
      observers.push(new FeedObserver(server, { maxStepRate: 30, following: () => server.following() }));
      close = async () => { ws.close(); await server.close(); };
    }
    // Yield between updates, as the training loop does, so the server can send.
    const steps = base.numEnvs * base.agent.numSteps;
    trainer.iterate();
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < seconds * 2000) { trainer.iterate(); n += steps; await new Promise((r) => setImmediate(r)); }
    const sps = n / ((performance.now() - start) / 1000);
    await close();
    trainer.dispose();
    return sps;
  };
  // Alternate, so warm-up and machine load fall on both sides alike.
  await measure(false);
  const runs = [await measure(true), await measure(false), await measure(true), await measure(false)];
  const viewed = (runs[0]! + runs[2]!) / 2;
  const plain = (runs[1]! + runs[3]!) / 2;
  report({ bench: `${name}/plain`, value: plain, unit: 'steps/s' });
  report({ bench: name, value: viewed, unit: 'steps/s' });
  report({ bench: 'view/overhead', value: 100 * (1 - viewed / plain), unit: '%' });
}

/** Supervised training throughput: sequences per second, whole update included. */
function supervisedBenches(): void {
  const cases: [string, string, number | undefined][] = [];
  for (const core of ['lstm', 'ntm', 'dnc', 'rmc']) cases.push(['Copy-v0', core, undefined]);
  for (const core of ['lstm', 'rmc', 'dnc']) cases.push(['NthFarthest-v0', core, undefined]);
  // The PyTorch RMC port's N-th farthest model (~1.3M parameters; ~410 sequences/s at batch 1600 on this machine
  // kind). Batch 1600 aborts the wasm backend (its heap), so this runs 400.
  cases.push(['NthFarthest-v0', 'rmc', 400]);
  for (const [env, core, numEnvs] of cases) {
    const name = `supervised/${env}/${core}/train${numEnvs ? `-b${numEnvs}` : ''}`;
    if (!wanted(name)) continue;
    const cfg = resolveExperimentConfig({ flags: { env, core, runDir: 'unused', ...(numEnvs ? { numEnvs } : {}) } });
    const trainer = makeTrainer(cfg, { envSeed: 0 });
    report({ bench: name, value: rate(() => { trainer.iterate(); return cfg.numEnvs; }, seconds * 2), unit: 'sequences/s' });
    trainer.dispose();
  }
}

function formatNumber(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2);
}

const backend = await initBackend((process.env.ENGRAM_BACKEND as 'auto' | undefined) ?? 'auto', threads);
if (!json) console.log(`engram bench (backend ${backend}${threads > 1 ? `, ${threads} threads` : ''}, ${seconds} s per figure)\n${'bench'.padEnd(44)} ${'value'.padStart(12)} unit`);
envBenches();
kernelBenches(wanted, report, seconds, torch);
a2cBenches();
await viewerBench();
supervisedBenches();
await distributedBenches(wanted, report);
