import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { GLOBAL_NORM_KERNEL } from './global-norm-kernel.js';
import { globalNormOp } from './ops.js';

const rng = createRng(11);

describe('globalNormOp', () => {
  it("equals the float64 norm of every tensor's values, in one kernel where registered", async () => {
    // Sizes off the SIMD width (4) and a large one, as a step's gradients are.
    const shapes = [[3], [5, 7], [128, 128], [1], [2, 3, 5]];
    const tensors = shapes.map((s) => tf.tensor(rng.normalArray(s.reduce((p, d) => p * d, 1)), s));
    let want = 0;
    for (const t of tensors) for (const v of t.dataSync()) want += v * v;
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      const norm = globalNormOp(tensors);
      expect(norm.shape).toEqual([]);
      expect(Math.abs(norm.dataSync()[0]! - Math.sqrt(want))).toBeLessThanOrEqual(1e-6 * Math.sqrt(want));
      norm.dispose();
    });
    expect(tf.memory().numTensors).toBe(before);
    const names = profile.kernels.map((k) => k.name);
    if (tf.getKernel(GLOBAL_NORM_KERNEL, tf.getBackend()) !== undefined)
      expect(names).toEqual([GLOBAL_NORM_KERNEL]);
    else expect(names.length).toBeGreaterThan(shapes.length);
    tf.dispose(tensors);
  });

  it('is registered on cpu and wasm, and gives 0 for no tensors and Infinity or NaN as the ops do', () => {
    expect(tf.getKernel(GLOBAL_NORM_KERNEL, tf.getBackend())).toBeDefined();
    const zero = globalNormOp([]);
    expect(zero.dataSync()[0]).toBe(0);
    const a = tf.tensor1d([1, Number.POSITIVE_INFINITY]);
    const b = tf.tensor1d([Number.NaN, 2]);
    const inf = globalNormOp([a]);
    const nan = globalNormOp([a, b]);
    expect(inf.dataSync()[0]).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(nan.dataSync()[0])).toBe(true);
    tf.dispose([zero, a, b, inf, nan]);
  });
});
