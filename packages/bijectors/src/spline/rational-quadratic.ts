import { ConfigError, formatShape, ShapeError } from '@diffeo/core';
import { type RQSplineAttrs, rqSplineOp } from '@diffeo/core/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { softplus } from '../elementwise/numerics.js';

/**
 * The largest tail bound B the spline takes. Its knots span 2B, which float32 holds up to 3.4e38;
 * every path (op by op, core's fused kernel as JS loops and as wasm) was checked finite and
 * invertible up to B = 1e38. Precision is relative to B: a round trip is exact to about 1e-7 B.
 */
export const MAX_TAIL_BOUND = 1e38;

/** nflows's default smallest bin width, as a fraction of the interval [-B, B]. */
export const DEFAULT_MIN_BIN_WIDTH = 1e-3;
/** nflows's default smallest bin height, as a fraction of the interval [-B, B]. */
export const DEFAULT_MIN_BIN_HEIGHT = 1e-3;
/** nflows's default smallest knot derivative. */
export const DEFAULT_MIN_DERIVATIVE = 1e-3;

/** Options of {@link rationalQuadraticSpline}. */
export interface RationalQuadraticSplineOptions {
  /** Apply the inverse map (default false). */
  inverse?: boolean;
  /** B: the spline lives on [-B, B]^2, the identity outside (default 1, as nflows). */
  tailBound?: number;
  /** Smallest bin width as a fraction of 2B (default 1e-3). */
  minBinWidth?: number;
  /** Smallest bin height as a fraction of 2B (default 1e-3). */
  minBinHeight?: number;
  /** Smallest derivative at an interior knot (default 1e-3). */
  minDerivative?: number;
}

/** What {@link rationalQuadraticSpline} returns: both `[batch, dim]`, elementwise. */
export interface SplineOutput {
  y: tf.Tensor2D;
  /** log |dy/dx| of the map performed, per element (sum over `dim` for a row's log-determinant). */
  logDet: tf.Tensor2D;
}

/**
 * The unnormalized derivative that {@link rationalQuadraticSpline} maps to a knot derivative of
 * exactly 1: log(e^(1 - minDerivative) - 1), since minDerivative + softplus(it) = 1. This is the
 * constant nflows writes into its edge derivatives for linear tails.
 *
 * Identity at initialisation: a layer whose network outputs all-zero parameters becomes the exact
 * identity when it adds this constant to the interior derivative parameters (zero widths and heights
 * give uniform, equal bins, so every bin has slope 1 and every knot derivative is 1: y = x).
 * {@link MaskedRationalQuadraticAutoregressive} does this; a user's own spline layer should too.
 *
 * @example
 * ```ts
 * const offset = identityDerivativeOffset(); // 0.5381...
 * const d = tf.add(rawDerivatives, offset);
 * ```
 */
export function identityDerivativeOffset(minDerivative = DEFAULT_MIN_DERIVATIVE): number {
  return Math.log(Math.expm1(1 - minDerivative));
}

function checkShapes(
  x: tf.Tensor,
  widths: tf.Tensor,
  heights: tf.Tensor,
  derivatives: tf.Tensor,
): { batch: number; dim: number; numBins: number } {
  if (x.rank !== 2) {
    throw new ShapeError(`rationalQuadraticSpline: x: expected [batch, dim], got ${formatShape(x.shape)}`);
  }
  const [batch, dim] = x.shape as [number, number];
  if (widths.rank !== 3 || widths.shape[0] !== batch || widths.shape[1] !== dim) {
    throw new ShapeError(
      `rationalQuadraticSpline: unnormalizedWidths: expected [${batch}, ${dim}, numBins], got ${formatShape(widths.shape)}`,
    );
  }
  const numBins = widths.shape[2]!;
  if (numBins < 1)
    throw new ShapeError('rationalQuadraticSpline: unnormalizedWidths: expected at least 1 bin');
  const expect = (name: string, t: tf.Tensor, last: number) => {
    const want = [batch, dim, last];
    if (t.rank !== 3 || t.shape.some((s, i) => s !== want[i])) {
      throw new ShapeError(
        `rationalQuadraticSpline: ${name}: expected ${formatShape(want)}, got ${formatShape(t.shape)}`,
      );
    }
  };
  expect('unnormalizedHeights', heights, numBins);
  expect('unnormalizedDerivatives', derivatives, numBins - 1);
  return { batch, dim, numBins };
}

