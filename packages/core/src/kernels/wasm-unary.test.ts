import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

describe("core's wasm Relu and Step (wasm/unary.c)", () => {
  // 11 values: two four-lane blocks and a tail of three, NaN and signed zeros in both parts.
  const values = [-2, -0, 0, 0.5, Number.NaN, 3, -1e-30, 1e-30, -7, Number.NaN, 4].map(Math.fround);

  it('computes ReLU and step as tfjs defines them, NaN through, without leaks', () => {
    const x = tf.tensor1d(values);
    const before = tf.memory().numTensors;
    const relu = tf.relu(x);
    const step = tf.step(x);
    const stepAlpha = tf.step(x, 0.25);
    const same = (got: number[], want: number[]) =>
      got.forEach((v, i) => {
        if (Number.isNaN(want[i]!)) expect(v).toBeNaN();
        else expect(v).toBe(want[i]);
      });
    same(
      Array.from(relu.dataSync()),
      values.map((v) => (Number.isNaN(v) ? v : Math.max(v, 0))),
    );
    same(
      Array.from(step.dataSync()),
      values.map((v) => (Number.isNaN(v) ? v : v > 0 ? 1 : 0)),
    );
    same(
      Array.from(stepAlpha.dataSync()),
      values.map((v) => (Number.isNaN(v) ? v : v > 0 ? 1 : 0.25)),
    );
    expect(relu.shape).toEqual([11]);
    tf.dispose([relu, step, stepAlpha]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it("keeps ReLU's gradient and leaves int32 to the stock kernel", () => {
    const x = tf.tensor2d([-1, 2, 3, -4, 0.5, -0.5], [2, 3]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), 3)))(x);
    expect(Array.from(g.dataSync())).toEqual([0, 3, 3, 0, 3, 0]);
    const ints = tf.relu(tf.tensor1d([-3, 0, 5], 'int32'));
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([0, 0, 5]);
    tf.dispose([x, g, ints]);
  });
});
