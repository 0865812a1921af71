import { ConfigError, createRegistry, NonFiniteError, ShapeError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { checkBijector } from '../testing/index.js';
import { AffineCoupling, type AffineCouplingConfig } from './affine-coupling.js';
import { couplingPlugins } from './index.js';
import { column, maxDiff, perturbOutput, testInputs } from './test-utils/helpers.js';

const cases: [string, AffineCouplingConfig][] = [
  ['half mask, MLP', { dim: 3, mask: 'half', conditioner: { type: 'mlp', hiddenFeatures: 16 } }],
  [
    'alternating mask, residual net, context',
    {
      dim: 5,
      contextDim: 2,
      mask: 'alternating',
      conditioner: { type: 'residual', hiddenFeatures: 16, numBlocks: 2 },
    },
  ],
  [
    'custom scattered mask, context',
    { dim: 4, contextDim: 1, mask: [1, 0, 0, 1], conditioner: { type: 'mlp', hiddenFeatures: 16 } },
  ],
  ['custom mask, identity part last', { dim: 4, mask: [1, 1, 0, 0], conditioner: { type: 'mlp' } }],
];

function contextFor(layer: AffineCoupling, rows: number, seed: number): tf.Tensor2D | undefined {
  if (layer.contextDim === 0) return undefined;
  return tf.randomNormal([rows, layer.contextDim], 0, 1, 'float32', seed) as tf.Tensor2D;
}

describe('AffineCoupling', () => {
  it.each(cases)('%s: is exactly the identity at initialisation', (_, config) => {
    const layer = new AffineCoupling({ ...config, identityInit: true, seed: 1 });
    const u = testInputs(16, layer.dim, 2);
    const c = contextFor(layer, 16, 3);
    for (const out of [layer.forward(u, c), layer.inverse(u, c)]) {
      expect(Array.from(out.y.dataSync())).toEqual(Array.from(u.dataSync()));
      expect(Array.from(out.logDet.dataSync()).every((v) => v === 0)).toBe(true);
      tf.dispose([out.y, out.logDet]);
    }
    tf.dispose([u, c!].filter(Boolean));
    layer.dispose();
  });

  it.each(cases)('%s: inverts, has the right log-det, leaves the identity part untouched', (_, config) => {
    for (const identityInit of [false, true]) {
      const layer = new AffineCoupling({ ...config, identityInit, seed: 5 });
      // Move the last layer off zero (or off its default init) so the map is far from the identity.
      perturbOutput(layer.conditioner, 9, identityInit ? 0.5 : 0.3);
      const u = testInputs(48, layer.dim, 4);
      const c = contextFor(layer, 48, 6);
      const before = tf.memory().numTensors;
      const report = checkBijector(layer, u, c);
      expect(report.finite).toBe(true);
      expect(report.inverseError).toBeLessThan(1e-4);
      expect(report.logDetError).toBeLessThan(1e-3);
      expect(report.cancelError).toBeLessThan(1e-4);

      const fwd = layer.forward(u, c);
      const inv = layer.inverse(u, c);
      // The map is not the identity: some log-dets are far from 0.
      expect(Math.max(...Array.from(fwd.logDet.dataSync()).map(Math.abs))).toBeGreaterThan(0.1);
      for (let j = 0; j < layer.dim; j++) {
        const changedF = maxDiff(column(fwd.y, j), column(u, j));
        const changedI = maxDiff(column(inv.y, j), column(u, j));
        if (layer.mask[j] === 0) {
          expect(column(fwd.y, j)).toEqual(column(u, j));
          expect(column(inv.y, j)).toEqual(column(u, j));
        } else {
          expect(changedF).toBeGreaterThan(1e-2);
          expect(changedI).toBeGreaterThan(1e-2);
        }
      }
      tf.dispose([fwd.y, fwd.logDet, inv.y, inv.logDet]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([u, c!].filter(Boolean));
      layer.dispose();
    }
  });

  it('bounds the log-scale by logScaleBound', () => {
    const layer = new AffineCoupling({ dim: 2, logScaleBound: 0.5, identityInit: false, seed: 1 });
    perturbOutput(layer.conditioner, 2, 50);
    const u = testInputs(64, 2, 3, 5);
    const { y, logDet } = layer.forward(u);
    const ld = Array.from(logDet.dataSync());
    expect(Math.max(...ld.map(Math.abs))).toBeLessThanOrEqual(0.5 + 1e-6);
    expect(Math.max(...ld.map(Math.abs))).toBeGreaterThan(0.4);
    tf.dispose([u, y, logDet]);
    layer.dispose();
  });

  it('uses the context: a different context gives a different map', () => {
    const layer = new AffineCoupling({ dim: 2, contextDim: 1, identityInit: false, seed: 3 });
    const u = testInputs(8, 2, 1);
    const a = layer.forward(u, tf.zeros([8, 1]) as tf.Tensor2D);
    const b = layer.forward(u, tf.ones([8, 1]) as tf.Tensor2D);
    expect(maxDiff(a.y.dataSync(), b.y.dataSync())).toBeGreaterThan(1e-3);
    tf.dispose([u, a.y, a.logDet, b.y, b.logDet]);
    layer.dispose();
  });

  it('frees every tensor it owns on dispose', () => {
    const before = tf.memory().numTensors;
    for (const mask of ['half', 'alternating', [1, 0, 0, 1]] as const) {
      const layer = new AffineCoupling({ dim: 4, mask: mask as AffineCouplingConfig['mask'] });
      expect(tf.memory().numTensors).toBeGreaterThan(before);
      layer.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('leaks nothing per gradient step and gives every variable a gradient', () => {
    const layer = new AffineCoupling({
      dim: 4,
      contextDim: 2,
      conditioner: { type: 'residual', hiddenFeatures: 8, numBlocks: 1 },
      seed: 2,
    });
    const x = testInputs(32, 4, 5);
    const c = tf.randomNormal([32, 2], 0, 1, 'float32', 1) as tf.Tensor2D;
    const variables = layer.namedVariables().map((v) => v.variable);
    expect(layer.namedVariables().map((v) => v.name)).toEqual([
      'conditioner.initial.weight',
      'conditioner.initial.bias',
      'conditioner.blocks.0.first.weight',
      'conditioner.blocks.0.first.bias',
      'conditioner.blocks.0.second.weight',
      'conditioner.blocks.0.second.bias',
      'conditioner.final.weight',
      'conditioner.final.bias',
    ]);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 2; step++) {
      const { value, grads } = tf.variableGrads(() => {
        const { y, logDet } = layer.inverse(x, c);
        return tf.sub(tf.mean(tf.sum(tf.square(y), 1)), tf.mean(logDet)) as tf.Scalar;
      }, variables);
      expect(Object.keys(grads)).toHaveLength(variables.length);
      const finalGrad = grads[layer.conditioner.outputLayer().weight.name]!;
      expect(Math.max(...Array.from(finalGrad.dataSync()).map(Math.abs))).toBeGreaterThan(0);
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, c]);
    layer.dispose();
  });

  it('rejects wrong dimensions, a missing or mismatched context and NaN with typed errors', () => {
    const layer = new AffineCoupling({ dim: 3, contextDim: 2 });
    const plain = new AffineCoupling({ dim: 3 });
    const x = tf.zeros([4, 3]) as tf.Tensor2D;
    const c = tf.zeros([4, 2]) as tf.Tensor2D;
    expect(() => layer.forward(tf.zeros([4, 2]) as tf.Tensor2D, c)).toThrow(ShapeError);
    expect(() => layer.inverse(tf.zeros([4, 2]) as tf.Tensor2D, c)).toThrow(/expected shape \[batch, 3\]/);
    expect(() => layer.forward(x)).toThrow(ShapeError);
    expect(() => layer.forward(x)).toThrow(/context/);
    expect(() => layer.forward(x, tf.zeros([4, 3]) as tf.Tensor2D)).toThrow(ShapeError);
    expect(() => layer.forward(x, tf.zeros([5, 2]) as tf.Tensor2D)).toThrow(/4 context rows/);
    expect(() => plain.forward(x, c)).toThrow(/unconditional/);
    expect(() => layer.forward(tf.tensor2d([[0, Number.NaN, 1]]), tf.zeros([1, 2]) as tf.Tensor2D)).toThrow(
      NonFiniteError,
    );
    expect(() => layer.inverse(x, tf.fill([4, 2], Number.NaN) as tf.Tensor2D)).toThrow(NonFiniteError);
    expect(() => new AffineCoupling({ dim: 1 })).toThrow(ConfigError);
    expect(() => new AffineCoupling({ dim: 3, mask: [0, 1] })).toThrow(/mask: expected 3 entries/);
    expect(() => new AffineCoupling({ dim: 3, mask: [0, 0, 0] })).toThrow(/both 0s/);
    expect(() => new AffineCoupling({ dim: 3, mask: [0, 2, 1] as (0 | 1)[] })).toThrow(ConfigError);
    expect(
      () =>
        new AffineCoupling({ dim: 3, conditioner: { type: 'transformer' } as unknown as { type: 'mlp' } }),
    ).toThrow(ConfigError);
    expect(() => new AffineCoupling({ dim: 3, logScaleBound: 0 })).toThrow(/logScaleBound/);
    tf.dispose([x, c]);
    layer.dispose();
    plain.dispose();
  });

  it('round-trips its config through a fresh registry, weights included by the seed', () => {
    const registry = createRegistry();
    for (const plugin of couplingPlugins) registry.register(plugin);
    const layer = new AffineCoupling({
      dim: 4,
      contextDim: 1,
      mask: [0, 1, 1, 0],
      conditioner: { type: 'residual', hiddenFeatures: 8, numBlocks: 3, activation: 'elu' },
      logScaleBound: 2,
      identityInit: false,
      seed: 42,
    });
    const config = layer.getConfig();
    expect(config).toEqual({
      dim: 4,
      contextDim: 1,
      mask: [0, 1, 1, 0],
      conditioner: { type: 'residual', hiddenFeatures: 8, numBlocks: 3, activation: 'elu' },
      scale: 'exp-tanh',
      logScaleBound: 2,
      identityInit: false,
      seed: 42,
    });
    const copy = registry.create<AffineCoupling>({
      kind: 'bijector',
      type: 'affine-coupling',
      config: JSON.parse(JSON.stringify(config)),
    });
    expect(copy).toBeInstanceOf(AffineCoupling);
    expect(copy.getConfig()).toEqual(config);
    const u = testInputs(8, 4, 1);
    const c = tf.ones([8, 1]) as tf.Tensor2D;
    const a = layer.forward(u, c);
    const b = copy.forward(u, c);
    expect(Array.from(b.y.dataSync())).toEqual(Array.from(a.y.dataSync()));
    expect(Array.from(b.logDet.dataSync())).toEqual(Array.from(a.logDet.dataSync()));
    // The defaults are filled in and round-trip too.
    const defaults = registry.create<AffineCoupling>({
      kind: 'bijector',
      type: 'affine-coupling',
      config: { dim: 2 },
    });
    expect(defaults.getConfig()).toEqual({
      dim: 2,
      contextDim: 0,
      mask: 'half',
      conditioner: { type: 'mlp', hiddenFeatures: 64, numHiddenLayers: 2, activation: 'relu' },
      scale: 'exp-tanh',
      logScaleBound: 3,
      identityInit: false,
      seed: 0,
    });
    tf.dispose([u, c, a.y, a.logDet, b.y, b.logDet]);
    for (const m of [layer, copy, defaults]) m.dispose();
  });
});
