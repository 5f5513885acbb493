/*
 * The whole-sequence LSTM of memory/lstm.ts (gates i, f, g, o; c = f·c + i·g; h = o·tanh c) with
 * episode resets inside: before step t, rows b with resets[t·B + b] ≠ 0 restart from
 * (h_init[b], c_init[b]); resets = 0 (a null pointer: tfjs never allocates at 0) means none, and
 * then h_init, c_init, dh_init and dc_init are not read or written: one step so is the LSTM cell.
 * Forward keeps the gate activations for the hand-written backward (BPTT).
 * Layouts are time-major and row-major: x [T,B,D], w [D+H, 4H] = [W_x; W_h], hs/cs [T,B,H],
 * acts [T,B,4H]. Scratch buffers are the caller's (the module owns no memory).
 */
#include "gemm.h"

/* Copies n floats. */
static void copy(float *dst, const float *src, int n) {
  int j = 0;
  for (; j + 4 <= n; j += 4) wasm_v128_store(dst + j, wasm_v128_load(src + j));
  for (; j < n; j++) dst[j] = src[j];
}

/* The state step t reads: last step's, or the reset value, row by row, into (hp, cp). */
static void previous_state(int t, int B, int H, const float *h0, const float *c0, const float *h_init,
                           const float *c_init, const float *resets, const float *hs, const float *cs,
                           float *hp, float *cp) {
  for (int b = 0; b < B; b++) {
    long row = (long)b * H;
    const float *h = t == 0 ? h0 + row : hs + ((long)(t - 1) * B * H + row);
    const float *c = t == 0 ? c0 + row : cs + ((long)(t - 1) * B * H + row);
    if (resets && resets[(long)t * B + b] != 0.0f) { h = h_init + row; c = c_init + row; }
    copy(hp + row, h, H);
    copy(cp + row, c, H);
  }
}

/*
 * scratch: lstm_sequence_forward_scratch(B, D, H) floats.
 */
__attribute__((export_name("lstm_sequence_forward")))
void lstm_sequence_forward(int T, int B, int D, int H, const float *x, const float *w, const float *bias,
                           const float *h0, const float *c0, const float *h_init, const float *c_init,
                           const float *resets, float *hs, float *cs, float *acts, float *scratch) {
  int G = 4 * H;
  float *pack = scratch;
  float *hp = pack + packed_size(D > H ? D : H, G), *cp = hp + (long)B * H;
  /* All steps' input part at once: acts[t, b] = x[t, b]·W_x. */
  pack_b(D, G, w, G, 1, pack);
  gemm_packed(T * B, G, D, x, D, 1, pack, acts, G, 0);
  pack_b(H, G, w + (long)D * G, G, 1, pack);
  for (int t = 0; t < T; t++) {
    previous_state(t, B, H, h0, c0, h_init, c_init, resets, hs, cs, hp, cp);
    float *z = acts + (long)t * B * G;
    gemm_packed(B, G, H, hp, H, 1, pack, z, G, 1);   /* += h_{t-1}·W_h */
    for (int b = 0; b < B; b++) {
      float *zi = z + (long)b * G, *zf = zi + H, *zg = zf + H, *zo = zg + H;
      const float *c_prev = cp + (long)b * H;
      float *h = hs + ((long)t * B + b) * H, *c = cs + ((long)t * B + b) * H;
      for (int j = 0; j < H; j += 4) {
        int n = H - j < 4 ? H - j : 4;
        v128_t i = v_sigmoid(wasm_f32x4_add(load_n(zi + j, n), load_n(bias + j, n)));
        v128_t f = v_sigmoid(wasm_f32x4_add(load_n(zf + j, n), load_n(bias + H + j, n)));
        v128_t g = v_tanh(wasm_f32x4_add(load_n(zg + j, n), load_n(bias + 2 * H + j, n)));
        v128_t o = v_sigmoid(wasm_f32x4_add(load_n(zo + j, n), load_n(bias + 3 * H + j, n)));
        v128_t cn = wasm_f32x4_add(wasm_f32x4_mul(f, load_n(c_prev + j, n)), wasm_f32x4_mul(i, g));
        store_n(zi + j, i, n); store_n(zf + j, f, n); store_n(zg + j, g, n); store_n(zo + j, o, n);
        store_n(c + j, cn, n);
        store_n(h + j, wasm_f32x4_mul(o, v_tanh(cn)), n);
      }
    }
  }
}

/* dst[j] += src[j] for n floats. */
static void add_to(float *dst, const float *src, int n) {
  int j = 0;
  for (; j + 4 <= n; j += 4) wasm_v128_store(dst + j, wasm_f32x4_add(wasm_v128_load(dst + j), wasm_v128_load(src + j)));
  for (; j < n; j++) dst[j] += src[j];
}

/*
 * Gradients of the forward's inputs given dhs, dcs ([T,B,H], the gradients of hs and cs).
 * Outputs (all written, not accumulated): dx [T,B,D], dw [D+H,4H], db [4H], dh0, dc0, dh_init,
 * dc_init [B,H]. scratch: lstm_sequence_backward_scratch(T, B, D, H) floats.
 */
