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

/* Whether the n floats from x are all finite (x - x is 0 but for an infinity or a NaN). */
__attribute__((noinline)) static int all_finite(const float *x, int n) {
  v128_t finite = wasm_i32x4_splat(-1);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i);
    finite = wasm_v128_and(finite, wasm_f32x4_eq(wasm_f32x4_sub(v, v), wasm_f32x4_splat(0.f)));
  }
  int scalar = 1;
  for (; i < n; i++) scalar &= x[i] - x[i] == 0.f;
  return scalar && wasm_i32x4_all_true(finite);
}

#endif
