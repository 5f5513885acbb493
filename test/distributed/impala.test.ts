/**
 * `engram learner` and `engram actor` against a real broker: a short run end to end, `kill -9` of
 * the learner and `--resume` (nothing used twice, the run ends where it should), and bad input.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startBroker, type Broker } from '../../experiments/distributed/broker.ts';
import type { FeedMessage } from '../../rollout/feed.ts';
import { feedOf } from '../fixtures/feed.ts';
import { ROOT, assertOneLineErrors, engram, type OneLineCase } from '../fixtures/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'engram-impala-'));
let broker: Broker;
before(async () => { broker = await startBroker({ storeDir: join(dir, 'store') }); });
after(async () => { await broker.stop(); rmSync(dir, { recursive: true, force: true }); });

const SHORT = ['--env', 'ContextualChoice-v0', '--core', 'lstm', '--set', 'core.hiddenSize=16', '--set', 'evalEpisodes=0'];
const rowsOf = (run: string) => readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** `p`, or a failure naming what never came (a stalled learner must fail the test, not hang it). */
const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  p.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e); });
});

test('a learner with a spawned actor trains a short run into a run directory like engram train', () => {
  const run = join(dir, 'short');
  const r = engram(['learner', '--connect', broker.url, '--run-dir', run, ...SHORT, '--steps', '3200', '--spawn-actors', '1', '--set', 'checkpointEvery=4'], { timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /learner of run short; add actors with: engram actor --connect nats:\/\/127\.0\.0\.1:\d+ --run short/);
  for (const f of ['config.json', 'checkpoint.json', 'metrics.jsonl']) assert.ok(existsSync(join(run, f)), f);
  const last = rowsOf(run).at(-1) as Record<string, number>;
  assert.ok((last.globalStep as number) >= 3200);
  for (const k of ['vtrace/rho_mean', 'distributed/policy_lag_mean', 'distributed/wait_fraction', 'distributed/weights_version', 'distributed/queue_depth']) assert.ok(Number.isFinite(last[k]), k);
  assert.equal(last['distributed/rejected'], 0);
  // The actors' episodes reach the learner's metrics: returns and the env's own metrics.
  const withEpisodes = rowsOf(run).filter((x) => x['charts/episodes'] as number > 0);
  assert.ok(withEpisodes.length > 0, 'some rows count episodes');
  for (const k of ['charts/episode_return', 'charts/episode_length', 'env/accuracy']) assert.ok(Number.isFinite(withEpisodes.at(-1)?.[k]), k);
  assert.equal(withEpisodes.at(-1)?.['charts/episode_length'], 10, 'a contextual-choice trial is 10 steps');
});

test('kill -9 of the learner, then --resume: it goes on from its checkpoint and ends at the step it should', async () => {
  const run = join(dir, 'killed');
  const args = ['learner', '--connect', broker.url, '--run-dir', run, ...SHORT, '--steps', '9600', '--spawn-actors', '1', '--set', 'checkpointEvery=3'];
  // Its own process group, so the orphaned actor can be stopped too (actors outlive a learner by design).
  const first = spawn(process.execPath, [join(ROOT, 'bin/engram.js'), ...args], { cwd: ROOT, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CI: '1' } });
  let stderr = '';
  first.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise((r) => first.once('exit', r));   // a zombie would still count as alive
  try {
    for (let i = 0; i < 1200 && !existsSync(join(run, 'checkpoint.json')) && first.exitCode === null; i++) await sleep(100);
    assert.ok(existsSync(join(run, 'checkpoint.json')), `a first checkpoint (learner exit code ${first.exitCode}; stderr: ${stderr})`);
    await sleep(700);
    assert.equal(first.exitCode, null, `the learner still runs (stderr: ${stderr})`);
  } finally {
    try { process.kill(-(first.pid as number), 'SIGKILL'); } catch { /* the group is gone already */ }
    await exited;
  }
  const killedAt = JSON.parse(readFileSync(join(run, 'checkpoint.json'), 'utf8')).progress.globalStep as number;
  assert.ok(killedAt < 9600, `killed before the end (${killedAt})`);
  const r = engram(['learner', '--connect', broker.url, '--resume', run, '--spawn-actors', '1'], { timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /resumed at step \d+/);
  const rows = rowsOf(run);
  const its = rows.map((x) => x.iteration as number);
  assert.deepEqual(its, [...new Set(its)].sort((a, b) => a - b), 'metrics rows in order, none twice');
  const last = rows.at(-1) as Record<string, number>;
  // Each update learns one unroll of numSteps x numEnvs = 10 x 16 steps: the run stops at the first update past 9600.
  assert.ok((last.globalStep as number) >= 9600 && (last.globalStep as number) < 9600 + 160, `ends at ${last.globalStep}`);
});

test('kill -9 of an actor: the learner goes on with the other one; its live-actor count drops from 2 to 1 and recovers with a new actor', async () => {
  const run = join(dir, 'actor-killed');
  const bin = join(ROOT, 'bin/engram.js');
  const opts = { cwd: ROOT, stdio: 'ignore' as const, env: { ...process.env, CI: '1' } };
  const learner = spawn(process.execPath, [bin, 'learner', '--connect', broker.url, '--run-dir', run, ...SHORT, '--steps', '10000000', '--set', 'logEvery=1'], opts);
  const learnerDone = new Promise<number | null>((r) => learner.once('exit', r));
  const actor = (i: number) => spawn(process.execPath, [bin, 'actor', '--connect', broker.url, '--run', 'actor-killed', '--index', String(i)], opts);
  const actors = [actor(0), actor(1)];
  try {
    const rows = () => (existsSync(join(run, 'metrics.jsonl')) ? readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').filter(Boolean).length : 0);
    const live = (from = 0) => (rows() > 0 ? rowsOf(run).slice(from).map((x) => x['distributed/live_actors']) : []);
    const waitLive = async (n: number, from: number, what: string) => {
      for (let i = 0; i < 600 && !live(from).includes(n); i++) await sleep(100);
      assert.ok(live(from).includes(n), `${what} (${live(from).slice(-5)})`);
    };
    await waitLive(2, 0, 'both actors counted');
    const killedAt = rows();
    const gone = new Promise((r) => actors[0]!.once('exit', r));
    actors[0]!.kill('SIGKILL');
    await gone;
    await waitLive(1, killedAt, 'the dead actor\'s presence expired');
    const droppedAt = rows();
    assert.ok(droppedAt > killedAt + 10, 'it kept updating after the actor died');
    actors.push(actor(2));
    await waitLive(2, droppedAt, 'the new actor counted');
    learner.kill('SIGINT');
    assert.equal(await within(learnerDone, 60_000, 'the learner to stop'), 0, 'a clean stop');
    const its = rowsOf(run).map((x) => x.iteration as number);
    assert.deepEqual(its, [...new Set(its)].sort((a, b) => a - b), 'metrics rows in order, none twice');
  } finally {
    for (const a of actors) a.kill('SIGKILL');
    learner.kill('SIGKILL');
  }
});

test('kill -9 of the broker and a restart on the same store: learner and actor wait for it and go on', async () => {
  const store = join(dir, 'restarted-store');
  let own = await startBroker({ storeDir: store });
  const { url, port } = own;
  const run = join(dir, 'restarted');
  const bin = join(ROOT, 'bin/engram.js');
  const opts = { cwd: ROOT, stdio: 'ignore' as const, env: { ...process.env, CI: '1' } };
  const learner = spawn(process.execPath, [bin, 'learner', '--connect', url, '--run-dir', run, ...SHORT, '--steps', '24000', '--set', 'logEvery=1'], opts);
  const learnerDone = new Promise<number | null>((r) => learner.once('exit', r));
  const actor = spawn(process.execPath, [bin, 'actor', '--connect', url, '--run', 'restarted'], opts);
  try {
    const rows = () => (existsSync(join(run, 'metrics.jsonl')) ? readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').filter(Boolean).length : 0);
    for (let i = 0; i < 600 && rows() < 10; i++) await sleep(100);
    assert.ok(rows() >= 10, 'the learner is learning');
    process.kill(own.pid, 'SIGKILL');
    await own.stop();
    await sleep(2000);
    own = await startBroker({ storeDir: store, port });
    assert.equal(await within(learnerDone, 120_000, 'the learner to finish'), 0, 'the learner finishes after the broker came back');
    assert.ok((rowsOf(run).at(-1)?.globalStep as number) >= 24000);
  } finally {
    actor.kill('SIGKILL');
    learner.kill('SIGKILL');
    await own.stop();
  }
});

test('actor --view serves a live feed of its own envs: steps with memory readouts, and its episodes as metrics', async () => {
  const args = ['learner', '--connect', broker.url, '--run-dir', join(dir, 'viewed'), '--env', 'MiniPacman-v0', '--core', 'rmc', '--set', 'env.view=viewport',
    '--set', 'core.numSlots=2', '--set', 'core.headSize=4', '--num-envs', '2', '--steps', '1000000', '--set', 'evalEpisodes=0'];
  const learner = spawn(process.execPath, [join(ROOT, 'bin/engram.js'), ...args], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, CI: '1' } });
  try {
    const { messages } = await within(feedOf(['actor', '--connect', broker.url, '--run', 'viewed', '--view', '--port', '0'],
      (ms) => ms.some((m) => m.type === 'metrics' && (m.scalars['charts/episodes'] ?? 0) > 0) && ms.filter((m) => m.type === 'step').length >= 5), 120_000, 'the actor\'s feed');
    const hello = messages[0] as Extract<FeedMessage, { type: 'hello' }>;
    assert.equal(hello.run.core, 'rmc');
    const step = messages.find((m) => m.type === 'step') as Extract<FeedMessage, { type: 'step' }>;
    assert.ok(Array.isArray((step.memory as { attention: unknown }).attention), 'RMC attention is in the readout');
    const metrics = messages.find((m) => m.type === 'metrics' && (m.scalars['charts/episodes'] ?? 0) > 0) as Extract<FeedMessage, { type: 'metrics' }>;
    assert.ok(Number.isFinite(metrics.scalars['charts/episode_return']));
  } finally {
    learner.kill('SIGINT');
    await new Promise((r) => learner.once('exit', r));
  }
});

test('bad input to the distributed verbs is one line and a non-zero exit', () => {
  const cases: OneLineCase[] = [
    [['learner', '--connect', broker.url, '--env', 'Copy-v0', '--run-dir', join(dir, 'copy')], 2, /engram learner: Copy-v0 is a supervised task/],
    [['learner', '--connect', broker.url, ...SHORT, '--run-dir', join(dir, 'q'), '--queue-size', '8'], 2, /--queue-size \(8\) must exceed checkpointEvery \(100\)/],
    [['learner', '--connect', 'nats://127.0.0.1:1', ...SHORT, '--run-dir', join(dir, 'nobroker')], 1, /cannot be reached.*is the broker running/],
    [['learner', '--connect', 'http://x', ...SHORT, '--run-dir', join(dir, 'url')], 2, /url must look like nats:\/\/host:port/],
    [['actor', '--connect', broker.url, '--run', 'no good'], 2, /runId must be 1-64 characters/],
    [['learner', '--connect', broker.url, ...SHORT, '--rho-bar', '0'], 2, /--rho-bar must be a positive number/],
    [['broker', '--host', '0.0.0.0', '--store', join(dir, 'open')], 2, /token/],
  ];
  assertOneLineErrors(cases);
});
