/**
 * Same-batch figures of the fused wasm kernels (memory/kernels/), each next to its kernels-off twin
 * (`.../composite`: tfjs's own ops) measured in the same run, interleaved, as medians: the A2C
 * update the kernels issue compares with PyTorch, one acting step, and batched and transposed
 * matMuls. With --torch, bench/torch_update.py's single-thread PyTorch figures for the same updates,
 * and our update time over PyTorch's (`.../vs-torch`). Skipped where the backend is not wasm.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { A2CAgent } from '../agents/a2c/agent.ts';
import { resolveA2CConfig } from '../agents/a2c/config.ts';
import { Rng } from '../envs/rng.ts';
import { fusedKernelsActive, installFusedKernels, uninstallFusedKernels } from '../memory/kernels/install.ts';
import { makeCore } from '../memory/registry.ts';
import { tf } from '../memory/tf.ts';

interface Figure { bench: string; value: number; unit: string }
type Report = (f: Figure) => void;

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] as number; };

/**
 * Times `body` (ms per call) with the kernels on and off, alternating rounds of `seconds / 6` so
 * machine load falls on both alike; returns the two medians.
 */
function twin(body: () => void, seconds: number): { fused: number; composite: number } {
  const times = { fused: [] as number[], composite: [] as number[] };
  for (let round = 0; round < 6; round++) {
    const fused = round % 2 === 0;
    if (fused) installFusedKernels(); else uninstallFusedKernels();
    body();   // warm-up: the first call after a switch compiles nothing new, but allocates
    const start = performance.now();
    while (performance.now() - start < (seconds * 1000) / 6) {
      const t0 = performance.now();
      body();
      (fused ? times.fused : times.composite).push(performance.now() - t0);
    }
  }
  installFusedKernels();
  return { fused: median(times.fused), composite: median(times.composite) };
}

const SIZES: Record<string, Record<string, unknown>> = {
  lstm: { hiddenSize: 128 }, 'dnd-lstm': { hiddenSize: 128 }, rmc: { numSlots: 4, numHeads: 4, headSize: 16 },
};

/** An A2C agent over `core` with 32-d vector input and 4 actions, and a fixed trajectory of T × B. */
function agentAndTrajectory(core: string, T: number, B: number) {
  const D = 32;
  const agent = new A2CAgent({
    obsShape: [D], numActions: 4, makeCore: (inputSize) => makeCore(core, { ...SIZES[core], inputSize, seed: 0 }),
    config: resolveA2CConfig({ numSteps: T, encoder: 'identity' }), seed: 0,
  });
  const rng = new Rng(0);
  const f32 = (n: number, g: () => number) => Float32Array.from({ length: n }, g);
  const traj = {
    numSteps: T, numEnvs: B, obsSize: D, obs: f32(T * B * D, () => rng.normal()), resets: new Uint8Array(T * B),
    write: new Uint8Array(T * B).fill(1), flush: new Uint8Array(T * B), actions: Int32Array.from({ length: T * B }, () => rng.int(0, 3)),
    rewards: f32(T * B, () => rng.uniform()), values: f32(T * B, () => rng.normal()), terminated: new Uint8Array(T * B),
    truncated: new Uint8Array(T * B), bootstrap: new Float32Array(T * B), lastValues: new Float32Array(B), initialState: agent.initialState(B),
  };
  return { agent, traj, dispose: () => { agent.disposeState(traj.initialState); agent.dispose(); } };
}

/** PyTorch's figures from bench/torch_update.py, or why there are none. */
function torchFigures(): Figure[] | string {
  const script = fileURLToPath(new URL('./torch_update.py', import.meta.url));
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, [script, 'all'], { encoding: 'utf8', timeout: 300_000 });
    if (r.status === 0) return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Figure);
    if (r.stderr.includes('torch_update.py:')) return r.stderr.trim();
  }
  return 'no python3 with torch (Debian: apt-get install python3-torch libopenblas0-pthread)';
}

