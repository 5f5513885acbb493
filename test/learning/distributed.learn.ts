/**
 * Learning test: IMPALA over a real broker. A learner and 2 local actors (V-trace, policy lag of a
 * few updates) learn episodic recall on contextual choice with the DND-LSTM like single-process
 * A2C does (contextual-choice.learn.ts): repeated trials answered before the evidence >= 0.8, novel
 * ones at chance. The lower lr (1e-3, not the preset's 3e-3) is what off-policy lag needs here.
 * Expected wall time: about 45 s on 2 cores.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startBroker } from '../../experiments/distributed/broker.ts';
import { ROOT } from '../fixtures/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'engram-impala-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a learner with 2 actors learns contextual recall with dnd-lstm (>= 0.8), novel trials at chance', async () => {
  const broker = await startBroker({ storeDir: join(dir, 'store') });
  try {
    const run = join(dir, 'run');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/engram.js'), 'learner', '--connect', broker.url, '--run-dir', run,
      '--env', 'ContextualChoice-v0', '--core', 'dnd-lstm', '--steps', '120000', '--spawn-actors', '2', '--backlog', '1', '--set', 'agent.lr=1e-3'],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '1' }, timeout: 600_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const e = JSON.parse(readFileSync(join(run, 'eval.json'), 'utf8')) as { metrics: Record<string, number> };
    const rows = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    const last = rows.at(-1) as Record<string, number>;
    console.log(`distributed dnd-lstm: recall ${e.metrics.recallAccuracy?.toFixed(3)}, novel ${e.metrics.novelAccuracy?.toFixed(3)}, `
      + `policy lag ${last['distributed/policy_lag_mean']?.toFixed(1)} (max ${last['distributed/policy_lag_max']}), waiting ${last['distributed/wait_fraction']?.toFixed(3)}, ${Math.round(last['charts/sps'] ?? 0)} steps/s`);
    assert.ok(e.metrics.recallAccuracy! >= 0.8, `recallAccuracy ${e.metrics.recallAccuracy}`);
    assert.ok(Math.abs(e.metrics.novelAccuracy! - 0.5) < 0.06, `novelAccuracy ${e.metrics.novelAccuracy}`);
    assert.equal(last['distributed/rejected'], 0);
  } finally {
    await broker.stop();
  }
});
