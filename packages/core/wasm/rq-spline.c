/*
 * The rational-quadratic spline of @diffeo/bijectors (nflows's conventions, linear tails, the
 * stable inverse root) and its gradient in double precision: the same formulas as the JS
 * kernels of bijectors' src/spline/rq-kernel.ts, which document them and which the tests compare
 * with. The spline goes two elements at a time where both are inside the bound (one per float64
 * lane: 1.6-1.7x faster than one at a time here), the gradient one element at a time. Inputs are float32 tensors on tfjs's heap: x [n], the unnormalized
 * widths and heights [n, K] and derivatives [n, K - 1]. `ws` is caller-provided scratch of
 * 7 K + 4 doubles. No data and no stack: see gemm.c.
 */
#include "math.h"

#define EXPORT(name) __attribute__((export_name(name)))

typedef struct {
  int inverse;
  double bound, min_width, min_height, min_derivative;
} Attrs;

/* softmax(u[0..K)) into p, then the knots -B .. B into out (K + 1). The exponentials two at a
   time (exp2d). */
static void knots(const float *u, int K, double min_bin, double bound, double *p, double *out) {
  double m = -__builtin_inf();
  for (int i = 0; i < K; i++) m = u[i] > m ? u[i] : m;
  double sum = 0.0;
  int i = 0;
  for (; i + 2 <= K; i += 2) {
    v128_t e = exp2d(wasm_f64x2_sub(wasm_f64x2_make(u[i], u[i + 1]), wasm_f64x2_splat(m)));
    p[i] = wasm_f64x2_extract_lane(e, 0);
    p[i + 1] = wasm_f64x2_extract_lane(e, 1);
    sum += p[i] + p[i + 1];
  }
  for (; i < K; i++) {
    p[i] = dexp(u[i] - m);
    sum += p[i];
  }
  double scale = 1.0 - min_bin * K, cumulated = 0.0;
  out[0] = -bound;
  for (i = 0; i < K; i++) {
    p[i] /= sum;
    if (i < K - 1) {
      cumulated += min_bin + scale * p[i];
      out[i + 1] = cumulated * 2.0 * bound - bound;
    }
  }
  out[K] = bound;
}

static inline double softplus(double v) { return (v > 0.0 ? v : 0.0) + dlog1p(dexp(-__builtin_fabs(v))); }

static inline double sigmoid(double v) {
  if (v >= 0.0) return 1.0 / (1.0 + dexp(-v));
  double e = dexp(v);
  return e / (1.0 + e);
}

typedef struct {
  int k;
  double t, xk, wk, yk, hk, dk, dk1, s;
} Bin;

/* The bin of v among the x knots (forward) or y knots (inverse) and the position t in it. Always
   inlined: returned by value from a call, the struct would live on the stack. */
__attribute__((always_inline)) static inline Bin locate(const double *xs, const double *ys, int K, double v, const float *ud, const Attrs *a) {
  const double *search = a->inverse ? ys : xs;
  Bin b;
  int k = 0;
  while (k < K - 1 && v >= search[k + 1]) k++;
  b.k = k;
  b.xk = xs[k];
  b.wk = xs[k + 1] - b.xk;
  b.yk = ys[k];
  b.hk = ys[k + 1] - b.yk;
  b.dk = k == 0 ? 1.0 : a->min_derivative + softplus(ud[k - 1]);
  b.dk1 = k == K - 1 ? 1.0 : a->min_derivative + softplus(ud[k]);
  b.s = b.hk / b.wk;
  if (a->inverse) {
    double xi = (v - b.yk) / b.hk;
    double g = b.dk * (1.0 - xi) - b.dk1 * xi;
    double q = 4.0 * xi * (1.0 - xi) * b.s * b.s;
    double d = g * g + q;
    double root = __builtin_sqrt(d > 0.0 ? d : 0.0);
    double g_plus_root = g >= 0.0 ? g + root : q / (root + __builtin_fabs(g));
    double two_xi_slope = 2.0 * xi * b.s;
    b.t = two_xi_slope / (two_xi_slope + g_plus_root);
  } else {
    b.t = (v - b.xk) / b.wk;
  }
  return b;
}

static inline int inside(double v, double bound) { return __builtin_fabs(v) <= bound; /* NaN: outside */ }


/*
 * Two elements at once, one per float64 lane: the operations of knots(), locate() and rq_spline()
 * in the same order (the results differ at most in the last bit of a float32, through exp2d's
 * and dexp's last bits in the softplus), across elements, which keeps the vector units busy
 * where one element's chain of dependent scalar operations left them waiting. `ws` takes
 * 2 (2 K + 2) doubles: the two elements' x and y knots, lane by lane.
 */
static inline v128_t lanes(float a, float b) { return wasm_f64x2_make(a, b); }

