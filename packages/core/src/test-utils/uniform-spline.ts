import type { RQSplineAttrs } from '../kernels/rq-spline-kernel.js';

/**
 * The spline with all K unnormalized parameters equal to c, in closed form: every bin is 2B/K wide
 * and high (s = 1) and every interior knot derivative is d = minDerivative + softplus(c). Returns
 * y and logDet of the forward map at x.
 */
export function uniformSpline(x: number, c: number, numBins: number, attrs: RQSplineAttrs): [number, number] {
  const K = numBins;
  const B = attrs.tailBound;
  if (!(Math.abs(x) <= B)) return [x, 0];
  const w = (2 * B) / K;
  const k = Math.min(Math.floor((x + B) / w), K - 1);
  const d = attrs.minDerivative + Math.log1p(Math.exp(c));
  const dk = k === 0 ? 1 : d;
  const dk1 = k === K - 1 ? 1 : d;
  const t = (x + B - k * w) / w;
  const tau = t * (1 - t);
  const den = t * t + (1 - t) ** 2 + (dk + dk1) * tau;
  const y = -B + k * w + (w * (t * t + dk * tau)) / den;
  const logDet = Math.log(dk1 * t * t + 2 * tau + dk * (1 - t) ** 2) - 2 * Math.log(den);
  return [y, logDet];
}
