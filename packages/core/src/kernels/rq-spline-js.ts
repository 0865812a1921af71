import type { RQSplineAttrs } from './rq-spline-kernel.js';

/**
 * The rational-quadratic spline of `DiffeoRQSpline` and its gradient as plain float64 loops over
 * typed arrays: the kernels of the cpu backend, and of wasm until core's compiled module
 * (`wasm/rq-spline.c`, the same formulas) is loaded. The formulas are those of `@diffeo/bijectors`'s
 * op-by-op `rationalQuadraticSplineOps` (nflows's conventions, linear tails, the stable inverse
 * root), so both paths agree to float32 rounding.
 */

/** Knots and softmaxes of one element (one (row, column) of x), and its bin. */
class Workspace {
  /** x knots, K + 1, from -B to B. */
  readonly xs: Float64Array;
  /** y knots, K + 1. */
  readonly ys: Float64Array;
  /** softmax of the unnormalized widths and heights, K each. */
  readonly pw: Float64Array;
  readonly ph: Float64Array;
  /** Scratch for the gradient of the softmax's output, K. */
  readonly gp: Float64Array;
  // The element's bin and position in it, set by locate().
  k = 0;
  t = 0;
  xk = 0;
  wk = 0;
  yk = 0;
  hk = 0;
  dk = 0;
  dk1 = 0;
  s = 0;

  constructor(readonly numBins: number) {
    this.xs = new Float64Array(numBins + 1);
    this.ys = new Float64Array(numBins + 1);
    this.pw = new Float64Array(numBins);
    this.ph = new Float64Array(numBins);
    this.gp = new Float64Array(numBins);
  }
}

/** softmax(u[offset .. offset + K)) into p, then the knots as nflows builds them into out. */
function knots(
  u: ArrayLike<number>,
  offset: number,
  numBins: number,
  minBin: number,
  bound: number,
  p: Float64Array,
  out: Float64Array,
): void {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < numBins; i++) {
    const v = u[offset + i]!;
    if (v > m) m = v;
  }
  let sum = 0;
  for (let i = 0; i < numBins; i++) {
    const e = Math.exp(u[offset + i]! - m);
    p[i] = e;
    sum += e;
  }
  const scale = 1 - minBin * numBins;
  out[0] = -bound;
  let cumulated = 0;
  for (let i = 0; i < numBins; i++) {
    p[i] = p[i]! / sum;
    if (i < numBins - 1) {
      cumulated += minBin + scale * p[i]!;
      out[i + 1] = cumulated * 2 * bound - bound;
    }
  }
  out[numBins] = bound;
}

/** softplus(v) = max(v, 0) + log1p(e^-|v|). */
function softplus(v: number): number {
  return Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
}

/** The logistic sigmoid, softplus's derivative, without overflow. */
function sigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** Fills the workspace's knots for element `e`. */
function prepare(
  ws: Workspace,
  e: number,
  uw: ArrayLike<number>,
  uh: ArrayLike<number>,
  a: RQSplineAttrs,
): void {
  const K = ws.numBins;
  knots(uw, e * K, K, a.minBinWidth, a.tailBound, ws.pw, ws.xs);
  knots(uh, e * K, K, a.minBinHeight, a.tailBound, ws.ph, ws.ys);
}

/**
 * Finds the bin of `v` (in [-B, B]) among the x knots (forward) or y knots (inverse), counting the
 * interior knots <= v as the op-by-op one-hot does, its knot derivatives (from the element's K - 1
 * unnormalized derivatives at `offset`), and the position t in it: (v - x_k) / w_k forward, the
 * stable root of the quadratic inverse (see `rationalQuadraticSplineOps`) otherwise.
 */
function locate(ws: Workspace, v: number, ud: ArrayLike<number>, offset: number, a: RQSplineAttrs): void {
  const K = ws.numBins;
  const inverse = a.inverse;
  const search = inverse ? ws.ys : ws.xs;
  let k = 0;
  while (k < K - 1 && v >= search[k + 1]!) k++;
  const xk = ws.xs[k]!;
  const wk = ws.xs[k + 1]! - xk;
  const yk = ws.ys[k]!;
  const hk = ws.ys[k + 1]! - yk;
  // Only the bin's two knot derivatives: minDerivative + softplus(u) inside, exactly 1 at both ends.
  const dk = k === 0 ? 1 : a.minDerivative + softplus(ud[offset + k - 1]!);
  const dk1 = k === K - 1 ? 1 : a.minDerivative + softplus(ud[offset + k]!);
  const s = hk / wk;
  let t: number;
  if (inverse) {
    const xi = (v - yk) / hk;
    const g = dk * (1 - xi) - dk1 * xi;
    const q = 4 * xi * (1 - xi) * s * s;
    const root = Math.sqrt(Math.max(g * g + q, 0));
    const gPlusRoot = g >= 0 ? g + root : q / (root + Math.abs(g));
    const twoXiSlope = 2 * xi * s;
    t = twoXiSlope / (twoXiSlope + gPlusRoot);
  } else {
    t = (v - xk) / wk;
  }
  ws.k = k;
  ws.t = t;
  ws.xk = xk;
  ws.wk = wk;
  ws.yk = yk;
  ws.hk = hk;
  ws.dk = dk;
  ws.dk1 = dk1;
  ws.s = s;
}

