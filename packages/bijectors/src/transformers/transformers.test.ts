import { ConfigError, createRng } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { MaskedAffineAutoregressive } from '../autoregressive/masked-affine.js';
import { MaskedAutoregressive } from '../autoregressive/masked-autoregressive.js';
import { MaskedRationalQuadraticAutoregressive } from '../autoregressive/masked-rq.js';
import { AffineCoupling } from '../coupling/affine-coupling.js';
import { Coupling } from '../coupling/coupling.js';
import { RationalQuadraticCoupling } from '../coupling/rq-coupling.js';
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
