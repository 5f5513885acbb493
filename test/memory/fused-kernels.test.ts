/**
 * The fused wasm kernels (memory/kernels/) against their composite twins on the cpu backend:
 * BatchMatMul over every transpose and broadcast, the whole-sequence LSTM forward and every
 * gradient over odd shapes and reset patterns, a float64 finite-difference check, A2C training
 * with kernels on and off, flat tensor counts and heap, and the loader's fallback.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { A2CAgent } from '../../agents/a2c/agent.ts';
import { resolveA2CConfig } from '../../agents/a2c/config.ts';
import { Rng } from '../../envs/rng.ts';
import { fusedKernelsActive, installFusedKernels, uninstallFusedKernels } from '../../memory/kernels/install.ts';
import { lstmSequence, lstmSequenceComposite, type LstmSequenceInputs } from '../../memory/kernels/lstm-sequence.ts';
import { attentionCore } from '../../memory/kernels/attention.ts';
import { gatedUpdate } from '../../memory/kernels/gated-update.ts';
import { layerNormOp } from '../../memory/kernels/layer-norm.ts';
import { lstmCellFused } from '../../memory/kernels/lstm-cell.ts';
import { KernelModule, heapOf, type WasmBackendInternals } from '../../memory/kernels/module.ts';
import { lstmStep } from '../../memory/lstm-step.ts';
import { dndLstmStep } from '../../memory/dnd-lstm.ts';
import { makeCore } from '../../memory/registry.ts';
import { initBackend, tf } from '../../memory/tf.ts';
import { unroll } from '../../memory/unroll.ts';

const relL2 = (got: ArrayLike<number>, want: ArrayLike<number>): number => {
  assert.equal(got.length, want.length);
  let d = 0, s = 0;
  for (let i = 0; i < want.length; i++) { d += ((got[i] as number) - (want[i] as number)) ** 2; s += (want[i] as number) ** 2; }
  return Math.sqrt(d / Math.max(s, 1e-30));
};
const values = (n: number, seed: number) => { const r = new Rng(seed); return Float32Array.from({ length: n }, () => r.uniform() * 2 - 1); };
/** Runs `f` on the cpu backend, then on wasm with the kernels, and returns both results as arrays. */
async function onBoth<T>(f: () => T): Promise<{ cpu: T; wasm: T }> {
  await tf.setBackend('cpu');
  const cpu = f();
  assert.equal(await initBackend('wasm'), 'wasm');
  assert.ok(fusedKernelsActive(), 'the kernels are installed on wasm');
  const wasm = f();
  return { cpu, wasm };
}

/** op(A)·op(B) in float64 plain JS, batch dimensions broadcast as tfjs-core defines them. */
function matMulReference(a: Float32Array, sa: number[], b: Float32Array, sb: number[], ta: boolean, tb: boolean): Float64Array {
  const [M, K] = ta ? [sa.at(-1) as number, sa.at(-2) as number] : [sa.at(-2) as number, sa.at(-1) as number];
  const N = tb ? sb.at(-2) as number : sb.at(-1) as number;
  const ba = sa.slice(0, -2), bb = sb.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const pad = (x: number[]) => [...new Array<number>(rank - x.length).fill(1), ...x];
  const pa = pad(ba), pb = pad(bb), out = pa.map((d, i) => Math.max(d, pb[i] as number));
  const count = out.reduce((x, y) => x * y, 1);
  const c = new Float64Array(count * M * N);
  for (let n = 0; n < count; n++) {
    let rest = n, oa = 0, ob = 0, stA = 1, stB = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const i = rest % (out[d] as number); rest = Math.floor(rest / (out[d] as number));
      oa += (pa[d] === 1 ? 0 : i) * stA; ob += (pb[d] === 1 ? 0 : i) * stB;
      stA *= pa[d] as number; stB *= pb[d] as number;
    }
    for (let m = 0; m < M; m++) for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) {
        sum += (a[oa * M * K + (ta ? k * M + m : m * K + k)] as number) * (b[ob * K * N + (tb ? j * K + k : k * N + j)] as number);
      }
      c[(n * M + m) * N + j] = sum;
    }
  }
  return c;
}

