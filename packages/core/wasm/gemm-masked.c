/*
 * The affine map of a layer whose weight carries a constant 0/1 mask (a MADE's masked layers),
 * and its gradients, skipping the blocks the mask zeroes:
 *
 *   forward   y  = x (W * M) + b (then ReLU)             x [m, k], W and M [k, n], y [m, n]
 *   backward  dz = dy, or dy * (y > 0) after a ReLU
 *             dx = dz (W * M)^T,  dW = (x^T dz) * M,  db = column sums of dz
 *
 * The mask comes with two block lists, built once per layer (in one int32 array each: blocks + 1
 * starts, as indices into the same array, then the entries, runs of consecutive indices as pairs
 * `first, length`): `rows`, per block of BLOCK output columns, the input rows with a nonzero mask
 * entry in that block; `cols`, per block of BLOCK input units, the output columns with a nonzero
 * mask entry in that block. The forward and dW go through the listed rows of each column block
 * only, dx through the listed columns of each input block. Runs, not single indices: the inner loop
 * then steps through A as gemm.c's does (an index loaded per step made it up to 1.5x slower), and a
 * MADE's degrees in order give a few long runs per block.
 *
 * The weight is multiplied by the mask as its panels are packed, and dW as it is stored, so the
 * values are those of the dense masked products; the skipped terms are exact zeros. Only where x,
 * dz or W holds an infinity or a NaN would they differ (0 * inf is NaN): then every row and column
 * is listed (the product runs dense). The inner kernel is gemm.c's: a 4 x 8 block of the output in
 * eight 128-bit registers, one rank-1 update per listed index. No data and no stack: see gemm.c.
 */
#include "lanes.h"

#define EXPORT(name) __attribute__((export_name(name)))

/* Columns per block of the lists and of the register block (the TS side builds the lists so). */
#define BLOCK 8

#define UPDATE(row, x)                                          \
  c##row##0 = wasm_f32x4_add(c##row##0, wasm_f32x4_mul(x, b0)); \
  c##row##1 = wasm_f32x4_add(c##row##1, wasm_f32x4_mul(x, b1))

static inline void store_row(float *p, v128_t v0, v128_t v1, int width, int relu) {
  store_lanes(p, v0, width, relu);
  store_lanes(p + 4, v1, width - 4, relu);
}

/* Four lanes of v from v[j] (0 when v is null), those from `lanes` on zero. */
static inline v128_t lanes4(const float *v, int j, int lanes) {
  if (v == 0) return wasm_f32x4_splat(0.f);
  return wasm_f32x4_make(lanes > 0 ? v[j] : 0.f, lanes > 1 ? v[j + 1] : 0.f, lanes > 2 ? v[j + 2] : 0.f,
                         lanes > 3 ? v[j + 3] : 0.f);
}

/*
 * m rows of one block of C (width columns at c, rows ldc apart) = init + sum over the listed
 * indices p (`count` runs) of a[i * lda + p] * the panel's next row (rows of BLOCK floats), then
 * ReLU if asked.
 */
