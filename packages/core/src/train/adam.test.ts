import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ADAM_KERNEL } from '../kernels/adam-kernel.js';
import { createRng } from '../rng.js';
import { Adam } from './adam.js';

const rng = createRng(3);

/** Three Adam steps on variables of these shapes from fixed values and gradients: their values after. */
function train(shapes: number[][]): [number[], number[]] {
  const start = shapes.map((s) => rng.normalArray(tf.util.sizeFromShape(s)));
  const grads = [0, 1, 2].map(() => shapes.map((s) => rng.normalArray(tf.util.sizeFromShape(s))));
  const run = () => {
    const vars = shapes.map((s, i) => tf.tidy(() => tf.variable(tf.tensor(start[i]!, s))));
    const adam = new Adam(vars);
    for (const step of grads) {
      const gs = step.map((g, i) => tf.tensor(g, shapes[i]));
      adam.step(gs, 0.01);
      tf.dispose(gs);
    }
    const out = vars.map((v) => Array.from(v.dataSync()));
    adam.dispose();
    tf.dispose(vars);
    return out;
  };
  return [
    run().flat(),
    (() => {
      const kernel = tf.getKernel(ADAM_KERNEL, tf.getBackend())!;
      tf.unregisterKernel(ADAM_KERNEL, tf.getBackend());
      try {
        return run().flat();
      } finally {
        tf.registerKernel(kernel);
      }
    })(),
  ];
}

describe('Adam', () => {
  it('updates many variables in one kernel call as the ops do, without leaks', () => {
    const before = tf.memory().numTensors;
    // Sizes on and off the four SIMD lanes, a scalar among them.
    const [fused, ops] = train([[3, 5], [7], [], [16, 4], [1]]);
    expect(fused).toHaveLength(15 + 7 + 1 + 64 + 1);
    fused.forEach((v, i) => {
      expect(v).toBeCloseTo(ops[i]!, 5);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('runs one update kernel per step whatever the number of variables', async () => {
    const vars = [tf.variable(tf.ones([4, 4])), tf.variable(tf.ones([3])), tf.variable(tf.ones([2, 2]))];
    const adam = new Adam(vars);
    const grads = vars.map((v) => tf.onesLike(v));
    const profile = await tf.profile(() => adam.step(grads, 0.1));
    expect(profile.kernels.filter((k) => k.name === ADAM_KERNEL)).toHaveLength(1);
    // Every variable moved by the first step's size (alpha times m1 / sqrt(v1) = 1 at g = 1).
    for (const v of vars) for (const x of v.dataSync()) expect(x).toBeCloseTo(0.9, 5);
    tf.dispose([...vars, ...grads]);
    adam.dispose();
  });

  it('takes a step over no variables', () => {
    const adam = new Adam([]);
    expect(() => adam.step([], 0.1)).not.toThrow();
    expect(adam.iterations).toBe(1);
  });
});
