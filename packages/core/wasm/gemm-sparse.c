/*
 * The matrix product of gemm.c for a left operand with many zeros: the outputs of a ReLU, which
 * feed most products of an MLP (half their entries are zero, at initialisation as after training).
 *
 *   C (m x n, rows contiguous) = op(A) . op(B) (+ bias) (then ReLU), strides as in gemm.c.
 *
 * Rows go in pairs. Each row's nonzero entries are first gathered: their values and the byte
 * offsets of the matching rows of B's panel (four entries at a time, moved together by a byte
 * shuffle chosen by the four lanes' nonzero mask; a transposed A's rows are first copied to
 * contiguous ones, a group of rows at a time), the two rows' lists interleaved so that one 64-bit
 * load fetches both rows' next entry. Then each 16-column block of the pair is eight 128-bit
 * registers, updated once per entry (both rows at once while both have entries left). One row at
 * a time would leave four sums per step, each waiting on its own previous addition; more columns
 * per row would not fit V8's sixteen registers (its spills cost more than they save).
 *
 * The sums run over the same terms in the same order as gemm.c's, without the zero ones, so the
 * results are gemm.c's; only where B holds an infinity or a NaN would they differ (0 * inf is NaN),
 * so then the kernel computes nothing and returns 0, as it does when A is too dense to gain (see
 * `max_density`); the caller then uses gemm.
 *
 * `scratch` must hold gemm_sparse_a_scratch(k, n) floats: B in zero-padded panels of 16 columns,
 * the bias padded likewise, a group of row pairs' gathered entries with what gathering them needs,
 * and 64 bytes to align them. No data and no stack: see gemm.c.
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

/* The byte shuffles that move the lanes set in a 4-bit mask to the front, in lane order, one per
   mask (the lanes behind get whatever): built in the caller's scratch, since the module has no
   data (see gemm.c). */
static void build_compaction(v128_t *table) {
  for (int mask = 0; mask < 16; mask++) {
    unsigned char *bytes = (unsigned char *)&table[mask];
    int to = 0;
    for (int lane = 0; lane < 4; lane++) {
      if ((mask >> lane & 1) == 0) continue;
      for (int b = 0; b < 4; b++) bytes[4 * to + b] = (unsigned char)(4 * lane + b);
      to++;
    }
    for (int b = 4 * to; b < 16; b++) bytes[b] = 0;
  }
}

/* The nonzero entries of a contiguous row (relu: of relu(row), the entries above zero and NaNs),
   four at a time: their values and B-panel offsets, compacted to values[0..count) and
   offsets[0..count) (k + 4 slots each: a step writes all four lanes). Without relu the test is on
   the bits (zero or minus zero: none but the sign bit set), which V8 compiles without the branch it
   adds to a float comparison for NaN. */
static int compact(int k, const float *row, int relu, const v128_t *table, float *values, int *offsets) {
  int count = 0, p = 0;
  v128_t offs = wasm_i32x4_make(0, WIDTH * 4, 2 * WIDTH * 4, 3 * WIDTH * 4), step = wasm_i32x4_splat(4 * WIDTH * 4);
  for (; p + 4 <= k; p += 4) {
    v128_t v = wasm_v128_load(row + p);
    v128_t keep = relu ? wasm_v128_not(wasm_f32x4_le(v, wasm_f32x4_splat(0.f)))
                       : wasm_i32x4_ne(wasm_i32x4_shl(v, 1), wasm_i32x4_splat(0));
    int mask = wasm_i32x4_bitmask(keep);
    v128_t order = table[mask];
    wasm_v128_store(values + count, wasm_i8x16_swizzle(v, order));
    wasm_v128_store(offsets + count, wasm_i8x16_swizzle(offs, order));
    count += __builtin_popcount(mask);
    offs = wasm_i32x4_add(offs, step);
  }
  for (; p < k; p++) {
    float v = row[p];
    unsigned bits;
    __builtin_memcpy(&bits, &v, sizeof bits);
    values[count] = v;
    offsets[count] = p * WIDTH * (int)sizeof(float);
    count += relu ? !(v <= 0.f) : (bits << 1) != 0;
  }
  return count;
}

/* Two rows' compacted lists (ca and cb entries) interleaved into values and offsets (row a's
   entries in the even slots, row b's in the odd ones), four entries of each at a time (the slots
   past a row's count hold leftovers). */
