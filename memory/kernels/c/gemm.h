/*
 * A small GEMM for the kernels: C[M×N] (+)= op(A)·op(B), single-threaded, f32x4 SIMD.
 * op(B) is first packed into panels of 8 columns (zero-padded, k-major), so the 4×8 micro-kernel
 * reads it contiguously whatever B's layout (transposed or not); A is read through two strides.
 * XNNPACK cannot be called from another module, hence our own (docs/kernels.md §2).
 */
#pragma once
#include "simd.h"

/* Floats the packed op(B) takes: K rows of N rounded up to 8. */
static inline int packed_size(int K, int N) { return K * ((N + 7) & ~7); }

/* pack[(p·K + k)·8 + c] = B(k, 8p + c), where B(k, n) = B[k·sbk + n·sbn], or 0 past N. */
void pack_b(int K, int N, const float *B, int sbk, int sbn, float *pack);

/* C[m·ldc + n] = (accumulate ? C[..] : 0) + Σ_k A[m·sam + k·sak] · B(k, n), B packed by pack_b. */
void gemm_packed(int M, int N, int K, const float *A, int sam, int sak, const float *pack,
                 float *C, int ldc, int accumulate);