/** x [n] and the unnormalized widths, heights [n, K] and derivatives [n, K - 1], flat. */
export interface SplineArrays {
  x: ArrayLike<number>;
  uw: ArrayLike<number>;
  uh: ArrayLike<number>;
  ud: ArrayLike<number>;
  numBins: number;
}

/** The spline on every element: y (or x, inverse) and logDet, as float32 arrays. */
export function rqSplineForward(
  v: SplineArrays,
  a: RQSplineAttrs,
): { y: Float32Array; logDet: Float32Array } {
  const n = v.x.length;
  const y = new Float32Array(n);
  const logDet = new Float32Array(n);
  const ws = new Workspace(v.numBins);
  const bound = a.tailBound;
  for (let e = 0; e < n; e++) {
    const xe = v.x[e]!;
    // nflows counts both ends as inside; NaN is outside, as in the op-by-op version.
    if (!(Math.abs(xe) <= bound)) {
      y[e] = xe;
      continue;
    }
    prepare(ws, e, v.uw, v.uh, a);
    locate(ws, xe, v.ud, e * (v.numBins - 1), a);
    const { t, s, dk, dk1 } = ws;
    const om = 1 - t;
    const tau = t * om;
    const den = s * (t * t + om * om) + (dk + dk1) * tau;
    y[e] = a.inverse ? t * ws.wk + ws.xk : ws.yk + (ws.hk * (s * t * t + dk * tau)) / den;
    const numerator = s * s * (dk1 * t * t + 2 * s * tau + dk * om * om);
    const ld = Math.log(numerator) - 2 * Math.log(den);
    logDet[e] = a.inverse ? -ld : ld;
  }
  return { y, logDet };
}

/**
 * Gradients of sum(dy * y + dLogDet * logDet) with respect to x and the three unnormalized
 * parameter tensors, as float32 arrays.
 *
 * Per element, with t the position in bin k, s = h_k / w_k, tau = t (1 - t), the spline
 * y = y_k + h_k R, R = N / Den, N = s t^2 + d_k tau, Den = s (t^2 + (1-t)^2) + (d_k + d_(k+1)) tau and
 * logDet L = log(s^2 M) - 2 log Den, M = d_(k+1) t^2 + 2 s tau + d_k (1-t)^2, the partials used are
 * (each a regrouping into positive terms where possible):
 *   R_t = s M / Den^2,  R_s = tau (d_(k+1) t^2 - d_k (1-t)^2) / Den^2,
 *   R_dk = tau (s (1-t)^2 + d_(k+1) tau) / Den^2,  R_dk1 = -tau N / Den^2,
 *   L_t = M_t / M - 2 (d_k + d_(k+1) - 2s)(1 - 2t) / Den, M_t = 2 d_(k+1) t + 2 s (1 - 2t) - 2 d_k (1-t),
 *   L_s = 2/s + 2 tau / M - 2 (t^2 + (1-t)^2) / Den,
 *   L_dk = (1-t)^2 / M - 2 tau / Den,  L_dk1 = t^2 / M - 2 tau / Den.
 * Forward, t = (x - x_k) / w_k. Inverse, t solves y_k + h_k R(t) = z, so by implicit differentiation
 * dt = (dz - dy_k - R dh_k - h_k (R_s ds + R_dk dd_k + R_dk1 dd_(k+1))) / (h_k R_t), and the outputs
 * are x = x_k + t w_k and -L. The bin-local gradients then flow to the knots (x_k = X_k,
 * w_k = X_(k+1) - X_k, the same for y), from the knots through the cumulative sum, the minimum
 * width and the softmax, and to the derivative parameters through softplus (its derivative is the
 * sigmoid). The bin choice itself carries no gradient, as in the op-by-op version.
 */
