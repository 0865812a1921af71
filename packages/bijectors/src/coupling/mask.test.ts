import { ConfigError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { MaskSplitter, resolveMask } from './mask.js';
import { testInputs } from './test-utils/helpers.js';

describe('masks', () => {
  it('resolves half (lower half passes through), alternating and custom masks', () => {
    expect(resolveMask('half', 2)).toEqual([0, 1]);
    expect(resolveMask('half', 5)).toEqual([0, 0, 1, 1, 1]);
    expect(resolveMask('alternating', 5)).toEqual([0, 1, 0, 1, 0]);
    expect(resolveMask([1, 0, 1], 3)).toEqual([1, 0, 1]);
    expect(() => resolveMask('half', 1)).toThrow(ConfigError);
    expect(() => resolveMask([1, 1, 1], 3)).toThrow(/both 0s/);
    expect(() => resolveMask([1, 0], 3)).toThrow(/expected 3 entries/);
  });

  it.each([
    ['half', [0, 0, 1, 1, 1]],
    ['identity part last', [1, 1, 0, 0, 0]],
    ['scattered', [1, 0, 0, 1, 0]],
    ['alternating', [0, 1, 0, 1, 0]],
  ] as [string, (0 | 1)[]][])('%s: split and merge are exact and carry gradients', (_, mask) => {
    const splitter = new MaskSplitter(mask);
    const x = testInputs(16, 5, 3, 100);
    const before = tf.memory().numTensors;
    const [a, b] = splitter.split(x);
    expect(a.shape).toEqual([16, splitter.identity.length]);
    expect(b.shape).toEqual([16, splitter.transformed.length]);
    const xv = x.dataSync();
    const av = a.dataSync();
    const bv = b.dataSync();
    for (let i = 0; i < 16; i++) {
      splitter.identity.forEach((col, k) => {
        expect(av[i * a.shape[1] + k]).toBe(xv[i * 5 + col]);
      });
      splitter.transformed.forEach((col, k) => {
        expect(bv[i * b.shape[1] + k]).toBe(xv[i * 5 + col]);
      });
    }
    // Internal ops run inside the caller's tidy, as in a bijector.
    const merged = tf.tidy(() => splitter.merge(a, b));
    expect(Array.from(merged.dataSync())).toEqual(Array.from(xv));
    // d/dx sum(w * merge(split(x))) = w: the selection products pass gradients back exactly.
    const w = tf.randomNormal([16, 5], 0, 1, 'float32', 1);
    const g = tf.grad((v: tf.Tensor) => {
      const [p, q] = splitter.split(v as tf.Tensor2D);
      return tf.sum(tf.mul(splitter.merge(p, q), w));
    })(x);
    expect(Array.from(g.dataSync())).toEqual(Array.from(w.dataSync()));
    tf.dispose([a, b, merged, w, g]);
    expect(tf.memory().numTensors).toBe(before);
    splitter.dispose();
    tf.dispose(x);
  });
});
