/**
 * The default backend (wasm here; native when installed) must train every core and the conv
 * encoder: gradients of the ops we use exist there (no missing UnsortedSegmentSum or
 * Conv2DBackpropFilter kernels on our paths), and nothing leaks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { A2CAgent } from '../../agents/a2c/agent.ts';
import { resolveA2CConfig } from '../../agents/a2c/config.ts';
import { make } from '../../envs/registry.ts';
import { SyncVectorEnv } from '../../envs/vector.ts';
import { MEMORY_CORES, makeCore } from '../../memory/registry.ts';
import { initBackend, tf } from '../../memory/tf.ts';
import { Runner } from '../../rollout/runner.ts';
import { disposeTrajectory } from '../../rollout/trajectory.ts';

const backend = await initBackend('auto');

const SMALL: Record<string, Record<string, unknown>> = {
  lstm: { hiddenSize: 8 }, 'dnd-lstm': { hiddenSize: 8, capacity: 6, writePolicy: 'everyStep' }, rmc: { numSlots: 2, headSize: 4, numHeads: 2 },
  ntm: { hiddenSize: 8, numSlots: 5, wordSize: 3 },
  dnc: { hiddenSize: 8, numSlots: 5, wordSize: 3, numReads: 2 },
  entnet: { numSlots: 3, readout: 'self' },
  'working-memory': { wordSize: 3, capacity: 2, numHops: 2, numHeads: 2, gHidden: 5, gLayers: 2 },
};

for (const core of Object.keys(MEMORY_CORES)) {
  test(`${core} trains through a two-layer conv encoder on the ${backend} backend without leaks`, () => {
    assert.notEqual(backend, 'cpu', 'the default backend started');
    const venv = new SyncVectorEnv([0, 1].map(() => make('BoxWorld-v0', { view: 'viewport' })), { autoresetMode: 'same-step' });
    const agent = new A2CAgent({
      obsShape: venv.singleObservationSpace.shape, numActions: 4,
      makeCore: (inputSize) => makeCore(core, { ...SMALL[core], inputSize, seed: 1 }),
      config: resolveA2CConfig({ numSteps: 5, convChannels: [4, 4], convKernel: 2, convOutput: 8 }), seed: 1,
    });
    const runner = new Runner(venv, agent, { seed: 2 });
    const before = agent.net.namedVariables().map((v) => Array.from(v.variable.dataSync()));
    const once = () => { const t = runner.collect(5); const m = agent.learn(t); disposeTrajectory(t, agent); return m; };
    once(); once();
    const n = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) assert.ok(Number.isFinite(once()['losses/total']));
    assert.equal(tf.memory().numTensors, n, 'tensor count flat across updates');
    const after = agent.net.namedVariables();
    after.forEach((v, i) => {
      const changed = Array.from(v.variable.dataSync()).some((x, j) => x !== before[i]![j]);
      assert.ok(changed, `${v.name} was updated`);
    });
    runner.dispose();
    agent.dispose();
  });
}
