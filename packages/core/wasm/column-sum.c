/*
 * out[j] = sum over rows of x[i][j] for a rows x cols float32 matrix (every bias gradient),
 * accumulated in float64 in `acc` (cols doubles, caller-provided), rows outer so x is read in
 * order. No data and no stack: see gemm.c.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

EXPORT("column_sum")
void column_sum(int rows, int cols, const float *x, float *out, double *acc) {
  for (int j = 0; j < cols; j++) acc[j] = 0.0;
  for (int i = 0; i < rows; i++) {
    const float *row = x + i * cols;
    int j = 0;
    for (; j + 4 <= cols; j += 4) {
      v128_t v = wasm_v128_load(row + j);
      v128_t lo = wasm_f64x2_promote_low_f32x4(v);
      v128_t hi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
      wasm_v128_store(acc + j, wasm_f64x2_add(wasm_v128_load(acc + j), lo));
      wasm_v128_store(acc + j + 2, wasm_f64x2_add(wasm_v128_load(acc + j + 2), hi));
    }
    for (; j < cols; j++) acc[j] += row[j];
  }
  for (int j = 0; j < cols; j++) out[j] = (float)acc[j];
}