export function kernelBenches(wanted: (name: string) => boolean, report: Report, seconds: number, torch: boolean): void {
  if (tf.getBackend() !== 'wasm' || !fusedKernelsActive()) {
    if (['a2c/update', 'a2c/act', 'matmul/'].some(wanted)) console.log(`(fused kernel figures skipped: backend ${tf.getBackend()}, kernels ${fusedKernelsActive() ? 'on' : 'off'})`);
    return;
  }
  const ours = new Map<string, number>();
  for (const core of ['lstm', 'dnd-lstm', 'rmc']) {
    const name = `a2c/update/${core}-T20-B16`;
    if (!wanted(name)) continue;
    const { agent, traj, dispose } = agentAndTrajectory(core, 20, 16);
    const t = twin(() => { agent.learn(traj); }, seconds * 2);
    report({ bench: name, value: t.fused, unit: 'ms' });
    report({ bench: `${name}/composite`, value: t.composite, unit: 'ms' });
    ours.set(`torch/${name}`, t.fused);
    dispose();
  }
  for (const core of ['lstm', 'rmc']) {
    const name = `a2c/act/${core}-B16`;
    if (!wanted(name)) continue;
    const { agent, dispose } = agentAndTrajectory(core, 20, 16);
    const rng = new Rng(1), obs = Float32Array.from({ length: 16 * 32 }, () => rng.normal());
    const resets = new Uint8Array(16), control = { write: new Uint8Array(16).fill(1), flush: new Uint8Array(16) };
    let state = agent.initialState(16);
    const t = twin(() => { const r = agent.act(obs, state, resets, control, rng); agent.disposeState(state); state = r.state; }, seconds);
    report({ bench: name, value: t.fused, unit: 'ms/step' });
    report({ bench: `${name}/composite`, value: t.composite, unit: 'ms/step' });
    agent.disposeState(state);
    dispose();
  }
  for (const core of ['lstm', 'rmc']) {
    const name = `core/step/${core}-B16`;   // the core alone, as the NTM/DNC controllers and acting use it
    if (!wanted(name)) continue;
    const c = makeCore(core, { ...SIZES[core], inputSize: 32, seed: 0 });
    const x = tf.randomNormal([16, 32]) as tf.Tensor2D;
    let state = c.initialState(16);
    const t = twin(() => {
      const r = c.step(x, state);
      tf.dispose([r.output, ...Object.values(state)]);
      state = r.state;
      tf.tidy(() => { tf.sum(r.state[core === 'lstm' ? 'h' : 'memory'] as tf.Tensor).dataSync(); });   // acting reads back once a step
    }, seconds);
    report({ bench: name, value: t.fused, unit: 'ms/step' });
    report({ bench: `${name}/composite`, value: t.composite, unit: 'ms/step' });
    tf.dispose([x, ...Object.values(state)]);
    c.dispose();
  }
  // The RMC's attention (batch B·K = 64 of 5×16·16×5, overhead-bound), a larger batched one, and an LSTM backward's dW (x^T·dz).
  const mm: [string, number[], number[], boolean, boolean][] = [
    ['matmul/batched-64x5x16x5', [64, 5, 16], [64, 5, 16], false, true],
    ['matmul/batched-16x64x64x64', [16, 64, 64], [16, 64, 64], false, false],
    ['matmul/transposed-160x320x512', [320, 160], [320, 512], true, false],
  ];
  for (const [name, sa, sb, ta, tb] of mm) {
    if (!wanted(name)) continue;
    const a = tf.randomNormal(sa), b = tf.randomNormal(sb);
    const out = tf.matMul(a, b, ta, tb);
    const flops = 2 * out.size * (ta ? sa.at(-2) as number : sa.at(-1) as number);
    out.dispose();
    // Ten matMuls, then one read-back (the last result's), as inside an update: copying a result out of the heap is not the kernel's cost.
    const t = twin(() => { tf.tidy(() => { let y = tf.matMul(a, b, ta, tb); for (let i = 1; i < 10; i++) y = tf.matMul(a, b, ta, tb); y.dataSync(); }); }, seconds);
    report({ bench: name, value: (10 * flops) / t.fused / 1e6, unit: 'GFLOP/s' });
    report({ bench: `${name}/composite`, value: (10 * flops) / t.composite / 1e6, unit: 'GFLOP/s' });
    tf.dispose([a, b]);
  }
  if (!torch) return;
  const theirs = torchFigures();
  if (typeof theirs === 'string') { console.log(`(PyTorch figures skipped: ${theirs})`); return; }
  for (const f of theirs) {
    if (!wanted(f.bench.replace(/^torch\//, ''))) continue;
    report(f);
    const mine = ours.get(f.bench);
    if (mine !== undefined) report({ bench: `${f.bench.replace(/^torch\//, '')}/vs-torch`, value: mine / f.value, unit: 'x' });
  }
}