function checkOptions(numBins: number, o: Required<Omit<RationalQuadraticSplineOptions, 'inverse'>>): void {
  if (!(o.tailBound > 0 && o.tailBound <= MAX_TAIL_BOUND)) {
    throw new ConfigError(
      `rationalQuadraticSpline: tailBound: expected a number > 0 and at most ${MAX_TAIL_BOUND}, got ${o.tailBound}`,
    );
  }
  for (const [name, v] of [
    ['minBinWidth', o.minBinWidth],
    ['minBinHeight', o.minBinHeight],
  ] as const) {
    if (!(v >= 0 && v * numBins < 1)) {
      throw new ConfigError(
        `rationalQuadraticSpline: ${name}: expected >= 0 and ${name} * numBins < 1, got ${v} with ${numBins} bins`,
      );
    }
  }
  if (!(o.minDerivative >= 0 && o.minDerivative < 1)) {
    throw new ConfigError(
      `rationalQuadraticSpline: minDerivative: expected in [0, 1), got ${o.minDerivative}`,
    );
  }
}

/**
 * Knots of one axis, as nflows builds them: softmax, floored at `minBin`, cumulated and scaled to
 * [-B, B], with both end knots set to exactly -B and B. Returns the K-1 interior knots and, per bin,
 * its left knot and its size (both `[batch, dim, K]`).
 */
function knots(unnormalized: tf.Tensor, minBin: number, bound: number) {
  const [batch, dim, numBins] = unnormalized.shape as [number, number, number];
  const fractions = tf.add(minBin, tf.mul(1 - minBin * numBins, tf.softmax(unnormalized)));
  // cumsum needs the explicit last axis: -1 is broken in tfjs 4.22.
  const cumulated = tf.cumsum(fractions, 2);
  const interior = tf.sub(tf.mul(tf.slice(cumulated, [0, 0, 0], [-1, -1, numBins - 1]), 2 * bound), bound);
  const all = tf.concat([tf.fill([batch, dim, 1], -bound), interior, tf.fill([batch, dim, 1], bound)], 2);
  const left = tf.slice(all, [0, 0, 0], [-1, -1, numBins]);
  const size = tf.sub(tf.slice(all, [0, 0, 1], [-1, -1, numBins]), left);
  return { interior, left, size };
}

/**
 * One-hot `[batch, dim, K]` of the bin holding each x: bin k when interior knots 1..k are <= x and
 * k+1.. are not, as nflows's `searchsorted`. Built from GreaterEqual (whose gradient is registered as
 * zero) instead of an index and a gather: gather has no gradient on wasm, Greater/Less none anywhere.
 */
function binOneHot(x: tf.Tensor, interior: tf.Tensor): tf.Tensor {
  const [batch, dim] = x.shape as [number, number];
  const ones = tf.ones([batch, dim, 1]);
  // where(bool, 1, 0) and not cast(bool): the tape cannot send a gradient through a cast from bool.
  const ge = tf.greaterEqual(tf.expandDims(x, 2), interior);
  const atOrAbove = tf.where(ge, tf.onesLike(interior), tf.zerosLike(interior));
  const zeros = tf.zeros([batch, dim, 1]);
  // [x >= knot_k] - [x >= knot_(k+1)], with knot_0 = -inf and knot_K = +inf.
  return tf.sub(tf.concat([ones, atOrAbove], 2), tf.concat([atOrAbove, zeros], 2));
}

