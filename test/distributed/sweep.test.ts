/**
 * `engram sweep` and `engram worker` against a real broker: a sweep of 4 jobs with one of two
 * workers killed mid-job finishes each job exactly once; a job whose run fails is recorded as
 * failed and the worker goes on; a job that comes again after its result is stored is not trained
 * twice; bad input is one line; `engram experiment run --connect` has its runs trained by a worker
 * and reports from the run directories it fetches.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { startBroker, type Broker } from '../../experiments/distributed/broker.ts';
import { connectBroker } from '../../experiments/distributed/connection.ts';
import { recordResult, sweepBucketName, SWEEP_STREAM, type JobResult } from '../../experiments/distributed/sweep-queue.ts';
import { fmt } from '../../experiments/report/render.ts';
import { ROOT, assertOneLineErrors, engram, type OneLineCase } from '../fixtures/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'engram-sweep-'));
let broker: Broker;
before(async () => { broker = await startBroker({ storeDir: join(dir, 'store') }); });
after(async () => { await broker.stop(); rmSync(dir, { recursive: true, force: true }); });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const config = (name: string, settings: Record<string, unknown>) => {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ env: 'ContextualChoice-v0', core: 'lstm', coreOptions: { hiddenSize: 16 }, evalEpisodes: 10, ...settings }));
  return file;
};

interface Worker { child: ChildProcess; out: () => string; exited: Promise<void> }
function worker(name: string): Worker {
  const child = spawn(process.execPath, [join(ROOT, 'bin/engram.js'), 'worker', '--connect', broker.url, '--dir', join(dir, name)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  return { child, out: () => out, exited: new Promise((r) => child.once('exit', () => r())) };
}
async function stop(w: Worker): Promise<void> {
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  await w.exited;
}

async function waitUntil(what: string, ok: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

const results = (name: string) => {
  const r = engram(['sweep', 'results', '--connect', broker.url, name, '--format', 'json'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, string | number>[];
};
const doneLines = (out: string, sweep: string) => out.split('\n').filter((l) => l.includes(`worker: ${sweep}/`) && / (done|failed)/.test(l));

test('a sweep of 4 jobs with one of two workers killed mid-job finishes each job exactly once', async () => {
  const sub = engram(['sweep', 'submit', '--connect', broker.url, '--config', config('four', { totalSteps: 8000 }), '--seeds', '1-2',
    '--set', 'agent.lr=1e-3,2e-3', '--name', 'four'], { timeoutMs: 30_000 });
  assert.equal(sub.code, 0, sub.stderr);
  assert.match(sub.stdout, /sweep four: 4 jobs queued \(over seed, agent\.lr\)/);
  const a = worker('a');
  const b = worker('b');
  try {
    // Kill a while it trains its first job: that job must come back and be trained by b.
    await waitUntil('worker a to take a job', () => /→/.test(a.out()), 60_000);
    const taken = /worker: four\/(job-\d+)/.exec(a.out())?.[1] as string;
    await sleep(1000);
    a.child.kill('SIGKILL');
    await a.exited;
    assert.doesNotMatch(a.out(), new RegExp(`${taken} done`), 'killed before it finished');
    await waitUntil('every job to finish', () => results('four').length === 4, 150_000);
    await waitUntil('the last job\'s log line', () => doneLines(b.out(), 'four').length + doneLines(a.out(), 'four').length >= 4, 10_000);
    const rows = results('four');
    assert.deepEqual(rows.map((r) => r.job), ['job-001', 'job-002', 'job-003', 'job-004']);
    assert.deepEqual(rows.map((r) => `${r.seed} ${r['agent.lr']}`), ['1 1e-3', '2 1e-3', '1 2e-3', '2 2e-3']);
    for (const r of rows) {
      assert.equal(r.status, 'done');
      assert.equal(r.step, 8000);
      assert.equal(typeof r['eval.meanReturn'], 'number');
      assert.equal(r['final.globalStep'], 8000);
    }
    const retried = rows.find((r) => r.job === taken) as Record<string, string | number>;
    assert.equal(retried.attempt, 2, 'the killed worker\'s job was delivered again');
    assert.match(String(retried.runDir), /\/b\/four\//, 'and trained by the other worker');
    // Exactly once: four results, and four finished jobs in the two workers' logs together.
    const finished = [...doneLines(a.out(), 'four'), ...doneLines(b.out(), 'four')];
    assert.equal(finished.length, 4, a.out() + b.out());
    assert.doesNotMatch(b.out(), /finished by another worker/);
    const status = engram(['sweep', 'status', '--connect', broker.url], { timeoutMs: 30_000 });
    assert.match(status.stdout, /^four\s+4\s+4\s+0\s+0\s+0\s/m, status.stdout);
    const csv = engram(['sweep', 'results', '--connect', broker.url, 'four', '--format', 'csv', '--out', join(dir, 'four.csv')]);
    assert.equal(csv.code, 0, csv.stderr);
    assert.match(csv.stdout, /4 of 4 jobs of sweep four written to /);
  } finally {
    await stop(a);
    await stop(b);
  }
});

test('a failing job is recorded as failed with its reason; a job that comes again after its result is not trained twice', async () => {
  const sub = engram(['sweep', 'submit', '--connect', broker.url, '--config', config('mixed', { totalSteps: 1600 }), '--seeds', '3',
    '--set', 'agent.lr=1e38,1e-3', '--name', 'mixed'], { timeoutMs: 30_000 });
  assert.equal(sub.code, 0, sub.stderr);
  const w = worker('c');
  try {
    await waitUntil('both jobs to finish', () => results('mixed').length === 2, 120_000);
    const [bad, good] = results('mixed') as [Record<string, unknown>, Record<string, unknown>];
    assert.equal(bad.status, 'failed');
    assert.match(String(bad.error), /^training diverged at update \d+/);
    assert.equal(good.status, 'done');

    // The same job again (as after a worker died between storing its result and its ack): acked, not trained.
    const nc = await connectBroker(broker.url);
    try {
      const js = jetstream(nc);
      const kv = await new Kvm(js).open(sweepBucketName('mixed'));
      const first = (await kv.get('result.job-002'))?.json<JobResult>() as JobResult;
      assert.equal(await recordResult(kv, { ...first, worker: 'someone-else' }), false, 'a second result for a job is refused');
      const job = { sweep: 'mixed', job: { id: 'job-002', seed: 3, sets: ['agent.lr=1e-3'] }, values: {} };
      await js.publish('engram.sweeps.mixed.jobs', JSON.stringify(job), { msgID: 'again-job-002' });
      const jsm = await js.jetstreamManager();
      await waitUntil('the repeated job to be taken', async () => (await jsm.streams.info(SWEEP_STREAM)).state.messages === 0, 30_000);
      assert.deepEqual((await kv.get('result.job-002'))?.json<JobResult>(), first, 'the first result stands');
    } finally {
      await nc.close();
    }
    assert.equal(w.out().split('\n').filter((l) => /worker: mixed\/job-002 \(/.test(l)).length, 1, w.out());
  } finally {
    await stop(w);
  }
  assert.match(w.out(), /worker stopped after 2 jobs/);
});

test('bad input to the sweep verbs is one line and a non-zero exit', () => {
  const cases: OneLineCase[] = [
    [['sweep', 'submit', '--connect', broker.url, '--seeds', '1-x'], 2, /^engram: --seeds: expected seeds like 1-5/],
    [['sweep', 'submit', '--connect', broker.url, '--seeds', '1', '--set', 'agent.gamma=2,0.9'], 2, /^engram: sweep job job-001 \(seed 1, agent\.gamma=2\): /],
    [['sweep', 'submit', '--connect', broker.url, '--seeds', '1', '--name', 'four'], 2, /^engram: sweep four exists \(submitted .*\); choose another --name/],
    [['sweep', 'submit', '--connect', broker.url, '--seeds', '1', '--config', join(dir, 'missing.json')], 2, /--config .*missing\.json: file not found/],
    [['sweep', 'status', '--connect', broker.url, 'nope'], 2, /^engram: no sweep named "nope" on this broker; there are: four, mixed/],
    [['sweep', 'results', '--connect', broker.url, 'four', '--format', 'xml'], 2, /argument 'xml' is invalid/],
    [['sweep', 'status', '--connect', 'nats://127.0.0.1:1'], 1, /cannot be reached/],
    [['worker', '--connect', broker.url, '--env-module', join(dir, 'missing.js')], 2, /missing\.js/],
  ];
  assertOneLineErrors(cases);
});

test('engram experiment run --connect: a worker trains the runs, the report is built from the run directories fetched from the broker', async () => {
  const w = worker('experiment');
  const out = join(dir, 'experiment-out');
  const args = ['experiment', 'run', 'contextual-choice', '--budget', 'smoke', '--connect', broker.url, '--out', out];
  try {
    const r = engram(args, { timeoutMs: 240_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${w.out()}`);
    assert.match(r.stdout, /sweep contextual-choice-smoke-1seeds: 2 runs queued/);
    assert.match(r.stdout, /done +default-dnd-lstm-s1 on /);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    for (const id of ['default-dnd-lstm-s1', 'default-lstm-s1']) {
      const fetched = readFileSync(join(out, id, 'eval.json'), 'utf8');
      assert.equal(fetched, readFileSync(join(dir, 'experiment', 'contextual-choice-smoke-1seeds', id, 'eval.json'), 'utf8'), `${id}: the worker's eval.json`);
      const recall = (JSON.parse(fetched) as { metrics: Record<string, number> }).metrics.recallAccuracy as number;
      assert.ok(md.includes(`| ${fmt(recall)} (1 seed) |`), `${id}: ${fmt(recall)} not in\n${md}`);
    }
    const again = engram(args, { timeoutMs: 60_000 });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /2 of 2 runs already finished here; skipped/);
  } finally {
    await stop(w);
  }
});