__attribute__((noinline)) static void listed_product(int m, int lda, int ldc, int count, const float *a,
                                                     const int *runs, const float *panel, float *c, v128_t init0,
                                                     v128_t init1, int width, int relu) {
  int i = 0;
  for (; i + 4 <= m; i += 4) {
    v128_t c00 = init0, c01 = init1, c10 = init0, c11 = init1;
    v128_t c20 = init0, c21 = init1, c30 = init0, c31 = init1;
    const float *bp = panel;
    for (int r = 0; r < count; r++) {
      const float *a0 = a + i * lda + runs[2 * r], *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
      for (int p = runs[2 * r + 1]; p > 0; p--) {
        v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
        bp += BLOCK;
        v128_t x0 = wasm_v128_load32_splat(a0), x1 = wasm_v128_load32_splat(a1);
        v128_t x2 = wasm_v128_load32_splat(a2), x3 = wasm_v128_load32_splat(a3);
        a0++;
        a1++;
        a2++;
        a3++;
        UPDATE(0, x0);
        UPDATE(1, x1);
        UPDATE(2, x2);
        UPDATE(3, x3);
      }
    }
    float *cp = c + i * ldc;
    store_row(cp, c00, c01, width, relu);
    store_row(cp + ldc, c10, c11, width, relu);
    store_row(cp + 2 * ldc, c20, c21, width, relu);
    store_row(cp + 3 * ldc, c30, c31, width, relu);
  }
  for (; i < m; i++) {
    v128_t c00 = init0, c01 = init1;
    const float *bp = panel;
    for (int r = 0; r < count; r++) {
      const float *a0 = a + i * lda + runs[2 * r];
      for (int p = runs[2 * r + 1]; p > 0; p--) {
        v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
        bp += BLOCK;
        v128_t x0 = wasm_v128_load32_splat(a0++);
        UPDATE(0, x0);
      }
    }
    store_row(c + i * ldc, c00, c01, width, relu);
  }
}

/* The runs of block `block` of a list array (see the top), `count` of them; `all` (one run of
   every index) instead when it is set. */
static const int *block_runs(const int *lists, int block, const int *all, int *count) {
  if (all != 0) {
    *count = 1;
    return all;
  }
  *count = (lists[block + 1] - lists[block]) / 2;
  return lists + lists[block];
}

/* Whether the n floats from x (n a multiple of 4) are all zero: a zero panel (a layer that starts
   at zero, as NSF's output layers) gives the bias, as in gemm.c, when nothing else is infinite. */
__attribute__((noinline)) static int all_zero(const float *x, int n) {
  v128_t any = wasm_i32x4_splat(0);
  for (int i = 0; i < n; i += 4) any = wasm_v128_or(any, wasm_f32x4_ne(wasm_v128_load(x + i), wasm_f32x4_splat(0.f)));
  return !wasm_v128_any_true(any);
}

/* One run of 0..n-1 at `to` (the list of a dense product). */
static int *all_of(int *to, int n) {
  to[0] = 0;
  to[1] = n;
  return to;
}

/* The ints of masked_affine's scratch: a panel of k rows, the dense run. */
EXPORT("masked_affine_scratch")
int masked_affine_scratch(int k, int n) {
  (void)n;
  return k * BLOCK + 2;
}

/* y [m, n] = x [m, k] (W * M) + bias (bias may be null), then ReLU if relu. */
EXPORT("masked_affine")
void masked_affine(int m, int n, int k, const float *x, const float *w, const float *mask, const int *rows,
                   const float *bias, int relu, float *y, float *scratch) {
  float *panel = scratch;
  const int *dense = 0;
  if (!all_finite(x, m * k) || !all_finite(w, k * n)) dense = all_of((int *)(panel + k * BLOCK), k);
  for (int j = 0; j < n; j += BLOCK) {
    int width = n - j < BLOCK ? n - j : BLOCK, count;
    const int *runs = block_runs(rows, j / BLOCK, dense, &count);
    float *to = panel;
    for (int r = 0; r < count; r++) {
      for (int p = runs[2 * r]; p < runs[2 * r] + runs[2 * r + 1]; p++, to += BLOCK) {
        const float *wr = w + p * n + j, *mr = mask + p * n + j;
        if (width == BLOCK) {
          wasm_v128_store(to, wasm_f32x4_mul(wasm_v128_load(wr), wasm_v128_load(mr)));
          wasm_v128_store(to + 4, wasm_f32x4_mul(wasm_v128_load(wr + 4), wasm_v128_load(mr + 4)));
        } else {
          for (int q = 0; q < BLOCK; q++) to[q] = q < width ? wr[q] * mr[q] : 0.f;
        }
      }
    }
    if (dense == 0 && all_zero(panel, (int)(to - panel))) count = 0;
    listed_product(m, k, n, count, x, runs, panel, y + j, lanes4(bias, j, width), lanes4(bias, j + 4, width - 4),
                   width, relu);
  }
}