/**
 * The monotone rational-quadratic spline with linear tails of Durkan et al. 2019, "Neural Spline
 * Flows" (arXiv:1906.04032), applied elementwise to `x` `[batch, dim]`, with the conventions of
 * nflows's `unconstrained_rational_quadratic_spline(tails='linear')` so that results compare number
 * for number:
 *
 * - K bins on [-B, B] (B = `tailBound`) in both x and y; outside, the identity (logDet 0).
 * - Widths and heights: softmax of the `[batch, dim, K]` unnormalized values, floored at
 *   `minBinWidth` / `minBinHeight` (w = min + (1 - min K) softmax), scaled to 2B.
 * - Derivatives at the K-1 interior knots: `minDerivative + softplus(u)` from `[batch, dim, K-1]`;
 *   the two edge derivatives are exactly 1, so the tails join with slope 1.
 * - Forward: y = y_k + h_k (s_k t^2 + d_k t(1-t)) / (s_k + (d_k + d_(k+1) - 2 s_k) t(1-t)) with
 *   t = (x - x_k) / w_k and s_k = h_k / w_k (eq. 4 of the paper); the inverse solves the quadratic
 *   with the stable root t = 2c / (-b - sqrt(b^2 - 4ac)) (eqs. 6-8), its discriminant rewritten as
 *   a sum of squares so that steep or flat bins lose no precision in float32 (nflows's form loses
 *   up to (s/d)^2 machine epsilons).
 *
 * Returns `{ y, logDet }` (both `[batch, dim]`), logDet = log|dy/dx| of the map performed (forward or
 * inverse). Gradients reach `x` and all three parameter tensors on every backend. Zero parameters do
 * NOT give the identity (interior derivatives would be minDerivative + log 2): see
 * {@link identityDerivativeOffset}.
 *
 * Where a fused kernel is registered (cpu and wasm, `@diffeo/core`'s `DiffeoRQSpline`) the spline runs as one
 * kernel forward and one backward, in float64 inside; elsewhere (webgl) op by op, as
 * `rationalQuadraticSplineOps`, whose bin look-up is a compare-and-sum one-hot so that its
 * gradients exist on every backend.
 *
 * @example
 * ```ts
 * const x = tf.tensor2d([[0.3, -5]]);                  // [1, 2]; -5 lies in the left tail
 * const w = tf.randomNormal([1, 2, 8]);                // K = 8 bins
 * const h = tf.randomNormal([1, 2, 8]);
 * const d = tf.randomNormal([1, 2, 7]);
 * const { y, logDet } = rationalQuadraticSpline(x, w, h, d, { tailBound: 4 });
 * const back = rationalQuadraticSpline(y, w, h, d, { tailBound: 4, inverse: true }); // back.y ≈ x
 * ```
 */
export function rationalQuadraticSpline(
  x: tf.Tensor2D,
  unnormalizedWidths: tf.Tensor3D,
  unnormalizedHeights: tf.Tensor3D,
  unnormalizedDerivatives: tf.Tensor3D,
  options: RationalQuadraticSplineOptions = {},
): SplineOutput {
  const attrs = resolveOptions(x, unnormalizedWidths, unnormalizedHeights, unnormalizedDerivatives, options);
  // cpu and wasm register core's fused kernel: one kernel forward and one backward, float64
  // inside, instead of ~68 and ~650. Elsewhere (webgl) the spline runs op by op.
  const fused = rqSplineOp({ x, unnormalizedWidths, unnormalizedHeights, unnormalizedDerivatives }, attrs);
  if (fused !== undefined) return { y: fused[0] as tf.Tensor2D, logDet: fused[1] as tf.Tensor2D };
  return splineOps(x, unnormalizedWidths, unnormalizedHeights, unnormalizedDerivatives, attrs);
}

/**
 * {@link rationalQuadraticSpline} written op by op with stock tfjs ops, on every backend: the
 * reference implementation, and what `rationalQuadraticSpline` runs where no fused kernel is
 * registered (webgl). Same signature, checks and results (to float32 rounding).
 */
export function rationalQuadraticSplineOps(
  x: tf.Tensor2D,
  unnormalizedWidths: tf.Tensor3D,
  unnormalizedHeights: tf.Tensor3D,
  unnormalizedDerivatives: tf.Tensor3D,
  options: RationalQuadraticSplineOptions = {},
): SplineOutput {
  const attrs = resolveOptions(x, unnormalizedWidths, unnormalizedHeights, unnormalizedDerivatives, options);
  return splineOps(x, unnormalizedWidths, unnormalizedHeights, unnormalizedDerivatives, attrs);
}

