/*
 * The matrix product of gemm.c for a left operand with many zeros: the outputs of a ReLU, which
 * feed most products of an MLP (half their entries are zero, at initialisation as after training).
 *
 *   C (m x n, rows contiguous) = op(A) . op(B) (+ bias) (then ReLU), strides as in gemm.c.
 *
 * Rows go in pairs. Each row's nonzero entries are first gathered: their values and the byte
 * offsets of the matching rows of B's panel, the two rows' lists interleaved so that one 64-bit
 * load fetches both rows' next entry. Then each 16-column block of the pair is eight 128-bit
 * registers, updated once per entry (both rows at once while both have entries left). One row
 * at a time would leave four sums per step, each waiting on its own previous addition; more
 * columns per row would not fit V8's sixteen registers (its spills cost more than they save).
 *
 * The sums run over the same terms in the same order as gemm.c's, without the zero ones, so the
 * results are gemm.c's; only where B holds an infinity or a NaN would they differ (0 * inf is NaN),
 * so then the kernel computes nothing and returns 0, as it does when A is too dense to gain (see
 * `max_density`); the caller then uses gemm.
 *
 * `scratch` must hold gemm_sparse_a_scratch(k, n) floats: B in zero-padded panels of 16 columns,
 * the bias padded likewise, a group of row pairs' gathered entries, and 64 bytes to align them. No
 * data and no stack: see gemm.c.
 */
#include "lanes.h"

#define EXPORT(name) __attribute__((export_name(name)))

#define WIDTH 16
/* Row pairs gathered before a panel goes through them (sparse_rows). */
#define PAIRS 8
/* Rows of residual_block that go through both products together. */
#define TILE 32

/* Copies B's columns into zero-padded panels of WIDTH; 0 when B holds a non-finite value. */
static int pack_panels(int n, int k, const float *b, int brs, int bcs, const float *bias, float *panels,
                       float *bias_panels) {
  for (int j = 0; j < n; j += WIDTH) {
    float *panel = panels + (j / WIDTH) * k * WIDTH;
    for (int p = 0; p < k; p++) {
      const float *from = b + p * brs + j * bcs;
      float *to = panel + p * WIDTH;
      if (bcs == 1 && j + WIDTH <= n) {
        for (int q = 0; q < WIDTH; q += 4) wasm_v128_store(to + q, wasm_v128_load(from + q));
      } else {
        for (int q = 0; q < WIDTH; q++) to[q] = j + q < n ? from[q * bcs] : 0.f;
      }
    }
    if (!all_finite(panel, k * WIDTH)) return 0;
    for (int q = 0; q < WIDTH; q++) bias_panels[j + q] = bias != 0 && j + q < n ? bias[j + q] : 0.f;
  }
  return 1;
}

/* Gathers a row's nonzero entries into every other slot of `values` and `offsets`. The test is
   on the bits (zero or minus zero: none but the sign bit set), which V8 compiles without the
   branch it adds to a float comparison for NaN. */
static int gather(int k, const float *row, int acs, float *values, int *offsets) {
  int count = 0;
  for (int p = 0; p < k; p++) {
    unsigned bits;
    __builtin_memcpy(&bits, row + p * acs, sizeof bits);
    __builtin_memcpy(values + 2 * count, &bits, sizeof bits);
    offsets[2 * count] = p * WIDTH * (int)sizeof(float);
    count += (bits << 1) != 0;
  }
  return count;
}

/* gather() of relu(row): the entries above zero, and NaNs (relu keeps them). */
static int gather_relu(int k, const float *row, float *values, int *offsets) {
  int count = 0;
  for (int p = 0; p < k; p++) {
    float v = row[p];
    values[2 * count] = v;
    offsets[2 * count] = p * WIDTH * (int)sizeof(float);
    count += !(v <= 0.f);
  }
  return count;
}

static inline const float *at(const float *panel, int offset) {
  return (const float *)((const char *)panel + offset);
}

#define UPDATE(s, x, bp)                                                   \
  s##0 = wasm_f32x4_add(s##0, wasm_f32x4_mul(x, wasm_v128_load(bp)));      \
  s##1 = wasm_f32x4_add(s##1, wasm_f32x4_mul(x, wasm_v128_load(bp + 4)));  \
  s##2 = wasm_f32x4_add(s##2, wasm_f32x4_mul(x, wasm_v128_load(bp + 8)));  \
  s##3 = wasm_f32x4_add(s##3, wasm_f32x4_mul(x, wasm_v128_load(bp + 12)))

/* The sums plus 16 floats from p (a residual added after the product, as a separate add would). */
#define ADD(s, p)                                         \
  s##0 = wasm_f32x4_add(s##0, wasm_v128_load(p));         \
  s##1 = wasm_f32x4_add(s##1, wasm_v128_load(p + 4));     \
  s##2 = wasm_f32x4_add(s##2, wasm_v128_load(p + 8));     \
  s##3 = wasm_f32x4_add(s##3, wasm_v128_load(p + 12))

