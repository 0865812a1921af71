/*
 * out = a (op) b elementwise in float32, op 0 = add, 1 = multiply, where b repeats along a:
 * out[i] = a[i] (op) b[i % nb] (nb divides n; nb = n is the same shape, nb = 1 a scalar, else b
 * broadcast over a's leading dimensions, as a bias over rows). tfjs's stock kernels set up an
 * XNNPACK operator on every call (30-50 us for a bias over 128 x 128); this is a loop.
 * No data and no stack: see gemm.c.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

static inline v128_t apply4(int op, v128_t x, v128_t y) { return op == 0 ? wasm_f32x4_add(x, y) : wasm_f32x4_mul(x, y); }
static inline float apply1(int op, float x, float y) { return op == 0 ? x + y : x * y; }

/* out[0..len) = a[0..len) (op) b[0..len) */
static inline void run(int op, int len, const float *a, const float *b, float *out) {
  int i = 0;
  for (; i + 4 <= len; i += 4) wasm_v128_store(out + i, apply4(op, wasm_v128_load(a + i), wasm_v128_load(b + i)));
  for (; i < len; i++) out[i] = apply1(op, a[i], b[i]);
}

EXPORT("binary")
void binary(int op, int n, const float *a, int nb, const float *b, float *out) {
  if (nb == 1) {
    v128_t s = wasm_v128_load32_splat(b);
    int i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, apply4(op, wasm_v128_load(a + i), s));
    for (; i < n; i++) out[i] = apply1(op, a[i], b[0]);
    return;
  }
  for (int start = 0; start < n; start += nb) run(op, nb, a + start, b, out + start);
}
