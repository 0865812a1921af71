import { ConfigError, ShapeError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { activationSchema } from './activation.js';
import { ResidualNet } from './residual-net.js';
import { concatRef, mat, maxDiff, randomInput, residualRef } from './test-utils/reference.js';

describe('ResidualNet', () => {
  it.each(activationSchema.options)('matches a float64 reference with context (%s)', (activation) => {
    const net = new ResidualNet({
      inFeatures: 2,
      outFeatures: 4,
      hiddenFeatures: 12,
      numBlocks: 3,
      contextDim: 3,
      activation,
      seed: 11,
    });
    const x = randomInput(5, 2, 3);
    const c = randomInput(5, 3, 4);
    const before = tf.memory().numTensors;
    const out = net.apply(x, c);
    expect(out.shape).toEqual([5, 4]);
    const ref = residualRef(net, concatRef(mat(x), mat(c)), activation);
    expect(maxDiff(out.dataSync(), ref.data)).toBeLessThan(1e-4);
    tf.dispose(out);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, c]);
    net.dispose();
  });

  it('starts its blocks near the identity, is seeded, and zeroInitOutput gives exactly zero', () => {
    const net = new ResidualNet({ inFeatures: 2, outFeatures: 3, hiddenFeatures: 8, numBlocks: 2, seed: 1 });
    expect(net.namedVariables().map((v) => v.name)).toEqual([
      'initial.weight',
      'initial.bias',
      'blocks.0.first.weight',
      'blocks.0.first.bias',
      'blocks.0.second.weight',
      'blocks.0.second.bias',
      'blocks.1.first.weight',
      'blocks.1.first.bias',
      'blocks.1.second.weight',
      'blocks.1.second.bias',
      'final.weight',
      'final.bias',
    ]);
    for (const v of net.namedVariables().filter((n) => n.name.includes('second'))) {
      const values = Array.from(v.variable.dataSync());
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(1e-3);
      expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0);
    }
    const same = new ResidualNet({ inFeatures: 2, outFeatures: 3, hiddenFeatures: 8, numBlocks: 2, seed: 1 });
    const zero = new ResidualNet({ inFeatures: 2, outFeatures: 3, hiddenFeatures: 8, zeroInitOutput: true });
    const x = randomInput(4, 2, 9);
    const [y1, y2, y0] = [net, same, zero].map((n) => n.apply(x));
    expect(Array.from(y1!.dataSync())).toEqual(Array.from(y2!.dataSync()));
    expect(Array.from(y0!.dataSync()).every((v) => v === 0)).toBe(true);
    expect(() => net.apply(x, tf.zeros([4, 1]) as tf.Tensor2D)).toThrow(ShapeError);
    expect(() => new ResidualNet({ inFeatures: 2, outFeatures: 3, numBlocks: 1.5 })).toThrow(ConfigError);
    tf.dispose([x, y1!, y2!, y0!]);
    for (const n of [net, same, zero]) n.dispose();
  });
});
