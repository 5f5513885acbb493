/*
 * The DND-LSTM's cell (memory/dnd-lstm.ts, dndLstmStep; Ritter et al. 2018): an LSTM step with a
 * fifth gate r that reinstates the retrieved memory m (= tanh of the DND's read):
 *   z = [x; h]·w + b,  gates (i, f, g, o, r),  c' = f ⊙ c + i ⊙ g,  c_t = c' + r ⊙ m,  h_t = o ⊙ tanh c_t
 * m = 0 (a null pointer) means retrieval off: c_t = c'. Layouts row-major: x [B,D], h, c, m [B,H],
 * w [D+H, 5H], acts [B,5H] = (i, f, g, o, r); r_out [B,H] is r again, the gate the viewer shows.
 */
#include "gemm.h"

static long max3(long a, long b, long c) { return a > b ? (a > c ? a : c) : (b > c ? b : c); }

/* [x; h] row by row into xh [B, D+H]. */
static void join_rows(int B, int D, int H, const float *x, const float *h, float *xh) {
  for (int b = 0; b < B; b++) {
    float *row = xh + (long)b * (D + H);
    for (int j = 0; j < D; j++) row[j] = x[(long)b * D + j];
    for (int j = 0; j < H; j++) row[D + j] = h[(long)b * H + j];
  }
}

__attribute__((export_name("dnd_cell_scratch")))
long dnd_cell_scratch(int B, int D, int H) {
  long K = D + H, G = 5L * H;
  return 2 * B * K + B * G + max3(packed_size((int)K, (int)G), packed_size((int)G, (int)K), packed_size(B, (int)G));
}

__attribute__((export_name("dnd_cell_forward")))
void dnd_cell_forward(int B, int D, int H, const float *x, const float *h, const float *c, const float *m,
                      const float *w, const float *bias, float *hn, float *cn, float *r_out, float *acts, float *scratch) {
  int K = D + H, G = 5 * H;
  float *xh = scratch, *pack = scratch + 2L * B * K + (long)B * G;
  join_rows(B, D, H, x, h, xh);
  pack_b(K, G, w, G, 1, pack);
  gemm_packed(B, G, K, xh, K, 1, pack, acts, G, 0);
  for (int b = 0; b < B; b++) {
    float *z = acts + (long)b * G;
    long row = (long)b * H;
    for (int j = 0; j < H; j += 4) {
      int n = H - j < 4 ? H - j : 4;
      v128_t i = v_sigmoid(wasm_f32x4_add(load_n(z + j, n), load_n(bias + j, n)));
      v128_t f = v_sigmoid(wasm_f32x4_add(load_n(z + H + j, n), load_n(bias + H + j, n)));
      v128_t g = v_tanh(wasm_f32x4_add(load_n(z + 2 * H + j, n), load_n(bias + 2 * H + j, n)));
      v128_t o = v_sigmoid(wasm_f32x4_add(load_n(z + 3 * H + j, n), load_n(bias + 3 * H + j, n)));
      v128_t r = v_sigmoid(wasm_f32x4_add(load_n(z + 4 * H + j, n), load_n(bias + 4 * H + j, n)));
      v128_t cv = wasm_f32x4_add(wasm_f32x4_mul(f, load_n(c + row + j, n)), wasm_f32x4_mul(i, g));
      if (m) cv = wasm_f32x4_add(cv, wasm_f32x4_mul(r, load_n(m + row + j, n)));
      store_n(z + j, i, n); store_n(z + H + j, f, n); store_n(z + 2 * H + j, g, n); store_n(z + 3 * H + j, o, n); store_n(z + 4 * H + j, r, n);
      store_n(cn + row + j, cv, n);
      store_n(r_out + row + j, r, n);
      store_n(hn + row + j, wasm_f32x4_mul(o, v_tanh(cv)), n);
    }
  }
}