test('BatchMatMul: every transpose and broadcast combination, sizes 1 to 33, and its gradients', async () => {
  const sizes = [1, 3, 7, 8, 9, 33];
  const batches: [number[], number[]][] = [[[], []], [[2], [2]], [[3], []], [[], [3]], [[2, 1], [1, 3]], [[1], [4]]];
  const cases = sizes.flatMap((M, i) => {
    const K = sizes[(i + 2) % sizes.length] as number, N = sizes[(i + 4) % sizes.length] as number;
    return batches.flatMap(([ba, bb]) => [false, true].flatMap((ta) => [false, true].map((tb) => {
      const sa = [...ba, ...(ta ? [K, M] : [M, K])], sb = [...bb, ...(tb ? [N, K] : [K, N])];
      const a = values(sa.reduce((x, y) => x * y, 1), M + K), b = values(sb.reduce((x, y) => x * y, 1), N + 7);
      return { name: `[${sa}]${ta ? 'T' : ''}·[${sb}]${tb ? 'T' : ''}`, sa, sb, ta, tb, a, b, grads: ba.join() === bb.join() };
    })));
  });
  // tfjs has no gradient for broadcast batches, and its cpu kernel gets [2,1]x[1,3] batches wrong: the forward pass is held against plain JS.
  const run = () => cases.map((c) => tf.tidy(() => {
    const a = tf.tensor(c.a, c.sa), b = tf.tensor(c.b, c.sb);
    const out = [tf.matMul(a, b, c.ta, c.tb).dataSync() as Float32Array];
    if (c.grads) out.push(...tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, c.ta, c.tb))))([a, b]).map((g) => g.dataSync() as Float32Array));
    return out;
  }));
  const { cpu, wasm } = await onBoth(run);
  cases.forEach((c, i) => {
    const [got, ...grads] = wasm[i] as Float32Array[];
    const e = relL2(got as Float32Array, matMulReference(c.a, c.sa, c.b, c.sb, c.ta, c.tb));
    assert.ok(e <= 1e-6, `${c.name}: relative L2 ${e}`);
    grads.forEach((g, k) => assert.ok(relL2(g, (cpu[i] as Float32Array[])[k + 1] as Float32Array) <= 1e-5, `${c.name} d${'ab'[k]}`));
  });
  assert.equal(cases.filter((c) => c.grads).length, 48);
});

type Shape = { T: number; B: number; D: number; H: number; resets: 'none' | 'first' | 'middle' | 'every' };

function sequenceInputs({ T, B, D, H, resets }: Shape): LstmSequenceInputs {
  const r = new Float32Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) {
    r[t * B + b] = resets === 'every' || (resets === 'first' && t === 0) || (resets === 'middle' && t === Math.floor(T / 2) && b % 2 === 0) ? 1 : 0;
  }
  return {
    x: tf.tensor3d(values(T * B * D, 1), [T, B, D]), w: tf.tensor2d(values((D + H) * 4 * H, 2).map((v) => v / Math.sqrt(D + H)), [D + H, 4 * H]),   // a trained net's scale: gates not all saturated
    b: tf.tensor1d(values(4 * H, 3)), h0: tf.tensor2d(values(B * H, 4), [B, H]), c0: tf.tensor2d(values(B * H, 5), [B, H]),
    hInit: tf.tensor2d(values(B * H, 6), [B, H]), cInit: tf.tensor2d(values(B * H, 7), [B, H]), resets: tf.tensor2d(r, [T, B]),
  };
}

const GRAD_INPUTS = ['x', 'w', 'b', 'h0', 'c0', 'hInit', 'cInit'] as const;