function resolveOptions(
  x: tf.Tensor2D,
  unnormalizedWidths: tf.Tensor3D,
  unnormalizedHeights: tf.Tensor3D,
  unnormalizedDerivatives: tf.Tensor3D,
  options: RationalQuadraticSplineOptions,
): RQSplineAttrs {
  const { numBins } = checkShapes(x, unnormalizedWidths, unnormalizedHeights, unnormalizedDerivatives);
  const o = {
    tailBound: options.tailBound ?? 1,
    minBinWidth: options.minBinWidth ?? DEFAULT_MIN_BIN_WIDTH,
    minBinHeight: options.minBinHeight ?? DEFAULT_MIN_BIN_HEIGHT,
    minDerivative: options.minDerivative ?? DEFAULT_MIN_DERIVATIVE,
  };
  checkOptions(numBins, o);
  return { inverse: options.inverse === true, ...o };
}

function splineOps(
  x: tf.Tensor2D,
  unnormalizedWidths: tf.Tensor3D,
  unnormalizedHeights: tf.Tensor3D,
  unnormalizedDerivatives: tf.Tensor3D,
  o: RQSplineAttrs,
): SplineOutput {
  const bound = o.tailBound;

  return tf.tidy(() => {
    const [batch, dim] = x.shape;
    // nflows counts both ends as inside: -B <= x <= B. GreaterEqual is the one comparison whose
    // gradient is registered (as zero), so it may sit on the backward path; Greater, Less and
    // LogicalAnd may not.
    const inside = tf.greaterEqual(bound, tf.abs(x));
    // The spline is evaluated on every element, clamped into [-B, B] so that tail elements give
    // finite values (and finite zero-weighted gradients) before the mask discards them.
    const xc = tf.clipByValue(x, -bound, bound);

    const wKnots = knots(unnormalizedWidths, o.minBinWidth, bound);
    const hKnots = knots(unnormalizedHeights, o.minBinHeight, bound);
    const interiorDerivatives = tf.add(o.minDerivative, softplus(unnormalizedDerivatives));
    const edge = tf.ones([batch, dim, 1]);
    const dLeftAll = tf.concat([edge, interiorDerivatives], 2);
    const dRightAll = tf.concat([interiorDerivatives, edge], 2);

    const oneHot = binOneHot(xc, o.inverse ? hKnots.interior : wKnots.interior);
    const pick = (t: tf.Tensor) => tf.sum(tf.mul(oneHot, t), 2);
    const xk = pick(wKnots.left);
    const wk = pick(wKnots.size);
    const yk = pick(hKnots.left);
    const hk = pick(hKnots.size);
    const dk = pick(dLeftAll);
    const dk1 = pick(dRightAll);
    const slope = tf.div(hk, wk);
    const dSum = tf.add(dk, dk1);

    let t: tf.Tensor;
    if (o.inverse) {
      // Solve y(t) = y_k + xi h for t in [0, 1]: a t^2 + b t + c = 0 with (divided by h)
      // a = s - d_k + xi (d_k + d_(k+1) - 2s), b = d_k - xi (d_k + d_(k+1) - 2s), c = -xi s.
      // Written as nflows does, b^2 - 4ac cancels catastrophically when the bin's slope s is far
      // from the knot derivatives (a relative error of (s/d)^2 eps). It equals g^2 + q with
      // g = d_k (1 - xi) - d_(k+1) xi and q = 4 xi (1 - xi) s^2, a sum of squares, and b = g + 2 xi s.
      // The stable root t = 2c / (-b - sqrt(disc)) = 2 xi s / (2 xi s + (g + sqrt(g^2 + q))), the
      // bracket taken as q / (sqrt(g^2 + q) - g) when g < 0, so that nothing cancels. Both branches
      // of the where stay finite, which keeps its gradient clean.
      const xi = tf.div(tf.sub(xc, yk), hk);
      const oneMinusXi = tf.sub(1, xi);
      const g = tf.sub(tf.mul(dk, oneMinusXi), tf.mul(dk1, xi));
      const q = tf.mul(tf.mul(tf.mul(xi, oneMinusXi), tf.square(slope)), 4);
      const root = tf.sqrt(tf.maximum(tf.add(tf.square(g), q), 0));
      const gPlusRoot = tf.where(tf.greaterEqual(g, 0), tf.add(g, root), tf.div(q, tf.add(root, tf.abs(g))));
      const twoXiSlope = tf.mul(tf.mul(xi, slope), 2);
      t = tf.div(twoXiSlope, tf.add(twoXiSlope, gPlusRoot));
    } else {
      t = tf.div(tf.sub(xc, xk), wk);
    }
    const oneMinusT = tf.sub(1, t);
    const tOneMinusT = tf.mul(t, oneMinusT);
    // The denominator s + (d_k + d_(k+1) - 2s) t(1-t) of eq. 4, regrouped into positive terms.
    const denominator = tf.add(
      tf.mul(slope, tf.add(tf.square(t), tf.square(oneMinusT))),
      tf.mul(dSum, tOneMinusT),
    );
    const ySpline = o.inverse
      ? tf.add(tf.mul(t, wk), xk)
      : tf.add(
          yk,
          tf.div(tf.mul(hk, tf.add(tf.mul(slope, tf.square(t)), tf.mul(dk, tOneMinusT))), denominator),
        );
    // log dy/dx of the forward spline at t (eq. 5), negated for the inverse.
    const derivativeNumerator = tf.mul(
      tf.square(slope),
      tf.add(
        tf.add(tf.mul(dk1, tf.square(t)), tf.mul(tf.mul(slope, 2), tOneMinusT)),
        tf.mul(dk, tf.square(oneMinusT)),
      ),
    );
    let logDerivative = tf.sub(tf.log(derivativeNumerator), tf.mul(tf.log(denominator), 2));
    if (o.inverse) logDerivative = tf.neg(logDerivative);

    const y = tf.where(inside, ySpline, x) as tf.Tensor2D;
    const logDet = tf.where(inside, logDerivative, tf.zerosLike(logDerivative)) as tf.Tensor2D;
    return { y, logDet };
  });
}

