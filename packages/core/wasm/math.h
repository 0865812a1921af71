/*
 * exp, log and log1p in double precision for the wasm kernels, which link no C library, on two
 * float64 lanes (and log on one, for special values). Range reduction, then series that reach
 * double rounding on the reduced range: exp's Taylor series to degree 11 on |r| <= ln2 / 2
 * (relative remainder below 1e-14), log's atanh series to degree 17 in f = (m - 1) / (m + 1),
 * |f| <= 0.172 (remainder below 1e-15). Special values of log as in C: log(0) = -inf, log of a
 * negative number or NaN is NaN.
 */
#ifndef DIFFEO_MATH_H
#define DIFFEO_MATH_H

#include <wasm_simd128.h>

typedef unsigned long long u64;

static inline double bits_to_double(u64 b) {
  double d;
  __builtin_memcpy(&d, &b, sizeof d);
  return d;
}

static inline u64 double_to_bits(double d) {
  u64 b;
  __builtin_memcpy(&b, &d, sizeof b);
  return b;
}

#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
#define INV_LN2 1.44269504088896338700e+00
#define ROUNDING_SHIFT 6755399441055744.0 /* 1.5 * 2^52 */

/* 2 atanh(f) = log((1 + f) / (1 - f)) for |f| <= 0.172. */
static inline double log_series(double f) {
  double s = f * f;
  double p = 1.0 / 17.0;
  p = p * s + 1.0 / 15.0;
  p = p * s + 1.0 / 13.0;
  p = p * s + 1.0 / 11.0;
  p = p * s + 1.0 / 9.0;
  p = p * s + 1.0 / 7.0;
  p = p * s + 1.0 / 5.0;
  p = p * s + 1.0 / 3.0;
  p = p * s + 1.0;
  return 2.0 * f * p;
}

static inline double dlog(double x) {
  if (x != x || x < 0.0) return __builtin_nan("");
  if (x == 0.0) return -__builtin_inf();
  if (x == __builtin_inf()) return x;
  int e = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 18014398509481984.0; /* 2^54: subnormals */
    e = -54;
  }
  u64 b = double_to_bits(x);
  e += (int)((b >> 52) & 0x7ff) - 1023;
  double m = bits_to_double((b & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL); /* [1, 2) */
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e += 1;
  }
  return e * LN2_HI + (e * LN2_LO + log_series((m - 1.0) / (m + 1.0)));
}

/* lo + hi x on two lanes: a pair of a polynomial's terms, for Estrin's scheme below. */
static inline v128_t pair2d(double lo, double hi, v128_t x) {
  return wasm_f64x2_add(wasm_f64x2_splat(lo), wasm_f64x2_mul(wasm_f64x2_splat(hi), x));
}

/*
 * e^x on two float64 lanes, for softmaxes: Taylor to degree 11 on |r| <= ln2 / 2 (relative
 * remainder below 1e-14; float32 lanes were tried and are not enough: knots are cumulative sums,
 * and the narrowest bins, differences of knots, lost 1e-4 of their width). Inputs are clamped to
 * [-708, 709] (e^-708 ~ 3e-308 stands in for anything smaller); NaN stays NaN.
 */
static inline v128_t exp2d(v128_t x) {
  x = wasm_f64x2_pmax(x, wasm_f64x2_splat(-708.0));
  x = wasm_f64x2_pmin(x, wasm_f64x2_splat(709.0));
  /* k = x / ln2 rounded to the nearest integer, by adding 1.5 * 2^52: the sum's last bits are k
     (two's complement), without the lane-by-lane conversion clang makes of a float-to-int one. */
  v128_t shifted = wasm_f64x2_add(wasm_f64x2_mul(x, wasm_f64x2_splat(INV_LN2)), wasm_f64x2_splat(ROUNDING_SHIFT));
  v128_t kf = wasm_f64x2_sub(shifted, wasm_f64x2_splat(ROUNDING_SHIFT));
  v128_t r = wasm_f64x2_sub(x, wasm_f64x2_mul(kf, wasm_f64x2_splat(LN2_HI)));
  r = wasm_f64x2_sub(r, wasm_f64x2_mul(kf, wasm_f64x2_splat(LN2_LO)));
  /* Estrin's scheme: the terms in pairs, then in fours and eights, a chain of 5 steps where
     Horner's has 11. */
  v128_t r2 = wasm_f64x2_mul(r, r), r4 = wasm_f64x2_mul(r2, r2), r8 = wasm_f64x2_mul(r4, r4);
  v128_t q0 = pair2d(1.0, 1.0, r), q1 = pair2d(0.5, 1.0 / 6.0, r), q2 = pair2d(1.0 / 24.0, 1.0 / 120.0, r);
  v128_t q3 = pair2d(1.0 / 720.0, 1.0 / 5040.0, r), q4 = pair2d(1.0 / 40320.0, 1.0 / 362880.0, r);
  v128_t q5 = pair2d(1.0 / 3628800.0, 1.0 / 39916800.0, r);
  v128_t s0 = wasm_f64x2_add(q0, wasm_f64x2_mul(q1, r2)), s1 = wasm_f64x2_add(q2, wasm_f64x2_mul(q3, r2));
  v128_t s2 = wasm_f64x2_add(q4, wasm_f64x2_mul(q5, r2));
  v128_t p = wasm_f64x2_add(wasm_f64x2_add(s0, wasm_f64x2_mul(s1, r4)), wasm_f64x2_mul(s2, r8));
  /* 2^k with k in [-1022, 1023]: k + 1023 in the exponent field (the shift drops the sum's upper
     bits). NaN lanes give some k; p is NaN there anyway. */
  v128_t scale = wasm_i64x2_shl(wasm_i64x2_add(shifted, wasm_i64x2_splat(1023)), 52);
  return wasm_f64x2_mul(p, scale);
}

