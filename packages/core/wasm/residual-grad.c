/*
 * The elementwise steps of a residual block's gradient (the products go to gemm.c and
 * gemm-sparse.c; the orchestration is src/kernels/wasm-residual-grad.ts). ReLU's gradient is
 * dy * step(x), step as in unary.c (1 above zero, else 0, NaN staying NaN), multiplied as tfjs's
 * separate Step and Multiply kernels do, so the numbers are theirs.
 * No data and no stack: see gemm.c.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

static inline v128_t step4(v128_t x) {
  v128_t s = wasm_v128_and(wasm_f32x4_splat(1.f), wasm_f32x4_gt(x, wasm_f32x4_splat(0.f)));
  return wasm_v128_bitselect(s, x, wasm_f32x4_eq(x, x));
}

static inline float step1(float x) { return x != x ? x : (x > 0.f ? 1.f : 0.f); }

/* out = dy * step(x) (in place when out is dy). */
EXPORT("relu_grad")
void relu_grad(int n, const float *dy, const float *x, float *out) {
  int i = 0;
  for (; i + 4 <= n; i += 4)
    wasm_v128_store(out + i, wasm_f32x4_mul(wasm_v128_load(dy + i), step4(wasm_v128_load(x + i))));
  for (; i < n; i++) out[i] = dy[i] * step1(x[i]);
}

/* out = skip + dy * step(x): the gradient of a residual block's input (in place when out is dy). */
EXPORT("relu_grad_add")
void relu_grad_add(int n, const float *skip, const float *dy, const float *x, float *out) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t g = wasm_f32x4_mul(wasm_v128_load(dy + i), step4(wasm_v128_load(x + i)));
    wasm_v128_store(out + i, wasm_f32x4_add(wasm_v128_load(skip + i), g));
  }
  for (; i < n; i++) out[i] = skip[i] + dy[i] * step1(x[i]);
}