export function rqSplineGradient(
  v: SplineArrays,
  dy: ArrayLike<number>,
  dLogDet: ArrayLike<number>,
  a: RQSplineAttrs,
): { dx: Float32Array; dWidths: Float32Array; dHeights: Float32Array; dDerivatives: Float32Array } {
  const K = v.numBins;
  const n = v.x.length;
  const dx = new Float32Array(n);
  const dWidths = new Float32Array(n * K);
  const dHeights = new Float32Array(n * K);
  const dDerivatives = new Float32Array(n * (K - 1));
  const ws = new Workspace(K);
  // Gradients at the knots of one element.
  const gX = new Float64Array(K + 1);
  const gY = new Float64Array(K + 1);
  const bound = a.tailBound;
  for (let e = 0; e < n; e++) {
    const xe = v.x[e]!;
    const gy = dy[e]!;
    const gl = dLogDet[e]!;
    if (!(Math.abs(xe) <= bound)) {
      dx[e] = gy;
      continue;
    }
    const off = e * (K - 1);
    prepare(ws, e, v.uw, v.uh, a);
    locate(ws, xe, v.ud, off, a);
    const { k, t, s, dk, dk1, wk, hk } = ws;
    const om = 1 - t;
    const tau = t * om;
    const t2 = t * t;
    const om2 = om * om;
    const den = s * (t2 + om2) + (dk + dk1) * tau;
    const den2 = den * den;
    const N = s * t2 + dk * tau;
    const M = dk1 * t2 + 2 * s * tau + dk * om2;
    const R = N / den;
    const Rt = (s * M) / den2;
    const Rs = (tau * (dk1 * t2 - dk * om2)) / den2;
    const Rdk = (tau * (s * om2 + dk1 * tau)) / den2;
    const Rdk1 = -(tau * N) / den2;
    const Lt =
      (2 * dk1 * t + 2 * s * (1 - 2 * t) - 2 * dk * om) / M - (2 * (dk + dk1 - 2 * s) * (1 - 2 * t)) / den;
    const Ls = 2 / s + (2 * tau) / M - (2 * (t2 + om2)) / den;
    const Ldk = om2 / M - (2 * tau) / den;
    const Ldk1 = t2 / M - (2 * tau) / den;

    // Bin-local gradients: of x_k, w_k, y_k, h_k (with s held), s, d_k, d_(k+1).
    let gxk: number;
    let gwk: number;
    let gyk: number;
    let ghk: number;
    let gs: number;
    let gdk: number;
    let gdk1: number;
    if (a.inverse) {
      const back = (gy * wk - gl * Lt) / (hk * Rt);
      dx[e] = back;
      gxk = gy;
      gwk = gy * t;
      gyk = -back;
      ghk = -back * R;
      gs = -gl * Ls - back * hk * Rs;
      gdk = -gl * Ldk - back * hk * Rdk;
      gdk1 = -gl * Ldk1 - back * hk * Rdk1;
    } else {
      const gt = gy * hk * Rt + gl * Lt;
      dx[e] = gt / wk;
      gxk = -gt / wk;
      gwk = (-gt * t) / wk;
      gyk = gy;
      ghk = gy * R;
      gs = gy * hk * Rs + gl * Ls;
      gdk = gy * hk * Rdk + gl * Ldk;
      gdk1 = gy * hk * Rdk1 + gl * Ldk1;
    }
    // s = h_k / w_k.
    ghk += gs / wk;
    gwk -= (gs * s) / wk;

    gX.fill(0);
    gY.fill(0);
    gX[k] = gxk - gwk;
    gX[k + 1] = gwk;
    gY[k] = gyk - ghk;
    gY[k + 1] = ghk;
    backToUnnormalized(gX, ws.pw, ws.gp, a.minBinWidth, bound, dWidths, e * K);
    backToUnnormalized(gY, ws.ph, ws.gp, a.minBinHeight, bound, dHeights, e * K);
    // The edge derivatives are constants; the other K - 3 get no gradient (zeros already).
    if (k > 0) dDerivatives[off + k - 1] = gdk * sigmoid(v.ud[off + k - 1]!);
    if (k < K - 1) dDerivatives[off + k] = gdk1 * sigmoid(v.ud[off + k]!);
  }
  return { dx, dWidths, dHeights, dDerivatives };
}

/**
 * From the gradients at the knots X_0..X_K (only the interior ones, X_j = -B + 2B sum_(i<j) f_i,
 * depend on the parameters) to the unnormalized values u: f = min + (1 - min K) softmax(u).
 */
function backToUnnormalized(
  gKnots: Float64Array,
  p: Float64Array,
  gp: Float64Array,
  minBin: number,
  bound: number,
  out: Float32Array,
  offset: number,
): void {
  const numBins = p.length;
  const scale = 2 * bound * (1 - minBin * numBins);
  // gp_i = scale * sum_(j = i+1 .. K-1) gKnots_j, accumulated from the right; gp_(K-1) = 0.
  let suffix = 0;
  let dot = 0;
  gp[numBins - 1] = 0;
  for (let i = numBins - 2; i >= 0; i--) {
    suffix += gKnots[i + 1]!;
    gp[i] = scale * suffix;
    dot += p[i]! * gp[i]!;
  }
  for (let i = 0; i < numBins; i++) out[offset + i] = p[i]! * (gp[i]! - dot);
}
