/*
 * LayerNorm over the last axis, rows of F (the RMC's, memory/relational.ts):
 *   y = γ ⊙ x̂ + β,  x̂ = (x − μ)/σ,  σ = √(var + ε)
 * Forward keeps (μ, 1/σ) per row; backward, with g = dy ⊙ γ:
 *   dx = (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂))/σ,  dγ = Σ_rows dy ⊙ x̂,  dβ = Σ_rows dy.
 */
#include "simd.h"

static inline float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

/* All ones in the first n lanes: a row's tail past F must not count in its sums. */
static inline v128_t first_lanes(int n) {
  return wasm_i32x4_lt(wasm_i32x4_make(0, 1, 2, 3), wasm_i32x4_splat(n));
}

/* x, y [M, F]; stats [M, 2] = (μ, 1/σ). */
__attribute__((export_name("layer_norm_forward")))
void layer_norm_forward(int M, int F, const float *x, const float *gamma, const float *beta, float eps, float *y, float *stats) {
  for (int m = 0; m < M; m++) {
    const float *r = x + (long)m * F;
    float *o = y + (long)m * F;
    v128_t s = SPLAT(0.0f);
    for (int j = 0; j < F; j += 4) s = wasm_f32x4_add(s, load_n(r + j, F - j));
    float mu = hsum(s) / (float)F;
    v128_t q = SPLAT(0.0f), vmu = SPLAT(mu);
    for (int j = 0; j < F; j += 4) {
      v128_t d = wasm_v128_and(wasm_f32x4_sub(load_n(r + j, F - j), vmu), first_lanes(F - j));
      q = wasm_f32x4_add(q, wasm_f32x4_mul(d, d));
    }
    float inv = 1.0f / __builtin_sqrtf(hsum(q) / (float)F + eps);
    stats[2L * m] = mu;
    stats[2L * m + 1] = inv;
    v128_t vinv = SPLAT(inv);
    for (int j = 0; j < F; j += 4) {
      int n = F - j < 4 ? F - j : 4;
      v128_t xh = wasm_f32x4_mul(wasm_f32x4_sub(load_n(r + j, n), vmu), vinv);
      store_n(o + j, wasm_f32x4_add(wasm_f32x4_mul(xh, load_n(gamma + j, n)), load_n(beta + j, n)), n);
    }
  }
}

/* dx [M, F]; dgamma, dbeta [F] (written, not accumulated). */
__attribute__((export_name("layer_norm_backward")))
void layer_norm_backward(int M, int F, const float *x, const float *gamma, const float *stats, const float *dy,
                         float *dx, float *dgamma, float *dbeta) {
  for (int j = 0; j < F; j++) { dgamma[j] = 0.0f; dbeta[j] = 0.0f; }
  for (int m = 0; m < M; m++) {
    const float *r = x + (long)m * F, *d = dy + (long)m * F;
    float *o = dx + (long)m * F;
    v128_t vmu = SPLAT(stats[2L * m]), vinv = SPLAT(stats[2L * m + 1]);
    v128_t sg = SPLAT(0.0f), sgx = SPLAT(0.0f);
    for (int j = 0; j < F; j += 4) {
      int n = F - j < 4 ? F - j : 4;
      v128_t dyv = load_n(d + j, n);
      v128_t xh = wasm_f32x4_mul(wasm_f32x4_sub(load_n(r + j, n), vmu), vinv);
      v128_t g = wasm_f32x4_mul(dyv, load_n(gamma + j, n));   /* 0 past F: dy is */
      sg = wasm_f32x4_add(sg, g);
      sgx = wasm_f32x4_add(sgx, wasm_f32x4_mul(g, xh));
      store_n(dgamma + j, wasm_f32x4_add(load_n(dgamma + j, n), wasm_f32x4_mul(dyv, xh)), n);
      store_n(dbeta + j, wasm_f32x4_add(load_n(dbeta + j, n), dyv), n);
    }
    v128_t mg = SPLAT(hsum(sg) / (float)F), mgx = SPLAT(hsum(sgx) / (float)F);
    for (int j = 0; j < F; j += 4) {
      int n = F - j < 4 ? F - j : 4;
      v128_t xh = wasm_f32x4_mul(wasm_f32x4_sub(load_n(r + j, n), vmu), vinv);
      v128_t g = wasm_f32x4_mul(load_n(d + j, n), load_n(gamma + j, n));
      store_n(o + j, wasm_f32x4_mul(wasm_f32x4_sub(wasm_f32x4_sub(g, mg), wasm_f32x4_mul(xh, mgx)), vinv), n);
    }
  }
}
