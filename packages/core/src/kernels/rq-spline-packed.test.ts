import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { rqSplineOp, rqSplinePackedOp } from './ops.js';
import {
  RQ_SPLINE_PACKED_GRAD_KERNEL,
  RQ_SPLINE_PACKED_KERNEL,
  type RQSplinePackedAttrs,
} from './rq-spline-kernel.js';

// The packed spline against what it replaces: the raw output reshaped, split, widths and heights
// scaled, the offset added (tfjs ops, as @diffeo/bijectors's splitSplineParameters), then the
// three-tensor spline kernel. Same float32 values and gradients, bit for bit.
const K = 8;
const D = 3;
const P = 3 * K - 1;
const attrs: RQSplinePackedAttrs = {
  inverse: false,
  tailBound: 3,
  minBinWidth: 1e-3,
  minBinHeight: 1e-3,
  minDerivative: 1e-3,
  numBins: K,
  scale: 1 / Math.sqrt(128),
  derivativeOffset: 0.5413248546129181,
};

function reference(x: tf.Tensor2D, params: tf.Tensor2D, a: RQSplinePackedAttrs): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const [w, h, d] = tf.split(tf.reshape(params, [x.shape[0], D, P]), [K, K, K - 1], 2);
    const { numBins: _k, scale, derivativeOffset, ...spline } = a;
    const inputs = {
      x,
      unnormalizedWidths: tf.mul(w!, scale),
      unnormalizedHeights: tf.mul(h!, scale),
      unnormalizedDerivatives: tf.add(d!, derivativeOffset),
    };
    return rqSplineOp(inputs, spline)!;
  });
}

/** Rows of x spread over [-4, 4] (some in the tails, both bounds exactly) and raw parameters of scale 3. */
function data(n: number) {
  const values = tf.tidy(() => tf.randomUniform([n, D], -4, 4, 'float32', 7).arraySync() as number[][]);
  values[0]![0] = 3;
  values[1]![1] = -3;
  const x = tf.tensor2d(values);
  const params = tf.randomNormal([n, D * P], 0, 3, 'float32', 11) as tf.Tensor2D;
  return { x, params };
}

describe(`rqSplinePackedOp (${tf.getBackend()})`, () => {
  it('runs one kernel forward and one backward, registered by core for this backend', async () => {
    expect(tf.getKernel(RQ_SPLINE_PACKED_KERNEL, tf.getBackend())).toBeDefined();
    expect(tf.getKernel(RQ_SPLINE_PACKED_GRAD_KERNEL, tf.getBackend())).toBeDefined();
    const { x, params } = data(16);
    const forward = await tf.profile(() => tf.dispose(rqSplinePackedOp(x, params, attrs)));
    expect(forward.kernels.map((k) => k.name)).toEqual([RQ_SPLINE_PACKED_KERNEL]);
    const backward = await tf.profile(() =>
      tf.dispose(tf.grad((p: tf.Tensor) => tf.sum(rqSplinePackedOp(x, p as tf.Tensor2D, attrs)![1]))(params)),
    );
    const names = backward.kernels.map((k) => k.name);
    expect(names.filter((n) => n === RQ_SPLINE_PACKED_KERNEL)).toHaveLength(1);
    expect(names.filter((n) => n === RQ_SPLINE_PACKED_GRAD_KERNEL)).toHaveLength(1);
    tf.dispose([x, params]);
  });

  it('gives the split, scaled spline bit for bit, forward and inverse, with the same gradients', () => {
    const before = tf.memory().numTensors;
    const { x, params } = data(257);
    const dy = tf.randomNormal(x.shape, 0, 1, 'float32', 3);
    const dLogDet = tf.randomNormal(x.shape, 0, 1, 'float32', 5);
    for (const inverse of [false, true]) {
      for (const scale of [attrs.scale, 1]) {
        const a = { ...attrs, inverse, scale };
        const loss = (spline: typeof reference) => (xi: tf.Tensor, p: tf.Tensor) => {
          const [y, logDet] = spline(xi as tf.Tensor2D, p as tf.Tensor2D, a);
          return tf.add(tf.sum(tf.mul(y, dy)), tf.sum(tf.mul(logDet, dLogDet)));
        };
        const packed = (xi: tf.Tensor2D, p: tf.Tensor2D, b: RQSplinePackedAttrs) =>
          rqSplinePackedOp(xi, p, b)!;
        const got = rqSplinePackedOp(x, params, a)!;
        const want = reference(x, params, a);
        const what = `inverse ${inverse}, scale ${scale}`;
        expect(got[0].dataSync(), `y, ${what}`).toEqual(want[0].dataSync());
        expect(got[1].dataSync(), `logDet, ${what}`).toEqual(want[1].dataSync());
        const gotGrads = tf.grads(loss(packed))([x, params]);
        const wantGrads = tf.grads(loss(reference))([x, params]);
        expect(gotGrads[0]!.dataSync(), `dx, ${what}`).toEqual(wantGrads[0]!.dataSync());
        expect(gotGrads[1]!.dataSync(), `dParams, ${what}`).toEqual(wantGrads[1]!.dataSync());
        // Tail elements pass through with no parameter gradient: their rows of dParams are zero.
        const xv = x.dataSync();
        const gp = gotGrads[1]!.dataSync();
        const tail = Array.from(xv).findIndex((v) => Math.abs(v) > 3);
        expect(tail).toBeGreaterThanOrEqual(0);
        expect(Array.from(gp.subarray(tail * P, (tail + 1) * P)).every((v) => v === 0)).toBe(true);
        tf.dispose([...got, ...want, ...gotGrads, ...wantGrads]);
      }
    }
    tf.dispose([x, params, dy, dLogDet]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the expected shapes when params do not match x', () => {
    const x = tf.zeros([4, D]) as tf.Tensor2D;
    const params = tf.zeros([4, D * P - 1]) as tf.Tensor2D;
    expect(() => rqSplinePackedOp(x, params, attrs)).toThrow(ShapeError);
    expect(() => rqSplinePackedOp(x, params, attrs)).toThrow(
      /params \[batch, dim \* 23\]; got \[4, 3\], \[4, 68\]/,
    );
    tf.dispose([x, params]);
  });
});
