// An independent float64 reference of the rational-quadratic spline, written from the paper
// (Durkan et al. 2019, eqs. 4-8) and nflows's conventions, element by element with a linear bin
// search. Shared by the spline tests; not part of the package build.

/** The minimum bin width and height and the minimum derivative (nflows's defaults). */
export const MIN = 1e-3;

export function softmax64(u: readonly number[]): number[] {
  const m = Math.max(...u);
  const e = u.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function knots64(u: readonly number[], bound: number, minBin = MIN): number[] {
  const k = u.length;
  const p = softmax64(u).map((v) => minBin + (1 - minBin * k) * v);
  const out = [-bound];
  let c = 0;
  for (let i = 0; i < k - 1; i++) {
    c += p[i]!;
    out.push(2 * bound * c - bound);
  }
  out.push(bound);
  return out;
}

export interface Params64 {
  xs: number[];
  ys: number[];
  ds: number[];
}

/** The spline's minimums, as `rationalQuadraticSpline`'s options (all default to {@link MIN}). */
export interface Minimums64 {
  minBinWidth?: number;
  minBinHeight?: number;
  minDerivative?: number;
}

export function params64(
  uw: readonly number[],
  uh: readonly number[],
  ud: readonly number[],
  bound: number,
  minimums: Minimums64 = {},
): Params64 {
  const softplus = (v: number) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));
  const minDerivative = minimums.minDerivative ?? MIN;
  return {
    xs: knots64(uw, bound, minimums.minBinWidth ?? MIN),
    ys: knots64(uh, bound, minimums.minBinHeight ?? MIN),
    ds: [1, ...ud.map((v) => minDerivative + softplus(v)), 1],
  };
}

export function bin(knots: readonly number[], v: number): number {
  let k = 0;
  while (k < knots.length - 2 && v >= knots[k + 1]!) k++;
  return k;
}

/** Forward (x -> y) or inverse (y -> x) of one element, with log|d output / d input|. */
export function spline64(v: number, p: Params64, bound: number, inverse: boolean): { y: number; ld: number } {
  if (v < -bound || v > bound) return { y: v, ld: 0 };
  const k = bin(inverse ? p.ys : p.xs, v);
  const w = p.xs[k + 1]! - p.xs[k]!;
  const h = p.ys[k + 1]! - p.ys[k]!;
  const s = h / w;
  const d0 = p.ds[k]!;
  const d1 = p.ds[k + 1]!;
  let t: number;
  let out: number;
  if (!inverse) {
    t = (v - p.xs[k]!) / w;
    out = p.ys[k]! + (h * (s * t * t + d0 * t * (1 - t))) / (s + (d0 + d1 - 2 * s) * t * (1 - t));
  } else {
    // Solve y(t) = v for t in [0, 1] by the quadratic a t^2 + b t + c = 0 (eq. 6).
    const e = v - p.ys[k]!;
    const a = h * (s - d0) + e * (d0 + d1 - 2 * s);
    const b = h * d0 - e * (d0 + d1 - 2 * s);
    const c = -s * e;
    t = Math.abs(a) < 1e-12 ? -c / b : (-b + Math.sqrt(b * b - 4 * a * c)) / (2 * a);
    // The textbook root loses up to (s/d)^2 eps when a bin's slope is far from its knot derivatives;
    // a few Newton steps on the forward map (eqs. 4-5) restore float64 precision.
    for (let i = 0; i < 3; i++) {
      const tau = t * (1 - t);
      const den = s + (d0 + d1 - 2 * s) * tau;
      const f = p.ys[k]! + (h * (s * t * t + d0 * tau)) / den - v;
      const slope = (w * s * s * (d1 * t * t + 2 * s * tau + d0 * (1 - t) ** 2)) / (den * den);
      if (slope > 0) t -= f / slope;
    }
    out = p.xs[k]! + t * w;
  }
  const den = s + (d0 + d1 - 2 * s) * t * (1 - t);
  const ld = Math.log((s * s * (d1 * t * t + 2 * s * t * (1 - t) + d0 * (1 - t) ** 2)) / (den * den));
  return { y: out, ld: inverse ? -ld : ld };
}