/** The three unnormalized parameter tensors of a spline, as {@link rationalQuadraticSpline} takes them. */
export interface SplineParameters {
  unnormalizedWidths: tf.Tensor3D;
  unnormalizedHeights: tf.Tensor3D;
  unnormalizedDerivatives: tf.Tensor3D;
}

/**
 * Splits a conditioner's raw output `[batch, dim * (3K - 1)]` (each dimension's 3K-1 values
 * contiguous, ordered widths, heights, derivatives, as nflows lays them out) into the three spline
 * parameter tensors. As nflows, widths and heights are divided by `sqrt(hiddenFeatures)` when
 * given (it keeps the initial softmaxes near uniform); `derivativeOffset` (e.g.
 * {@link identityDerivativeOffset}) is added to the derivatives so that a zero output is the
 * identity.
 *
 * @example
 * ```ts
 * const raw = made.apply(x, context); // [batch, dim * (3 * 8 - 1)]
 * const p = splitSplineParameters(raw, dim, 8, { hiddenFeatures: 128, derivativeOffset: identityDerivativeOffset() });
 * rationalQuadraticSpline(x, p.unnormalizedWidths, p.unnormalizedHeights, p.unnormalizedDerivatives);
 * ```
 */
export function splitSplineParameters(
  raw: tf.Tensor2D,
  dim: number,
  numBins: number,
  options: { hiddenFeatures?: number; derivativeOffset?: number } = {},
): SplineParameters {
  const perDim = 3 * numBins - 1;
  if (raw.rank !== 2 || raw.shape[1] !== dim * perDim) {
    throw new ShapeError(
      `splitSplineParameters: raw: expected [batch, ${dim * perDim}] (${dim} dims x ${perDim} parameters), got ${formatShape(raw.shape)}`,
    );
  }
  return tf.tidy(() => {
    const params = tf.reshape(raw, [raw.shape[0], dim, perDim]);
    const scale = options.hiddenFeatures === undefined ? 1 : 1 / Math.sqrt(options.hiddenFeatures);
    // One split, not three slices: its gradient is one concatenation instead of three zero-padded
    // copies and their sums (the same numbers).
    const [widths, heights, derivatives] = tf.split(params, [numBins, numBins, numBins - 1], 2) as [
      tf.Tensor3D,
      tf.Tensor3D,
      tf.Tensor3D,
    ];
    return {
      unnormalizedWidths: (scale === 1 ? widths : tf.mul(widths, scale)) as tf.Tensor3D,
      unnormalizedHeights: (scale === 1 ? heights : tf.mul(heights, scale)) as tf.Tensor3D,
      unnormalizedDerivatives: (options.derivativeOffset === undefined
        ? derivatives
        : tf.add(derivatives, options.derivativeOffset)) as tf.Tensor3D,
    };
  });
}