__attribute__((export_name("lstm_sequence_backward")))
void lstm_sequence_backward(int T, int B, int D, int H, const float *x, const float *w,
                            const float *h0, const float *c0, const float *h_init, const float *c_init,
                            const float *resets, const float *hs, const float *cs, const float *acts,
                            const float *dhs, const float *dcs,
                            float *dx, float *dw, float *db, float *dh0, float *dc0, float *dh_init,
                            float *dc_init, float *scratch) {
  int G = 4 * H;
  long BH = (long)B * H;
  float *dz = scratch;                              /* [T,B,4H] gate pre-activation gradients */
  float *hprev = dz + (long)T * B * G;              /* [T,B,H]  h_{t-1} as step t read it */
  float *dh = hprev + (long)T * BH, *dc = dh + BH;  /* [B,H] running gradients of h_t, c_t */
  float *cp = dc + BH, *hp = cp + BH;               /* [B,H] c_{t-1}, h_{t-1} of the current step */
  float *pack = hp + BH;                            /* the biggest of the three packs below */
  for (long k = 0; k < BH; k++) { dh[k] = 0.0f; dc[k] = 0.0f; }
  if (resets) for (long k = 0; k < BH; k++) { dh_init[k] = 0.0f; dc_init[k] = 0.0f; }
  for (int t = 0; t < T; t++) {
    previous_state(t, B, H, h0, c0, h_init, c_init, resets, hs, cs, hp, cp);
    copy(hprev + (long)t * BH, hp, (int)BH);
  }
  /* W_h^T packed once: dh_{t-1} = dz_t · W_h^T, [B,4H]·[4H,H]. */
  pack_b(G, H, w + (long)D * G, 1, G, pack);
  for (int t = T - 1; t >= 0; t--) {
    previous_state(t, B, H, h0, c0, h_init, c_init, resets, hs, cs, hp, cp);
    add_to(dh, dhs + (long)t * BH, (int)BH);
    add_to(dc, dcs + (long)t * BH, (int)BH);
    for (int b = 0; b < B; b++) {
      const float *a = acts + ((long)t * B + b) * G;
      const float *c = cs + ((long)t * B + b) * H;
      float *d = dz + ((long)t * B + b) * G;
      float *dhb = dh + (long)b * H, *dcb = dc + (long)b * H;
      const float *c_prev = cp + (long)b * H;
      for (int j = 0; j < H; j += 4) {
        int n = H - j < 4 ? H - j : 4;
        v128_t i = load_n(a + j, n), f = load_n(a + H + j, n), g = load_n(a + 2 * H + j, n), o = load_n(a + 3 * H + j, n);
        v128_t tc = v_tanh(load_n(c + j, n));
        v128_t dhv = load_n(dhb + j, n);
        v128_t one = SPLAT(1.0f);
        v128_t dcv = wasm_f32x4_add(load_n(dcb + j, n),
          wasm_f32x4_mul(wasm_f32x4_mul(dhv, o), wasm_f32x4_sub(one, wasm_f32x4_mul(tc, tc))));
        v128_t d_o = wasm_f32x4_mul(wasm_f32x4_mul(dhv, tc), wasm_f32x4_mul(o, wasm_f32x4_sub(one, o)));
        v128_t d_i = wasm_f32x4_mul(wasm_f32x4_mul(dcv, g), wasm_f32x4_mul(i, wasm_f32x4_sub(one, i)));
        v128_t d_f = wasm_f32x4_mul(wasm_f32x4_mul(dcv, load_n(c_prev + j, n)), wasm_f32x4_mul(f, wasm_f32x4_sub(one, f)));
        v128_t d_g = wasm_f32x4_mul(wasm_f32x4_mul(dcv, i), wasm_f32x4_sub(one, wasm_f32x4_mul(g, g)));
        store_n(d + j, d_i, n); store_n(d + H + j, d_f, n); store_n(d + 2 * H + j, d_g, n); store_n(d + 3 * H + j, d_o, n);
        store_n(dcb + j, wasm_f32x4_mul(dcv, f), n);   /* dc_{t-1} through the forget gate */
      }
    }
    gemm_packed(B, H, G, dz + (long)t * B * G, G, 1, pack, dh, H, 0);   /* dh_{t-1} */
    /* Rows reset before step t read (h_init, c_init): their gradient goes there, not further back. */
    for (int b = 0; resets && b < B; b++) {
      if (resets[(long)t * B + b] == 0.0f) continue;
      long row = (long)b * H;
      add_to(dh_init + row, dh + row, H);
      add_to(dc_init + row, dc + row, H);
      for (int j = 0; j < H; j++) { dh[row + j] = 0.0f; dc[row + j] = 0.0f; }
    }
  }
  copy(dh0, dh, (int)BH);
  copy(dc0, dc, (int)BH);
  long TB = (long)T * B;
  /* dW_x = x^T·dz [D,4H]; dW_h = hprev^T·dz [H,4H]; both pack dz [TB,4H] once. */
  pack_b((int)TB, G, dz, G, 1, pack);
  gemm_packed(D, G, (int)TB, x, 1, D, pack, dw, G, 0);
  gemm_packed(H, G, (int)TB, hprev, 1, H, pack, dw + (long)D * G, G, 0);
  /* db = Σ_rows dz */
  for (int j = 0; j < G; j++) db[j] = 0.0f;
  for (long r = 0; r < TB; r++) add_to(db, dz + r * G, G);
  /* dx = dz·W_x^T, [TB,4H]·[4H,D] */
  pack_b(G, D, w, 1, G, pack);
  gemm_packed((int)TB, D, G, dz, G, 1, pack, dx, D, 0);
}

/* Scratch floats the two passes need (the caller allocates them). */
__attribute__((export_name("lstm_sequence_forward_scratch")))
long lstm_sequence_forward_scratch(int B, int D, int H) {
  return packed_size(D > H ? D : H, 4 * H) + 2L * B * H;
}

static long max3(long a, long b, long c) { return a > b ? (a > c ? a : c) : (b > c ? b : c); }

__attribute__((export_name("lstm_sequence_backward_scratch")))
long lstm_sequence_backward_scratch(int T, int B, int D, int H) {
  long pack = max3(packed_size(4 * H, H), packed_size(T * B, 4 * H), packed_size(4 * H, D));
  return (long)T * B * 4 * H + (long)T * B * H + 4L * B * H + pack;
}
