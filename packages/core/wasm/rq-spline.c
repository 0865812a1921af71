/*
 * The rational-quadratic spline of @diffeo/bijectors (nflows's conventions, linear tails, the
 * stable inverse root) and its gradient in double precision: the same formulas as the JS
 * kernels of src/kernels/rq-spline-js.ts, which document them, and bijectors' op-by-op spline,
 * which the tests compare with. Inputs are float32 tensors on tfjs's heap: x [n] and each
 * element's unnormalized widths and heights (K each) and interior derivatives (K - 1), element
 * e's from uw, uh + e * stride and ud + e * dstride: three tensors [n, K], [n, K], [n, K - 1]
 * (stride K, dstride K - 1), or one conditioner output [n, 3K - 1] (uh = uw + K, ud = uw + 2K,
 * both strides 3K - 1). Widths and heights are multiplied by `scale` and `offset` is added to
 * the derivatives, in float32 as the separate tfjs ops would (1 and 0 leave them as they are);
 * the gradients come back in the same layout, those of widths and heights multiplied by `scale`.
 * `ws` is caller-provided scratch of 14 K + 8 doubles. No data and no stack: see gemm.c.
 *
 * Elements inside the bound go two at a time, one per float64 lane (the last one alone fills
 * both lanes): the vector units stay busy where one element's chain of dependent scalar
 * operations left them waiting, 1.6x faster than one element at a time was. The two elements'
 * knots, softmaxes and knot gradients lie in `ws` lane by lane: out[2 i + lane].
 */
#include "math.h"

#define EXPORT(name) __attribute__((export_name(name)))

typedef struct {
  int inverse;
  double bound, min_width, min_height, min_derivative;
  int stride, dstride;
  float scale, offset;
} Attrs;

static inline int inside(double v, double bound) { return __builtin_fabs(v) <= bound; /* NaN: outside */ }

static inline v128_t lanes(float a, float b) { return wasm_f64x2_make(a, b); }

/* The knots of two elements (their unnormalized values u0, u1, times `times`) into out[2 i + lane],
   i = 0..K, and, unless probs is 0, the softmax into probs[2 i + lane], i = 0..K-1. */
static void knots2(const float *u0, const float *u1, float times, int K, double min_bin, double bound,
                   double *out, double *probs) {
  /* The values as float64 into out[2..2K+2), then their exponentials (the knots overwrite them
     below, one behind). */
  v128_t m = wasm_f64x2_splat(-__builtin_inf());
  int i = 0;
  /* Four values of each element at a time: their products in float32 lanes, interleaved, widened. */
  for (v128_t t4 = wasm_f32x4_splat(times); i + 4 <= K; i += 4) {
    v128_t a = wasm_f32x4_mul(wasm_v128_load(u0 + i), t4), b = wasm_f32x4_mul(wasm_v128_load(u1 + i), t4);
    v128_t lo = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), hi = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
    v128_t v0 = wasm_f64x2_promote_low_f32x4(lo), v1 = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(lo, lo, 2, 3, 2, 3));
    v128_t v2 = wasm_f64x2_promote_low_f32x4(hi), v3 = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(hi, hi, 2, 3, 2, 3));
    wasm_v128_store(out + 2 * (i + 1), v0);
    wasm_v128_store(out + 2 * (i + 2), v1);
    wasm_v128_store(out + 2 * (i + 3), v2);
    wasm_v128_store(out + 2 * (i + 4), v3);
    m = wasm_f64x2_pmax(wasm_f64x2_pmax(v0, v1), wasm_f64x2_pmax(wasm_f64x2_pmax(v2, v3), m));
  }
  for (; i < K; i++) {
    v128_t v = lanes(u0[i] * times, u1[i] * times);
    wasm_v128_store(out + 2 * (i + 1), v);
    m = wasm_f64x2_pmax(v, m);
  }
  v128_t sum = wasm_f64x2_splat(0.0);
  for (int i = 0; i < K; i++) {
    v128_t e = exp2d(wasm_f64x2_sub(wasm_v128_load(out + 2 * (i + 1)), m));
    wasm_v128_store(out + 2 * (i + 1), e);
    sum = wasm_f64x2_add(sum, e);
  }
  v128_t scale = wasm_f64x2_splat(1.0 - min_bin * K), minb = wasm_f64x2_splat(min_bin);
  v128_t two = wasm_f64x2_splat(2.0), b = wasm_f64x2_splat(bound), cumulated = wasm_f64x2_splat(0.0);
  wasm_v128_store(out, wasm_f64x2_neg(b));
  for (int i = 0; i < K; i++) {
    v128_t p = wasm_f64x2_div(wasm_v128_load(out + 2 * (i + 1)), sum);
    if (probs != 0) wasm_v128_store(probs + 2 * i, p);
    if (i == K - 1) break;
    cumulated = wasm_f64x2_add(cumulated, wasm_f64x2_add(minb, wasm_f64x2_mul(scale, p)));
    wasm_v128_store(out + 2 * (i + 1), wasm_f64x2_sub(wasm_f64x2_mul(wasm_f64x2_mul(cumulated, two), b), b));
  }
  wasm_v128_store(out + 2 * K, b);
}

