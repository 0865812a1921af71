import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

// Core's entry point (loaded by the test setup) registers Sum's gradient over tfjs's.
describe("Sum's gradient", () => {
  const shape = [2, 3, 4];
  const x = tf.tensor3d(
    Array.from({ length: 24 }, (_, i) => i - 7.5),
    [2, 3, 4],
  );

  /** dy's entry for each entry of x: its coordinates with the summed axes at 0, in dy's kept shape. */
  function broadcastByHand(dy: Float32Array, axes: number[]): number[] {
    const kept = shape.map((n, a) => (axes.includes(a) ? 1 : n));
    return Array.from({ length: 24 }, (_, i) => {
      const coords = [Math.floor(i / 12), Math.floor(i / 4) % 3, i % 4];
      const at = coords.reduce((flat, c, a) => flat * kept[a]! + (axes.includes(a) ? 0 : c), 0);
      return dy[at]!;
    });
  }

  const cases: [axis: number | number[] | undefined, axes: number[], keepDims: boolean][] = [
    [1, [1], false],
    [-1, [2], false],
    [[0, 2], [0, 2], false],
    [2, [2], true],
    [undefined, [0, 1, 2], false],
  ];
  for (const [axis, axes, keepDims] of cases) {
    it(`is dy broadcast over the summed axes (axis ${JSON.stringify(axis)}, keepDims ${keepDims})`, () => {
      const before = tf.memory().numTensors;
      const outShape = tf.tidy(() => tf.sum(x, axis, keepDims).shape);
      const size = outShape.reduce((a, b) => a * b, 1);
      const dy = tf.tensor(
        Array.from({ length: size }, (_, i) => 0.5 + i * 1.25),
        outShape,
      );
      const [dx] = tf.grads((t: tf.Tensor) => tf.sum(t, axis, keepDims))([x], dy);
      expect(dx!.shape).toEqual(shape);
      expect(Array.from(dx!.dataSync())).toEqual(broadcastByHand(dy.dataSync() as Float32Array, axes));
      tf.dispose([dx!, dy]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('makes its ones on the backend (a Fill kernel), not on the host', async () => {
    const profile = await tf.profile(() => tf.grad((t: tf.Tensor) => tf.sum(t, 1))(x));
    expect(profile.kernels.map((k) => k.name)).toContain('Fill');
    tf.dispose(profile.result as tf.Tensor);
  });
});
