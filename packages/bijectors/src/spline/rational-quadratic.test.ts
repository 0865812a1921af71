import { ConfigError, createRng, ShapeError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  rationalQuadraticSpline as fusedWhereRegistered,
  identityDerivativeOffset,
  rationalQuadraticSplineOps,
  splitSplineParameters,
} from './rational-quadratic.js';
import { bin, params64, spline64 } from './test-utils/spline64.js';

const B = 3;
const K = 6;
const BATCH = 48;
const DIM = 3;

interface Case {
  uw: Float32Array;
  uh: Float32Array;
  ud: Float32Array;
  /** Inputs for the forward map: tails, beyond the bound, both bounds, width knots. */
  x: Float32Array;
  /** Inputs for the inverse map: the same, with height knots. */
  y: Float32Array;
}

function row(a: Float32Array, i: number, j: number, n: number): number[] {
  return Array.from(a.subarray((i * DIM + j) * n, (i * DIM + j + 1) * n));
}

function makeCase(seed: number, spread: number): Case {
  const rng = createRng(seed);
  const scaled = (n: number) => rng.normalArray(n).map((v) => v * spread);
  const uw = scaled(BATCH * DIM * K);
  const uh = scaled(BATCH * DIM * K);
  const ud = scaled(BATCH * DIM * (K - 1));
  const x = new Float32Array(BATCH * DIM);
  const y = new Float32Array(BATCH * DIM);
  for (let i = 0; i < BATCH; i++) {
    for (let j = 0; j < DIM; j++) {
      const p = params64(row(uw, i, j, K), row(uh, i, j, K), row(ud, i, j, K - 1), B);
      const n = i * DIM + j;
      const kind = i % 6;
      const knot = 1 + rng.int(K - 1);
      // Rows cycle through: uniform over [-2B, 2B] (a third beyond the bound), exactly on an interior
      // knot, a hair either side of a knot, exactly on +-B.
      if (kind <= 2) {
        x[n] = rng.uniform() * 4 * B - 2 * B;
        y[n] = rng.uniform() * 4 * B - 2 * B;
      } else if (kind === 3) {
        x[n] = p.xs[knot]!;
        y[n] = p.ys[knot]!;
      } else if (kind === 4) {
        const eps = (rng.uniform() < 0.5 ? -1 : 1) * 1e-5;
        x[n] = p.xs[knot]! + eps;
        y[n] = p.ys[knot]! + eps;
      } else {
        x[n] = rng.uniform() < 0.5 ? -B : B;
        y[n] = rng.uniform() < 0.5 ? -B : B;
      }
    }
  }
  return { uw, uh, ud, x, y };
}

function tensors(c: Case) {
  return {
    uw: tf.tensor3d(c.uw, [BATCH, DIM, K]),
    uh: tf.tensor3d(c.uh, [BATCH, DIM, K]),
    ud: tf.tensor3d(c.ud, [BATCH, DIM, K - 1]),
    x: tf.tensor2d(c.x, [BATCH, DIM]),
    y: tf.tensor2d(c.y, [BATCH, DIM]),
  };
}

/**
 * The reference on the float32 values the tensors hold, with the slack that float32 knots allow.
 * The knots the tensors compute carry an absolute error of a few ulps of B, like nflows's (seen: 1e-7
 * on cpu, 1e-6 on wasm, whose cumsum rounds more; eps = 2e-6 = 8 ulps at B = 3), so (a) near a knot an output may move as much as the reference moves over +-eps of
 * its input, and (b) a bin of size w has a relative size error of eps / w, which moves logDet by up
 * to about 3 eps (1/w + 1/h). Narrow bins (w = 6e-3 at the minimum) are the worst case: 2e-3.
 */