/*
 * From dhn, dcn [B,H] and dr [B,H] (the reinstatement gate's own gradient): dx [B,D], dh, dc [B,H],
 * dm [B,H] (0 without m), dw [D+H,5H], db [5H]. All written, not accumulated.
 */
__attribute__((export_name("dnd_cell_backward")))
void dnd_cell_backward(int B, int D, int H, const float *x, const float *h, const float *c, const float *m,
                       const float *w, const float *cn, const float *acts, const float *dhn, const float *dcn,
                       const float *dr, float *dx, float *dh, float *dc, float *dm, float *dw, float *db, float *scratch) {
  int K = D + H, G = 5 * H;
  float *xh = scratch, *dxh = xh + (long)B * K, *dz = dxh + (long)B * K, *pack = dz + (long)B * G;
  for (int b = 0; b < B; b++) {
    const float *a = acts + (long)b * G;
    float *d = dz + (long)b * G;
    long row = (long)b * H;
    for (int j = 0; j < H; j += 4) {
      int n = H - j < 4 ? H - j : 4;
      v128_t one = SPLAT(1.0f);
      v128_t i = load_n(a + j, n), f = load_n(a + H + j, n), g = load_n(a + 2 * H + j, n), o = load_n(a + 3 * H + j, n), r = load_n(a + 4 * H + j, n);
      v128_t tc = v_tanh(load_n(cn + row + j, n));
      v128_t dhv = load_n(dhn + row + j, n);
      v128_t dcv = wasm_f32x4_add(load_n(dcn + row + j, n), wasm_f32x4_mul(wasm_f32x4_mul(dhv, o), wasm_f32x4_sub(one, wasm_f32x4_mul(tc, tc))));
      v128_t mv = m ? load_n(m + row + j, n) : SPLAT(0.0f);
      v128_t drv = wasm_f32x4_add(load_n(dr + row + j, n), wasm_f32x4_mul(dcv, mv));
      store_n(d + j, wasm_f32x4_mul(wasm_f32x4_mul(dcv, g), wasm_f32x4_mul(i, wasm_f32x4_sub(one, i))), n);
      store_n(d + H + j, wasm_f32x4_mul(wasm_f32x4_mul(dcv, load_n(c + row + j, n)), wasm_f32x4_mul(f, wasm_f32x4_sub(one, f))), n);
      store_n(d + 2 * H + j, wasm_f32x4_mul(wasm_f32x4_mul(dcv, i), wasm_f32x4_sub(one, wasm_f32x4_mul(g, g))), n);
      store_n(d + 3 * H + j, wasm_f32x4_mul(wasm_f32x4_mul(dhv, tc), wasm_f32x4_mul(o, wasm_f32x4_sub(one, o))), n);
      store_n(d + 4 * H + j, wasm_f32x4_mul(drv, wasm_f32x4_mul(r, wasm_f32x4_sub(one, r))), n);
      store_n(dc + row + j, wasm_f32x4_mul(dcv, f), n);
      store_n(dm + row + j, m ? wasm_f32x4_mul(dcv, r) : SPLAT(0.0f), n);
    }
  }
  /* d[x; h] = dz·w^T, [B,5H]·[5H,D+H] */
  pack_b(G, K, w, 1, G, pack);
  gemm_packed(B, K, G, dz, G, 1, pack, dxh, K, 0);
  for (int b = 0; b < B; b++) {
    for (int j = 0; j < D; j++) dx[(long)b * D + j] = dxh[(long)b * K + j];
    for (int j = 0; j < H; j++) dh[(long)b * H + j] = dxh[(long)b * K + D + j];
  }
  /* dw = [x; h]^T·dz, [D+H,B]·[B,5H]; db = Σ_b dz */
  join_rows(B, D, H, x, h, xh);
  pack_b(B, G, dz, G, 1, pack);
  gemm_packed(K, G, B, xh, 1, K, pack, dw, G, 0);
  for (int j = 0; j < G; j++) {
    float s = 0.0f;
    for (int b = 0; b < B; b++) s += dz[(long)b * G + j];
    db[j] = s;
  }
}
