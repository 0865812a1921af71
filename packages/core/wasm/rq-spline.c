/*
 * The rational-quadratic spline of @diffeo/bijectors (nflows's conventions, linear tails, the
 * stable inverse root) and its gradient, element by element in double precision: the same
 * formulas as the JS kernels of bijectors' src/spline/rq-kernel.ts, which document them and
 * which the tests compare with. Inputs are float32 tensors on tfjs's heap: x [n], the unnormalized
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

EXPORT("rq_spline")
void rq_spline(int n, int K, const float *x, const float *uw, const float *uh, const float *ud, float *y,
               float *logdet, int inverse, double bound, double min_width, double min_height,
               double min_derivative, double *ws) {
  Attrs a = {inverse, bound, min_width, min_height, min_derivative};
  double *xs = ws, *ys = xs + K + 1, *pw = ys + K + 1, *ph = pw + K;
  for (int e = 0; e < n; e++) {
    double v = x[e];
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
