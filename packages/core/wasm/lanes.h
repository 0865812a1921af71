/*
 * Lane helpers of the matrix-product kernels (gemm.c, gemm-sparse.c, gemm-masked.c): the ReLU as
 * results leave the registers, partial stores at the edge of C, a 4 x 4 transpose and the copy of a
 * transposed operand's rows to contiguous ones, and the finiteness check that decides whether a
 * zero may be skipped (0 * inf is NaN).
 */
#ifndef DIFFEO_LANES_H
#define DIFFEO_LANES_H

#include <wasm_simd128.h>

static inline v128_t activate(v128_t v, int relu) {
  return relu ? wasm_f32x4_max(v, wasm_f32x4_splat(0.f)) : v;
}

/* Stores the first `lanes` lanes of activate(v) (all four when lanes >= 4, none when lanes <= 0). */
static inline void store_lanes(float *p, v128_t v, int lanes, int relu) {
  v = activate(v, relu);
  if (lanes >= 4) {
    wasm_v128_store(p, v);
    return;
  }
  if (lanes >= 1) wasm_v128_store32_lane(p, v, 0);
  if (lanes >= 2) wasm_v128_store32_lane(p + 1, v, 1);
  if (lanes >= 3) wasm_v128_store32_lane(p + 2, v, 2);
}

/* The 4 x 4 block whose rows are r0..r3, transposed: its column c stored at to + c * ld. */
static inline void store_transposed(v128_t r0, v128_t r1, v128_t r2, v128_t r3, float *to, int ld) {
  v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
  v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  wasm_v128_store(to, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
  wasm_v128_store(to + ld, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
  wasm_v128_store(to + 2 * ld, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
  wasm_v128_store(to + 3 * ld, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
}

/* `count` rows of k entries of an A whose rows are adjacent floats and whose entries lie acs apart
   (a transposed operand: ars = 1), copied to `to` as contiguous rows k apart, by 4 x 4 blocks. */
static void transpose_rows(int count, int k, const float *a, int acs, float *to) {
  int r = 0;
  for (; r + 4 <= count; r += 4) {
    int p = 0;
    for (; p + 4 <= k; p += 4) {
      const float *from = a + r + p * acs;
      store_transposed(wasm_v128_load(from), wasm_v128_load(from + acs), wasm_v128_load(from + 2 * acs),
                       wasm_v128_load(from + 3 * acs), to + r * k + p, k);
    }
    for (; p < k; p++) {
      for (int q = 0; q < 4; q++) to[(r + q) * k + p] = a[r + q + p * acs];
    }
  }
  for (; r < count; r++) {
    for (int p = 0; p < k; p++) to[r * k + p] = a[r + p * acs];
  }
}

/* Whether the n floats from x are all finite: every magnitude's bits (sign cleared, compared as
   unsigned integers) below those of infinity. Four running maxima, one per load in flight. */
__attribute__((noinline)) static int all_finite(const float *x, int n) {
  v128_t magnitude = wasm_i32x4_splat(0x7fffffff), m0 = wasm_i32x4_splat(0), m1 = m0, m2 = m0, m3 = m0;
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    m0 = wasm_u32x4_max(m0, wasm_v128_and(wasm_v128_load(x + i), magnitude));
    m1 = wasm_u32x4_max(m1, wasm_v128_and(wasm_v128_load(x + i + 4), magnitude));
    m2 = wasm_u32x4_max(m2, wasm_v128_and(wasm_v128_load(x + i + 8), magnitude));
    m3 = wasm_u32x4_max(m3, wasm_v128_and(wasm_v128_load(x + i + 12), magnitude));
  }
  for (; i + 4 <= n; i += 4) m0 = wasm_u32x4_max(m0, wasm_v128_and(wasm_v128_load(x + i), magnitude));
  int scalar = 1;
  for (; i < n; i++) scalar &= x[i] - x[i] == 0.f;
  v128_t largest = wasm_u32x4_max(wasm_u32x4_max(m0, m1), wasm_u32x4_max(m2, m3));
  return scalar && wasm_i32x4_all_true(wasm_u32x4_lt(largest, wasm_i32x4_splat(0x7f800000)));
}

#endif
