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
 * `scratch` must hold 16 * ceil(n / 16) * (k + 1) + 4 * k floats: B in zero-padded panels of 16
 * columns, the bias padded likewise, and the pair's gathered entries. No data and no stack: see
 * gemm.c.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

#define WIDTH 16

/* Copies B's columns into zero-padded panels of WIDTH; 0 when B holds a non-finite value. */
static int pack_panels(int n, int k, const float *b, int brs, int bcs, const float *bias, float *panels,
                       float *bias_panels) {
  v128_t finite = wasm_i32x4_splat(-1);
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
      for (int q = 0; q < WIDTH; q += 4) {
        v128_t v = wasm_v128_load(to + q);
        finite = wasm_v128_and(finite, wasm_f32x4_eq(wasm_f32x4_sub(v, v), wasm_f32x4_splat(0.f)));
      }
    }
    for (int q = 0; q < WIDTH; q++) bias_panels[j + q] = bias != 0 && j + q < n ? bias[j + q] : 0.f;
  }
  /* v - v is 0 but for an infinity or a NaN */
  return wasm_i32x4_all_true(finite);
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

static inline v128_t activate(v128_t v, int relu) {
  return relu ? wasm_f32x4_max(v, wasm_f32x4_splat(0.f)) : v;
}

/* Stores the first `lanes` lanes of v (all four when lanes >= 4, none when lanes <= 0). */
static inline void store_part(float *p, v128_t v, int lanes, int relu) {
  v = activate(v, relu);
  if (lanes >= 4) {
    wasm_v128_store(p, v);
    return;
  }
  if (lanes >= 1) wasm_v128_store32_lane(p, v, 0);
  if (lanes >= 2) wasm_v128_store32_lane(p + 1, v, 1);
  if (lanes >= 3) wasm_v128_store32_lane(p + 2, v, 2);
}

static inline const float *at(const float *panel, int offset) {
  return (const float *)((const char *)panel + offset);
}

#define UPDATE(s, x, bp)                                                   \
  s##0 = wasm_f32x4_add(s##0, wasm_f32x4_mul(x, wasm_v128_load(bp)));      \
  s##1 = wasm_f32x4_add(s##1, wasm_f32x4_mul(x, wasm_v128_load(bp + 4)));  \
  s##2 = wasm_f32x4_add(s##2, wasm_f32x4_mul(x, wasm_v128_load(bp + 8)));  \
  s##3 = wasm_f32x4_add(s##3, wasm_f32x4_mul(x, wasm_v128_load(bp + 12)))

#define STORE(s, out)                                  \
  store_part(out, s##0, width, relu);                  \
  store_part(out + 4, s##1, width - 4, relu);          \
  store_part(out + 8, s##2, width - 8, relu);          \
  store_part(out + 12, s##3, width - 12, relu)

/*
 * One 16-column block of two rows (`second` = 0: of one row, whose entries are the even slots).
 * ca and cb are the rows' entry counts, the entries interleaved as gather() leaves them.
 */
__attribute__((noinline)) static void pair_block(int ca, int cb, const float *values, const int *offsets, const float *panel,
                       const float *init, float *out_a, float *out_b, int second, int width, int relu) {
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
  STORE(a, out_a);
  if (second) {
    STORE(b, out_b);
  }
}

/*
 * Returns 1 when it computed C; 0, having written nothing, when B is not finite or more than
 * `max_density` of the entries of A's first rows are nonzero (gemm is then faster).
 */
EXPORT("gemm_sparse_a")
int gemm_sparse_a(int m, int n, int k, const float *a, int ars, int acs, const float *b, int brs, int bcs,
                  float *c, const float *bias, int relu, float max_density, float *scratch) {
  int blocks = (n + WIDTH - 1) / WIDTH;
  /* Panels on a 64-byte boundary: a panel row is then one cache line, never split. */
  float *panels = (float *)(((unsigned long)scratch + 63) & ~63ul), *bias_panels = panels + blocks * k * WIDTH;
  float *values = bias_panels + blocks * WIDTH;
  int *offsets = (int *)(values + 2 * k);
  /* The first rows decide, before anything is written. */
  int sample = m < 16 ? m : 16, nonzero = 0;
  for (int i = 0; i < sample; i++) {
    for (int p = 0; p < k; p++) nonzero += a[i * ars + p * acs] != 0.f;
  }
  if (nonzero > max_density * sample * k) return 0;
  if (!pack_panels(n, k, b, brs, bcs, bias, panels, bias_panels)) return 0;
  for (int i = 0; i < m; i += 2) {
    int second = i + 1 < m;
    int ca = gather(k, a + i * ars, acs, values, offsets);
    int cb = second ? gather(k, a + (i + 1) * ars, acs, values + 1, offsets + 1) : 0;
    for (int jb = 0; jb < blocks; jb++) {
      int width = n - jb * WIDTH < WIDTH ? n - jb * WIDTH : WIDTH;
      float *out = c + i * n + jb * WIDTH;
      pair_block(ca, cb, values, offsets, panels + jb * k * WIDTH, bias_panels + jb * WIDTH, out, out + n,
                 second, width, relu);
    }
  }
  return 1;
}
