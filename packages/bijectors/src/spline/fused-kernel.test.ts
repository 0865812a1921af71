import { ConfigError, createRng } from '@diffeo/core';
import { RQ_SPLINE_GRAD_KERNEL, RQ_SPLINE_KERNEL } from '@diffeo/core/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  identityDerivativeOffset,
  MAX_TAIL_BOUND,
  type RationalQuadraticSplineOptions,
  rationalQuadraticSpline,
  rationalQuadraticSplineOps,
} from './rational-quadratic.js';
import { bin, type Minimums64, params64, spline64 } from './test-utils/spline64.js';

// The fused kernel (@diffeo/core's DiffeoRQSpline, through rationalQuadraticSpline) against the op-by-op spline and the float64 reference, value by
// value, and gradient by gradient against the op-by-op spline and finite differences of the
// float64 reference.

const BATCH = 64;
const DIM = 3;

/** What each row of a case holds, cycling with the row index. */
const KINDS = ['random', 'random', 'random', 'knot', 'nearKnot', 'bound', 'beyond', 'random'] as const;
type Kind = (typeof KINDS)[number];
const kindOf = (n: number): Kind => KINDS[Math.floor(n / DIM) % KINDS.length]!;

interface Case {
  name: string;
  numBins: number;
  options: RationalQuadraticSplineOptions & { tailBound: number };
  uw: Float32Array;
  uh: Float32Array;
  ud: Float32Array;
  /** Inputs of the forward map, and of the inverse map (on height knots where x is on width knots). */
  x: Float32Array;
  y: Float32Array;
}

function minimums(c: Case): Minimums64 {
  return c.options;
}

function params(
  c: Case,
  n: number,
  arrays: { uw: ArrayLike<number>; uh: ArrayLike<number>; ud: ArrayLike<number> } = c,
) {
  const K = c.numBins;
  const pick = (a: ArrayLike<number>, size: number) =>
    Array.from({ length: size }, (_, i) => a[n * size + i]!);
  return params64(
    pick(arrays.uw, K),
    pick(arrays.uh, K),
    pick(arrays.ud, K - 1),
    c.options.tailBound,
    minimums(c),
  );
}

/**
 * `spread` scales normal parameters; `extreme` also sets a fifth of them to +-30 (one bin takes
 * nearly everything, the others sit at the minimum; knot derivatives at minDerivative or 30).
 */
function makeCase(
  name: string,
  seed: number,
  spread: number,
  numBins: number,
  options: Case['options'],
  extreme = false,
): Case {
  const rng = createRng(seed);
  const K = numBins;
  const draw = (size: number) =>
    Float32Array.from(rng.normalArray(size), (v) =>
      extreme && rng.uniform() < 0.2 ? (rng.uniform() < 0.5 ? -30 : 30) : v * spread,
    );
  const c: Case = {
    name,
    numBins,
    options,
    uw: draw(BATCH * DIM * K),
    uh: draw(BATCH * DIM * K),
    ud: draw(BATCH * DIM * (K - 1)),
    x: new Float32Array(BATCH * DIM),
    y: new Float32Array(BATCH * DIM),
  };
  const B = options.tailBound;
  for (let n = 0; n < BATCH * DIM; n++) {
    const p = params(c, n);
    const knot = 1 + rng.int(K - 1);
    const sign = rng.uniform() < 0.5 ? -1 : 1;
    switch (kindOf(n)) {
      case 'random':
        c.x[n] = (rng.uniform() * 2 - 1) * B;
        c.y[n] = (rng.uniform() * 2 - 1) * B;
        break;
      case 'knot':
        c.x[n] = p.xs[knot]!;
        c.y[n] = p.ys[knot]!;
        break;
      case 'nearKnot':
        c.x[n] = p.xs[knot]! + sign * 1e-5 * B;
        c.y[n] = p.ys[knot]! - sign * 1e-5 * B;
        break;
      case 'bound':
        c.x[n] = sign * B;
        c.y[n] = -sign * B;
        break;
      case 'beyond':
        // Just beyond the bound, or far out in a tail.
        c.x[n] = sign * (rng.uniform() < 0.5 ? B * (1 + 1e-6) : B * (1 + 100 * rng.uniform()));
        c.y[n] = -c.x[n]!;
        break;
    }
  }
  return c;
}

