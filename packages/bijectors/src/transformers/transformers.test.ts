import { ConfigError, createRng } from '@diffeo/core';
import { RQ_SPLINE_PACKED_GRAD_KERNEL, RQ_SPLINE_PACKED_KERNEL } from '@diffeo/core/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { MaskedAffineAutoregressive } from '../autoregressive/masked-affine.js';
import { MaskedAutoregressive } from '../autoregressive/masked-autoregressive.js';
import { MaskedRationalQuadraticAutoregressive } from '../autoregressive/masked-rq.js';
import { AffineCoupling } from '../coupling/affine-coupling.js';
import { Coupling } from '../coupling/coupling.js';
import { RationalQuadraticCoupling } from '../coupling/rq-coupling.js';
import {
  identityDerivativeOffset,
  rationalQuadraticSpline,
  splitSplineParameters,
} from '../spline/rational-quadratic.js';
import { assertConfigRoundTrip, assertNoLeaks, assertTypedErrors, checkBijector } from '../testing/index.js';
import { affine } from './affine.js';
import { rationalQuadratic } from './rational-quadratic.js';
import type { Transformer } from './transformer.js';

// A transformer written in one place, as a user would: x = u * e^a + b per element.
const scaleShift: Transformer = {
  type: 'scale-shift',
  paramsPerDim: 2,
  forward(u, params) {
    const p = tf.reshape(params, [u.shape[0], u.shape[1], 2]);
    const a = tf.reshape(tf.slice(p, [0, 0, 0], [-1, -1, 1]), u.shape);
    const b = tf.reshape(tf.slice(p, [0, 0, 1], [-1, -1, 1]), u.shape);
    return { y: tf.add(tf.mul(u, tf.exp(a)), b) as tf.Tensor2D, logDet: a as tf.Tensor2D };
  },
  inverse(x, params) {
    const p = tf.reshape(params, [x.shape[0], x.shape[1], 2]);
    const a = tf.reshape(tf.slice(p, [0, 0, 0], [-1, -1, 1]), x.shape);
    const b = tf.reshape(tf.slice(p, [0, 0, 1], [-1, -1, 1]), x.shape);
    return { y: tf.mul(tf.sub(x, b), tf.exp(tf.neg(a))) as tf.Tensor2D, logDet: tf.neg(a) as tf.Tensor2D };
  },
  getConfig: () => ({}),
};

const rows = (n: number, dim: number, seed: number) =>
  tf.tensor2d(createRng(seed).normalArray(n * dim), [n, dim]);