/** hs, cs, and the gradients of Σ hs·u + Σ cs·v (random u, v: every output's gradient non-zero) for every input. */
function sequenceResults(op: typeof lstmSequence, shape: Shape): Float32Array[] {
  return tf.tidy(() => {
    const i = sequenceInputs(shape);
    const { T, B, H } = shape;
    const u = tf.tensor3d(values(T * B * H, 8), [T, B, H]), v = tf.tensor3d(values(T * B * H, 9), [T, B, H]);
    const f = (...xs: tf.Tensor[]) => {
      const args = Object.fromEntries(GRAD_INPUTS.map((k, n) => [k, xs[n]]));
      const r = op({ ...i, ...args } as LstmSequenceInputs);
      // + 0·Σ input: an input a reset pattern leaves unread (h0 reset at t = 0) has gradient 0, not none.
      return tf.addN([tf.sum(tf.mul(r.hs, u)), tf.sum(tf.mul(r.cs, v)), ...xs.map((t) => tf.mul(0, tf.sum(t)))]) as tf.Scalar;
    };
    const r = op(i);
    const grads = tf.grads(f)(GRAD_INPUTS.map((k) => i[k]));
    return [r.hs, r.cs, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

test('whole-sequence LSTM: forward and every gradient equal the composite twin over odd shapes and reset patterns', async () => {
  const shapes: Shape[] = [
    { T: 1, B: 1, D: 1, H: 1, resets: 'none' }, { T: 3, B: 3, D: 5, H: 4, resets: 'first' }, { T: 3, B: 1, D: 32, H: 7, resets: 'every' },
    { T: 20, B: 3, D: 1, H: 7, resets: 'middle' }, { T: 20, B: 16, D: 32, H: 128, resets: 'middle' }, { T: 1, B: 16, D: 5, H: 128, resets: 'every' },
    { T: 3, B: 16, D: 1, H: 1, resets: 'middle' }, { T: 20, B: 1, D: 5, H: 4, resets: 'every' },
  ];
  const { cpu, wasm } = await onBoth(() => shapes.map((s) => sequenceResults(lstmSequence, s)));
  const names = ['hs', 'cs', ...GRAD_INPUTS.map((k) => `d${k}`)];
  shapes.forEach((s, n) => (cpu[n] as Float32Array[]).forEach((want, k) => {
    const e = relL2((wasm[n] as Float32Array[])[k] as Float32Array, want);
    assert.ok(e <= 1e-5, `${JSON.stringify(s)} ${names[k]}: relative L2 ${e}`);
  }));
});

test('LSTM cell: forward and every gradient equal lstmStep\'s composite over odd shapes', async () => {
  const shapes = [[1, 1, 1], [3, 5, 4], [16, 32, 128], [1, 5, 7], [16, 1, 1]] as const;
  const run = () => shapes.map(([B, D, H]) => tf.tidy(() => {
    const x = tf.tensor2d(values(B * D, 1), [B, D]), h = tf.tensor2d(values(B * H, 2), [B, H]), c = tf.tensor2d(values(B * H, 3), [B, H]);
    const w = tf.tensor2d(values((D + H) * 4 * H, 4).map((v) => v / Math.sqrt(D + H)), [D + H, 4 * H]), b = tf.tensor1d(values(4 * H, 5));
    const u = tf.tensor2d(values(B * H, 6), [B, H]);
    const f = (...a: tf.Tensor[]) => {
      const r = lstmStep(a[0] as tf.Tensor2D, a[1] as tf.Tensor2D, a[2] as tf.Tensor2D, a[3] as tf.Tensor2D, a[4] as tf.Tensor1D);
      return tf.add(tf.sum(tf.mul(r.h, u)), tf.sum(r.c)) as tf.Scalar;
    };
    const r = lstmStep(x, h, c, w, b);
    return [r.h, r.c, ...tf.grads(f)([x, h, c, w, b])].map((t) => t.dataSync() as Float32Array);
  }));
  const { cpu, wasm } = await onBoth(run);
  assert.ok(lstmCellFused(), 'the cell kernel serves wasm');
  shapes.forEach((s, n) => (cpu[n] as Float32Array[]).forEach((want, k) => {
    const e = relL2((wasm[n] as Float32Array[])[k] as Float32Array, want);
    assert.ok(e <= 1e-5, `[B, D, H] = [${s}] output ${k}: relative L2 ${e}`);
  }));
});

test('LayerNorm: forward and the gradients of x, γ and β equal the composite twin over odd shapes', async () => {
  const shapes = [[1, 1], [7, 3], [80, 4], [5, 5], [16, 5, 64], [3, 192]] as const;
  const run = () => shapes.map((shape) => tf.tidy(() => {
    const F = shape.at(-1) as number, n = shape.reduce((a: number, b: number) => a * b, 1);
    const x = tf.tensor(values(n, 1).map((v, i) => 3 * v + (i % 5)), [...shape]), gamma = tf.tensor1d(values(F, 2)), beta = tf.tensor1d(values(F, 3));
    const u = tf.tensor(values(n, 4), [...shape]);
    const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(layerNormOp(a, g as tf.Tensor1D, b as tf.Tensor1D), u)) as tf.Scalar;
    return [layerNormOp(x, gamma, beta), ...tf.grads(f)([x, gamma, beta])].map((t) => t.dataSync() as Float32Array);
  }));
  const { cpu, wasm } = await onBoth(run);
  shapes.forEach((s, n) => (cpu[n] as Float32Array[]).forEach((want, k) => {
    const e = relL2((wasm[n] as Float32Array[])[k] as Float32Array, want);
    assert.ok(e <= 1e-5, `[${s}] output ${k}: relative L2 ${e}`);
  }));
});

test('attention core: output, weights and the gradient of q/k/v equal the composite twin over odd sizes', async () => {
  const cases = [[1, 1, 1, 1, 1], [3, 5, 4, 16, 16], [2, 9, 2, 3, 5], [1, 2, 4, 1, 3]] as const;   // B, S, K, dk, dv
  const run = () => cases.map(([B, S, K, dk, dv]) => tf.tidy(() => {
    const F = K * (2 * dk + dv);
    const qkv = tf.tensor2d(values(B * S * F, 1).map((v) => 2 * v), [B * S, F]);
    const u = tf.tensor3d(values(B * S * K * dv, 2), [B, S, K * dv]), v = tf.tensor4d(values(B * K * S * S, 3), [B, K, S, S]);
    const sizes = { numHeads: K, keySize: dk, headSize: dv };
    const r = attentionCore(qkv, B, S, sizes);
    const g = tf.grad((x: tf.Tensor) => {
      const a = attentionCore(x as tf.Tensor2D, B, S, sizes);
      return tf.add(tf.sum(tf.mul(a.output, u)), tf.sum(tf.mul(a.attention, v))) as tf.Scalar;
    })(qkv);
    return [r.output, r.attention, g].map((t) => t.dataSync() as Float32Array);
  }));
  const { cpu, wasm } = await onBoth(run);
  cases.forEach((c, n) => (cpu[n] as Float32Array[]).forEach((want, k) => {
    const e = relL2((wasm[n] as Float32Array[])[k] as Float32Array, want);
    assert.ok(e <= 1e-5, `[B, S, K, dk, dv] = [${c}] ${['output', 'attention', 'dqkv'][k]}: relative L2 ${e}`);
  }));
});

test('gated update: memory, both gates and every gradient equal the composite twin, unit and per-slot gates', async () => {
  const cases = [[1, 1, 1, 1], [3, 4, 64, 64], [2, 5, 7, 7], [4, 3, 16, 1], [1, 2, 5, 1]] as const;   // B, N, Dm, G
  const run = () => cases.map(([B, N, Dm, G]) => tf.tidy(() => {
    const t3 = (shape: [number, number, number], seed: number) => tf.tensor3d(values(shape[0] * shape[1] * shape[2], seed).map((v) => 2 * v), shape);
    const inputs = { prev: t3([B, N, Dm], 1), candidate: t3([B, N, Dm], 2), gm: t3([B, N, 2 * G], 3), gx: tf.tensor2d(values(B * 2 * G, 4), [B, 2 * G]) };
    const u = t3([B, N, Dm], 5), v = t3([B, N, G], 6), z = t3([B, N, G], 7);
    const f = (...a: tf.Tensor[]) => {
      const r = gatedUpdate({ prev: a[0] as tf.Tensor3D, candidate: a[1] as tf.Tensor3D, gm: a[2] as tf.Tensor3D, gx: a[3] as tf.Tensor2D }, 0.3, 1);
      return tf.addN([tf.sum(tf.mul(r.memory, u)), tf.sum(tf.mul(r.inputGate, v)), tf.sum(tf.mul(r.forgetGate, z))]) as tf.Scalar;
    };
    const r = gatedUpdate(inputs, 0.3, 1);
    return [r.memory, r.inputGate, r.forgetGate, ...tf.grads(f)([inputs.prev, inputs.candidate, inputs.gm, inputs.gx])].map((t) => t.dataSync() as Float32Array);
  }));
  const { cpu, wasm } = await onBoth(run);
  cases.forEach((c, n) => (cpu[n] as Float32Array[]).forEach((want, k) => {
    const e = relL2((wasm[n] as Float32Array[])[k] as Float32Array, want);
    assert.ok(e <= 1e-5, `[B, N, Dm, G] = [${c}] ${['memory', 'inputGate', 'forgetGate', 'dprev', 'dcandidate', 'dgm', 'dgx'][k]}: relative L2 ${e}`);
  }));
});

test('the RMC (per-slot gates): an unroll and its gradients on wasm with the kernels equal the cpu backend', async () => {
  const run = () => tf.tidy(() => {
    const core = makeCore('rmc', { numSlots: 3, numHeads: 2, headSize: 8, inputSize: 6, seed: 4, gateStyle: 'memory' });
    const xs = tf.tensor3d(values(5 * 4 * 6, 1), [5, 4, 6]);
    const resets = tf.tensor2d([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0], [5, 4]);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(unroll(core, xs, core.initialState(4), resets).outputs)) as tf.Scalar, [...core.variables]);
    const out = [value, ...Object.values(grads)].map((t) => t.dataSync() as Float32Array);
    core.dispose();
    return out;
  });
  const { cpu, wasm } = await onBoth(run);
  cpu.forEach((want, k) => {
    const e = relL2(wasm[k] as Float32Array, want);
    assert.ok(e <= 1e-5, `output ${k}: relative L2 ${e}`);
  });
});

test('DND-LSTM cell: h, c, r and every gradient equal the composite twin, with and without a retrieved memory', async () => {
  const shapes = [[1, 1, 1], [3, 5, 4], [16, 40, 128], [2, 3, 7]] as const;
  const run = () => shapes.flatMap(([B, D, H]) => [true, false].map((retrieve) => tf.tidy(() => {
    const x = tf.tensor2d(values(B * D, 1), [B, D]), h = tf.tensor2d(values(B * H, 2), [B, H]), c = tf.tensor2d(values(B * H, 3), [B, H]);
    const w = tf.tensor2d(values((D + H) * 5 * H, 4).map((v) => v / Math.sqrt(D + H)), [D + H, 5 * H]), b = tf.tensor1d(values(5 * H, 5));
    const m = tf.tensor2d(values(B * H, 6), [B, H]), u = tf.tensor2d(values(B * H, 7), [B, H]);
    const f = (...a: tf.Tensor[]) => {
      const r = dndLstmStep(a[0] as tf.Tensor2D, a[1] as tf.Tensor2D, a[2] as tf.Tensor2D, a[3] as tf.Tensor2D, a[4] as tf.Tensor1D, retrieve ? a[5] as tf.Tensor2D : undefined);
      return tf.addN([tf.sum(tf.mul(r.h, u)), tf.sum(r.c), tf.sum(tf.square(r.r)), tf.mul(0, tf.sum(a[5] as tf.Tensor))]) as tf.Scalar;
    };
    const r = dndLstmStep(x, h, c, w, b, retrieve ? m : undefined);
    return [r.h, r.c, r.r, ...tf.grads(f)([x, h, c, w, b, m])].map((t) => t.dataSync() as Float32Array);
  })));
  const { cpu, wasm } = await onBoth(run);
  cpu.forEach((outs, n) => outs.forEach((want, k) => {
    const e = relL2((wasm[n] as Float32Array[])[k] as Float32Array, want);
    assert.ok(e <= 1e-5, `[B, D, H] = [${shapes[n >> 1]}] retrieve ${n % 2 === 0}: ${['h', 'c', 'r', 'dx', 'dh', 'dc', 'dw', 'db', 'dm'][k]} relative L2 ${e}`);
  }));
});

/** The same LSTM in float64 plain JS (the definition, independent of tfjs): Σ hs·u + Σ cs·v. */
function lossF64(T: number, B: number, D: number, H: number, a: Record<string, Float64Array>, resets: Float32Array, u: Float32Array, v: Float32Array): number {
  const sig = (z: number) => 1 / (1 + Math.exp(-z));
  let h = Float64Array.from(a.h0 as Float64Array), c = Float64Array.from(a.c0 as Float64Array), loss = 0;
  for (let t = 0; t < T; t++) {
    const hn = new Float64Array(B * H), cn = new Float64Array(B * H);
    for (let b = 0; b < B; b++) {
      const reset = resets[t * B + b] !== 0;
      const hp = (j: number) => (reset ? (a.hInit as Float64Array)[b * H + j] : h[b * H + j]) as number;
      const cp = (j: number) => (reset ? (a.cInit as Float64Array)[b * H + j] : c[b * H + j]) as number;
      for (let j = 0; j < H; j++) {
        const z = [0, 1, 2, 3].map((g) => {
          let s = (a.b as Float64Array)[g * H + j] as number;
          for (let d = 0; d < D; d++) s += ((a.x as Float64Array)[(t * B + b) * D + d] as number) * ((a.w as Float64Array)[d * 4 * H + g * H + j] as number);
          for (let k = 0; k < H; k++) s += hp(k) * ((a.w as Float64Array)[(D + k) * 4 * H + g * H + j] as number);
          return s;
        }) as [number, number, number, number];
        const cc = sig(z[1]) * cp(j) + sig(z[0]) * Math.tanh(z[2]);
        cn[b * H + j] = cc;
        hn[b * H + j] = sig(z[3]) * Math.tanh(cc);
        loss += (hn[b * H + j] as number) * (u[(t * B + b) * H + j] as number) + cc * (v[(t * B + b) * H + j] as number);
      }
    }
    h = hn; c = cn;
  }
  return loss;
}

test('whole-sequence LSTM kernel gradients match float64 finite differences', async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
  const s: Shape = { T: 4, B: 2, D: 3, H: 3, resets: 'middle' };
  const { T, B, D, H } = s;
  const grads = sequenceResults(lstmSequence, s).slice(2);
  const i = sequenceInputs(s);
  const base = { arrays: Object.fromEntries(GRAD_INPUTS.map((k) => [k, Float64Array.from(i[k].dataSync())])), resets: i.resets.dataSync() as Float32Array };
  tf.dispose(Object.values(i));
  const u = values(T * B * H, 8), v = values(T * B * H, 9);
  GRAD_INPUTS.forEach((k, n) => {
    const arr = base.arrays[k] as Float64Array;
    const numeric = Float64Array.from(arr, (_, j) => {
      const e = 1e-6, keep = arr[j] as number;
      arr[j] = keep + e; const up = lossF64(T, B, D, H, base.arrays, base.resets, u, v);
      arr[j] = keep - e; const down = lossF64(T, B, D, H, base.arrays, base.resets, u, v);
      arr[j] = keep;
      return (up - down) / (2 * e);
    });
    const err = relL2(grads[n] as Float32Array, numeric);
    assert.ok(err <= 1e-4, `d${k}: relative L2 ${err} against finite differences`);
  });
});