#define STORE(s, out)                                  \
  store_lanes(out, s##0, width, relu);                  \
  store_lanes(out + 4, s##1, width - 4, relu);          \
  store_lanes(out + 8, s##2, width - 8, relu);          \
  store_lanes(out + 12, s##3, width - 12, relu)

/*
 * One 16-column block of two rows (`second` = 0: of one row, whose entries are the even slots),
 * their sums starting from `init` (the bias), plus add_a and add_b at the end unless add_a is 0.
 * ca and cb are the rows' entry counts, the entries interleaved as gather() leaves them.
 */
__attribute__((noinline)) static void pair_block(int ca, int cb, const float *values, const int *offsets, const float *panel,
                       const float *init, const float *add_a, const float *add_b, float *out_a, float *out_b,
                       int second, int width, int relu) {
  v128_t a0 = wasm_v128_load(init), a1 = wasm_v128_load(init + 4);
  v128_t a2 = wasm_v128_load(init + 8), a3 = wasm_v128_load(init + 12);
  v128_t b0 = a0, b1 = a1, b2 = a2, b3 = a3;
  int both = ca < cb ? ca : cb, e = 0;
  for (; e < both; e++) {
    v128_t pair = wasm_v128_load64_splat(values + 2 * e);
    v128_t xa = wasm_i32x4_shuffle(pair, pair, 0, 0, 0, 0), xb = wasm_i32x4_shuffle(pair, pair, 1, 1, 1, 1);
    long long both_offsets;
    __builtin_memcpy(&both_offsets, offsets + 2 * e, sizeof both_offsets);
    const float *pa = at(panel, (int)both_offsets), *pb = at(panel, (int)(both_offsets >> 32));
    UPDATE(a, xa, pa);
    UPDATE(b, xb, pb);
  }
  for (int f = e; f < ca; f++) {
    v128_t x = wasm_v128_load32_splat(values + 2 * f);
    const float *p = at(panel, offsets[2 * f]);
    UPDATE(a, x, p);
  }
  for (int f = e; f < cb; f++) {
    v128_t x = wasm_v128_load32_splat(values + 2 * f + 1);
    const float *p = at(panel, offsets[2 * f + 1]);
    UPDATE(b, x, p);
  }
  if (add_a != 0) {
    ADD(a, add_a);
    ADD(b, add_b);
  }
  STORE(a, out_a);
  if (second) {
    STORE(b, out_b);
  }
}

/* Where the gathered entries of a group of row pairs live (in the caller's scratch). */
typedef struct {
  float *values;
  int *offsets, *counts;
} Lists;

/*
 * rows x n of C (rows ldc apart) = op(A) . B-panels (+ bias panels) (+ rows of `add`, ldadd apart,
 * unless add is 0) (then ReLU), for A's rows at a (strides ars, acs); with relu_a, of relu(A) (a
 * contiguous A). By groups of PAIRS row pairs: first the group's entries are gathered, then each
 * 16-column panel goes through all of the group's pairs while it is in L1 (1024x128x128 went from
 * 0.68 to 0.61 ms so, against panel after panel for each pair).
 */
static void sparse_rows(int rows, int n, int k, const float *a, int ars, int acs, int relu_a, const float *panels,
                        const float *bias_panels, const float *add, int ldadd, float *c, int ldc, int relu,
                        Lists lists) {
  int blocks = (n + WIDTH - 1) / WIDTH;
  for (int i0 = 0; i0 < rows; i0 += 2 * PAIRS) {
    int pairs = (rows - i0 + 1) / 2 < PAIRS ? (rows - i0 + 1) / 2 : PAIRS;
    for (int q = 0; q < pairs; q++) {
      int i = i0 + 2 * q;
      float *v = lists.values + q * 2 * k;
      int *o = lists.offsets + q * 2 * k;
      const float *row = a + i * ars;
      lists.counts[2 * q] = relu_a ? gather_relu(k, row, v, o) : gather(k, row, acs, v, o);
      lists.counts[2 * q + 1] =
          i + 1 >= rows ? 0 : relu_a ? gather_relu(k, row + ars, v + 1, o + 1) : gather(k, row + ars, acs, v + 1, o + 1);
    }
    for (int jb = 0; jb < blocks; jb++) {
      int width = n - jb * WIDTH < WIDTH ? n - jb * WIDTH : WIDTH;
      for (int q = 0; q < pairs; q++) {
        int i = i0 + 2 * q;
        float *out = c + i * ldc + jb * WIDTH;
        const float *plus = add == 0 ? 0 : add + i * ldadd + jb * WIDTH;
        pair_block(lists.counts[2 * q], lists.counts[2 * q + 1], lists.values + q * 2 * k, lists.offsets + q * 2 * k,
                   panels + jb * k * WIDTH, bias_panels + jb * WIDTH, plus, plus == 0 ? 0 : plus + ldadd, out,
                   out + ldc, i + 1 < rows, width, relu);
      }
    }
  }
}

/* sparse_rows()'s lists at `scratch`: 4 * PAIRS * k + 2 * PAIRS floats (two rows' k entries per pair). */
static Lists lists_at(float *scratch, int k) {
  Lists lists;
  lists.values = scratch;
  lists.offsets = (int *)(scratch + PAIRS * 2 * k);
  lists.counts = lists.offsets + PAIRS * 2 * k;
  return lists;
}

/* 64-byte aligned: a panel row is then one cache line, never split. */
static float *aligned(float *p) { return (float *)(((unsigned long)p + 63) & ~63ul); }

/* The floats of gemm_sparse_a's scratch for B [k, n]: panels and padded bias, a group's lists, the
   64 bytes of alignment. */
EXPORT("gemm_sparse_a_scratch")
int gemm_sparse_a_scratch(int k, int n) {
  int padded = WIDTH * ((n + WIDTH - 1) / WIDTH);
  return padded * (k + 1) + 4 * PAIRS * k + 2 * PAIRS + 16;
}

/*
 * Returns 1 when it computed C; 0, having written nothing, when B is not finite or more than
 * `max_density` of the entries of A's first rows are nonzero (gemm is then faster).
 */
EXPORT("gemm_sparse_a")
int gemm_sparse_a(int m, int n, int k, const float *a, int ars, int acs, const float *b, int brs, int bcs,
                  float *c, const float *bias, int relu, float max_density, float *scratch) {
  int blocks = (n + WIDTH - 1) / WIDTH;
  float *panels = aligned(scratch), *bias_panels = panels + blocks * k * WIDTH;
  /* The first rows decide, before anything is written. */
  int sample = m < 16 ? m : 16, nonzero = 0;
  for (int i = 0; i < sample; i++) {
    for (int p = 0; p < k; p++) nonzero += a[i * ars + p * acs] != 0.f;
  }
  if (nonzero > max_density * sample * k) return 0;
  if (!pack_panels(n, k, b, brs, bcs, bias, panels, bias_panels)) return 0;
  sparse_rows(m, n, k, a, ars, acs, 0, panels, bias_panels, 0, 0, c, n, relu,
              lists_at(bias_panels + blocks * WIDTH, k));
  return 1;
}

/*
 * A residual block of an MLP: out = h + relu(relu(h) W1 + b1) W2 + b2, h [m, H],
 * W1 and W2 [H, H] (rows contiguous). Tiles of TILE rows go through both products while they are
 * in cache, the ReLUs and the residual add are applied as values enter and leave the registers,
 * and both products skip zeros as gemm_sparse_a does (ReLU outputs are about half zeros): instead
 * of a ReLU, two products and an add each reading and writing the whole batch. The sums are those
 * of the separate kernels, so are the results. Returns 0, having written nothing, when W1 or W2
 * holds an infinity or a NaN (the caller then uses the separate kernels). `scratch` must hold
 * residual_block_scratch(H) floats. Unless hidden_out is 0, the hidden layer
 * relu(relu(h) W1 + b1) [m, H] is written there too (for the gradient, which then need not
 * recompute it).
 */
/* The floats of residual_block's scratch for width H: both layers' panels and biases, a tile's
   hidden and residual rows, a group's lists, the 64 bytes of alignment. */
EXPORT("residual_block_scratch")
int residual_block_scratch(int H) {
  int padded = WIDTH * ((H + WIDTH - 1) / WIDTH);
  return 2 * padded * (H + 1) + 2 * TILE * padded + 4 * PAIRS * H + 2 * PAIRS + 16;
}

EXPORT("residual_block")
int residual_block(int m, int H, const float *h, const float *w1, const float *b1, const float *w2,
                   const float *b2, float *out, float *hidden_out, float *scratch) {
  int blocks = (H + WIDTH - 1) / WIDTH, padded = blocks * WIDTH;
  float *panels1 = aligned(scratch), *bias1 = panels1 + blocks * H * WIDTH;
  float *panels2 = bias1 + padded, *bias2 = panels2 + blocks * H * WIDTH;
  float *hidden = bias2 + padded, *residual = hidden + TILE * padded;
  Lists lists = lists_at(residual + TILE * padded, H);
  if (!pack_panels(H, H, w1, H, 1, b1, panels1, bias1)) return 0;
  if (!pack_panels(H, H, w2, H, 1, b2, panels2, bias2)) return 0;
  for (int i0 = 0; i0 < m; i0 += TILE) {
    int rows = m - i0 < TILE ? m - i0 : TILE;
    const float *tile = h + i0 * H;
    /* hidden = relu(relu(h) W1 + b1), rows `padded` apart */
    sparse_rows(rows, H, H, tile, H, 1, 1, panels1, bias1, 0, 0, hidden, padded, 1, lists);
    if (hidden_out != 0) {
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < H; j++) hidden_out[(i0 + r) * H + j] = hidden[r * padded + j];
      }
    }
    /* out = h + (hidden W2 + b2), h's rows copied to `residual`, padded to whole panels */
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < padded; j++) residual[r * padded + j] = j < H ? tile[r * H + j] : 0.f;
    }
    sparse_rows(rows, H, H, hidden, padded, 1, 0, panels2, bias2, residual, padded, out + i0 * H, H, 0, lists);
  }
  return 1;
}