/* Four rows (ld apart) of four columns of W * M, transposed: column c's four values at
   to + c * BLOCK (half a panel row; the other half comes from the next four rows). */
static inline void transposed_quad(const float *w, const float *mask, int ld, float *to) {
  v128_t r0 = wasm_f32x4_mul(wasm_v128_load(w), wasm_v128_load(mask));
  v128_t r1 = wasm_f32x4_mul(wasm_v128_load(w + ld), wasm_v128_load(mask + ld));
  v128_t r2 = wasm_f32x4_mul(wasm_v128_load(w + 2 * ld), wasm_v128_load(mask + 2 * ld));
  v128_t r3 = wasm_f32x4_mul(wasm_v128_load(w + 3 * ld), wasm_v128_load(mask + 3 * ld));
  store_transposed(r0, r1, r2, r3, to, BLOCK);
}

/* The floats (and ints) of masked_affine_grad's scratch: dz, a panel, a block's rows, the dense run. */
EXPORT("masked_affine_grad_scratch")
int masked_affine_grad_scratch(int m, int n, int k) {
  int panel_rows = m > n ? m : n;
  return m * n + panel_rows * BLOCK + k + 2;
}

/* The indices of `count` runs, one by one, at `to`; returns how many. */
static int expand(const int *runs, int count, int *to) {
  int e = 0;
  for (int r = 0; r < count; r++) {
    for (int p = 0; p < runs[2 * r + 1]; p++) to[e++] = runs[2 * r] + p;
  }
  return e;
}