/* Two float64 lanes as a vector type, so that the formulas below read as formulas. */
typedef double d2 __attribute__((__vector_size__(16)));

static inline d2 splat(double v) { return (d2){v, v}; }
static inline d2 at2(const double *p) { return (d2)wasm_v128_load(p); }
/* Lanes of a where mask is set, of b elsewhere. */
static inline d2 pick(v128_t mask, d2 a, d2 b) { return (d2)wasm_v128_bitselect((v128_t)a, (v128_t)b, mask); }
static inline d2 vlog(d2 v) { return (d2)log2d((v128_t)v); }
static inline d2 vabs(d2 v) { return (d2)wasm_f64x2_abs((v128_t)v); }

/* softplus(v) and its derivative sigmoid(v) from v and e = e^-|v|, which they share. */
static inline d2 softplus2d(d2 v, d2 e) {
  return (d2)wasm_f64x2_add(wasm_f64x2_pmax((v128_t)v, wasm_f64x2_splat(0.0)), log1p2d((v128_t)e));
}
static inline d2 sigmoid2d(d2 v, d2 e) {
  return pick(wasm_f64x2_ge((v128_t)v, wasm_f64x2_splat(0.0)), 1.0 / (1.0 + e), e / (1.0 + e));
}

typedef struct {
  int k0, k1;
  d2 t, xk, wk, yk, hk, dk, dk1, s;
  /* The bin's two derivative parameters (offset added) and their e^-|v|, for the gradient. */
  d2 uk, uk1, ek, ek1;
} Bin2;

/* The bins of two elements' values v among the x knots (forward) or y knots (inverse), the position
   t in each, and the bin's knots, width, height, end derivatives and slope. */