function reference(c: Case, input: Float32Array, inverse: boolean) {
  const y = new Float64Array(BATCH * DIM);
  const ld = new Float64Array(BATCH * DIM);
  const slackY = new Float64Array(BATCH * DIM);
  const slackLd = new Float64Array(BATCH * DIM);
  const eps = 2e-6;
  for (let i = 0; i < BATCH; i++) {
    for (let j = 0; j < DIM; j++) {
      const n = i * DIM + j;
      const v = input[n]!;
      const p = params64(row(c.uw, i, j, K), row(c.uh, i, j, K), row(c.ud, i, j, K - 1), B);
      const [lo, mid, hi] = [-eps, 0, eps].map((e) => spline64(v + e, p, B, inverse));
      y[n] = mid!.y;
      ld[n] = mid!.ld;
      slackY[n] = Math.max(Math.abs(hi!.y - mid!.y), Math.abs(mid!.y - lo!.y));
      slackLd[n] = Math.max(Math.abs(hi!.ld - mid!.ld), Math.abs(mid!.ld - lo!.ld));
      if (Math.abs(v) <= B) {
        const k = bin(inverse ? p.ys : p.xs, v);
        const w = p.xs[k + 1]! - p.xs[k]!;
        const h = p.ys[k + 1]! - p.ys[k]!;
        slackLd[n] = slackLd[n]! + 3 * eps * (1 / w + 1 / h);
      }
    }
  }
  return { y, ld, slackY, slackLd };
}

/** max over elements of |got - want| beyond `tol + slack`; 0 when everything is within. */
function excess(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  slack: ArrayLike<number>,
  tol: number,
): number {
  let m = 0;
  for (let i = 0; i < got.length; i++) m = Math.max(m, Math.abs(got[i]! - want[i]!) - tol - slack[i]!);
  return m;
}

function maxDiff(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  include: (i: number) => boolean = () => true,
): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (include(i)) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

