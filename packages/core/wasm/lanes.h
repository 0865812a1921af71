/*
 * Lane helpers of the matrix-product kernels (gemm.c, gemm-sparse.c): the ReLU as results leave
 * the registers, partial stores at the edge of C, and the finiteness check that decides whether
 * a zero may be skipped (0 * inf is NaN).
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