describe('one transformer, both layer families', () => {
  const transformers: [string, () => Transformer][] = [
    ['affine exp-tanh', () => affine()],
    ['affine sigmoid', () => affine({ scale: 'sigmoid' })],
    ['rational-quadratic', () => rationalQuadratic({ numBins: 5, tailBound: 2.5 })],
    ['a user transformer', () => scaleShift],
  ];
  it.each(transformers)('%s works in a coupling and in a masked autoregressive layer', (_, make) => {
    const u = rows(12, 3, 1);
    const before = tf.memory().numTensors;
    for (const layer of [
      new Coupling({ dim: 3, contextDim: 1, transformer: make(), seed: 2 }),
      new MaskedAutoregressive({ dim: 3, contextDim: 1, hiddenFeatures: 16, transformer: make(), seed: 2 }),
    ]) {
      const context = tf.tensor2d(createRng(3).normalArray(12), [12, 1]);
      const report = checkBijector(layer, u, context);
      expect(report.finite).toBe(true);
      expect(report.inverseError).toBeLessThan(1e-4);
      expect(report.logDetError).toBeLessThan(1e-3);
      expect(report.cancelError).toBeLessThan(1e-4);
      const { y, logDet } = layer.inverse(u, context);
      expect(y.shape).toEqual([12, 3]);
      expect(logDet.shape).toEqual([12]);
      tf.dispose([y, logDet, context]);
      layer.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    u.dispose();
  });

  it('gives both families the same option names and defaults', () => {
    const layers = [
      new AffineCoupling({ dim: 2 }),
      new MaskedAffineAutoregressive({ dim: 2 }),
      new RationalQuadraticCoupling({ dim: 2 }),
      new MaskedRationalQuadraticAutoregressive({ dim: 2 }),
    ];
    const [ac, mac, rc, mrc] = layers.map((l) => l.getConfig());
    for (const key of ['scale', 'logScaleBound', 'identityInit', 'seed', 'contextDim']) {
      expect(mac![key], key).toEqual(ac![key]);
    }
    for (const key of [
      'numBins',
      'tailBound',
      'minBinWidth',
      'minBinHeight',
      'minDerivative',
      'identityInit',
    ]) {
      expect(mrc![key], key).toEqual(rc![key]);
    }
    expect(ac!.identityInit).toBe(false);
    const u = rows(6, 2, 4);
    for (const l of layers) {
      assertNoLeaks(l, u);
      assertTypedErrors(l);
      assertConfigRoundTrip(l);
      l.dispose();
    }
    u.dispose();
  });

  it('checks the whole config before it makes a variable, and names the nearest option', () => {
    const before = tf.memory().numTensors;
    expect(() => new MaskedRationalQuadraticAutoregressive({ dim: 2, numBins: 0 })).toThrow(ConfigError);
    expect(() => new MaskedRationalQuadraticAutoregressive({ dim: 2, numBins: 2, minBinWidth: 0.6 })).toThrow(
      "bijector 'masked-rq-autoregressive' config.minBinWidth: expected minBinWidth * numBins < 1, got 0.6 with 2 bins",
    );
    expect(() => new RationalQuadraticCoupling({ dim: 2, numBin: 4 } as unknown as { dim: number })).toThrow(
      "bijector 'rq-coupling' config.numBin: unknown option 'numBin' (did you mean 'numBins'?)",
    );
    expect(() => new AffineCoupling({ dim: 2, conditioner: { type: 'mlp', numLayers: 3 } } as never)).toThrow(
      /config\.conditioner\.numLayers: unknown option 'numLayers' \(did you mean 'numHiddenLayers'\?\)/,
    );
    expect(() => new AffineCoupling({ dim: 2, scale: 'sigmoid', identityInit: true })).toThrow(
      /identityInit/,
    );
    expect(() => new MaskedAffineAutoregressive({ dim: 2, seed: -1 })).toThrow(/config\.seed/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe(`the rational-quadratic transformer on core's packed spline kernel (${tf.getBackend()})`, () => {
  const transformer = rationalQuadratic({ numBins: 6, tailBound: 2 });
  const perDim = 3 * 6 - 1;
  const x = rows(33, 3, 4);
  const params = tf.mul(rows(33, 3 * perDim, 5), 2) as tf.Tensor2D;
  const context = { hiddenFeatures: 40 };
  // What the transformer did before: split and scale with tfjs ops, then the three-tensor spline.
  const split = (input: tf.Tensor2D, p: tf.Tensor2D, inverse: boolean) =>
    tf.tidy(() => {
      const s = splitSplineParameters(p, 3, 6, {
        hiddenFeatures: 40,
        derivativeOffset: identityDerivativeOffset(),
      });
      const o = rationalQuadraticSpline(
        input,
        s.unnormalizedWidths,
        s.unnormalizedHeights,
        s.unnormalizedDerivatives,
        {
          tailBound: 2,
          inverse,
        },
      );
      return [o.y, o.logDet];
    });

  it('runs one kernel each way on the raw parameters: no split, no scaling ops', async () => {
    const forward = await tf.profile(() => {
      const o = transformer.inverse(x, params, context);
      tf.dispose([o.y, o.logDet]);
    });
    expect(forward.kernels.map((k) => k.name)).toEqual([RQ_SPLINE_PACKED_KERNEL]);
    const backward = await tf.profile(() =>
      tf.dispose(
        tf.grad((p: tf.Tensor) => tf.sum(transformer.inverse(x, p as tf.Tensor2D, context).logDet))(params),
      ),
    );
    const names = backward.kernels.map((k) => k.name);
    expect(names.filter((n) => n === RQ_SPLINE_PACKED_GRAD_KERNEL)).toHaveLength(1);
    expect(names.filter((n) => n === 'SplitV' || n === 'Concat')).toEqual([]);
  });

  it('gives the numbers and gradients of the split parameters and the spline, both directions', () => {
    const before = tf.memory().numTensors;
    for (const inverse of [false, true]) {
      const run = (p: tf.Tensor2D) =>
        inverse ? transformer.forward(x, p, context) : transformer.inverse(x, p, context);
      const o = run(params);
      const [y, logDet] = split(x, params, inverse);
      expect(o.y.dataSync()).toEqual(y!.dataSync());
      expect(o.logDet.dataSync()).toEqual(logDet!.dataSync());
      const loss = (f: (p: tf.Tensor2D) => tf.Tensor[]) => (p: tf.Tensor) => {
        const [a, b] = f(p as tf.Tensor2D);
        return tf.add(tf.sum(tf.square(a!)), tf.sum(b!));
      };
      const got = tf.grad(loss((p) => Object.values(run(p))))(params);
      const want = tf.grad(loss((p) => split(x, p, inverse)))(params);
      expect(got.dataSync()).toEqual(want.dataSync());
      tf.dispose([o.y, o.logDet, y!, logDet!, got, want]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
