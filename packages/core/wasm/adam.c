/*
 * One Adam update of n parameters in float32 (as tf.train.adam computes it):
 *   m1 = beta1 m + (1 - beta1) g,  v1 = beta2 v + (1 - beta2) g^2,  x1 = x - alpha m1 / (sqrt(v1) + epsHat)
 * alpha is the bias-corrected step size. Four parameters per SIMD step, then the tail one by one.
 * No data and no stack: see gemm.c.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

EXPORT("adam")
void adam(int n, const float *x, const float *m, const float *v, const float *g, float *x1, float *m1,
          float *v1, float alpha, float beta1, float beta2, float eps_hat) {
  const v128_t b1 = wasm_f32x4_splat(beta1), c1 = wasm_f32x4_splat(1.f - beta1);
  const v128_t b2 = wasm_f32x4_splat(beta2), c2 = wasm_f32x4_splat(1.f - beta2);
  const v128_t lr = wasm_f32x4_splat(alpha), eps = wasm_f32x4_splat(eps_hat);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t gi = wasm_v128_load(g + i);
    v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(b1, wasm_v128_load(m + i)), wasm_f32x4_mul(c1, gi));
    v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(b2, wasm_v128_load(v + i)), wasm_f32x4_mul(c2, wasm_f32x4_mul(gi, gi)));
    v128_t step = wasm_f32x4_div(wasm_f32x4_mul(lr, mi), wasm_f32x4_add(wasm_f32x4_sqrt(vi), eps));
    wasm_v128_store(m1 + i, mi);
    wasm_v128_store(v1 + i, vi);
    wasm_v128_store(x1 + i, wasm_f32x4_sub(wasm_v128_load(x + i), step));
  }
  for (; i < n; i++) {
    float gi = g[i];
    float mi = beta1 * m[i] + (1.f - beta1) * gi;
    float vi = beta2 * v[i] + (1.f - beta2) * gi * gi;
    m1[i] = mi;
    v1[i] = vi;
    x1[i] = x[i] - alpha * mi / (__builtin_sqrtf(vi) + eps_hat);
  }
}