/** 5 A2C updates of an LSTM(32) agent on a fixed trajectory; returns its parameters. */
function trainFive(): Float32Array[] {
  const T = 8, B = 4, D = 6;
  const agent = new A2CAgent({
    obsShape: [D], numActions: 3, makeCore: (inputSize) => makeCore('lstm', { hiddenSize: 32, trainableInitialState: true, inputSize, seed: 3 }),
    config: resolveA2CConfig({ numSteps: T, encoder: 'identity' }), seed: 3,
  });
  const rng = new Rng(5);
  const f32 = (n: number, g: () => number) => Float32Array.from({ length: n }, g);
  const traj = {
    numSteps: T, numEnvs: B, obsSize: D, obs: f32(T * B * D, () => rng.normal()), resets: Uint8Array.from({ length: T * B }, (_, i) => (i % 7 === 0 ? 1 : 0)),
    write: new Uint8Array(T * B).fill(1), flush: new Uint8Array(T * B), actions: Int32Array.from({ length: T * B }, () => rng.int(0, 2)),
    rewards: f32(T * B, () => rng.uniform()), values: f32(T * B, () => rng.normal()), terminated: new Uint8Array(T * B),
    truncated: new Uint8Array(T * B), bootstrap: new Float32Array(T * B), lastValues: new Float32Array(B), initialState: agent.initialState(B),
  };
  for (let i = 0; i < 5; i++) agent.learn(traj);
  const params = agent.net.namedVariables().map((v) => v.variable.dataSync() as Float32Array);
  agent.disposeState(traj.initialState);
  agent.dispose();
  return params;
}