/* 2 atanh(f) = log((1 + f) / (1 - f)) on two lanes, |f| <= 0.172: log_series's terms, summed by
   Estrin's scheme: half as long a chain of dependent operations as Horner's, which matters where a
   kernel has little else to overlap a logarithm with (the spline takes three per element). */
static inline v128_t log_series2d(v128_t f) {
  v128_t s = wasm_f64x2_mul(f, f), s2 = wasm_f64x2_mul(s, s), s4 = wasm_f64x2_mul(s2, s2);
  v128_t q0 = pair2d(1.0, 1.0 / 3.0, s), q1 = pair2d(1.0 / 5.0, 1.0 / 7.0, s);
  v128_t q2 = pair2d(1.0 / 9.0, 1.0 / 11.0, s), q3 = pair2d(1.0 / 13.0, 1.0 / 15.0, s);
  v128_t t0 = wasm_f64x2_add(q0, wasm_f64x2_mul(q1, s2));
  v128_t t1 = wasm_f64x2_add(q2, wasm_f64x2_mul(q3, s2));
  v128_t t1_high = wasm_f64x2_add(t1, wasm_f64x2_mul(wasm_f64x2_splat(1.0 / 17.0), s4));
  v128_t p = wasm_f64x2_add(t0, wasm_f64x2_mul(t1_high, s4));
  return wasm_f64x2_mul(wasm_f64x2_add(f, f), p);
}

/*
 * dlog on two lanes, for normal positive numbers (the only ones the spline's kernels take the
 * logarithm of); 0, negative, subnormal, infinite and NaN lanes go through dlog one by one.
 */
static inline v128_t log2d(v128_t x) {
  v128_t normal = wasm_v128_and(wasm_f64x2_ge(x, wasm_f64x2_splat(2.2250738585072014e-308)),
                                wasm_f64x2_lt(x, wasm_f64x2_splat(__builtin_inf())));
  if (!wasm_i64x2_all_true(normal)) {
    return wasm_f64x2_make(dlog(wasm_f64x2_extract_lane(x, 0)), dlog(wasm_f64x2_extract_lane(x, 1)));
  }
  v128_t e = wasm_i64x2_sub(wasm_u64x2_shr(x, 52), wasm_i64x2_splat(1023));
  v128_t m = wasm_v128_or(wasm_v128_and(x, wasm_i64x2_splat(0x000fffffffffffffLL)),
                          wasm_i64x2_splat(0x3ff0000000000000LL)); /* [1, 2) */
  v128_t big = wasm_f64x2_gt(m, wasm_f64x2_splat(1.4142135623730951));
  m = wasm_v128_bitselect(wasm_f64x2_mul(m, wasm_f64x2_splat(0.5)), m, big);
  e = wasm_i64x2_sub(e, big); /* big lanes are all ones: -1 */
  v128_t ef = wasm_f64x2_convert_low_i32x4(wasm_i32x4_shuffle(e, e, 0, 2, 0, 2));
  v128_t one = wasm_f64x2_splat(1.0);
  v128_t f = wasm_f64x2_div(wasm_f64x2_sub(m, one), wasm_f64x2_add(m, one));
  v128_t low = wasm_f64x2_add(wasm_f64x2_mul(ef, wasm_f64x2_splat(LN2_LO)), log_series2d(f));
  return wasm_f64x2_add(wasm_f64x2_mul(ef, wasm_f64x2_splat(LN2_HI)), low);
}

/*
 * log(1 + y) on two lanes, 0 <= y <= 1 (the spline's softplus: y = e^-|v|), accurate for tiny y, one
 * series per lane: 2 atanh(y / (2 + y)) below sqrt(2) - 1, else ln 2 + 2 atanh((y - 1) / (y + 3)),
 * the same as log2d's reduction of 1 + y to m = (1 + y) / 2 (f = (m - 1) / (m + 1)) without
 * rounding 1 + y first.
 */
static inline v128_t log1p2d(v128_t y) {
  v128_t small = wasm_f64x2_lt(y, wasm_f64x2_splat(0.41421356237309503));
  v128_t num = wasm_v128_bitselect(y, wasm_f64x2_sub(y, wasm_f64x2_splat(1.0)), small);
  v128_t den = wasm_f64x2_add(y, wasm_v128_bitselect(wasm_f64x2_splat(2.0), wasm_f64x2_splat(3.0), small));
  v128_t ln2 = wasm_v128_andnot(wasm_f64x2_splat(LN2_HI + LN2_LO), small);
  return wasm_f64x2_add(ln2, log_series2d(wasm_f64x2_div(num, den)));
}

#endif
