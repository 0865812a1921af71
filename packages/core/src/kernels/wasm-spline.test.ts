import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { uniformSpline } from '../test-utils/uniform-spline.js';
import type { RQSplineAttrs } from './rq-spline-kernel.js';
import { rqSplineGradOnWasmHeap, rqSplineOnWasmHeap } from './wasm-spline.js';

// @diffeo/bijectors's tests compare this kernel (through `rationalQuadraticSpline`) with the op-by-op
// spline and finite differences; these pin it on its own, in closed form.
const attrs: RQSplineAttrs = {
  inverse: false,
  tailBound: 3,
  minBinWidth: 1e-3,
  minBinHeight: 1e-3,
  minDerivative: 1e-3,
};
const K = 4;

function run(xs: number[], c: number, inverse = false) {
  const n = xs.length;
  const x = tf.tensor1d(xs);
  const widths = tf.fill([n, K], c);
  const heights = tf.fill([n, K], c);
  const derivatives = tf.fill([n, K - 1], c);
  const out = rqSplineOnWasmHeap(tf.backend(), { x, widths, heights, derivatives }, { ...attrs, inverse });
  expect(out).toBeDefined();
  const [y, logDet] = out!.map((info) => tf.engine().makeTensorFromTensorInfo(info));
  const values = [Array.from(y!.dataSync()), Array.from(logDet!.dataSync())];
  tf.dispose([x, widths, heights, derivatives, y!, logDet!]);
  return values as [number[], number[]];
}

