/**
 * DNC memory access: Graves et al. 2016, "Hybrid computing using a neural network with dynamic
 * external memory" (Nature 538, Methods "Interface parameters" and "Reading and writing"), in the
 * order of deepmind/dnc `access.py` `MemoryAccess._build` (docs/cores.md §5.3–5.4, steps 2–10):
 *
 *   ξ_t -> (k^r, β^r, k^w, β^w, e, v, f, g^a, g^w, π)                   parseInterface
 *   u_t      = usage update from w^w_{t−1}, f, w^r_{t−1}                 (addressing.ts)
 *   a_j      = Alloc(u_t), head by head on a simulated usage              (addressing.ts)
 *   c^w_j    = C(M_{t−1}, k^w_j, β^w_j)
 *   w^w_t,j  = g^w_j · (g^a_j · a_j + (1 − g^a_j) · c^w_j)
 *   M_t      = M_{t−1} ⊙ Π_j (1 − w^w_t,j ⊗ e_j) + Σ_j (w^w_t,j)ᵀ v_j     (ops.ts eraseAndWrite)
 *   L_t, p_t = linkage update with w^w_t                                  (addressing.ts)
 *   w^r_t    = π_content · C(M_t, k^r, β^r) + Σ_j π_fwd,j f_j + Σ_j π_bwd,j b_j
 *   r_t      = w^r_t · M_t
 *
 * Read modes follow deepmind's order, [backward × Hw, forward × Hw, content], not the paper's
 * (backward, content, forward): it generalises to Hw > 1. Mind it when importing weights.
 */
import { contentWeights, eraseAndWrite, keyStrength, readMemory, type StrengthOp } from '../ops.ts';
import { tf } from '../tf.ts';
import { directionalReadWeights, linkageUpdate, usageUpdate, writeAllocationWeights, type LinkageState } from './addressing.ts';

export interface AccessSizes {
  readonly numSlots: number;    // N
  readonly wordSize: number;    // W
  readonly numReads: number;    // R
  readonly numWrites: number;   // Hw
}

/** |ξ| = R·(W + 3 + 2Hw) + Hw·(3W + 3): W·R + 3W + 5R + 3 for Hw = 1 (135 at W = 16, R = 4). */
export function interfaceSize(s: AccessSizes): number {
  const { wordSize: W, numReads: R, numWrites: Hw } = s;
  return R * (W + 3 + 2 * Hw) + Hw * (3 * W + 3);
}

/** The parsed interface vector ξ_t, activations applied (paper symbols in comments). */
export interface DncInterface {
  readonly readKeys: tf.Tensor3D;          // k^r [B, R, W]
  readonly readStrengths: tf.Tensor2D;     // β^r [B, R] >= 1 (oneplus) or > 0 (softplus)
  readonly writeKeys: tf.Tensor3D;         // k^w [B, Hw, W]
  readonly writeStrengths: tf.Tensor2D;    // β^w [B, Hw]
  readonly eraseVectors: tf.Tensor3D;      // e [B, Hw, W] in (0, 1)
  readonly writeVectors: tf.Tensor3D;      // v [B, Hw, W]
  readonly freeGates: tf.Tensor2D;         // f [B, R] in (0, 1)
  readonly allocationGates: tf.Tensor2D;   // g^a [B, Hw] in (0, 1)
  readonly writeGates: tf.Tensor2D;        // g^w [B, Hw] in (0, 1)
  readonly readModes: tf.Tensor3D;         // π [B, R, 2Hw+1] (backward × Hw, forward × Hw, content), rows sum to 1
}

/**
 * ξ [B, |ξ|] -> the interface fields, in the paper's layout (k^r, β^r, k^w, β^w, e, v, f, g^a, g^w, π);
 * with Hw > 1 every write field holds its heads one after another. One split, then activations.
 */
