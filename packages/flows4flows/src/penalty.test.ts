import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DistancePenalty, registerDistance } from './penalty.js';

describe('DistancePenalty', () => {
  const x = () =>
    tf.tensor2d([
      [0, 0],
      [1, -2],
      [3, 1],
    ]);
  const y = () =>
    tf.tensor2d([
      [0.5, -1],
      [1, 0],
      [0, 1],
    ]);

  it('L1 is the weighted sum of |f(x) - x| per row, L2 the weighted sum of squares, a custom one its function', () => {
    registerDistance('max-abs', (a, b) => tf.max(tf.abs(tf.sub(a, b)), 1) as tf.Tensor1D);
    const [a, b] = [x(), y()];
    const before = tf.memory().numTensors;
    const l1 = new DistancePenalty({ type: 'l1', weight: 2 }).value(a, b, 2);
    const l2 = new DistancePenalty({ type: 'l2' }).value(a, b, 1);
    const custom = new DistancePenalty({ type: 'custom', name: 'max-abs' }).value(a, b, 1);
    expect(tf.memory().numTensors).toBe(before + 3);
    // by hand: |.5|+|-1| = 1.5, 0+2 = 2, 3+0 = 3; squares .25+1, 4, 9; max 1, 2, 3
    expect(Array.from(l1.dataSync())).toEqual([3, 4, 6]);
    expect(Array.from(l2.dataSync())).toEqual([1.25, 4, 9]);
    expect(Array.from(custom.dataSync())).toEqual([1, 2, 3]);
    tf.dispose([a, b, l1, l2, custom]);
  });

  it('anneals the weight along a cosine from weight to minWeight', () => {
    const p = new DistancePenalty({ type: 'l1', weight: 2, anneal: { minWeight: 0.5 } });
    expect(p.weightAt(0, 100)).toBe(2);
    expect(p.weightAt(50, 100)).toBeCloseTo(1.25, 12);
    expect(p.weightAt(100, 100)).toBeCloseTo(0.5, 12);
    expect(new DistancePenalty({ type: 'l2', weight: 3 }).weightAt(70, 100)).toBe(3);
  });

  it('refuses bad weights and unknown names with a ConfigError naming the field', () => {
    expect(() => new DistancePenalty({ type: 'l1', weight: -0.1 })).toThrow(/penalty.weight/);
    expect(() => new DistancePenalty({ type: 'l1', weight: Number.POSITIVE_INFINITY })).toThrow(
      /penalty.weight/,
    );
    expect(() => new DistancePenalty({ type: 'custom', name: 'nope' })).toThrow(
      /penalty.name: expected the name of a distance/,
    );
  });
});