// The same checks for the function users call (one fused kernel on cpu and wasm, @diffeo/core's DiffeoRQSpline) and
// for the op-by-op version (the reference, and what webgl runs).
for (const [name, rationalQuadraticSpline] of [
  ['rationalQuadraticSpline', fusedWhereRegistered],
  ['rationalQuadraticSplineOps', rationalQuadraticSplineOps],
] as const)
  describe(name, () => {
    it('matches the float64 reference forward and inverse, tails and knots included', () => {
      for (const [seed, spread] of [
        [1, 1],
        [2, 2.5],
      ] as const) {
        const c = makeCase(seed, spread);
        const t = tensors(c);
        const before = tf.memory().numTensors;
        const fwd = rationalQuadraticSpline(t.x, t.uw, t.uh, t.ud, { tailBound: B });
        const inv = rationalQuadraticSpline(t.y, t.uw, t.uh, t.ud, { tailBound: B, inverse: true });
        expect(tf.memory().numTensors).toBe(before + 4);
        expect(fwd.y.shape).toEqual([BATCH, DIM]);
        expect(inv.logDet.shape).toEqual([BATCH, DIM]);
        const rf = reference(c, c.x, false);
        const ri = reference(c, c.y, true);
        // Raw errors on the random rows (not placed on knots), the accuracy a user sees.
        const random = (n: number) => Math.floor(n / DIM) % 6 <= 2;
        const raw = [
          maxDiff(fwd.y.dataSync(), rf.y, random),
          maxDiff(fwd.logDet.dataSync(), rf.ld, random),
          maxDiff(inv.y.dataSync(), ri.y, random),
          maxDiff(inv.logDet.dataSync(), ri.ld, random),
        ];
        console.log(
          `spline vs float64, spread ${spread}, random rows: y, logDet, inverse y, inverse logDet`,
          raw,
        );
        if (spread === 1) {
          expect(Math.max(raw[0]!, raw[2]!)).toBeLessThan(1e-5);
          expect(Math.max(raw[1]!, raw[3]!)).toBeLessThan(2e-5);
        }
        expect(excess(fwd.y.dataSync(), rf.y, rf.slackY, 1e-5)).toBeLessThanOrEqual(0);
        expect(excess(fwd.logDet.dataSync(), rf.ld, rf.slackLd, 1e-5)).toBeLessThanOrEqual(0);
        expect(excess(inv.y.dataSync(), ri.y, ri.slackY, 1e-5)).toBeLessThanOrEqual(0);
        expect(excess(inv.logDet.dataSync(), ri.ld, ri.slackLd, 1e-5)).toBeLessThanOrEqual(0);
        // Beyond the bound the map is the identity with logDet 0 exactly.
        const xv = c.x;
        const yv = fwd.y.dataSync();
        const lv = fwd.logDet.dataSync();
        let outside = 0;
        for (let n = 0; n < xv.length; n++) {
          if (Math.abs(xv[n]!) > B) {
            outside++;
            expect(yv[n]).toBe(xv[n]);
            expect(lv[n]).toBe(0);
          }
        }
        expect(outside).toBeGreaterThan(10);
        tf.dispose([fwd.y, fwd.logDet, inv.y, inv.logDet, ...Object.values(t)]);
      }
    });

    it('inverts itself, logDets cancel and equal the autodiff derivative', () => {
      const c = makeCase(3, 1);
      const t = tensors(c);
      const fwd = rationalQuadraticSpline(t.x, t.uw, t.uh, t.ud, { tailBound: B });
      const back = rationalQuadraticSpline(fwd.y, t.uw, t.uh, t.ud, { tailBound: B, inverse: true });
      const cancel = tf.add(fwd.logDet, back.logDet);
      // Rows 3 and 4 of every 6 sit on (or 1e-5 from) a knot, where a one-ulp move of y can switch
      // the inverse to the neighbouring bin: the map is C1 there, but logDet changes fast inside a
      // steep bin, so those rows get a looser cancellation bound.
      const bv = back.y.dataSync();
      const cv = cancel.dataSync();
      let worstInverse = 0;
      let worstCancel = 0;
      let worstCancelAtKnots = 0;
      for (let n = 0; n < BATCH * DIM; n++) {
        worstInverse = Math.max(worstInverse, Math.abs(bv[n]! - c.x[n]!));
        const atKnot = [3, 4].includes(Math.floor(n / DIM) % 6);
        if (atKnot) worstCancelAtKnots = Math.max(worstCancelAtKnots, Math.abs(cv[n]!));
        else worstCancel = Math.max(worstCancel, Math.abs(cv[n]!));
      }
      console.log(
        `round trip: max |x' - x| ${worstInverse.toExponential(2)}, max |logDet sum| ${worstCancel.toExponential(2)} (${worstCancelAtKnots.toExponential(2)} on knots)`,
      );
      expect(worstInverse).toBeLessThan(1e-4);
      expect(worstCancel).toBeLessThan(1e-4);
      expect(worstCancelAtKnots).toBeLessThan(1e-3);
      // Elementwise map: the gradient of sum(y) is the diagonal of the Jacobian.
      for (const inverse of [false, true]) {
        const input = inverse ? t.y : t.x;
        const out = rationalQuadraticSpline(input, t.uw, t.uh, t.ud, { tailBound: B, inverse });
        const dydx = tf.grad((v: tf.Tensor) =>
          tf.sum(rationalQuadraticSpline(v as tf.Tensor2D, t.uw, t.uh, t.ud, { tailBound: B, inverse }).y),
        )(input);
        const logAbs = tf.log(tf.abs(dydx));
        expect(maxDiff(logAbs.dataSync(), out.logDet.dataSync())).toBeLessThan(1e-4);
        tf.dispose([out.y, out.logDet, dydx, logAbs]);
      }
      tf.dispose([fwd.y, fwd.logDet, back.y, back.logDet, cancel, ...Object.values(t)]);
    });

    it('has slope exactly 1 at the bounds (edge derivatives fixed to 1)', () => {
      const c = makeCase(4, 2);
      const t = tensors(c);
      const edges = tf.tensor2d(
        Array.from({ length: BATCH * DIM }, (_, n) => (n % 2 === 0 ? -B : B)),
        [BATCH, DIM],
      );
      for (const inverse of [false, true]) {
        const out = rationalQuadraticSpline(edges, t.uw, t.uh, t.ud, { tailBound: B, inverse });
        expect(maxDiff(out.y.dataSync(), edges.dataSync())).toBeLessThan(1e-6);
        expect(maxDiff(out.logDet.dataSync(), new Float32Array(BATCH * DIM))).toBeLessThan(1e-5);
        tf.dispose([out.y, out.logDet]);
      }
      tf.dispose([edges, ...Object.values(t)]);
    });

    it('gradients reach x and all three parameter tensors and match float64 finite differences', () => {
      const c = makeCase(5, 1.5);
      const t = tensors(c);
      const rng = createRng(11);
      // A loss that weighs outputs and logDets with fixed random weights, so no gradient hides in a sum.
      const wy = rng.normalArray(BATCH * DIM);
      const wl = rng.normalArray(BATCH * DIM);
      const wyT = tf.tensor2d(wy, [BATCH, DIM]);
      const wlT = tf.tensor2d(wl, [BATCH, DIM]);
      for (const inverse of [false, true]) {
        const input = inverse ? c.y : c.x;
        const inputT = inverse ? t.y : t.x;
        const before = tf.memory().numTensors;
        const grads = tf.grads((x: tf.Tensor, uw: tf.Tensor, uh: tf.Tensor, ud: tf.Tensor) => {
          const o = rationalQuadraticSpline(
            x as tf.Tensor2D,
            uw as tf.Tensor3D,
            uh as tf.Tensor3D,
            ud as tf.Tensor3D,
            { tailBound: B, inverse },
          );
          return tf.add(tf.sum(tf.mul(o.y, wyT)), tf.sum(tf.mul(o.logDet, wlT)));
        })([inputT, t.uw, t.uh, t.ud]);
        const values = grads.map((g) => g.dataSync());
        tf.dispose(grads);
        expect(tf.memory().numTensors).toBe(before);
        for (const v of values) expect(Array.from(v).every(Number.isFinite)).toBe(true);
        // Every parameter tensor gets a non-zero gradient somewhere.
        for (const v of values.slice(1)) expect(Math.max(...Array.from(v, Math.abs))).toBeGreaterThan(1e-3);

        // Element loss in float64 for one (row, column), with one entry of one tensor nudged.
        const elementLoss = (n: number, which: number, index: number, h: number): number => {
          const i = Math.floor(n / DIM);
          const j = n % DIM;
          const copy = (a: Float32Array, w: number) => {
            const out = Array.from(a);
            if (w === which) out[index] = out[index]! + h;
            return out;
          };
          const xs = copy(input, 0);
          const uw = Float32Array.from(copy(c.uw, 1));
          const uh = Float32Array.from(copy(c.uh, 2));
          const ud = Float32Array.from(copy(c.ud, 3));
          const p = params64(row(uw, i, j, K), row(uh, i, j, K), row(ud, i, j, K - 1), B);
          const r = spline64(xs[n]!, p, B, inverse);
          return wy[n]! * r.y + wl[n]! * r.ld;
        };
        // Checks a few entries per tensor, on elements that lie inside (|v| < B) away from knots.
        let checked = 0;
        for (let n = 0; n < BATCH * DIM && checked < 40; n++) {
          if (Math.floor(n / DIM) % 6 > 2 || Math.abs(input[n]!) >= B) continue;
          const sizes = [1, K, K, K - 1];
          for (let which = 0; which < 4; which++) {
            const entry = which === 0 ? n : n * sizes[which]! + ((n * 7 + which) % sizes[which]!);
            const h = 1e-5;
            // float32 inputs and a float64 loss: the reference is not float32-exact, so the step
            // size limits the agreement only through float64 rounding (1e-11 / 1e-5).
            const fd = (elementLoss(n, which, entry, h) - elementLoss(n, which, entry, -h)) / (2 * h);
            const g = values[which]![entry]!;
            expect(Math.abs(g - fd)).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
            checked++;
          }
        }
        expect(checked).toBeGreaterThanOrEqual(40);
      }
      tf.dispose([wyT, wlT, ...Object.values(t)]);
    });

    it('is the exact identity for zero parameters plus identityDerivativeOffset', () => {
      const batch = 7;
      const x = tf.tensor2d(
        [
          -5, -3, -2.999, -1.3, -0.2, 0, 1e-4, 0.7, 1.5, 2.25, 3, 3.2, 8, 0.123, -0.456, 2.5, -2.5, 1, -1,
          0.5, 4.1,
        ],
        [batch, 3],
      );
      const w = tf.zeros([batch, 3, 8]) as tf.Tensor3D;
      const d = tf.fill([batch, 3, 7], identityDerivativeOffset()) as tf.Tensor3D;
      for (const inverse of [false, true]) {
        const out = rationalQuadraticSpline(x, w, w, d, { tailBound: 3, inverse });
        expect(maxDiff(out.y.dataSync(), x.dataSync())).toBeLessThan(1e-6);
        expect(maxDiff(out.logDet.dataSync(), new Float32Array(batch * 3))).toBeLessThan(1e-6);
        tf.dispose([out.y, out.logDet]);
      }
      // Without the offset, zero parameters are not the identity (interior slopes log 2 + 1e-3).
      const zeroD = tf.zeros([batch, 3, 7]) as tf.Tensor3D;
      const notIdentity = rationalQuadraticSpline(x, w, w, zeroD, { tailBound: 3 });
      expect(maxDiff(notIdentity.logDet.dataSync(), new Float32Array(batch * 3))).toBeGreaterThan(0.05);
      tf.dispose([x, w, d, zeroD, notIdentity.y, notIdentity.logDet]);
    });

    it('splitSplineParameters lays out widths, heights, derivatives per dimension as nflows', () => {
      const dim = 2;
      const bins = 3;
      const raw = tf.tensor2d([Array.from({ length: dim * (3 * bins - 1) }, (_, i) => i)]);
      const p = splitSplineParameters(raw, dim, bins, { hiddenFeatures: 4, derivativeOffset: 0.5 });
      expect(p.unnormalizedWidths.arraySync()).toEqual([
        [
          [0, 0.5, 1],
          [4, 4.5, 5],
        ],
      ]);
      expect(p.unnormalizedHeights.arraySync()).toEqual([
        [
          [1.5, 2, 2.5],
          [5.5, 6, 6.5],
        ],
      ]);
      expect(p.unnormalizedDerivatives.arraySync()).toEqual([
        [
          [6.5, 7.5],
          [14.5, 15.5],
        ],
      ]);
      expect(() => splitSplineParameters(raw, 3, bins)).toThrow(ShapeError);
      tf.dispose([raw, ...Object.values(p)]);
    });

    it('rejects wrong shapes and impossible options with typed errors', () => {
      tf.tidy(() => {
        const x = tf.zeros([4, 2]) as tf.Tensor2D;
        const w = tf.zeros([4, 2, 5]) as tf.Tensor3D;
        const d = tf.zeros([4, 2, 4]) as tf.Tensor3D;
        expect(() => rationalQuadraticSpline(x, w, w, w)).toThrow(
          /unnormalizedDerivatives: expected \[4, 2, 4\], got \[4, 2, 5\]/,
        );
        expect(() => rationalQuadraticSpline(x, w, d, d)).toThrow(ShapeError);
        expect(() => rationalQuadraticSpline(x, tf.zeros([3, 2, 5]) as tf.Tensor3D, w, d)).toThrow(
          ShapeError,
        );
        expect(() => rationalQuadraticSpline(tf.zeros([4]) as unknown as tf.Tensor2D, w, w, d)).toThrow(
          ShapeError,
        );
        expect(() => rationalQuadraticSpline(x, w, w, d, { minBinWidth: 0.2 })).toThrow(ConfigError);
        expect(() => rationalQuadraticSpline(x, w, w, d, { tailBound: 0 })).toThrow(/tailBound/);
        expect(() => rationalQuadraticSpline(x, w, w, d, { minDerivative: -1 })).toThrow(ConfigError);
      });
    });
  });
