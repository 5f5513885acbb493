/*
 * SIMD helpers shared by the kernels: exp, sigmoid and tanh on f32x4, and partial loads/stores
 * for row tails. No libm (the module links nothing) and no arrays on the stack: the module shares
 * the wasm backend's memory and must own none of it, not even a shadow stack (docs/kernels.md §2).
 */
#pragma once
#include <wasm_simd128.h>

#define SPLAT(x) wasm_f32x4_splat(x)

/* e^x, Cephes' expf polynomial after a range reduction by ln 2: relative error ~1e-7. */
static inline v128_t v_exp(v128_t x) {
  x = wasm_f32x4_min(wasm_f32x4_max(x, SPLAT(-87.3f)), SPLAT(88.3f));
  v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, SPLAT(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, SPLAT(0.693359375f)));
  r = wasm_f32x4_add(r, wasm_f32x4_mul(n, SPLAT(2.12194440e-4f)));
  v128_t p = SPLAT(1.9875691500e-4f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(1.3981999507e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(8.3334519073e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(4.1665795894e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(1.6666665459e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(5.0000001201e-1f));
  p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, r), r), r), SPLAT(1.0f));
  v128_t scale = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, scale);
}

static inline v128_t v_sigmoid(v128_t x) {
  return wasm_f32x4_div(SPLAT(1.0f), wasm_f32x4_add(SPLAT(1.0f), v_exp(wasm_f32x4_neg(x))));
}

/* tanh x = sign(x)·(1 − e)/(1 + e) with e = e^(−2|x|), which never overflows. */
static inline v128_t v_tanh(v128_t x) {
  v128_t e = v_exp(wasm_f32x4_mul(wasm_f32x4_abs(x), SPLAT(-2.0f)));
  v128_t t = wasm_f32x4_div(wasm_f32x4_sub(SPLAT(1.0f), e), wasm_f32x4_add(SPLAT(1.0f), e));
  return wasm_v128_or(t, wasm_v128_and(x, SPLAT(-0.0f)));
}

/* The first n (0..4) lanes of p, the rest 0. */
static inline v128_t load_n(const float *p, int n) {
  if (n >= 4) return wasm_v128_load(p);
  v128_t v = wasm_f32x4_splat(0.0f);
  if (n > 0) v = wasm_f32x4_replace_lane(v, 0, p[0]);
  if (n > 1) v = wasm_f32x4_replace_lane(v, 1, p[1]);
  if (n > 2) v = wasm_f32x4_replace_lane(v, 2, p[2]);
  return v;
}

/* Stores the first n (0..4) lanes of v at p. */
static inline void store_n(float *p, v128_t v, int n) {
  if (n >= 4) { wasm_v128_store(p, v); return; }
  if (n > 0) p[0] = wasm_f32x4_extract_lane(v, 0);
  if (n > 1) p[1] = wasm_f32x4_extract_lane(v, 1);
  if (n > 2) p[2] = wasm_f32x4_extract_lane(v, 2);
}
