/*
 * The RMC's gated memory update (memory/relational.ts, gateMemory; §4.3 of the RMC paper) after its
 * two projections: for element b and slot n, with z = gm[b,n] + gx[b] split into (z_i, z_f) of G each,
 *   i = σ(z_i + input_bias),  f = σ(z_f + forget_bias),  M = i ⊙ tanh(M̂) + f ⊙ M_prev
 * over Dm features; G = Dm ('unit' gates) or 1 ('memory': one gate pair per slot, broadcast).
 */
#include "simd.h"

/* memory [B,N,Dm]; gate_i, gate_f [B,N,G]. */
__attribute__((export_name("gated_update_forward")))
void gated_update_forward(int B, int N, int Dm, int G, float input_bias, float forget_bias, const float *prev,
                          const float *candidate, const float *gm, const float *gx, float *memory, float *gate_i, float *gate_f) {
  for (int b = 0; b < B; b++) for (int n = 0; n < N; n++) {
    long row = (long)b * N + n;
    const float *z = gm + row * 2 * G, *zx = gx + (long)b * 2 * G;
    float *gi = gate_i + row * G, *gf = gate_f + row * G;
    for (int j = 0; j < G; j += 4) {
      int k = G - j < 4 ? G - j : 4;
      store_n(gi + j, v_sigmoid(wasm_f32x4_add(wasm_f32x4_add(load_n(z + j, k), load_n(zx + j, k)), SPLAT(input_bias))), k);
      store_n(gf + j, v_sigmoid(wasm_f32x4_add(wasm_f32x4_add(load_n(z + G + j, k), load_n(zx + G + j, k)), SPLAT(forget_bias))), k);
    }
    const float *p = prev + row * Dm, *c = candidate + row * Dm;
    float *m = memory + row * Dm;
    for (int j = 0; j < Dm; j += 4) {
      int k = Dm - j < 4 ? Dm - j : 4;
      v128_t i = G == 1 ? SPLAT(gi[0]) : load_n(gi + j, k), f = G == 1 ? SPLAT(gf[0]) : load_n(gf + j, k);
      store_n(m + j, wasm_f32x4_add(wasm_f32x4_mul(i, v_tanh(load_n(c + j, k))), wasm_f32x4_mul(f, load_n(p + j, k))), k);
    }
  }
}

/*
 * From dmemory [B,N,Dm] and the gates' own gradients dgate_i, dgate_f [B,N,G] (0 unless used):
 * dprev, dcandidate [B,N,Dm] (dprev: the direct path only), dgm [B,N,2G], dgx [B,2G].
 */
__attribute__((export_name("gated_update_backward")))
void gated_update_backward(int B, int N, int Dm, int G, const float *prev, const float *candidate, const float *gate_i,
                           const float *gate_f, const float *dmemory, const float *dgate_i, const float *dgate_f,
                           float *dprev, float *dcandidate, float *dgm, float *dgx) {
  for (long j = 0; j < (long)B * 2 * G; j++) dgx[j] = 0.0f;
  for (int b = 0; b < B; b++) for (int n = 0; n < N; n++) {
    long row = (long)b * N + n;
    const float *gi = gate_i + row * G, *gf = gate_f + row * G;
    const float *p = prev + row * Dm, *c = candidate + row * Dm, *dm = dmemory + row * Dm;
    float *dp = dprev + row * Dm, *dc = dcandidate + row * Dm, *dz = dgm + row * 2 * G, *dzx = dgx + (long)b * 2 * G;
    /* dz holds d(i), d(f) first (sums over Dm when G = 1), then becomes the pre-activation gradient. */
    for (int j = 0; j < G; j++) { dz[j] = dgate_i[row * G + j]; dz[G + j] = dgate_f[row * G + j]; }
    for (int j = 0; j < Dm; j++) {
      float i = G == 1 ? gi[0] : gi[j], f = G == 1 ? gf[0] : gf[j];
      float t = wasm_f32x4_extract_lane(v_tanh(SPLAT(c[j])), 0);
      dc[j] = dm[j] * i * (1.0f - t * t);
      dp[j] = dm[j] * f;
      dz[G == 1 ? 0 : j] += dm[j] * t;
      dz[G + (G == 1 ? 0 : j)] += dm[j] * p[j];
    }
    for (int j = 0; j < G; j++) {
      dz[j] *= gi[j] * (1.0f - gi[j]);
      dz[G + j] *= gf[j] * (1.0f - gf[j]);
      dzx[j] += dz[j];
      dzx[G + j] += dz[G + j];
    }
  }
}
