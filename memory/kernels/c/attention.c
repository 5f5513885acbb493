/*
 * The RMC's multi-head attention core (memory/relational.ts, multiheadAttention) after the q/k/v
 * projection: for element b, head k and row s,
 *   w[b,k,s,:] = softmax_t(q[b,s,k]·key[b,t,k] / √dk),  out[b,s,k·dv + j] = Σ_t w[b,k,s,t] v[b,t,k,j]
 * where row (b, s) of qkv [B·S, K·(2dk+dv)] holds, per head k, q (dk), key (dk) and v (dv).
 * Sizes are small (S = slots + input rows, dk, dv ~16): plain loops, which clang vectorises.
 */
#include "simd.h"

static inline float dot(const float *a, const float *b, int n) {
  float s = 0.0f;
  for (int j = 0; j < n; j++) s += a[j] * b[j];
  return s;
}

/* e^x for one float, through the vector exp. */
static inline float exp1(float x) { return wasm_f32x4_extract_lane(v_exp(SPLAT(x)), 0); }

/* out [B, S, K·dv]; w [B, K, S, S]. */
__attribute__((export_name("attention_forward")))
void attention_forward(int B, int S, int K, int dk, int dv, const float *qkv, float *out, float *w) {
  int F = K * (2 * dk + dv);
  float scale = 1.0f / __builtin_sqrtf((float)dk);
  for (int b = 0; b < B; b++) for (int k = 0; k < K; k++) {
    const float *head = qkv + (long)b * S * F + (long)k * (2 * dk + dv);
    for (int s = 0; s < S; s++) {
      float *ws = w + (((long)b * K + k) * S + s) * S;
      const float *q = head + (long)s * F;
      float mx = -3.4e38f;
      for (int t = 0; t < S; t++) {
        ws[t] = dot(q, head + (long)t * F + dk, dk) * scale;
        mx = ws[t] > mx ? ws[t] : mx;
      }
      float sum = 0.0f;
      for (int t = 0; t < S; t++) { ws[t] = exp1(ws[t] - mx); sum += ws[t]; }
      for (int t = 0; t < S; t++) ws[t] /= sum;
      float *o = out + ((long)b * S + s) * K * dv + (long)k * dv;
      for (int j = 0; j < dv; j++) o[j] = 0.0f;
      for (int t = 0; t < S; t++) {
        const float *v = head + (long)t * F + 2 * dk;
        for (int j = 0; j < dv; j++) o[j] += ws[t] * v[j];
      }
    }
  }
}

/*
 * dqkv [B·S, F] from dout [B, S, K·dv] and dw [B, K, S, S] (the attention's own gradient, 0 unless
 * it is used). scratch: S floats.
 */
__attribute__((export_name("attention_backward")))
void attention_backward(int B, int S, int K, int dk, int dv, const float *qkv, const float *w,
                        const float *dout, const float *dw, float *dqkv, float *scratch) {
  int F = K * (2 * dk + dv);
  float scale = 1.0f / __builtin_sqrtf((float)dk);
  for (long i = 0; i < (long)B * S * F; i++) dqkv[i] = 0.0f;
  for (int b = 0; b < B; b++) for (int k = 0; k < K; k++) {
    const float *head = qkv + (long)b * S * F + (long)k * (2 * dk + dv);
    float *dhead = dqkv + (long)b * S * F + (long)k * (2 * dk + dv);
    for (int s = 0; s < S; s++) {
      const float *ws = w + (((long)b * K + k) * S + s) * S;
      const float *dws = dw + (((long)b * K + k) * S + s) * S;
      const float *g = dout + ((long)b * S + s) * K * dv + (long)k * dv;
      float *dlogit = scratch;
      float mean = 0.0f;
      for (int t = 0; t < S; t++) {
        const float *v = head + (long)t * F + 2 * dk;
        float *dv_t = dhead + (long)t * F + 2 * dk;
        for (int j = 0; j < dv; j++) dv_t[j] += ws[t] * g[j];        /* dV */
        dlogit[t] = dot(g, v, dv) + dws[t];                            /* dw[s, t] */
        mean += ws[t] * dlogit[t];
      }
      for (int t = 0; t < S; t++) dlogit[t] = ws[t] * (dlogit[t] - mean) * scale;   /* softmax, then the scale */
      const float *q = head + (long)s * F;
      float *dq = dhead + (long)s * F;
      for (int t = 0; t < S; t++) {
        const float *key = head + (long)t * F + dk;
        float *dkey = dhead + (long)t * F + dk;
        for (int j = 0; j < dk; j++) { dq[j] += dlogit[t] * key[j]; dkey[j] += dlogit[t] * q[j]; }
      }
    }
  }
}