static void interleave(int ca, int cb, const float *va, const int *oa, const float *vb, const int *ob, float *values,
                       int *offsets) {
  int most = ca > cb ? ca : cb;
  for (int e = 0; e < most; e += 4) {
    v128_t a = wasm_v128_load(va + e), b = wasm_v128_load(vb + e);
    wasm_v128_store(values + 2 * e, wasm_i32x4_shuffle(a, b, 0, 4, 1, 5));
    wasm_v128_store(values + 2 * e + 4, wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
    a = wasm_v128_load(oa + e);
    b = wasm_v128_load(ob + e);
    wasm_v128_store(offsets + 2 * e, wasm_i32x4_shuffle(a, b, 0, 4, 1, 5));
    wasm_v128_store(offsets + 2 * e + 4, wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  }
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
 * ca and cb are the rows' entry counts, the entries interleaved as interleave() leaves them.
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

/* The slots of one pair's interleaved lists: k entries of each row, and interleave()'s overrun. */
static inline int pair_slots(int k) { return 2 * (k + 4); }

/* The floats of sparse_rows()'s lists (see lists_at). */
static inline int list_floats(int k) { return 2 * PAIRS * pair_slots(k) + 2 * PAIRS + 4 * (k + 4) + 64 + 2 * PAIRS * k; }

/* Where the gathered entries of a group of row pairs live (in the caller's scratch). */
typedef struct {
  float *values;
  int *offsets, *counts;
  /* compact()'s two rows (k + 4 slots each) and its shuffles */
  float *values_a, *values_b;
  int *offsets_a, *offsets_b;
  v128_t *compaction;
  /* a group's rows of a transposed A, made contiguous (2 PAIRS rows of k) */
  float *rows;
} Lists;

/* sparse_rows()'s lists at `scratch`: list_floats(k) floats (a group's pairs, their counts,
   compact()'s two rows and shuffles, which prepare_lists() builds first, a group's transposed rows). */
static Lists lists_at(float *scratch, int k) {
  Lists lists;
  int slots = PAIRS * pair_slots(k);
  lists.values = scratch;
  lists.offsets = (int *)(scratch + slots);
  lists.counts = lists.offsets + slots;
  lists.values_a = (float *)(lists.counts + 2 * PAIRS);
  lists.values_b = lists.values_a + k + 4;
  lists.offsets_a = (int *)(lists.values_b + k + 4);
  lists.offsets_b = lists.offsets_a + k + 4;
  lists.compaction = (v128_t *)(lists.offsets_b + k + 4);
  lists.rows = (float *)(lists.compaction + 16);
  return lists;
}

static float *prepare_lists(float *scratch, int k) {
  build_compaction(lists_at(scratch, k).compaction);
  return scratch;
}

/*
 * rows x n of C (rows ldc apart) = op(A) . B-panels (+ bias panels) (+ rows of `add`, ldadd apart,
 * unless add is 0) (then ReLU), for A's rows at a (strides ars, acs); with relu_a, of relu(A) (a
 * contiguous A). By groups of PAIRS row pairs: first the group's entries are gathered, then each
 * 16-column panel goes through all of the group's pairs while it is in L1 (1024x128x128 went from
 * 0.68 to 0.61 ms so, against panel after panel for each pair).
 */
static void sparse_rows(int rows, int n, int k, const float *a, int ars, int acs, int relu_a, const float *panels,
                        const float *bias_panels, const float *add, int ldadd, float *c, int ldc, int relu,
                        float *list_scratch) {
  Lists lists = lists_at(list_scratch, k);
  int blocks = (n + WIDTH - 1) / WIDTH;
  for (int i0 = 0; i0 < rows; i0 += 2 * PAIRS) {
    int pairs = (rows - i0 + 1) / 2 < PAIRS ? (rows - i0 + 1) / 2 : PAIRS;
    /* The group's rows, contiguous: A's own (acs = 1), or a transposed A's (ars = 1) copied so (its
       rows gathered one strided entry at a time cost more than the copy). */
    const float *group = a + i0 * ars;
    int group_rs = ars;
    if (acs != 1) {
      transpose_rows(rows - i0 < 2 * PAIRS ? rows - i0 : 2 * PAIRS, k, group, acs, lists.rows);
      group = lists.rows;
      group_rs = k;
    }
    for (int q = 0; q < pairs; q++) {
      int i = i0 + 2 * q;
      float *v = lists.values + q * pair_slots(k);
      int *o = lists.offsets + q * pair_slots(k);
      const float *row = group + 2 * q * group_rs;
      int *counts = lists.counts + 2 * q;
      counts[0] = compact(k, row, relu_a, lists.compaction, lists.values_a, lists.offsets_a);
      counts[1] =
          i + 1 >= rows ? 0 : compact(k, row + group_rs, relu_a, lists.compaction, lists.values_b, lists.offsets_b);
      interleave(counts[0], counts[1], lists.values_a, lists.offsets_a, lists.values_b, lists.offsets_b, v, o);
    }
    for (int jb = 0; jb < blocks; jb++) {
      int width = n - jb * WIDTH < WIDTH ? n - jb * WIDTH : WIDTH;
      for (int q = 0; q < pairs; q++) {
        int i = i0 + 2 * q;
        float *out = c + i * ldc + jb * WIDTH;
        const float *plus = add == 0 ? 0 : add + i * ldadd + jb * WIDTH;
        pair_block(lists.counts[2 * q], lists.counts[2 * q + 1], lists.values + q * pair_slots(k),
                   lists.offsets + q * pair_slots(k), panels + jb * k * WIDTH, bias_panels + jb * WIDTH, plus,
                   plus == 0 ? 0 : plus + ldadd, out, out + ldc, i + 1 < rows, width, relu);
      }
    }
  }
}

/* 64-byte aligned: a panel row is then one cache line, never split. */
static float *aligned(float *p) { return (float *)(((unsigned long)p + 63) & ~63ul); }

/* The floats of gemm_sparse_a's scratch for B [k, n]: panels and padded bias, a group's lists, the
   64 bytes of alignment. */
EXPORT("gemm_sparse_a_scratch")
int gemm_sparse_a_scratch(int k, int n) {
  int padded = WIDTH * ((n + WIDTH - 1) / WIDTH);
  return padded * (k + 1) + list_floats(k) + 16;
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
              prepare_lists(bias_panels + blocks * WIDTH, k));
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
  return 2 * padded * (H + 1) + 2 * TILE * padded + list_floats(H) + 16;
}

EXPORT("residual_block")
int residual_block(int m, int H, const float *h, const float *w1, const float *b1, const float *w2,
                   const float *b2, float *out, float *hidden_out, float *scratch) {
  int blocks = (H + WIDTH - 1) / WIDTH, padded = blocks * WIDTH;
  float *panels1 = aligned(scratch), *bias1 = panels1 + blocks * H * WIDTH;
  float *panels2 = bias1 + padded, *bias2 = panels2 + blocks * H * WIDTH;
  float *hidden = bias2 + padded, *residual = hidden + TILE * padded;
  float *lists = prepare_lists(residual + TILE * padded, H);
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