test('training: 5 A2C updates with the kernels on and off give the same parameters (1e-5 relative)', async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
  const on = trainFive();
  uninstallFusedKernels();
  assert.equal(fusedKernelsActive(), false);
  const off = trainFive();
  assert.equal(installFusedKernels(), undefined);
  on.forEach((p, i) => assert.ok(relL2(p, off[i] as Float32Array) <= 1e-5, `parameter ${i}: ${relL2(p, off[i] as Float32Array)}`));
});

test('no leaks: tensor count and wasm heap flat over 50 updates and 1,000 acting steps', async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
  const core = makeCore('lstm', { hiddenSize: 64, inputSize: 12, seed: 1 });
  const opt = tf.train.adam(1e-3);
  const xs = tf.tensor3d(values(20 * 16 * 12, 1), [20, 16, 12]);
  const resets = tf.tensor2d(Float32Array.from({ length: 320 }, (_, i) => (i % 37 === 0 ? 1 : 0)), [20, 16]);
  const x = tf.tensor2d(values(16 * 12, 2), [16, 12]);
  const heap = () => heapOf(tf.backend() as unknown as WasmBackendInternals).buffer.byteLength;
  const round = () => {
    const s0 = core.initialState(16);
    opt.minimize(() => tf.sum(tf.square(core.unrollSequence?.(xs, s0, resets, {})?.outputs as tf.Tensor)) as tf.Scalar, false, [...core.variables]);
    let s = s0;
    for (let i = 0; i < 20; i++) {
      const r = core.step(x, s);
      tf.dispose([r.output, ...Object.values(s)]);
      s = r.state;
    }
    tf.dispose(Object.values(s));
    tf.tidy(() => tf.matMul(xs, tf.ones([12, 5]), false, false).dataSync());   // batched matMul
  };
  round();
  const first = { tensors: tf.memory().numTensors, heap: heap() };
  for (let i = 0; i < 50; i++) round();   // 50 updates, 1,000 acting steps
  assert.equal(tf.memory().numTensors, first.tensors);
  assert.equal(heap(), first.heap);
  tf.dispose([xs, resets, x]);
  core.dispose();
});

