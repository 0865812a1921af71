import { ConfigError, createRegistry, NonFiniteError, ShapeError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { identityDerivativeOffset, rationalQuadraticSpline } from '../spline/rational-quadratic.js';
import { checkBijector } from '../testing/index.js';
import { couplingPlugins } from './index.js';
import { RationalQuadraticCoupling, type RQCouplingConfig } from './rq-coupling.js';
import { column, maxDiff, perturbOutput, testInputs } from './test-utils/helpers.js';

const cases: [string, RQCouplingConfig][] = [
  ['half mask, MLP', { dim: 2, mask: 'half', conditioner: { type: 'mlp', hiddenFeatures: 16 } }],
  [
    'alternating mask, residual net, context',
    {
      dim: 5,
      contextDim: 2,
      mask: 'alternating',
      numBins: 5,
      conditioner: { type: 'residual', hiddenFeatures: 16, numBlocks: 2 },
    },
  ],
  [
    'custom scattered mask, context, 10 bins',
    {
      dim: 4,
      contextDim: 1,
      mask: [1, 0, 1, 0],
      numBins: 10,
      conditioner: { type: 'mlp', hiddenFeatures: 16 },
    },
  ],
];

function contextFor(layer: RationalQuadraticCoupling, rows: number, seed: number): tf.Tensor2D | undefined {
  if (layer.contextDim === 0) return undefined;
  return tf.randomNormal([rows, layer.contextDim], 0, 1, 'float32', seed) as tf.Tensor2D;
}

describe('RationalQuadraticCoupling', () => {
  it.each(cases)('%s: is the identity at initialisation', (_, config) => {
    const layer = new RationalQuadraticCoupling({ ...config, identityInit: true, seed: 1 });
    // Inside [-3, 3] and beyond it (the helper puts rows at ±7, ±10.5 and at the bound).
    const u = testInputs(32, layer.dim, 2);
    const c = contextFor(layer, 32, 3);
    for (const out of [layer.forward(u, c), layer.inverse(u, c)]) {
      expect(maxDiff(out.y.dataSync(), u.dataSync())).toBeLessThan(2e-6);
      expect(Math.max(...Array.from(out.logDet.dataSync()).map(Math.abs))).toBeLessThan(2e-6);
      for (let j = 0; j < layer.dim; j++)
        if (layer.mask[j] === 0) expect(column(out.y, j)).toEqual(column(u, j));
      tf.dispose([out.y, out.logDet]);
    }
    tf.dispose([u, c!].filter(Boolean));
    layer.dispose();
  });

  it.each(cases)('%s: inverts, has the right log-det in the bulk and the tails', (_, config) => {
    for (const identityInit of [false, true]) {
      const layer = new RationalQuadraticCoupling({ ...config, identityInit, seed: 5 });
      // Last-layer values of ±0.5: bins of different sizes, derivatives far from 1, row log-dets up to
      // about ±2.6.
      perturbOutput(layer.conditioner, 9, 0.5);
      const u = testInputs(48, layer.dim, 4);
      const c = contextFor(layer, 48, 6);
      const before = tf.memory().numTensors;
      const report = checkBijector(layer, u, c);
      expect(report.finite).toBe(true);
      expect(report.inverseError).toBeLessThan(1e-4);
      expect(report.logDetError).toBeLessThan(1e-3);
      expect(report.cancelError).toBeLessThan(1e-4);
      // And from the data side: forward(inverse(x)) = x.
      const inv = layer.inverse(u, c);
      const back = layer.forward(inv.y, c);
      expect(maxDiff(back.y.dataSync(), u.dataSync())).toBeLessThan(1e-4);
      expect(Math.max(...Array.from(inv.logDet.dataSync()).map(Math.abs))).toBeGreaterThan(0.1);
      const uv = u.dataSync();
      const yv = inv.y.dataSync();
      for (let j = 0; j < layer.dim; j++) {
        if (layer.mask[j] === 0) {
          expect(column(inv.y, j)).toEqual(column(u, j));
          expect(column(back.y, j)).toEqual(column(u, j));
        } else {
          expect(maxDiff(column(inv.y, j), column(u, j))).toBeGreaterThan(1e-2);
          // Linear tails: beyond the bound the layer is exactly the identity.
          for (let i = 0; i < u.shape[0]; i++) {
            const k = i * layer.dim + j;
            if (Math.abs(uv[k]!) > layer.tailBound) expect(yv[k]).toBe(uv[k]);
          }
        }
      }
      tf.dispose([inv.y, inv.logDet, back.y, back.logDet]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([u, c!].filter(Boolean));
      layer.dispose();
    }
  });

  it('stays finite and invertible with extreme parameters', () => {
    const layer = new RationalQuadraticCoupling({
      dim: 5,
      contextDim: 2,
      mask: 'alternating',
      numBins: 5,
      conditioner: { type: 'residual', hiddenFeatures: 16, numBlocks: 2 },
      seed: 5,
    });
    // Last-layer values of ±3: bins near the minimum width, row log-dets up to about ±15.
    perturbOutput(layer.conditioner, 9, 3);
    const u = testInputs(48, 5, 4);
    const c = tf.randomNormal([48, 2], 0, 1, 'float32', 6) as tf.Tensor2D;
    const report = checkBijector(layer, u, c);
    expect(report.finite).toBe(true);
    expect(report.inverseError).toBeLessThan(1e-4);
    expect(report.logDetError).toBeLessThan(1e-3);
    // In float32 a round-trip error of ~1e-5 in x, inside a bin a few 1e-3 wide with a steep
    // log-derivative, moves log|f'| by up to ~1e-3 (measured 1.3e-3 on cpu, 4e-4 on wasm).
    expect(report.cancelError).toBeLessThan(5e-3);
    tf.dispose([u, c]);
    layer.dispose();
  });

  it('has log-det exactly 0 for rows entirely beyond the tail bound', () => {
    const layer = new RationalQuadraticCoupling({ dim: 3, identityInit: false, tailBound: 2, seed: 2 });
    const x = tf.tensor2d([
      [0.5, 2.5, -9],
      [-1, -2.01, 40],
    ]);
    const { y, logDet } = layer.inverse(x);
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    expect(Array.from(logDet.dataSync())).toEqual([0, 0]);
    tf.dispose([x, y, logDet]);
    layer.dispose();
  });

  it('inverse applies the spline to the conditioner output as nflows lays it out', () => {
    // Wiring check against the spline function: layout [w(K), h(K), d(K-1)] per transformed
    // column, widths and heights divided by sqrt(hiddenFeatures), the identity offset on d, and
    // the normalizing direction (inverse) running the spline forward.
    const numBins = 4;
    const hidden = 16;
    const layer = new RationalQuadraticCoupling({
      dim: 3,
      mask: [0, 1, 1],
      numBins,
      tailBound: 2.5,
      conditioner: { type: 'mlp', hiddenFeatures: hidden },
      identityInit: false,
      seed: 8,
    });
    perturbOutput(layer.conditioner, 3, 1);
    const x = testInputs(16, 3, 7, 1, 2.5, 4);
    const passed = tf.slice(x, [0, 0], [-1, 1]) as tf.Tensor2D;
    const raw = tf.reshape(layer.conditioner.apply(passed), [16, 2, 3 * numBins - 1]);
    const scale = 1 / Math.sqrt(hidden);
    const w = tf.mul(tf.slice(raw, [0, 0, 0], [-1, -1, numBins]), scale) as tf.Tensor3D;
    const h = tf.mul(tf.slice(raw, [0, 0, numBins], [-1, -1, numBins]), scale) as tf.Tensor3D;
    const d = tf.add(
      tf.slice(raw, [0, 0, 2 * numBins], [-1, -1, numBins - 1]),
      identityDerivativeOffset(),
    ) as tf.Tensor3D;
    const changed = tf.slice(x, [0, 1], [-1, 2]) as tf.Tensor2D;
    const expected = rationalQuadraticSpline(changed, w, h, d, { tailBound: 2.5 });
    const { y, logDet } = layer.inverse(x);
    const got = tf.slice(y, [0, 1], [-1, 2]);
    expect(maxDiff(got.dataSync(), expected.y.dataSync())).toBeLessThan(1e-6);
    expect(maxDiff(logDet.dataSync(), tf.sum(expected.logDet, 1).dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, passed, raw, w, h, d, changed, expected.y, expected.logDet, y, logDet, got]);
    layer.dispose();
  });

  it('leaks nothing per gradient step and gives every variable a gradient', () => {
    const layer = new RationalQuadraticCoupling({
      dim: 4,
      contextDim: 2,
      conditioner: { type: 'residual', hiddenFeatures: 8, numBlocks: 1 },
      seed: 2,
    });
    const x = testInputs(32, 4, 5);
    const c = tf.randomNormal([32, 2], 0, 1, 'float32', 1) as tf.Tensor2D;
    const variables = layer.namedVariables().map((v) => v.variable);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 2; step++) {
      const { value, grads } = tf.variableGrads(() => {
        const { y, logDet } = layer.inverse(x, c);
        return tf.sub(tf.mean(tf.sum(tf.square(y), 1)), tf.mean(logDet)) as tf.Scalar;
      }, variables);
      expect(Object.keys(grads)).toHaveLength(variables.length);
      for (const g of Object.values(grads))
        expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
      const finalGrad = grads[layer.conditioner.outputLayer().weight.name]!;
      expect(Math.max(...Array.from(finalGrad.dataSync()).map(Math.abs))).toBeGreaterThan(0);
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, c]);
    layer.dispose();
  });

  it('rejects wrong dimensions, a missing or mismatched context, NaN and bad configs', () => {
    const layer = new RationalQuadraticCoupling({ dim: 2, contextDim: 1 });
    const x = tf.zeros([3, 2]) as tf.Tensor2D;
    const c = tf.zeros([3, 1]) as tf.Tensor2D;
    expect(() => layer.forward(tf.zeros([3, 3]) as tf.Tensor2D, c)).toThrow(ShapeError);
    expect(() => layer.inverse(x)).toThrow(/expected a context of shape \[3, 1\]/);
    expect(() => layer.inverse(x, tf.zeros([2, 1]) as tf.Tensor2D)).toThrow(ShapeError);
    expect(() =>
      layer.inverse(tf.tensor2d([[Number.POSITIVE_INFINITY, 0]]), tf.zeros([1, 1]) as tf.Tensor2D),
    ).toThrow(NonFiniteError);
    expect(() => new RationalQuadraticCoupling({ dim: 2, numBins: 0 })).toThrow(ConfigError);
    expect(() => new RationalQuadraticCoupling({ dim: 2, tailBound: -1 })).toThrow(/tailBound/);
    expect(() => new RationalQuadraticCoupling({ dim: 2, numBins: 10, minBinWidth: 0.1 })).toThrow(
      /minBinWidth \* numBins < 1/,
    );
    expect(() => new RationalQuadraticCoupling({ dim: 2, minDerivative: 1 })).toThrow(ConfigError);
    expect(() => new RationalQuadraticCoupling({ dim: 2, mask: [1, 1] })).toThrow(/both 0s/);
    tf.dispose([x, c]);
    layer.dispose();
  });

  it('round-trips its config through a fresh registry, weights included by the seed', () => {
    const registry = createRegistry();
    for (const plugin of couplingPlugins) registry.register(plugin);
    const layer = new RationalQuadraticCoupling({
      dim: 3,
      contextDim: 2,
      mask: 'alternating',
      conditioner: { type: 'mlp', hiddenFeatures: 8, numHiddenLayers: 1, activation: 'tanh' },
      numBins: 6,
      tailBound: 4,
      minBinWidth: 1e-2,
      identityInit: false,
      seed: 17,
    });
    const config = layer.getConfig();
    const copy = registry.create<RationalQuadraticCoupling>({
      kind: 'bijector',
      type: 'rq-coupling',
      config: JSON.parse(JSON.stringify(config)),
    });
    expect(copy.getConfig()).toEqual(config);
    expect(config).toMatchObject({ numBins: 6, tailBound: 4, minBinWidth: 1e-2, minBinHeight: 1e-3 });
    const x = testInputs(8, 3, 1);
    const c = tf.ones([8, 2]) as tf.Tensor2D;
    const a = layer.inverse(x, c);
    const b = copy.inverse(x, c);
    expect(Array.from(b.y.dataSync())).toEqual(Array.from(a.y.dataSync()));
    expect(Array.from(b.logDet.dataSync())).toEqual(Array.from(a.logDet.dataSync()));
    const defaults = registry.create<RationalQuadraticCoupling>({
      kind: 'bijector',
      type: 'rq-coupling',
      config: { dim: 2 },
    });
    expect(defaults.getConfig()).toEqual({
      dim: 2,
      contextDim: 0,
      mask: 'half',
      conditioner: { type: 'mlp', hiddenFeatures: 64, numHiddenLayers: 2, activation: 'relu' },
      numBins: 8,
      tailBound: 3,
      minBinWidth: 1e-3,
      minBinHeight: 1e-3,
      minDerivative: 1e-3,
      identityInit: false,
      seed: 0,
    });
    tf.dispose([x, c, a.y, a.logDet, b.y, b.logDet]);
    for (const m of [layer, copy, defaults]) m.dispose();
  });
});
