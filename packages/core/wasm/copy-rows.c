/*
 * Rows of 32-bit elements (float32 or int32) copied four at a time: dst[r][i] = src[r * stride + i]
 * for r < rows, i < run, how `Slice` copies once its axes are merged into rows; the other way round
 * for `Concat`; and reversed, for `Reverse` along the last axis. No data and no stack: see gemm.c.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

EXPORT("copy_rows")
void copy_rows(int rows, int run, const int *src, int stride, int *dst) {
  for (int r = 0; r < rows; r++) {
    const int *s = src + r * stride;
    int *d = dst + r * run;
    int i = 0;
    for (; i + 4 <= run; i += 4) wasm_v128_store(d + i, wasm_v128_load(s + i));
    for (; i < run; i++) d[i] = s[i];
  }
}

/* dst[r * stride + i] = src[r][i]: copy_rows the other way round, how `Concat` places each
   input's rows between the others'. */
EXPORT("place_rows")
void place_rows(int rows, int run, const int *src, int *dst, int stride) {
  for (int r = 0; r < rows; r++) {
    const int *s = src + r * run;
    int *d = dst + r * stride;
    int i = 0;
    for (; i + 4 <= run; i += 4) wasm_v128_store(d + i, wasm_v128_load(s + i));
    for (; i < run; i++) d[i] = s[i];
  }
}

/* dst[r][i] = src[r][run - 1 - i]: every row reversed, how `Reverse` flips the features between the
   layers of a flow. */
EXPORT("reverse_rows")
void reverse_rows(int rows, int run, const int *src, int *dst) {
  for (int r = 0; r < rows; r++) {
    const int *s = src + r * run;
    int *d = dst + r * run;
    int i = 0;
    for (; i + 4 <= run; i += 4) {
      v128_t v = wasm_v128_load(s + run - 4 - i);
      wasm_v128_store(d + i, wasm_i32x4_shuffle(v, v, 3, 2, 1, 0));
    }
    for (; i < run; i++) d[i] = s[run - 1 - i];
  }
}
