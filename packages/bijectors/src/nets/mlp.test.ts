import { ConfigError, ShapeError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { type Activation, activationSchema } from './activation.js';
import { MLP } from './mlp.js';
import { concatRef, mat, maxDiff, mlpRef, randomInput } from './test-utils/reference.js';

describe('MLP', () => {
  it.each(activationSchema.options)('matches a float64 reference with context (%s)', (activation) => {
    const net = new MLP({
      inFeatures: 3,
      outFeatures: 5,
      hiddenFeatures: 16,
      numHiddenLayers: 3,
      contextDim: 2,
      activation,
      seed: 7,
    });
    const x = randomInput(6, 3, 1);
    const c = randomInput(6, 2, 2);
    const before = tf.memory().numTensors;
    const out = net.apply(x, c);
    expect(out.shape).toEqual([6, 5]);
    const ref = mlpRef(net, concatRef(mat(x), mat(c)), activation);
    expect(maxDiff(out.dataSync(), ref.data)).toBeLessThan(1e-4);
    // The context matters: a different context gives a different output.
    const c2 = tf.add(c, 1) as tf.Tensor2D;
    const out2 = net.apply(x, c2);
    expect(maxDiff(out.dataSync(), out2.dataSync())).toBeGreaterThan(1e-3);
    tf.dispose([out, out2, c2]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, c]);
    net.dispose();
  });

  it('has stable variable names, is seeded, and zeroInitOutput gives exactly zero', () => {
    const a = new MLP({ inFeatures: 2, outFeatures: 3, hiddenFeatures: 8, seed: 3 });
    const b = new MLP({ inFeatures: 2, outFeatures: 3, hiddenFeatures: 8, seed: 3 });
    const d = new MLP({ inFeatures: 2, outFeatures: 3, hiddenFeatures: 8, seed: 4 });
    const z = new MLP({ inFeatures: 2, outFeatures: 3, hiddenFeatures: 8, seed: 3, zeroInitOutput: true });
    expect(a.namedVariables().map((v) => v.name)).toEqual([
      'hidden.0.weight',
      'hidden.0.bias',
      'hidden.1.weight',
      'hidden.1.bias',
      'output.weight',
      'output.bias',
    ]);
    const x = randomInput(4, 2, 5);
    const [ya, yb, yd, yz] = [a, b, d, z].map((n) => n.apply(x));
    expect(Array.from(ya!.dataSync())).toEqual(Array.from(yb!.dataSync()));
    expect(maxDiff(ya!.dataSync(), yd!.dataSync())).toBeGreaterThan(1e-3);
    expect(Array.from(yz!.dataSync()).every((v) => v === 0)).toBe(true);
    // Zeroing the output keeps the hidden layers' draws: same seed, same hidden weights.
    expect(Array.from(z.namedVariables()[0]!.variable.dataSync())).toEqual(
      Array.from(a.namedVariables()[0]!.variable.dataSync()),
    );
    expect(a.getConfig()).toEqual({
      inFeatures: 2,
      outFeatures: 3,
      hiddenFeatures: 8,
      numHiddenLayers: 2,
      contextDim: 0,
      activation: 'relu',
      zeroInitOutput: false,
      seed: 3,
    });
    tf.dispose([x, ya!, yb!, yd!, yz!]);
    for (const n of [a, b, d, z]) n.dispose();
  });

  it('rejects bad inputs and configs with typed errors', () => {
    const net = new MLP({ inFeatures: 2, outFeatures: 1, contextDim: 1 });
    const plain = new MLP({ inFeatures: 2, outFeatures: 1 });
    const x = tf.zeros([3, 2]) as tf.Tensor2D;
    expect(() => net.apply(tf.zeros([3, 3]) as tf.Tensor2D, tf.zeros([3, 1]) as tf.Tensor2D)).toThrow(
      ShapeError,
    );
    expect(() => net.apply(x)).toThrow(/context/);
    expect(() => net.apply(x, tf.zeros([2, 1]) as tf.Tensor2D)).toThrow(ShapeError);
    expect(() => plain.apply(x, tf.zeros([3, 1]) as tf.Tensor2D)).toThrow(/unconditional/);
    expect(() => new MLP({ inFeatures: 0, outFeatures: 1 })).toThrow(ConfigError);
    expect(() => new MLP({ inFeatures: 2, outFeatures: 1, numHiddenLayers: 0 })).toThrow(/numHiddenLayers/);
    expect(() => new MLP({ inFeatures: 2, outFeatures: 1, activation: 'swish' as Activation })).toThrow(
      ConfigError,
    );
    tf.dispose(x);
    net.dispose();
    plain.dispose();
  });
});