test('a kernel that computes wrong is caught by the self-test: one line, and tfjs\'s own ops stay', async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
  uninstallFusedKernels();
  const sabotaged = (b: WasmBackendInternals) => {
    const mod = KernelModule.load(b);
    const real = mod.k.matmul;
    // One output element off (in bounds: a pointer bug here would corrupt tfjs's heap for real).
    const matmul = (...a: Parameters<typeof real>) => {
      real(...a);
      const out = new Float32Array(heapOf(b).buffer, a[10], 1);
      out[0] = (out[0] as number) + 1;
    };
    return Object.assign(Object.create(Object.getPrototypeOf(mod) as object) as KernelModule, mod, { k: { ...mod.k, matmul } });
  };
  const why = installFusedKernels({ quiet: true, load: sabotaged });
  assert.match(why ?? '', /^self-test or load failed: a batched matMul A·B: its value differs from tfjs's ops \(relative L2 /);
  assert.equal(fusedKernelsActive(), false);
  const r = tf.tidy(() => tf.matMul(tf.ones([2, 3, 4]), tf.ones([2, 4, 5])).dataSync());
  assert.deepEqual([...new Set(r)], [4]);
  assert.equal(installFusedKernels(), undefined);
  assert.ok(fusedKernelsActive());
});

test('installing the kernels (self-test included) leaves no tensor behind', async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
  uninstallFusedKernels();
  const before = tf.memory().numTensors;
  assert.equal(installFusedKernels(), undefined);
  assert.equal(tf.memory().numTensors, before);
});

test('ENGRAM_KERNELS=off keeps the kernels out; the cpu backend never has them', async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
  uninstallFusedKernels();
  process.env.ENGRAM_KERNELS = 'off';
  try {
    assert.equal(installFusedKernels(), 'ENGRAM_KERNELS=off');
    assert.equal(fusedKernelsActive(), false);
  } finally {
    delete process.env.ENGRAM_KERNELS;
  }
  assert.equal(installFusedKernels(), undefined);
  await tf.setBackend('cpu');
  assert.equal(fusedKernelsActive(), false);
});