__attribute__((always_inline)) static inline Bin2 locate2(const double *xs, const double *ys, int K, d2 v,
                                                         const float *d0, const float *d1, const Attrs *a) {
  Bin2 b;
  /* The bin: how many interior knots lie at or below v (the comparison's lanes are -1 where so). */
  const double *search = a->inverse ? ys : xs;
  v128_t count = wasm_i64x2_splat(0);
  for (int i = 1; i < K; i++) count = wasm_i64x2_sub(count, wasm_f64x2_ge((v128_t)v, wasm_v128_load(search + 2 * i)));
  int k0 = (int)wasm_i64x2_extract_lane(count, 0), k1 = (int)wasm_i64x2_extract_lane(count, 1);
  b.k0 = k0;
  b.k1 = k1;
  b.xk = (d2){xs[2 * k0], xs[2 * k1 + 1]};
  b.wk = (d2){xs[2 * k0 + 2], xs[2 * k1 + 3]} - b.xk;
  b.yk = (d2){ys[2 * k0], ys[2 * k1 + 1]};
  b.hk = (d2){ys[2 * k0 + 2], ys[2 * k1 + 3]} - b.yk;
  /* Interior knot derivatives; the end knots' are 1 (lanes chosen after the softplus). */
  float o = a->offset;
  b.uk = (d2){d0[k0 > 0 ? k0 - 1 : 0] + o, d1[k1 > 0 ? k1 - 1 : 0] + o};
  b.uk1 = (d2){d0[k0 < K - 1 ? k0 : 0] + o, d1[k1 < K - 1 ? k1 : 0] + o};
  b.ek = (d2)exp2d((v128_t)-vabs(b.uk));
  b.ek1 = (d2)exp2d((v128_t)-vabs(b.uk1));
  d2 dk = softplus2d(b.uk, b.ek), dk1 = softplus2d(b.uk1, b.ek1);
  b.dk = pick(wasm_i64x2_eq(count, wasm_i64x2_splat(0)), splat(1.0), splat(a->min_derivative) + dk);
  b.dk1 = pick(wasm_i64x2_eq(count, wasm_i64x2_splat(K - 1)), splat(1.0), splat(a->min_derivative) + dk1);
  b.s = b.hk / b.wk;
  if (a->inverse) {
    d2 xi = (v - b.yk) / b.hk;
    d2 g = b.dk * (1.0 - xi) - b.dk1 * xi;
    d2 q = 4.0 * xi * (1.0 - xi) * b.s * b.s;
    d2 d = g * g + q;
    d2 root = (d2)wasm_f64x2_sqrt(wasm_f64x2_pmax((v128_t)d, wasm_f64x2_splat(0.0)));
    d2 g_plus_root = pick(wasm_f64x2_ge((v128_t)g, wasm_f64x2_splat(0.0)), g + root, q / (root + vabs(g)));
    d2 two_xi_slope = 2.0 * xi * b.s;
    b.t = two_xi_slope / (two_xi_slope + g_plus_root);
  } else {
    b.t = (v - b.xk) / b.wk;
  }
  return b;
}

/* rq_spline for elements ea and eb (the same one when it has no partner), both inside the bound. */
__attribute__((always_inline)) static inline void rq_spline_pair(int ea, int eb, int K, const float *x,
                                                                 const float *uw, const float *uh, const float *ud,
                                                                 float *y, float *logdet, const Attrs *a, double *ws) {
  double *xs = ws, *ys = ws + 2 * (K + 1);
  int sa = ea * a->stride, sb = eb * a->stride;
  knots2(uw + sa, uw + sb, a->scale, K, a->min_width, a->bound, xs, 0);
  knots2(uh + sa, uh + sb, a->scale, K, a->min_height, a->bound, ys, 0);
  Bin2 b = locate2(xs, ys, K, (d2){x[ea], x[eb]}, ud + ea * a->dstride, ud + eb * a->dstride, a);
  d2 t = b.t, s = b.s, om = 1.0 - t, tau = t * om;
  d2 den = s * (t * t + om * om) + (b.dk + b.dk1) * tau;
  d2 out = a->inverse ? t * b.wk + b.xk : b.yk + b.hk * (s * t * t + b.dk * tau) / den;
  d2 numerator = s * s * (b.dk1 * t * t + 2.0 * s * tau + b.dk * om * om);
  d2 ld = vlog(numerator / (den * den));
  if (a->inverse) ld = -ld;
  y[ea] = (float)out[0];
  y[eb] = (float)out[1];
  logdet[ea] = (float)ld[0];
  logdet[eb] = (float)ld[1];
}

EXPORT("rq_spline")
void rq_spline(int n, int K, const float *x, const float *uw, const float *uh, const float *ud, int stride,
               int dstride, float scale, float offset, float *y, float *logdet, int inverse, double bound,
               double min_width, double min_height, double min_derivative, double *ws) {
  Attrs a = {inverse, bound, min_width, min_height, min_derivative, stride, dstride, scale, offset};
  int pending = -1; /* an element inside the bound waiting for a partner */
  for (int e = 0; e < n; e++) {
    if (!inside(x[e], bound)) {
      y[e] = x[e];
      logdet[e] = 0.f;
    } else if (pending < 0) {
      pending = e;
    } else {
      rq_spline_pair(pending, e, K, x, uw, uh, ud, y, logdet, &a, ws);
      pending = -1;
    }
  }
  if (pending >= 0) rq_spline_pair(pending, pending, K, x, uw, uh, ud, y, logdet, &a, ws);
}