describe("core's wasm spline kernel (wasm/rq-spline.c)", () => {
  const xs = [-3, -2.2, -1.5, -0.3, 0, 0.7, 1.49, 2.9, 3, -3.5, 4, Number.NaN];

  it('gives the closed-form spline of uniform bins, the identity in the tails and NaN through', () => {
    const before = tf.memory().numTensors;
    // softplus(c) = max(c, 0) + log1p(e^-|c|), and log1p takes one series where e^-|c| < sqrt(2) - 1
    // (|c| > 0.88) and the other elsewhere: c = 0 and +-0.5 take the second.
    for (const c of [0, -0.5, 0.5, -2, 5]) {
      const [y, logDet] = run(xs, c);
      xs.forEach((x, i) => {
        const [wantY, wantLogDet] = uniformSpline(x, c, K, attrs);
        if (Number.isNaN(x)) {
          expect(y[i]).toBeNaN();
          expect(logDet[i]).toBe(0);
          return;
        }
        expect(Math.abs(y[i]! - wantY), `y(${x}), c = ${c}`).toBeLessThan(2e-6);
        expect(Math.abs(logDet[i]! - wantLogDet), `logDet(${x}), c = ${c}`).toBeLessThan(2e-6);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('inverts itself, and stays finite where the softmax and softplus under- and overflow', () => {
    for (const c of [0, -60, 60, -800, 800]) {
      const inside = xs.filter((x) => Math.abs(x) <= 3);
      const [y, logDet] = run(inside, c);
      const [back, logDetBack] = run(y, c, true);
      for (const [i, x] of inside.entries()) {
        expect(Number.isFinite(y[i]!) && Number.isFinite(logDet[i]!), `c = ${c}`).toBe(true);
        // At c = 800 the knot derivatives are ~800 and float32 y carries the inverse off by ~3e-5.
        if (Math.abs(c) > 60) continue;
        expect(Math.abs(back[i]! - x), `x = ${x}, c = ${c}`).toBeLessThan(2e-5);
        expect(Math.abs(logDet[i]! + logDetBack[i]!)).toBeLessThan(2e-4);
      }
    }
  });

  it('gives each element the same spline and gradients whichever element shares its pair (random bins)', () => {
    // Elements inside the bound go in pairs, one per float64 lane. With one more element in front,
    // every element gets another partner, and the last (65th) fills both lanes alone. Rows of each
    // output are compared.
    const n = 64;
    const k = 8;
    const values = (count: number, scale: number) =>
      Array.from({ length: count }, (_, i) => scale * Math.sin(1.7 * i + 0.3) * Math.cos(0.9 * i));
    const perElement = {
      x: [values(n, 2.9), 1],
      widths: [values(n * k, 3), k],
      heights: [values(n * k, 2).reverse(), k],
      derivatives: [values(n * (k - 1), 4), k - 1],
      dy: [values(n, 1.3).reverse(), 1],
      dLogDet: [values(n, 0.7), 1],
    } as const;
    /** The inputs as tensors, with a copy of the last element's row in front when `shifted`. */
    const inputs = (shifted: boolean) =>
      Object.fromEntries(
        Object.entries(perElement).map(([name, [flat, width]]) => {
          const rows = Array.from({ length: n }, (_, i) => flat.slice(i * width, (i + 1) * width));
          const all = shifted ? [rows[n - 1]!, ...rows] : rows;
          return [name, width === 1 ? tf.tensor1d(all.flat()) : tf.tensor2d(all.flat(), [all.length, width])];
        }),
      ) as Record<keyof typeof perElement, tf.Tensor>;
    /** Each output as rows (one per element), the front row dropped when `shifted`. */
    const rowsOf = (infos: tf.TensorInfo[], shifted: boolean) =>
      infos.map((info) => {
        const t = tf.engine().makeTensorFromTensorInfo(info);
        const width = t.shape.length === 1 ? 1 : t.shape[1]!;
        const flat = Array.from(t.dataSync());
        const rows = Array.from({ length: flat.length / width }, (_, i) =>
          flat.slice(i * width, (i + 1) * width),
        );
        return shifted ? rows.slice(1) : rows;
      });
    const before = tf.memory().numTensors;
    for (const inverse of [false, true]) {
      const run = (shifted: boolean) =>
        tf.tidy(() => {
          const { x, widths, heights, derivatives, dy, dLogDet } = inputs(shifted);
          const spline = rqSplineOnWasmHeap(
            tf.backend(),
            { x, widths, heights, derivatives },
            { ...attrs, inverse },
          )!;
          const grads = rqSplineGradOnWasmHeap(
            tf.backend(),
            { x, widths, heights, derivatives, dy, dLogDet },
            { ...attrs, inverse },
          )!;
          return rowsOf([...spline, ...grads], shifted);
        });
      const [paired, repaired] = [run(false), run(true)];
      const names = ['y', 'logDet', 'dx', 'dWidths', 'dHeights', 'dDerivatives'];
      for (const [j, rows] of paired.entries()) {
        rows.forEach((row, i) => {
          row.forEach((v, c) => {
            const what = `${inverse ? 'inverse' : 'forward'} ${names[j]}[${i}][${c}]`;
            expect(Number.isFinite(v), what).toBe(true);
            expect(Math.abs(v - repaired[j]![i]![c]!), what).toBeLessThanOrEqual(
              1e-6 * Math.max(1, Math.abs(v)),
            );
          });
        });
      }
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives d logDet/dx and dy/dx by finite differences of the forward kernel', () => {
    const x0 = [-2.2, -0.3, 0.7, 2.9];
    const h = 1e-2;
    const [y, logDet] = run(x0, 0.4);
    const [yUp, ldUp] = run(
      x0.map((v) => v + h),
      0.4,
    );
    const [yDown, ldDown] = run(
      x0.map((v) => v - h),
      0.4,
    );
    const inputs = {
      x: tf.tensor1d(x0),
      widths: tf.fill([4, K], 0.4),
      heights: tf.fill([4, K], 0.4),
      derivatives: tf.fill([4, K - 1], 0.4),
    };
    for (const [gy, gl] of [
      [1, 0],
      [0, 1],
    ] as const) {
      const dy = tf.fill([4], gy);
      const dLogDet = tf.fill([4], gl);
      const grads = rqSplineGradOnWasmHeap(tf.backend(), { ...inputs, dy, dLogDet }, attrs)!;
      const [dx, ...rest] = grads.map((info) => tf.engine().makeTensorFromTensorInfo(info));
      const got = Array.from(dx!.dataSync());
      x0.forEach((_, i) => {
        const fd = gy === 1 ? (yUp[i]! - yDown[i]!) / (2 * h) : (ldUp[i]! - ldDown[i]!) / (2 * h);
        expect(Math.abs(got[i]! - fd), `x = ${x0[i]}`).toBeLessThan(2e-3);
      });
      expect(y.length + logDet.length).toBe(8);
      tf.dispose([dy, dLogDet, dx!, ...rest]);
    }
    tf.dispose(Object.values(inputs));
  });
});
