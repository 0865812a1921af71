/*
 * Elementwise ReLU and step in float32, as tfjs defines them: relu(x) = max(x, 0), step(x) = 1 for
 * x > 0 else alpha, NaN staying NaN in both. tfjs's stock kernels set up an XNNPACK operator per call
 * and, in the threaded build, wake its thread pool (a 128x128 ReLU: 87 us against 20 on one thread).
 * No data and no stack: see gemm.c.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

EXPORT("relu")
void relu(int n, const float *x, float *out) {
  const v128_t zero = wasm_f32x4_splat(0.f);
  int i = 0;
  /* f32x4.max propagates NaN */
  for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, wasm_f32x4_max(wasm_v128_load(x + i), zero));
  for (; i < n; i++) out[i] = x[i] != x[i] ? x[i] : (x[i] > 0.f ? x[i] : 0.f);
}

EXPORT("step")
void step(int n, const float *x, float *out, float alpha) {
  const v128_t one = wasm_f32x4_splat(1.f), a = wasm_f32x4_splat(alpha), zero = wasm_f32x4_splat(0.f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i);
    v128_t s = wasm_v128_bitselect(one, a, wasm_f32x4_gt(v, zero));
    wasm_v128_store(out + i, wasm_v128_bitselect(s, v, wasm_f32x4_eq(v, v))); /* NaN lanes: v */
  }
  for (; i < n; i++) out[i] = x[i] != x[i] ? x[i] : (x[i] > 0.f ? 1.f : alpha);
}
