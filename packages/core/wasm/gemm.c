/*
 * Diffeo's single-precision matrix product for tfjs's wasm backend, compiled to a small wasm
 * module that imports tfjs's own memory, so it reads and writes tensors where they live.
 *
 *   C (m x n, rows contiguous) = op(A) . op(B) (+ bias) (then ReLU)
 *
 * A's element (i, p) is a[i * ars + p * acs] and B's element (p, j) is b[p * brs + j * bcs]: a
 * transposed operand is only a pair of strides. The inner kernel computes a 4 x 8 block of C in
 * eight 128-bit registers, one rank-1 update per step along k (two loads of B, four splat loads
 * of A). B is used in panels of 8 columns, each first copied (zero-padded) to `scratch`; a
 * transposed A (ars = 1) is first copied there too, as contiguous rows. `scratch` must hold
 * gemm_scratch(m, k, transposed) floats.
 *
 * The module must not touch memory it does not own: it has no data and no stack (everything
 * lives in wasm locals); scripts/build-wasm.mjs checks that in the compiled module.
 */
#include "lanes.h"

#define EXPORT(name) __attribute__((export_name(name)))

/* Stores the first `width` (1 to 8) lanes of v0:v1 at p. */
static inline void store_row(float *p, v128_t v0, v128_t v1, int width, int relu) {
  store_lanes(p, v0, width, relu);
  store_lanes(p + 4, v1, width - 4, relu);
}

#define UPDATE(row, x)                                        \
  c##row##0 = wasm_f32x4_add(c##row##0, wasm_f32x4_mul(x, b0)); \
  c##row##1 = wasm_f32x4_add(c##row##1, wasm_f32x4_mul(x, b1))

/* Whether the n floats from x (n a multiple of 4) are all zero (or minus zero). */
__attribute__((noinline)) static int all_zero(const float *x, int n) {
  v128_t any = wasm_i32x4_splat(0);
  for (int i = 0; i < n; i += 4) any = wasm_v128_or(any, wasm_f32x4_ne(wasm_v128_load(x + i), wasm_f32x4_splat(0.f)));
  return !wasm_v128_any_true(any);
}

/* m rows of a width-column block of C (at c, rows n apart) set to v0:v1. Kept out of gemm's body,
   and the product loop its own function: all in one, the loop ran 7% slower (V8's registers). */
__attribute__((noinline)) static void fill_rows(int m, int n, float *c, v128_t v0, v128_t v1, int width, int relu) {
  for (int i = 0; i < m; i++) store_row(c + i * n, v0, v1, width, relu);
}

/* One panel's block of C (m rows of `width` columns at c, rows n apart): 4 x 8 register blocks. */
__attribute__((noinline)) static void panel_product(int m, int n, int k, const float *a, int ars, int acs,
                                                    const float *panel, float *c, v128_t init0, v128_t init1,
                                                    int width, int relu) {
  int i = 0;
  for (; i + 4 <= m; i += 4) {
    v128_t c00 = init0, c01 = init1, c10 = init0, c11 = init1;
    v128_t c20 = init0, c21 = init1, c30 = init0, c31 = init1;
    const float *a0 = a + i * ars, *a1 = a0 + ars, *a2 = a1 + ars, *a3 = a2 + ars;
    const float *bp = panel;
    for (int p = 0; p < k; p++) {
      v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
      bp += 8;
      v128_t x0 = wasm_v128_load32_splat(a0), x1 = wasm_v128_load32_splat(a1);
      v128_t x2 = wasm_v128_load32_splat(a2), x3 = wasm_v128_load32_splat(a3);
      a0 += acs;
      a1 += acs;
      a2 += acs;
      a3 += acs;
      UPDATE(0, x0);
      UPDATE(1, x1);
      UPDATE(2, x2);
      UPDATE(3, x3);
    }
    float *cp = c + i * n;
    store_row(cp, c00, c01, width, relu);
    store_row(cp + n, c10, c11, width, relu);
    store_row(cp + 2 * n, c20, c21, width, relu);
    store_row(cp + 3 * n, c30, c31, width, relu);
  }
  for (; i < m; i++) {
    v128_t c00 = init0, c01 = init1;
    const float *a0 = a + i * ars, *bp = panel;
    for (int p = 0; p < k; p++) {
      v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
      bp += 8;
      v128_t x0 = wasm_v128_load32_splat(a0);
      a0 += acs;
      UPDATE(0, x0);
    }
    store_row(c + i * n, c00, c01, width, relu);
  }
}