const CASES: Case[] = [
  makeCase('unit spread, B = 3, K = 6', 1, 1, 6, { tailBound: 3 }),
  makeCase('spread 2.5, B = 3, K = 8', 2, 2.5, 8, { tailBound: 3 }),
  makeCase('spread 1.5, B = 1, other minimums, K = 5', 3, 1.5, 5, {
    tailBound: 1,
    minBinWidth: 1e-2,
    minBinHeight: 5e-3,
    minDerivative: 1e-2,
  }),
  makeCase('extreme parameters, B = 5, K = 8', 4, 5, 8, { tailBound: 5 }, true),
];

function tensorsOf(c: Case) {
  const K = c.numBins;
  return {
    uw: tf.tensor3d(c.uw, [BATCH, DIM, K]),
    uh: tf.tensor3d(c.uh, [BATCH, DIM, K]),
    ud: tf.tensor3d(c.ud, [BATCH, DIM, K - 1]),
    x: tf.tensor2d(c.x, [BATCH, DIM]),
    y: tf.tensor2d(c.y, [BATCH, DIM]),
  };
}

/**
 * The float64 reference at the float32 inputs, and how far a float32 computation of the same spline
 * may honestly be from it (the error model of rational-quadratic.test.ts): the op-by-op version's
 * knots carry an absolute error of a few ulps of B (cumulative sums in float32), so its output may
 * move as much as the exact spline moves over +-eps of its input, and a bin of size w has a relative
 * size error of eps / w, which moves logDet by up to about 3 eps (1/w + 1/h). eps = 16 ulps of B:
 * 8 (as rational-quadratic.test.ts) fell short once with extreme parameters, in a bin 1000 times
 * flatter than its right knot derivative, where the float32 quotient (y - y_k) / h_k adds its own.
 */
function reference(c: Case, inputs: Float32Array, inverse: boolean) {
  const B = c.options.tailBound;
  const eps = 16 * 2 ** (Math.floor(Math.log2(B)) - 23);
  const n = inputs.length;
  const out = {
    y: new Float64Array(n),
    ld: new Float64Array(n),
    slackY: new Float64Array(n),
    slackLd: new Float64Array(n),
  };
  for (let e = 0; e < n; e++) {
    const v = inputs[e]!;
    const p = params(c, e);
    const mid = spline64(v, p, B, inverse);
    out.y[e] = mid.y;
    out.ld[e] = mid.ld;
    // The largest move over [v - eps, v + eps]: sampled, knots inside included (logDet may have its
    // extremum on a knot, e.g. where a knot derivative sits at its minimum).
    const knotsOfInput = inverse ? p.ys : p.xs;
    const probes = [
      ...Array.from({ length: 9 }, (_, j) => v + (eps * (j - 4)) / 4),
      ...knotsOfInput.filter((k) => Math.abs(k - v) <= eps),
    ];
    for (const u of probes) {
      const r = spline64(u, p, B, inverse);
      out.slackY[e] = Math.max(out.slackY[e]!, Math.abs(r.y - mid.y));
      out.slackLd[e] = Math.max(out.slackLd[e]!, Math.abs(r.ld - mid.ld));
    }
    if (Math.abs(v) <= B) {
      const k = bin(inverse ? p.ys : p.xs, v);
      const w = p.xs[k + 1]! - p.xs[k]!;
      const h = p.ys[k + 1]! - p.ys[k]!;
      out.slackLd[e] = out.slackLd[e]! + 3 * eps * (1 / w + 1 / h);
    }
  }
  return out;
}

type SplineFn = typeof rationalQuadraticSpline;