/* The knots of two elements (their unnormalized values u0, u1) into out[2 i + lane], i = 0..K. */
static void knots2(const float *u0, const float *u1, int K, double min_bin, double bound, double *out) {
  v128_t m = wasm_f64x2_splat(-__builtin_inf());
  for (int i = 0; i < K; i++) m = wasm_f64x2_pmax(lanes(u0[i], u1[i]), m);
  v128_t sum = wasm_f64x2_splat(0.0);
  /* The exponentials first into out[2..2K+2) (the knots overwrite them below, one behind). */
  for (int i = 0; i < K; i++) {
    v128_t e = exp2d(wasm_f64x2_sub(lanes(u0[i], u1[i]), m));
    wasm_v128_store(out + 2 * (i + 1), e);
    sum = wasm_f64x2_add(sum, e);
  }
  v128_t scale = wasm_f64x2_splat(1.0 - min_bin * K), minb = wasm_f64x2_splat(min_bin);
  v128_t two = wasm_f64x2_splat(2.0), b = wasm_f64x2_splat(bound), cumulated = wasm_f64x2_splat(0.0);
  wasm_v128_store(out, wasm_f64x2_neg(b));
  for (int i = 0; i < K - 1; i++) {
    v128_t p = wasm_f64x2_div(wasm_v128_load(out + 2 * (i + 1)), sum);
    cumulated = wasm_f64x2_add(cumulated, wasm_f64x2_add(minb, wasm_f64x2_mul(scale, p)));
    wasm_v128_store(out + 2 * (i + 1), wasm_f64x2_sub(wasm_f64x2_mul(wasm_f64x2_mul(cumulated, two), b), b));
  }
  wasm_v128_store(out + 2 * K, b);
}

static inline v128_t softplus2d(v128_t v) {
  v128_t e = exp2d(wasm_f64x2_neg(wasm_f64x2_abs(v)));
  return wasm_f64x2_add(wasm_f64x2_pmax(v, wasm_f64x2_splat(0.0)), log1p2d(e));
}

