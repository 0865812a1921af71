import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { uniformSpline } from '../test-utils/uniform-spline.js';
import { rqSplineOp } from './ops.js';
import { RQ_SPLINE_GRAD_KERNEL, RQ_SPLINE_KERNEL, type RQSplineAttrs } from './rq-spline-kernel.js';

// The fused spline through the op model code calls, on this test's backend (cpu: the JS loops;
// wasm: the compiled kernel). @diffeo/bijectors's tests compare it with the op-by-op spline, a
// float64 reference and finite differences on random parameters; these pin it in closed form.
const attrs: RQSplineAttrs = {
  inverse: false,
  tailBound: 3,
  minBinWidth: 1e-3,
  minBinHeight: 1e-3,
  minDerivative: 1e-3,
};
const K = 5;
const xs = [-3, -2.2, -1.5, -0.3, 0, 0.7, 1.49, 2.9, 3, -3.5, 4];

function inputs(values: number[], c: number) {
  const n = values.length;
  return {
    x: tf.tensor2d(values, [n, 1]),
    unnormalizedWidths: tf.fill([n, 1, K], c),
    unnormalizedHeights: tf.fill([n, 1, K], c),
    unnormalizedDerivatives: tf.fill([n, 1, K - 1], c),
  };
}

describe(`rqSplineOp (${tf.getBackend()})`, () => {
  it('runs one fused kernel forward and one backward, registered by core for this backend', async () => {
    expect(tf.getKernel(RQ_SPLINE_KERNEL, tf.getBackend())).toBeDefined();
    expect(tf.getKernel(RQ_SPLINE_GRAD_KERNEL, tf.getBackend())).toBeDefined();
    const t = inputs(xs, 0.3);
    const forward = await tf.profile(() => tf.dispose(rqSplineOp(t, attrs)));
    expect(forward.kernels.map((k) => k.name)).toEqual([RQ_SPLINE_KERNEL]);
    const backward = await tf.profile(() =>
      tf.dispose(tf.grad((x: tf.Tensor) => tf.sum(rqSplineOp({ ...t, x }, attrs)![0]))(t.x)),
    );
    const names = backward.kernels.map((k) => k.name);
    expect(names.filter((n) => n === RQ_SPLINE_KERNEL)).toHaveLength(1);
    expect(names.filter((n) => n === RQ_SPLINE_GRAD_KERNEL)).toHaveLength(1);
    tf.dispose(Object.values(t));
  });

  it('gives the closed-form spline of uniform bins, inverts it, and has dy/dx = exp(logDet)', () => {
    const before = tf.memory().numTensors;
    for (const c of [0, -2, 5]) {
      const t = inputs(xs, c);
      const [y, logDet] = rqSplineOp(t, attrs)!;
      const yv = Array.from(y.dataSync());
      const ldv = Array.from(logDet.dataSync());
      xs.forEach((x, i) => {
        const [wantY, wantLogDet] = uniformSpline(x, c, K, attrs);
        expect(Math.abs(yv[i]! - wantY), `y(${x}), c = ${c}`).toBeLessThan(2e-6);
        expect(Math.abs(ldv[i]! - wantLogDet), `logDet(${x}), c = ${c}`).toBeLessThan(2e-6);
      });
      const [back, backLogDet] = rqSplineOp({ ...t, x: y }, { ...attrs, inverse: true })!;
      Array.from(back.dataSync()).forEach((v, i) => {
        expect(Math.abs(v - xs[i]!), `inverse at y(${xs[i]}), c = ${c}`).toBeLessThan(2e-5);
      });
      Array.from(backLogDet.dataSync()).forEach((v, i) => {
        expect(Math.abs(v + ldv[i]!)).toBeLessThan(2e-5);
      });
      const dydx = tf.grad((x: tf.Tensor) => tf.sum(rqSplineOp({ ...t, x }, attrs)![0]))(t.x);
      Array.from(dydx.dataSync()).forEach((v, i) => {
        expect(Math.abs(v - Math.exp(ldv[i]!)), `dy/dx at ${xs[i]}, c = ${c}`).toBeLessThan(1e-5);
      });
      tf.dispose([y, logDet, back, backLogDet, dydx, ...Object.values(t)]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