/* dW's listed rows of one column block: rows (from `list`) of x^T dz-panel, times the mask. */
__attribute__((noinline)) static void weight_gradient_block(int m, int n, int k, const float *x, const int *list,
                                                            int count, const float *panel, const float *mask,
                                                            float *dw, int j, int width) {
  int e = 0;
  for (; e + 4 <= count; e += 4) {
    v128_t c00 = wasm_f32x4_splat(0.f), c01 = c00, c10 = c00, c11 = c00;
    v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    int r0 = list[e], r1 = list[e + 1], r2 = list[e + 2], r3 = list[e + 3];
    const float *xb = x, *bp = panel;
    for (int b = 0; b < m; b++) {
      v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
      bp += BLOCK;
      v128_t x0 = wasm_v128_load32_splat(xb + r0), x1 = wasm_v128_load32_splat(xb + r1);
      v128_t x2 = wasm_v128_load32_splat(xb + r2), x3 = wasm_v128_load32_splat(xb + r3);
      xb += k;
      UPDATE(0, x0);
      UPDATE(1, x1);
      UPDATE(2, x2);
      UPDATE(3, x3);
    }
#define STORE_MASKED(row, r)                                                                                  \
  store_row(dw + r * n + j, wasm_f32x4_mul(c##row##0, lanes4(mask + r * n, j, width)),                         \
            wasm_f32x4_mul(c##row##1, lanes4(mask + r * n, j + 4, width - 4)), width, 0)
    STORE_MASKED(0, r0);
    STORE_MASKED(1, r1);
    STORE_MASKED(2, r2);
    STORE_MASKED(3, r3);
  }
  for (; e < count; e++) {
    v128_t c00 = wasm_f32x4_splat(0.f), c01 = c00;
    int r0 = list[e];
    const float *xb = x, *bp = panel;
    for (int b = 0; b < m; b++) {
      v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
      bp += BLOCK;
      v128_t x0 = wasm_v128_load32_splat(xb + r0);
      xb += k;
      UPDATE(0, x0);
    }
    STORE_MASKED(0, r0);
#undef STORE_MASKED
  }
}

/*
 * The gradients of masked_affine for dy [m, n]: dx [m, k], dw [k, n], db [n]. With relu, y is the
 * forward's output (its ReLU's gradient is taken from y > 0, the same as from its input).
 */
EXPORT("masked_affine_grad")
void masked_affine_grad(int m, int n, int k, const float *x, const float *w, const float *mask, const int *rows,
                        const int *cols, const float *dy, const float *y, int relu, float *dx, float *dw, float *db,
                        float *scratch) {
  float *dz = scratch, *panel = dz + m * n;
  int panel_rows = m > n ? m : n;
  int *listed = (int *)(panel + panel_rows * BLOCK), *all = listed + k;
  if (relu) {
    for (int i = 0; i + 4 <= m * n; i += 4) {
      v128_t on = wasm_v128_and(wasm_f32x4_gt(wasm_v128_load(y + i), wasm_f32x4_splat(0.f)), wasm_f32x4_splat(1.f));
      wasm_v128_store(dz + i, wasm_f32x4_mul(wasm_v128_load(dy + i), on));
    }
    for (int i = (m * n) & ~3; i < m * n; i++) dz[i] = dy[i] * (y[i] > 0.f ? 1.f : 0.f);
  } else {
    dz = (float *)dy;
  }
  int dense = !all_finite(x, m * k) || !all_finite(w, k * n) || !all_finite(dz, m * n);

  /* dW and db, one block of output columns at a time: dz's block packed, summed, multiplied; the
     rows the block does not list are zeros. */
  for (int j = 0; j < n; j += BLOCK) {
    int width = n - j < BLOCK ? n - j : BLOCK, count;
    v128_t s0 = wasm_f32x4_splat(0.f), s1 = s0;
    for (int b = 0; b < m; b++) {
      if (width == BLOCK) {
        wasm_v128_store(panel + b * BLOCK, wasm_v128_load(dz + b * n + j));
        wasm_v128_store(panel + b * BLOCK + 4, wasm_v128_load(dz + b * n + j + 4));
      } else {
        for (int q = 0; q < BLOCK; q++) panel[b * BLOCK + q] = q < width ? dz[b * n + j + q] : 0.f;
      }
      s0 = wasm_f32x4_add(s0, wasm_v128_load(panel + b * BLOCK));
      s1 = wasm_f32x4_add(s1, wasm_v128_load(panel + b * BLOCK + 4));
    }
    store_row(db + j, s0, s1, width, 0);
    const int *runs = block_runs(rows, j / BLOCK, dense ? all_of(all, k) : 0, &count);
    v128_t zero = wasm_f32x4_splat(0.f);
    for (int r = 0, p = 0; r <= count; r++) {
      int end = r < count ? runs[2 * r] : k;
      for (; p < end; p++) store_row(dw + p * n + j, zero, zero, width, 0);
      if (r < count) p = runs[2 * r] + runs[2 * r + 1];
    }
    weight_gradient_block(m, n, k, x, listed, expand(runs, count, listed), panel, mask, dw, j, width);
  }

  /* dx = dz (W * M)^T, one block of input units at a time over its listed output columns. */
  for (int i0 = 0; i0 < k; i0 += BLOCK) {
    int width = k - i0 < BLOCK ? k - i0 : BLOCK, count;
    const int *runs = block_runs(cols, i0 / BLOCK, dense ? all_of(all, n) : 0, &count);
    float *to = panel;
    for (int r = 0; r < count; r++) {
      int j = runs[2 * r], end = j + runs[2 * r + 1];
      if (width == BLOCK) {
        for (; j + 4 <= end; j += 4, to += 4 * BLOCK) {
          transposed_quad(w + i0 * n + j, mask + i0 * n + j, n, to);
          transposed_quad(w + (i0 + 4) * n + j, mask + (i0 + 4) * n + j, n, to + 4);
        }
      }
      for (; j < end; j++, to += BLOCK) {
        for (int q = 0; q < BLOCK; q++) to[q] = q < width ? w[(i0 + q) * n + j] * mask[(i0 + q) * n + j] : 0.f;
      }
    }
    v128_t zero = wasm_f32x4_splat(0.f);
    if (!dense && all_zero(panel, (int)(to - panel))) count = 0;
    listed_product(m, n, k, count, dz, runs, panel, dx + i0, zero, zero, width, 0);
  }
}