export function parseInterface(xi: tf.Tensor2D, sizes: AccessSizes, strengthOp: StrengthOp = 'oneplus'): DncInterface {
  return tf.tidy(() => {
    const B = xi.shape[0];
    const { wordSize: W, numReads: R, numWrites: Hw } = sizes;
    const M = 2 * Hw + 1;
    const [kr, br, kw, bw, e, v, f, ga, gw, pi] = tf.split(xi,
      [R * W, R, Hw * W, Hw, Hw * W, Hw * W, R, Hw, Hw, R * M], 1) as tf.Tensor2D[] as [
      tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const strength = (x: tf.Tensor2D) => keyStrength(x, strengthOp) as tf.Tensor2D;
    return {
      readKeys: kr.reshape([B, R, W]) as tf.Tensor3D,                                           // [B, R·W] -> [B, R, W]
      readStrengths: strength(br),
      writeKeys: kw.reshape([B, Hw, W]) as tf.Tensor3D,                                         // [B, Hw·W] -> [B, Hw, W]
      writeStrengths: strength(bw),
      eraseVectors: tf.sigmoid(e).reshape([B, Hw, W]) as tf.Tensor3D,                           // [B, Hw·W] -> [B, Hw, W]
      writeVectors: v.reshape([B, Hw, W]) as tf.Tensor3D,                                       // [B, Hw·W] -> [B, Hw, W]
      freeGates: tf.sigmoid(f),
      allocationGates: tf.sigmoid(ga),
      writeGates: tf.sigmoid(gw),
      readModes: tf.softmax(pi.reshape([B, R, M])) as tf.Tensor3D,                              // [B, R·(2Hw+1)] -> [B, R, 2Hw+1], softmax per head
    };
  });
}

/** The memory's part of the DNC state (deepmind `AccessState`). */
export type AccessState = {
  readonly memory: tf.Tensor3D;         // M_t [B, N, W]
  readonly readWeights: tf.Tensor3D;    // w^r_t [B, R, N]
  readonly writeWeights: tf.Tensor3D;   // w^w_t [B, Hw, N]
  readonly linkage: LinkageState;       // L_t [B, Hw, N, N], p_t [B, Hw, N]
  readonly usage: tf.Tensor2D;          // u_t [B, N]
};

/** deepmind's zero_state: every access leaf starts at 0. */
export function initialAccessState(batchSize: number, sizes: AccessSizes): AccessState {
  return tf.tidy(() => {
    const { numSlots: N, wordSize: W, numReads: R, numWrites: Hw } = sizes;
    return {
      memory: tf.zeros([batchSize, N, W]) as tf.Tensor3D,
      readWeights: tf.zeros([batchSize, R, N]) as tf.Tensor3D,
      writeWeights: tf.zeros([batchSize, Hw, N]) as tf.Tensor3D,
      linkage: { link: tf.zeros([batchSize, Hw, N, N]) as tf.Tensor4D, precedence: tf.zeros([batchSize, Hw, N]) as tf.Tensor3D },
      usage: tf.zeros([batchSize, N]) as tf.Tensor2D,
    };
  });
}

export interface AccessStepResult {
  readonly reads: tf.Tensor3D;          // r_t [B, R, W]
  readonly state: AccessState;
  readonly allocation: tf.Tensor3D;     // a_j [B, Hw, N] (for diagnostics)
}

/** w^w_t,j = g^w_j (g^a_j a_j + (1 − g^a_j) c^w_j): gates [B, Hw], a and c [B, Hw, N] -> [B, Hw, N]. */
export function writeWeighting(allocationWeights: tf.Tensor3D, writeContent: tf.Tensor3D, allocationGates: tf.Tensor2D,
  writeGates: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, Hw] = allocationGates.shape;
    const ga = allocationGates.reshape([B, Hw, 1]);                              // [B, Hw] -> [B, Hw, 1]
    const gw = writeGates.reshape([B, Hw, 1]);                                   // [B, Hw] -> [B, Hw, 1]
    const mixed = tf.add(writeContent, tf.mul(ga, tf.sub(allocationWeights, writeContent)));   // g^a a + (1 − g^a) c
    return tf.mul(gw, mixed) as tf.Tensor3D;
  });
}

/**
 * w^r_t = π_content · c^r + Σ_m π_m · directional_m: modes π [B, R, 2Hw+1], content c^r [B, R, N],
 * directional [B, R, 2Hw, N] (backward × Hw, forward × Hw) -> [B, R, N].
 */
export function readWeighting(readModes: tf.Tensor3D, readContent: tf.Tensor3D, directional: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, R, N] = readContent.shape;
    const M = readModes.shape[2];
    const all = tf.concat([directional, readContent.reshape([B, R, 1, N])], 2);  // [B, R, 2Hw, N] ++ [B, R, 1, N] -> [B, R, M, N]
    return tf.sum(tf.mul(readModes.reshape([B, R, M, 1]), all), 2) as tf.Tensor3D;   // π: [B, R, M] -> [B, R, M, 1]; Σ_m -> [B, R, N]
  });
}

/** One memory access (steps 3–10 of docs/cores.md §5.4): write, then read. Pure. */
export function accessStep(iface: DncInterface, prev: AccessState): AccessStepResult {
  return tf.tidy(() => {
    // 3. Usage: the previous write raised it, the free gates release what the read heads read.
    const usage = usageUpdate(prev.usage, prev.writeWeights, iface.freeGates, prev.readWeights);
    // 4.–6. Write weights: allocation (on a simulated usage per head) mixed with content on M_{t−1}.
    const gates = tf.mul(iface.allocationGates, iface.writeGates) as tf.Tensor2D;   // g^a ⊙ g^w [B, Hw]
    const allocation = writeAllocationWeights(usage, gates);                        // [B, Hw, N]
    const writeContent = contentWeights(prev.memory, iface.writeKeys, iface.writeStrengths);   // [B, Hw, N]
    const writeWeights = writeWeighting(allocation, writeContent, iface.allocationGates, iface.writeGates);
    // 7. Erase then add.
    const memory = eraseAndWrite(prev.memory, writeWeights, iface.eraseVectors, iface.writeVectors);   // [B, N, W]
    // 8. Temporal links from this write.
    const linkage = linkageUpdate(prev.linkage, writeWeights);
    // 9. Read weights: content on M_t, forward/backward from the previous read weights.
    const readContent = contentWeights(memory, iface.readKeys, iface.readStrengths);   // [B, R, N]
    const directional = directionalReadWeights(linkage.link, prev.readWeights);         // [B, R, 2Hw, N]
    const readWeights = readWeighting(iface.readModes, readContent, directional);      // [B, R, N]
    // 10. Read.
    const reads = readMemory(memory, readWeights);                                      // [B, R, N] x [B, N, W] -> [B, R, W]
    return { reads, allocation, state: { memory, readWeights, writeWeights, linkage, usage } };
  });
}