/* rq_spline for elements e and e + 1, both inside the bound. */
static void rq_spline_pair(int e, int K, const float *x, const float *uw, const float *uh, const float *ud,
                           float *y, float *logdet, const Attrs *a, double *ws) {
  double *xs = ws, *ys = ws + 2 * (K + 1);
  knots2(uw + e * K, uw + (e + 1) * K, K, a->min_width, a->bound, xs);
  knots2(uh + e * K, uh + (e + 1) * K, K, a->min_height, a->bound, ys);
  v128_t v = lanes(x[e], x[e + 1]);
  /* The bin: how many interior knots lie at or below v (lanes of -1 where they do). */
  const double *search = a->inverse ? ys : xs;
  v128_t count = wasm_i64x2_splat(0);
  for (int i = 1; i < K; i++) count = wasm_i64x2_sub(count, wasm_f64x2_ge(v, wasm_v128_load(search + 2 * i)));
  int k0 = (int)wasm_i64x2_extract_lane(count, 0), k1 = (int)wasm_i64x2_extract_lane(count, 1);
  v128_t xk = wasm_f64x2_make(xs[2 * k0], xs[2 * k1 + 1]);
  v128_t wk = wasm_f64x2_sub(wasm_f64x2_make(xs[2 * k0 + 2], xs[2 * k1 + 3]), xk);
  v128_t yk = wasm_f64x2_make(ys[2 * k0], ys[2 * k1 + 1]);
  v128_t hk = wasm_f64x2_sub(wasm_f64x2_make(ys[2 * k0 + 2], ys[2 * k1 + 3]), yk);
  /* Interior knot derivatives; the end knots' are 1 (lanes chosen after the softplus). */
  const float *d0 = ud + e * (K - 1), *d1 = ud + (e + 1) * (K - 1);
  v128_t one = wasm_f64x2_splat(1.0), min_d = wasm_f64x2_splat(a->min_derivative);
  v128_t dk = wasm_f64x2_add(min_d, softplus2d(lanes(d0[k0 > 0 ? k0 - 1 : 0], d1[k1 > 0 ? k1 - 1 : 0])));
  v128_t dk1 = wasm_f64x2_add(min_d, softplus2d(lanes(d0[k0 < K - 1 ? k0 : 0], d1[k1 < K - 1 ? k1 : 0])));
  dk = wasm_v128_bitselect(one, dk, wasm_i64x2_eq(count, wasm_i64x2_splat(0)));
  dk1 = wasm_v128_bitselect(one, dk1, wasm_i64x2_eq(count, wasm_i64x2_splat(K - 1)));
  v128_t s = wasm_f64x2_div(hk, wk), t;
  if (a->inverse) {
    v128_t xi = wasm_f64x2_div(wasm_f64x2_sub(v, yk), hk), omxi = wasm_f64x2_sub(one, xi);
    v128_t g = wasm_f64x2_sub(wasm_f64x2_mul(dk, omxi), wasm_f64x2_mul(dk1, xi));
    v128_t q = wasm_f64x2_mul(wasm_f64x2_mul(wasm_f64x2_mul(wasm_f64x2_mul(wasm_f64x2_splat(4.0), xi), omxi), s), s);
    v128_t root = wasm_f64x2_sqrt(wasm_f64x2_pmax(wasm_f64x2_add(wasm_f64x2_mul(g, g), q), wasm_f64x2_splat(0.0)));
    v128_t g_plus_root = wasm_v128_bitselect(wasm_f64x2_add(g, root),
                                             wasm_f64x2_div(q, wasm_f64x2_add(root, wasm_f64x2_abs(g))),
                                             wasm_f64x2_ge(g, wasm_f64x2_splat(0.0)));
    v128_t two_xi_slope = wasm_f64x2_mul(wasm_f64x2_mul(wasm_f64x2_splat(2.0), xi), s);
    t = wasm_f64x2_div(two_xi_slope, wasm_f64x2_add(two_xi_slope, g_plus_root));
  } else {
    t = wasm_f64x2_div(wasm_f64x2_sub(v, xk), wk);
  }
  v128_t om = wasm_f64x2_sub(one, t), tau = wasm_f64x2_mul(t, om), t2 = wasm_f64x2_mul(t, t), om2 = wasm_f64x2_mul(om, om);
  v128_t den = wasm_f64x2_add(wasm_f64x2_mul(s, wasm_f64x2_add(t2, om2)), wasm_f64x2_mul(wasm_f64x2_add(dk, dk1), tau));
  v128_t out;
  if (a->inverse) {
    out = wasm_f64x2_add(wasm_f64x2_mul(t, wk), xk);
  } else {
    v128_t rise = wasm_f64x2_add(wasm_f64x2_mul(wasm_f64x2_mul(s, t), t), wasm_f64x2_mul(dk, tau));
    out = wasm_f64x2_add(yk, wasm_f64x2_div(wasm_f64x2_mul(hk, rise), den));
  }
  v128_t inner = wasm_f64x2_add(wasm_f64x2_add(wasm_f64x2_mul(wasm_f64x2_mul(dk1, t), t), wasm_f64x2_mul(wasm_f64x2_mul(wasm_f64x2_splat(2.0), s), tau)),
                                wasm_f64x2_mul(wasm_f64x2_mul(dk, om), om));
  v128_t numerator = wasm_f64x2_mul(wasm_f64x2_mul(s, s), inner);
  v128_t ld = log2d(wasm_f64x2_div(numerator, wasm_f64x2_mul(den, den)));
  if (a->inverse) ld = wasm_f64x2_neg(ld);
  y[e] = (float)wasm_f64x2_extract_lane(out, 0);
  y[e + 1] = (float)wasm_f64x2_extract_lane(out, 1);
  logdet[e] = (float)wasm_f64x2_extract_lane(ld, 0);
  logdet[e + 1] = (float)wasm_f64x2_extract_lane(ld, 1);
}

EXPORT("rq_spline")
void rq_spline(int n, int K, const float *x, const float *uw, const float *uh, const float *ud, float *y,
               float *logdet, int inverse, double bound, double min_width, double min_height,
               double min_derivative, double *ws) {
  Attrs a = {inverse, bound, min_width, min_height, min_derivative};
  double *xs = ws, *ys = xs + K + 1, *pw = ys + K + 1, *ph = pw + K;
  for (int e = 0; e < n; e++) {
    double v = x[e];
    if (e + 1 < n && inside(v, bound) && inside(x[e + 1], bound)) {
      rq_spline_pair(e, K, x, uw, uh, ud, y, logdet, &a, ws);
      e++;
      continue;
    }
    if (!inside(v, bound)) {
      y[e] = x[e];
      logdet[e] = 0.f;
      continue;
    }
    knots(uw + e * K, K, min_width, bound, pw, xs);
    knots(uh + e * K, K, min_height, bound, ph, ys);
    Bin b = locate(xs, ys, K, v, ud + e * (K - 1), &a);
    double t = b.t, s = b.s, om = 1.0 - t, tau = t * om;
    double den = s * (t * t + om * om) + (b.dk + b.dk1) * tau;
    y[e] = (float)(inverse ? t * b.wk + b.xk : b.yk + b.hk * (s * t * t + b.dk * tau) / den);
    double numerator = s * s * (b.dk1 * t * t + 2.0 * s * tau + b.dk * om * om);
    double ld = dlog(numerator / (den * den)); /* one logarithm instead of two */
    logdet[e] = (float)(inverse ? -ld : ld);
  }
}