/* From gradients at the knots to the unnormalized values, f = min + (1 - min K) softmax(u), for two
   elements: g_knots and p lane by lane, out0 and out1 theirs, times `times` (the values' own scale). */
static void back_to_unnormalized2(const double *g_knots, const double *p, double *gp, int K, double min_bin,
                                  double bound, float times, float *out0, float *out1) {
  d2 scale = splat(2.0 * bound * (1.0 - min_bin * K)), suffix = splat(0.0), dot = splat(0.0);
  wasm_v128_store(gp + 2 * (K - 1), wasm_f64x2_splat(0.0));
  for (int i = K - 2; i >= 0; i--) {
    suffix += at2(g_knots + 2 * (i + 1));
    d2 g = scale * suffix;
    wasm_v128_store(gp + 2 * i, (v128_t)g);
    dot += at2(p + 2 * i) * g;
  }
  for (int i = 0; i < K; i++) {
    d2 o = at2(p + 2 * i) * (at2(gp + 2 * i) - dot);
    out0[i] = (float)o[0] * times;
    out1[i] = (float)o[1] * times;
  }
}

/* rq_spline_grad for elements ea and eb (possibly the same), both inside the bound; ws takes 14 K + 8
   doubles. */
__attribute__((always_inline)) static inline void rq_spline_grad_pair(int ea, int eb, int K, const float *x,
                                                                      const float *uw, const float *uh,
                                                                      const float *ud, const float *dy,
                                                                      const float *dlogdet, float *dx, float *dw,
                                                                      float *dh, float *dd, const Attrs *a,
                                                                      double *ws) {
  double *xs = ws, *ys = xs + 2 * (K + 1), *pw = ys + 2 * (K + 1), *ph = pw + 2 * K, *gp = ph + 2 * K;
  double *gX = gp + 2 * K, *gY = gX + 2 * (K + 1);
  int sa = ea * a->stride, sb = eb * a->stride;
  const float *d0 = ud + ea * a->dstride, *d1 = ud + eb * a->dstride;
  knots2(uw + sa, uw + sb, a->scale, K, a->min_width, a->bound, xs, pw);
  knots2(uh + sa, uh + sb, a->scale, K, a->min_height, a->bound, ys, ph);
  Bin2 b = locate2(xs, ys, K, (d2){x[ea], x[eb]}, d0, d1, a);
  d2 gy = {dy[ea], dy[eb]}, gl = {dlogdet[ea], dlogdet[eb]};
  d2 t = b.t, s = b.s, dk = b.dk, dk1 = b.dk1, wk = b.wk, hk = b.hk;
  d2 om = 1.0 - t, tau = t * om, t2 = t * t, om2 = om * om;
  d2 den = s * (t2 + om2) + (dk + dk1) * tau, den2 = den * den;
  d2 N = s * t2 + dk * tau;
  d2 M = dk1 * t2 + 2.0 * s * tau + dk * om2;
  d2 R = N / den;
  d2 Rt = s * M / den2;
  d2 Rs = tau * (dk1 * t2 - dk * om2) / den2;
  d2 Rdk = tau * (s * om2 + dk1 * tau) / den2;
  d2 Rdk1 = -(tau * N) / den2;
  d2 Lt = (2.0 * dk1 * t + 2.0 * s * (1.0 - 2.0 * t) - 2.0 * dk * om) / M - 2.0 * (dk + dk1 - 2.0 * s) * (1.0 - 2.0 * t) / den;
  d2 Ls = 2.0 / s + 2.0 * tau / M - 2.0 * (t2 + om2) / den;
  d2 Ldk = om2 / M - 2.0 * tau / den;
  d2 Ldk1 = t2 / M - 2.0 * tau / den;

  d2 gxk, gwk, gyk, ghk, gs, gdk, gdk1, back;
  if (a->inverse) {
    back = (gy * wk - gl * Lt) / (hk * Rt);
    gxk = gy;
    gwk = gy * t;
    gyk = -back;
    ghk = -back * R;
    gs = -gl * Ls - back * hk * Rs;
    gdk = -gl * Ldk - back * hk * Rdk;
    gdk1 = -gl * Ldk1 - back * hk * Rdk1;
  } else {
    d2 gt = gy * hk * Rt + gl * Lt;
    back = gt / wk;
    gxk = -gt / wk;
    gwk = -gt * t / wk;
    gyk = gy;
    ghk = gy * R;
    gs = gy * hk * Rs + gl * Ls;
    gdk = gy * hk * Rdk + gl * Ldk;
    gdk1 = gy * hk * Rdk1 + gl * Ldk1;
  }
  dx[ea] = (float)back[0];
  dx[eb] = (float)back[1];
  /* s = h_k / w_k */
  ghk += gs / wk;
  gwk -= gs * s / wk;

  for (int i = 0; i <= 2 * K + 1; i++) gX[i] = gY[i] = 0.0;
  int k0 = b.k0, k1 = b.k1;
  gX[2 * k0] = gxk[0] - gwk[0];
  gX[2 * k0 + 2] = gwk[0];
  gX[2 * k1 + 1] = gxk[1] - gwk[1];
  gX[2 * k1 + 3] = gwk[1];
  gY[2 * k0] = gyk[0] - ghk[0];
  gY[2 * k0 + 2] = ghk[0];
  gY[2 * k1 + 1] = gyk[1] - ghk[1];
  gY[2 * k1 + 3] = ghk[1];
  back_to_unnormalized2(gX, pw, gp, K, a->min_width, a->bound, a->scale, dw + sa, dw + sb);
  back_to_unnormalized2(gY, ph, gp, K, a->min_height, a->bound, a->scale, dh + sa, dh + sb);
  float *dd0 = dd + ea * a->dstride, *dd1 = dd + eb * a->dstride;
  for (int i = 0; i < K - 1; i++) dd0[i] = dd1[i] = 0.f;
  d2 sig_k = sigmoid2d(b.uk, b.ek), sig_k1 = sigmoid2d(b.uk1, b.ek1);
  if (k0 > 0) dd0[k0 - 1] = (float)(gdk[0] * sig_k[0]);
  if (k0 < K - 1) dd0[k0] = (float)(gdk1[0] * sig_k1[0]);
  if (k1 > 0) dd1[k1 - 1] = (float)(gdk[1] * sig_k[1]);
  if (k1 < K - 1) dd1[k1] = (float)(gdk1[1] * sig_k1[1]);
}

