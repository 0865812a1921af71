/*
 * The sum of squares of n float32 values, accumulated in float64 (the squared norm of one
 * gradient; the global norm of a step adds one per variable). Four values per SIMD step, then the
 * tail one by one. No data and no stack: see gemm.c.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

EXPORT("sum_of_squares")
double sum_of_squares(int n, const float *x) {
  v128_t lo = wasm_f64x2_splat(0.0), hi = wasm_f64x2_splat(0.0);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i);
    v128_t a = wasm_f64x2_promote_low_f32x4(v);
    v128_t b = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    lo = wasm_f64x2_add(lo, wasm_f64x2_mul(a, a));
    hi = wasm_f64x2_add(hi, wasm_f64x2_mul(b, b));
  }
  v128_t both = wasm_f64x2_add(lo, hi);
  double sum = wasm_f64x2_extract_lane(both, 0) + wasm_f64x2_extract_lane(both, 1);
  for (; i < n; i++) sum += (double)x[i] * (double)x[i];
  return sum;
}