/* From gradients at the knots to the unnormalized values: f = min + (1 - min K) softmax(u). */
static void back_to_unnormalized(const double *g_knots, const double *p, double *gp, int K, double min_bin,
                                 double bound, float *out) {
  double scale = 2.0 * bound * (1.0 - min_bin * K), suffix = 0.0, dot = 0.0;
  gp[K - 1] = 0.0;
  for (int i = K - 2; i >= 0; i--) {
    suffix += g_knots[i + 1];
    gp[i] = scale * suffix;
    dot += p[i] * gp[i];
  }
  for (int i = 0; i < K; i++) out[i] = (float)(p[i] * (gp[i] - dot));
}

EXPORT("rq_spline_grad")
void rq_spline_grad(int n, int K, const float *x, const float *uw, const float *uh, const float *ud,
                    const float *dy, const float *dlogdet, float *dx, float *dw, float *dh, float *dd,
                    int inverse, double bound, double min_width, double min_height, double min_derivative,
                    double *ws) {
  Attrs a = {inverse, bound, min_width, min_height, min_derivative};
  double *xs = ws, *ys = xs + K + 1, *pw = ys + K + 1, *ph = pw + K, *gp = ph + K;
  double *gX = gp + K, *gY = gX + K + 1;
  for (int e = 0; e < n; e++) {
    double v = x[e], gy = dy[e], gl = dlogdet[e];
    float *dwe = dw + e * K, *dhe = dh + e * K, *dde = dd + e * (K - 1);
    for (int i = 0; i < K - 1; i++) dde[i] = 0.f;
    if (!inside(v, bound)) {
      dx[e] = dy[e];
      for (int i = 0; i < K; i++) dwe[i] = dhe[i] = 0.f;
      continue;
    }
    const float *ude = ud + e * (K - 1);
    knots(uw + e * K, K, min_width, bound, pw, xs);
    knots(uh + e * K, K, min_height, bound, ph, ys);
    Bin b = locate(xs, ys, K, v, ude, &a);
    double t = b.t, s = b.s, dk = b.dk, dk1 = b.dk1, wk = b.wk, hk = b.hk;
    double om = 1.0 - t, tau = t * om, t2 = t * t, om2 = om * om;
    double den = s * (t2 + om2) + (dk + dk1) * tau, den2 = den * den;
    double N = s * t2 + dk * tau;
    double M = dk1 * t2 + 2.0 * s * tau + dk * om2;
    double R = N / den;
    double Rt = s * M / den2;
    double Rs = tau * (dk1 * t2 - dk * om2) / den2;
    double Rdk = tau * (s * om2 + dk1 * tau) / den2;
    double Rdk1 = -(tau * N) / den2;
    double Lt = (2.0 * dk1 * t + 2.0 * s * (1.0 - 2.0 * t) - 2.0 * dk * om) / M -
                2.0 * (dk + dk1 - 2.0 * s) * (1.0 - 2.0 * t) / den;
    double Ls = 2.0 / s + 2.0 * tau / M - 2.0 * (t2 + om2) / den;
    double Ldk = om2 / M - 2.0 * tau / den;
    double Ldk1 = t2 / M - 2.0 * tau / den;

    double gxk, gwk, gyk, ghk, gs, gdk, gdk1;
    if (inverse) {
      double back = (gy * wk - gl * Lt) / (hk * Rt);
      dx[e] = (float)back;
      gxk = gy;
      gwk = gy * t;
      gyk = -back;
      ghk = -back * R;
      gs = -gl * Ls - back * hk * Rs;
      gdk = -gl * Ldk - back * hk * Rdk;
      gdk1 = -gl * Ldk1 - back * hk * Rdk1;
    } else {
      double gt = gy * hk * Rt + gl * Lt;
      dx[e] = (float)(gt / wk);
      gxk = -gt / wk;
      gwk = -gt * t / wk;
      gyk = gy;
      ghk = gy * R;
      gs = gy * hk * Rs + gl * Ls;
      gdk = gy * hk * Rdk + gl * Ldk;
      gdk1 = gy * hk * Rdk1 + gl * Ldk1;
    }
    /* s = h_k / w_k */
    ghk += gs / wk;
    gwk -= gs * s / wk;

    for (int i = 0; i <= K; i++) gX[i] = gY[i] = 0.0;
    int k = b.k;
    gX[k] = gxk - gwk;
    gX[k + 1] = gwk;
    gY[k] = gyk - ghk;
    gY[k + 1] = ghk;
    back_to_unnormalized(gX, pw, gp, K, min_width, bound, dwe);
    back_to_unnormalized(gY, ph, gp, K, min_height, bound, dhe);
    if (k > 0) dde[k - 1] = (float)(gdk * sigmoid(ude[k - 1]));
    if (k < K - 1) dde[k] = (float)(gdk1 * sigmoid(ude[k]));
  }
}