EXPORT("rq_spline_grad")
void rq_spline_grad(int n, int K, const float *x, const float *uw, const float *uh, const float *ud,
                    int stride, int dstride, float scale, float offset, const float *dy, const float *dlogdet,
                    float *dx, float *dw, float *dh, float *dd, int inverse, double bound, double min_width,
                    double min_height, double min_derivative, double *ws) {
  Attrs a = {inverse, bound, min_width, min_height, min_derivative, stride, dstride, scale, offset};
  int pending = -1; /* an element inside the bound waiting for a partner */
  for (int e = 0; e < n; e++) {
    if (!inside(x[e], bound)) {
      /* the identity: dx = dy, no parameter gradient */
      dx[e] = dy[e];
      for (int i = 0; i < K; i++) dw[e * stride + i] = dh[e * stride + i] = 0.f;
      for (int i = 0; i < K - 1; i++) dd[e * dstride + i] = 0.f;
    } else if (pending < 0) {
      pending = e;
    } else {
      rq_spline_grad_pair(pending, e, K, x, uw, uh, ud, dy, dlogdet, dx, dw, dh, dd, &a, ws);
      pending = -1;
    }
  }
  if (pending >= 0) rq_spline_grad_pair(pending, pending, K, x, uw, uh, ud, dy, dlogdet, dx, dw, dh, dd, &a, ws);
}
