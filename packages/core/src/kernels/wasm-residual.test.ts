import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { RESIDUAL_BLOCK_KERNEL } from './wasm-residual.js';

const rng = createRng(5);

/** The block op by op: the kernels it stands for. */
function separate(
  h: tf.Tensor2D,
  w1: tf.Tensor2D,
  b1: tf.Tensor1D,
  w2: tf.Tensor2D,
  b2: tf.Tensor1D,
): tf.Tensor {
  return tf.tidy(() => {
    const hidden = tf.fused.matMul({ a: tf.relu(h), b: w1, bias: b1, activation: 'relu' });
    return tf.add(h, tf.fused.matMul({ a: hidden, b: w2, bias: b2 }));
  });
}

function block(inputs: Record<'h' | 'w1' | 'b1' | 'w2' | 'b2', tf.Tensor>): tf.Tensor {
  return tf.engine().runKernel(RESIDUAL_BLOCK_KERNEL, inputs) as tf.Tensor;
}

describe("core's residual block kernel (residual_block in wasm/gemm-sparse.c)", () => {
  // Widths on and off the 16-column panels, batches below, at and across the 32-row tiles, odd
  // ones (a row without a pair).
  const cases: [number, number][] = [
    [1, 16],
    [7, 46],
    [32, 128],
    [77, 128],
    [130, 33],
  ];
  it('gives the numbers of the separate kernels (ReLU, two products, add), without leaks', () => {
    for (const [m, width] of cases) {
      const [h, w1, w2] = [
        tf.tensor2d(rng.normalArray(m * width), [m, width]),
        tf.tensor2d(
          rng.normalArray(width * width).map((v) => v / Math.sqrt(width)),
          [width, width],
        ),
        tf.tensor2d(
          rng.normalArray(width * width).map((v) => v / Math.sqrt(width)),
          [width, width],
        ),
      ];
      const [b1, b2] = [tf.tensor1d(rng.normalArray(width)), tf.tensor1d(rng.normalArray(width))];
      const want = separate(h, w1, b1, w2, b2);
      const before = tf.memory().numTensors;
      const got = block({ h, w1, b1, w2, b2 });
      expect(got.shape).toEqual([m, width]);
      // The same sums in the same order: equal, not merely close.
      expect(Array.from(got.dataSync()), `${m}x${width}`).toEqual(Array.from(want.dataSync()));
      got.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([h, w1, b1, w2, b2, want]);
    }
  });

  it('gives the numbers of the separate kernels for an h with NaNs, infinities and signed zeros', () => {
    // Row r < 5 holds special[r] in column 5 (gathered four entries at a time), row 5 + r in column
    // 36 (width 37: the last entry, gathered alone), the last row none.
    const [m, width] = [11, 37];
    const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0];
    const hValues = rng.normalArray(m * width);
    special.forEach((v, r) => {
      hValues[r * width + 5] = v;
      hValues[(5 + r) * width + 36] = v;
    });
    const h = tf.tensor2d(hValues, [m, width]);
    const w1 = tf.tensor2d(
      rng.normalArray(width * width).map((v) => v / Math.sqrt(width)),
      [width, width],
    );
    const w2 = tf.tensor2d(
      rng.normalArray(width * width).map((v) => v / Math.sqrt(width)),
      [width, width],
    );
    const [b1, b2] = [tf.tensor1d(rng.normalArray(width)), tf.tensor1d(rng.normalArray(width))];
    const want = separate(h, w1, b1, w2, b2);
    const got = block({ h, w1, b1, w2, b2 });
    const values = Array.from(got.dataSync());
    expect(values.some(Number.isNaN)).toBe(true);
    expect(values.some((v) => Number.isFinite(v))).toBe(true);
    expect(values).toEqual(Array.from(want.dataSync()));
    tf.dispose([h, w1, b1, w2, b2, want, got]);
  });

  it('falls back to the separate kernels for a weight with an infinity (NaN where they give NaN)', () => {
    const [m, width] = [40, 24];
    const h = tf.tensor2d(rng.normalArray(m * width), [m, width]);
    const w1 = tf.tensor2d(
      rng.normalArray(width * width).map((v, i) => (i === 3 * width + 5 ? Number.POSITIVE_INFINITY : v)),
      [width, width],
    );
    const w2 = tf.tensor2d(rng.normalArray(width * width), [width, width]);
    const [b1, b2] = [tf.tensor1d(rng.normalArray(width)), tf.tensor1d(rng.normalArray(width))];
    const want = Array.from(separate(h, w1, b1, w2, b2).dataSync());
    const before = tf.memory().numTensors;
    const got = block({ h, w1, b1, w2, b2 });
    const values = Array.from(got.dataSync());
    expect(values.some(Number.isNaN)).toBe(true);
    expect(values.map(Number.isNaN)).toEqual(want.map(Number.isNaN));
    expect(values.map((v) => (Number.isNaN(v) ? 0 : v))).toEqual(want.map((v) => (Number.isNaN(v) ? 0 : v)));
    got.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([h, w1, b1, w2, b2]);
  });
});