/* Four lanes of the bias from bias[j] (0 when there is none), those from `lanes` on zero. */
static inline v128_t bias4(const float *bias, int j, int lanes) {
  if (bias == 0) return wasm_f32x4_splat(0.f);
  return wasm_f32x4_make(lanes > 0 ? bias[j] : 0.f, lanes > 1 ? bias[j + 1] : 0.f, lanes > 2 ? bias[j + 2] : 0.f,
                         lanes > 3 ? bias[j + 3] : 0.f);
}

/* How many of B's first lines are all zeros: its columns (along = bcs, across = brs) or its rows
   (along = brs, across = bcs). */
static int leading_zero_lines(int lines, int length, const float *b, int along, int across) {
  int line = 0;
  for (; line < lines; line++) {
    for (int i = 0; i < length; i++) {
      if (b[line * along + i * across] != 0.f) return line;
    }
  }
  return line;
}

/* The floats of gemm's scratch: a panel of B, and a transposed A's rows made contiguous. */
EXPORT("gemm_scratch")
int gemm_scratch(int m, int k, int transposed) {
  return k * 8 + (transposed ? m * k : 0);
}

/*
 * A's strides are those of a contiguous matrix, read along rows (ars = k, acs = 1) or, transposed,
 * along columns (ars = 1, acs = m): either way A is the m * k floats from a.
 */
EXPORT("gemm")
void gemm(int m, int n, int k, const float *a, int ars, int acs, const float *b, int brs, int bcs,
          float *c, const float *bias, int relu, float *scratch) {
  /* All-zero columns of B (a MADE's masked outputs: the first half of the output layer of one on
     2-D data) give the bias, unless A holds an infinity or a NaN (0 * inf is NaN). Leading ones
     are left out of the panels, so that these start at the first column with a nonzero. */
  int a_finite = -1; /* not looked at yet */
  int dead = leading_zero_lines(n, k, b, bcs, brs);
  if (dead > 0) {
    a_finite = all_finite(a, m * k);
    if (!a_finite) dead = 0;
  }
  /* Likewise leading all-zero rows of B (the masked outputs again, in the backward product with
     the output layer's weights transposed) are left out of the sums. */
  int zero_rows = dead == n ? 0 : leading_zero_lines(k, n, b, brs, bcs);
  if (zero_rows > 0) {
    if (a_finite < 0) a_finite = all_finite(a, m * k);
    if (a_finite) {
      a += zero_rows * acs;
      b += zero_rows * brs;
      k -= zero_rows;
    }
  }
  for (int j = 0; j < dead; j += 8) {
    int width = dead - j < 8 ? dead - j : 8;
    fill_rows(m, n, c + j, bias4(bias, j, width), bias4(bias, j + 4, width - 4), width, relu);
  }
  /* A transposed is read in rows made contiguous: in place, each step's four values would lie m
     floats on from the last, on cache lines of their own (and for m = 128 in a few L1 sets). */
  if (ars == 1 && acs != 1 && dead < n) {
    transpose_rows(m, k, a, acs, scratch + k * 8);
    a = scratch + k * 8;
    ars = k;
    acs = 1;
  }
  for (int j = dead; j < n; j += 8) {
    int width = n - j < 8 ? n - j : 8;
    /* The panel is always copied: read in place, its rows lie k apart at a stride of n floats,
       which for n = 128 (512 bytes) maps them onto a few L1 sets; 1024x128x128 went from 1.18 to
       0.79 ms on the same machine by copying. */
    for (int p = 0; p < k; p++) {
      for (int q = 0; q < 8; q++) scratch[p * 8 + q] = q < width ? b[p * brs + (j + q) * bcs] : 0.f;
    }
    const float *panel = scratch;
    v128_t init0 = bias4(bias, j, width), init1 = bias4(bias, j + 4, width - 4);
    if (all_zero(panel, k * 8)) {
      if (a_finite < 0) a_finite = all_finite(a, m * k);
      if (a_finite) {
        fill_rows(m, n, c + j, init0, init1, width, relu);
        continue;
      }
    }
    panel_product(m, n, k, a, ars, acs, panel, c + j, init0, init1, width, relu);
  }
}
