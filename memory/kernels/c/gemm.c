#include "gemm.h"

void pack_b(int K, int N, const float *B, int sbk, int sbn, float *pack) {
  for (int p = 0; p * 8 < N; p++) {
    int nc = N - p * 8 < 8 ? N - p * 8 : 8;
    for (int k = 0; k < K; k++) {
      float *dst = pack + ((long)p * K + k) * 8;
      const float *src = B + (long)k * sbk + (long)p * 8 * sbn;
      if (sbn == 1 && nc == 8) {
        wasm_v128_store(dst, wasm_v128_load(src));
        wasm_v128_store(dst + 4, wasm_v128_load(src + 4));
      } else {
        for (int c = 0; c < 8; c++) dst[c] = c < nc ? src[(long)c * sbn] : 0.0f;
      }
    }
  }
}

/* Adds C's current values to the accumulators when accumulating, then stores the valid part. */
static inline void store_tile(float *c, v128_t lo, v128_t hi, int nc, int accumulate) {
  int nlo = nc < 4 ? nc : 4, nhi = nc - 4;
  if (accumulate) {
    lo = wasm_f32x4_add(lo, load_n(c, nlo));
    if (nhi > 0) hi = wasm_f32x4_add(hi, load_n(c + 4, nhi));
  }
  store_n(c, lo, nlo);
  if (nhi > 0) store_n(c + 4, hi, nhi);
}

void gemm_packed(int M, int N, int K, const float *A, int sam, int sak, const float *pack,
                 float *C, int ldc, int accumulate) {
  for (int p = 0; p * 8 < N; p++) {
    int nc = N - p * 8 < 8 ? N - p * 8 : 8;
    const float *panel = pack + (long)p * K * 8;
    for (int m = 0; m < M; m += 4) {
      int mr = M - m < 4 ? M - m : 4;
      /* Rows past M repeat the last row: computed, never stored (no branch in the inner loop). */
      const float *a0 = A + (long)m * sam;
      const float *a1 = A + (long)(mr > 1 ? m + 1 : m) * sam;
      const float *a2 = A + (long)(mr > 2 ? m + 2 : m) * sam;
      const float *a3 = A + (long)(mr > 3 ? m + 3 : m) * sam;
      v128_t c00 = SPLAT(0.0f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
      const float *b = panel;
      for (int k = 0; k < K; k++, b += 8) {
        v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
        long ka = (long)k * sak;
        v128_t x0 = SPLAT(a0[ka]), x1 = SPLAT(a1[ka]), x2 = SPLAT(a2[ka]), x3 = SPLAT(a3[ka]);
        c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(x0, b0)); c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(x0, b1));
        c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(x1, b0)); c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(x1, b1));
        c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(x2, b0)); c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(x2, b1));
        c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(x3, b0)); c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(x3, b1));
      }
      float *c = C + (long)m * ldc + p * 8;
      store_tile(c, c00, c01, nc, accumulate);
      if (mr > 1) store_tile(c + ldc, c10, c11, nc, accumulate);
      if (mr > 2) store_tile(c + 2L * ldc, c20, c21, nc, accumulate);
      if (mr > 3) store_tile(c + 3L * ldc, c30, c31, nc, accumulate);
    }
  }
}

/*
 * The exported batched matMul: C[i] = op(A[i])·op(B[i]) for i < batch, with A [M×K] (or [K×M]
 * transposed) every stride_a floats and B [K×N] (or [N×K]) every stride_b floats; a stride of 0
 * broadcasts that operand (its pack is then made once). `pack` holds packed_size(K, N) floats.
 */
__attribute__((export_name("matmul")))
void matmul(int batch, int M, int N, int K, const float *A, long stride_a, int transpose_a,
            const float *B, long stride_b, int transpose_b, float *C, float *pack) {
  for (int i = 0; i < batch; i++) {
    if (i == 0 || stride_b != 0) pack_b(K, N, B + i * stride_b, transpose_b ? 1 : N, transpose_b ? K : 1, pack);
    gemm_packed(M, N, K, A + i * stride_a, transpose_a ? 1 : K, transpose_a ? M : 1, pack, C + (long)i * M * N, N, 0);
  }
}

__attribute__((export_name("matmul_scratch")))
int matmul_scratch(int K, int N) { return packed_size(K, N); }