/** Gradients of sum(a * y + b * logDet) with respect to the input and the three parameter tensors. */
function gradients(
  spline: SplineFn,
  input: tf.Tensor2D,
  t: ReturnType<typeof tensorsOf>,
  a: tf.Tensor,
  b: tf.Tensor | null,
  options: RationalQuadraticSplineOptions,
): Float32Array[] {
  const grads = tf.grads((x: tf.Tensor, uw: tf.Tensor, uh: tf.Tensor, ud: tf.Tensor) => {
    const o = spline(x as tf.Tensor2D, uw as tf.Tensor3D, uh as tf.Tensor3D, ud as tf.Tensor3D, options);
    const ySum = tf.sum(tf.mul(o.y, a));
    return b === null ? ySum : tf.add(ySum, tf.sum(tf.mul(o.logDet, b)));
  })([input, t.uw, t.uh, t.ud]);
  const values = grads.map((g) => g.dataSync() as Float32Array);
  tf.dispose(grads);
  return values;
}

describe(`fused rational-quadratic spline kernel (${tf.getBackend()})`, () => {
  it('is registered for this backend, and the spline runs as one kernel forward and one backward', async () => {
    expect(tf.getKernel(RQ_SPLINE_KERNEL, tf.getBackend())).toBeDefined();
    expect(tf.getKernel(RQ_SPLINE_GRAD_KERNEL, tf.getBackend())).toBeDefined();
    const c = CASES[0]!;
    const t = tensorsOf(c);
    const forward = await tf.profile(() => {
      const o = rationalQuadraticSpline(t.x, t.uw, t.uh, t.ud, c.options);
      tf.dispose([o.y, o.logDet]);
    });
    expect(forward.kernels.map((k) => k.name)).toEqual([RQ_SPLINE_KERNEL]);
    const backward = await tf.profile(() => {
      const g = tf.grads((x: tf.Tensor, uw: tf.Tensor) => {
        const o = rationalQuadraticSpline(x as tf.Tensor2D, uw as tf.Tensor3D, t.uh, t.ud, c.options);
        return tf.add(tf.sum(o.y), tf.sum(o.logDet));
      })([t.x, t.uw]);
      tf.dispose(g);
    });
    const names = backward.kernels.map((k) => k.name);
    expect(names.filter((n) => n === RQ_SPLINE_KERNEL)).toHaveLength(1);
    expect(names.filter((n) => n === RQ_SPLINE_GRAD_KERNEL)).toHaveLength(1);
    tf.dispose(Object.values(t));
  });

  for (const c of CASES) {
    it(`equals the op-by-op spline, both directions, tails, bounds and knots: ${c.name}`, () => {
      const t = tensorsOf(c);
      for (const inverse of [false, true]) {
        const input = inverse ? t.y : t.x;
        const options = { ...c.options, inverse };
        const before = tf.memory().numTensors;
        const fused = rationalQuadraticSpline(input, t.uw, t.uh, t.ud, options);
        expect(tf.memory().numTensors).toBe(before + 2);
        const ops = rationalQuadraticSplineOps(input, t.uw, t.uh, t.ud, options);
        expect(fused.y.shape).toEqual([BATCH, DIM]);
        expect(fused.logDet.shape).toEqual([BATCH, DIM]);
        expect(fused.y.dtype).toBe('float32');
        const [fy, fl, oy, ol] = [fused.y, fused.logDet, ops.y, ops.logDet].map((v) => v.dataSync()) as [
          Float32Array,
          Float32Array,
          Float32Array,
          Float32Array,
        ];
        const inputs = inverse ? c.y : c.x;
        const ref = reference(c, inputs, inverse);
        // fused vs float64 reference (no slack: both compute in float64 from the same float32 inputs),
        // and fused vs op by op, the latter's float32 knots and arithmetic allowed for by the slack.
        // opsY, opsLogDet: (|fused - ops| - slack) / tolerance; rawY, rawLogDet: |fused - ops| on the
        // rows off the knots (random, bound, beyond), without slack, for the log.
        const worst = { refY: 0, refLogDet: 0, opsY: 0, opsLogDet: 0, rawY: 0, rawLogDet: 0 };
        for (let n = 0; n < BATCH * DIM; n++) {
          worst.refY = Math.max(worst.refY, Math.abs(fy[n]! - ref.y[n]!) / (1 + Math.abs(ref.y[n]!)));
          worst.refLogDet = Math.max(
            worst.refLogDet,
            Math.abs(fl[n]! - ref.ld[n]!) / (1 + Math.abs(ref.ld[n]!)),
          );
          worst.opsY = Math.max(worst.opsY, (Math.abs(fy[n]! - oy[n]!) - ref.slackY[n]!) / 1e-5);
          worst.opsLogDet = Math.max(worst.opsLogDet, (Math.abs(fl[n]! - ol[n]!) - ref.slackLd[n]!) / 1e-4);
          if (kindOf(n) === 'random' || kindOf(n) === 'bound' || kindOf(n) === 'beyond') {
            worst.rawY = Math.max(worst.rawY, Math.abs(fy[n]! - oy[n]!));
            worst.rawLogDet = Math.max(worst.rawLogDet, Math.abs(fl[n]! - ol[n]!));
          }
          if (Math.abs(inputs[n]!) > c.options.tailBound) {
            // Beyond the bound: the identity, logDet exactly 0.
            expect(fy[n]).toBe(inputs[n]);
            expect(fl[n]).toBe(0);
          }
        }
        console.log(`${c.name}, inverse ${inverse}:`, worst);
        expect(worst.refY).toBeLessThan(1e-6);
        expect(worst.refLogDet).toBeLessThan(1e-6);
        expect(worst.opsY).toBeLessThanOrEqual(1);
        expect(worst.opsLogDet).toBeLessThanOrEqual(1);
        tf.dispose([fused.y, fused.logDet, ops.y, ops.logDet]);
      }
      tf.dispose(Object.values(t));
    });

    it(`gradients match the op-by-op spline and float64 finite differences: ${c.name}`, () => {
      const K = c.numBins;
      const B = c.options.tailBound;
      const t = tensorsOf(c);
      const rng = createRng(100);
      const wy = rng.normalArray(BATCH * DIM);
      const wl = rng.normalArray(BATCH * DIM);
      const a = tf.tensor2d(wy, [BATCH, DIM]);
      const b = tf.tensor2d(wl, [BATCH, DIM]);
      const sizes = [1, K, K, K - 1];
      for (const inverse of [false, true]) {
        const options = { ...c.options, inverse };
        const input = inverse ? t.y : t.x;
        const inputs = inverse ? c.y : c.x;
        const before = tf.memory().numTensors;
        const fused = gradients(rationalQuadraticSpline, input, t, a, b, options);
        expect(tf.memory().numTensors).toBe(before);
        const ops = gradients(rationalQuadraticSplineOps, input, t, a, b, options);
        // Only y reaching the loss: the engine hands the kernel zeros as the gradient of logDet.
        const fusedY = gradients(rationalQuadraticSpline, input, t, a, null, options);
        const opsY = gradients(rationalQuadraticSplineOps, input, t, a, null, options);
        expect(tf.memory().numTensors).toBe(before);
        for (const g of [...fused, ...fusedY]) expect(g.every(Number.isFinite)).toBe(true);

        // Finite differences of the float64 reference loss, entry by entry, on points off the knots
        // and exactly on the bound (x there differentiated from the inside, the tail being flat).
        const elementLoss = (n: number, which: number, j: number, h: number, withLogDet: boolean): number => {
          const slice = (arr: Float32Array, w: number) => {
            const size = sizes[w]!;
            const out = Array.from(arr.subarray(n * size, (n + 1) * size));
            if (w === which) out[j] = out[j]! + h;
            return out;
          };
          const [v] = slice(inputs, 0);
          const p = params64(slice(c.uw, 1), slice(c.uh, 2), slice(c.ud, 3), B, minimums(c));
          const r = spline64(v!, p, B, inverse);
          return wy[n]! * r.y + (withLogDet ? wl[n]! * r.ld : 0);
        };
        const finiteDifference = (n: number, which: number, j: number, withLogDet: boolean): number => {
          const f = (h: number) => elementLoss(n, which, j, h, withLogDet);
          if (kindOf(n) === 'bound' && which === 0) {
            // Small steps: bins up to 1000 times steeper than their edge derivative curve fast there.
            const h = 1e-10 * B;
            const inward = -Math.sign(inputs[n]!);
            return (inward * (-3 * f(0) + 4 * f(inward * h) - f(2 * inward * h))) / (2 * h);
          }
          const h = 1e-6 * B;
          return (f(h) - f(-h)) / (2 * h);
        };
        const hasFiniteDifference = (n: number): boolean => {
          const kind = kindOf(n);
          if (kind === 'bound') return true;
          if (kind !== 'random' && kind !== 'beyond') return false;
          const p = params(c, n);
          return Math.min(...(inverse ? p.ys : p.xs).map((k) => Math.abs(k - inputs[n]!))) > 1e-4 * B;
        };

        // fused vs finite differences: 1e-4 relative + 1e-5. fused vs op by op: 1e-4 relative to the
        // element's largest gradient entry + 1e-5 (float32 cancellations in the op-by-op backward
        // pass, e.g. exact zeros at the bound coming out of 2/s - 2/s, leave errors proportional to
        // the terms that cancelled). Where the op-by-op gradient is further off than that (steep
        // bins at the bound, extreme parameters), the finite difference decides: the fused gradient
        // must be the one that is right. On knots the two paths may pick neighbouring bins (knots
        // rounded differently), where the gradients of logDet and of the knots legitimately
        // differ: not compared there.
        const worst = { fd: 0, ops: 0, opsOffByFd: 0 };
        let checked = 0;
        for (const [f, o, withLogDet] of [
          [fused, ops, true],
          [fusedY, opsY, false],
        ] as const) {
          const scale = new Float64Array(BATCH * DIM);
          for (let which = 0; which < 4; which++) {
            o[which]!.forEach((v, i) => {
              const e = Math.floor(i / sizes[which]!);
              scale[e] = Math.max(scale[e]!, Math.abs(v));
            });
          }
          for (let n = 0; n < BATCH * DIM; n++) {
            if (kindOf(n) === 'knot' || kindOf(n) === 'nearKnot') continue;
            const withFd = hasFiniteDifference(n);
            for (let which = 0; which < 4; which++) {
              for (let j = 0; j < sizes[which]!; j++) {
                const i = n * sizes[which]! + j;
                const [fv, ov] = [f[which]![i]!, o[which]![i]!];
                const fd = withFd ? finiteDifference(n, which, j, withLogDet) : Number.NaN;
                if (withFd) {
                  worst.fd = Math.max(worst.fd, Math.abs(fv - fd) / (1e-4 * Math.abs(fd) + 1e-5));
                  checked++;
                }
                const gap = Math.abs(fv - ov) / (1e-4 * scale[n]! + 1e-5);
                if (gap <= 1) {
                  worst.ops = Math.max(worst.ops, gap);
                } else {
                  // The op-by-op gradient is off: the float64 finite difference must say so.
                  expect(withFd).toBe(true);
                  expect(Math.abs(ov - fd)).toBeGreaterThan(10 * Math.abs(fv - fd));
                  worst.opsOffByFd++;
                }
              }
            }
          }
        }
        console.log(
          `${c.name}, inverse ${inverse}: gradients, max |fused - fd| / (1e-4 |fd| + 1e-5) = ${worst.fd.toFixed(3)} ` +
            `over ${checked} entries; max |fused - ops| / (1e-4 scale + 1e-5) = ${worst.ops.toFixed(3)}, ` +
            `${worst.opsOffByFd} entries where the op-by-op gradient is the one that is off`,
        );
        expect(checked).toBeGreaterThan(1000);
        expect(worst.fd).toBeLessThanOrEqual(1);
      }
      tf.dispose([a, b, ...Object.values(t)]);
    });
  }

  it('is the exact identity for zero parameters plus identityDerivativeOffset', () => {
    const x = tf.tensor2d(
      [
        -5, -3, -2.999, -1.3, -0.2, 0, 1e-4, 0.7, 1.5, 2.25, 3, 3.2, 8, 0.123, -0.456, 2.5, -2.5, 1, -1, 0.5,
        4.1,
      ],
      [7, 3],
    );
    const zeros = tf.zeros([7, 3, 8]) as tf.Tensor3D;
    const d = tf.fill([7, 3, 7], identityDerivativeOffset()) as tf.Tensor3D;
    for (const inverse of [false, true]) {
      const out = rationalQuadraticSpline(x, zeros, zeros, d, { tailBound: 3, inverse });
      expect(Array.from(out.y.dataSync())).toEqual(Array.from(x.dataSync()));
      // logDet is limited by the float32 storage of the offset (knot derivatives 1 +- 1e-8).
      for (const v of out.logDet.dataSync()) expect(Math.abs(v)).toBeLessThan(1e-7);
      tf.dispose([out.y, out.logDet]);
    }
    tf.dispose([x, zeros, d]);
  });

  it('stays finite and invertible up to the largest tail bound, and refuses a larger one', () => {
    const rng = createRng(21);
    const params = (n: number) => rng.normalArray(n);
    for (const spline of [rationalQuadraticSpline, rationalQuadraticSplineOps]) {
      const out = tf.tidy(() => {
        const B = MAX_TAIL_BOUND;
        const x = tf.tensor2d([[0.3 * B, -0.9 * B, B, 1.5 * B]]);
        const w = tf.tensor3d(params(32), [1, 4, 8]);
        const h = tf.tensor3d(params(32), [1, 4, 8]);
        const d = tf.tensor3d(params(28), [1, 4, 7]);
        const fw = spline(x, w, h, d, { tailBound: B });
        const back = spline(fw.y, w, h, d, { tailBound: B, inverse: true });
        return [fw.y, fw.logDet, back.y, back.logDet].map((t) => Array.from(t.dataSync()));
      });
      expect(out.flat().every(Number.isFinite)).toBe(true);
      const [, logDet, back, backLogDet] = out as [number[], number[], number[], number[]];
      [0.3, -0.9, 1, 1.5].forEach((v, i) => {
        expect(back[i]! / MAX_TAIL_BOUND).toBeCloseTo(v, 5);
        expect(logDet[i]! + backLogDet[i]!).toBeCloseTo(0, 4);
      });
      const x = tf.tensor2d([[1]]);
      const p = tf.zeros([1, 1, 4]) as tf.Tensor3D;
      const dz = tf.zeros([1, 1, 3]) as tf.Tensor3D;
      for (const tailBound of [3e38, Number.POSITIVE_INFINITY]) {
        expect(() => spline(x, p, p, dz, { tailBound })).toThrow(ConfigError);
        expect(() => spline(x, p, p, dz, { tailBound })).toThrow(
          `rationalQuadraticSpline: tailBound: expected a number > 0 and at most 1e+38, got ${tailBound}`,
        );
      }
      tf.dispose([x, p, dz]);
    }
  });

  it('passes NaN through as the op-by-op spline does (NaN out, logDet 0)', () => {
    const x = tf.tensor2d([[Number.NaN, 0.5]]);
    const w = tf.randomNormal([1, 2, 4], 0, 1, 'float32', 7) as tf.Tensor3D;
    const d = tf.randomNormal([1, 2, 3], 0, 1, 'float32', 8) as tf.Tensor3D;
    const fused = rationalQuadraticSpline(x, w, w, d);
    const ops = rationalQuadraticSplineOps(x, w, w, d);
    expect(Number.isNaN(fused.y.dataSync()[0])).toBe(true);
    expect(Number.isNaN(ops.y.dataSync()[0])).toBe(true);
    expect(fused.logDet.dataSync()[0]).toBe(0);
    expect(ops.logDet.dataSync()[0]).toBe(0);
    tf.dispose([x, w, d, fused.y, fused.logDet, ops.y, ops.logDet]);
  });
});
