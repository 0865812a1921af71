import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';

const rng = createRng(21);

/** a (op) b with numpy broadcasting, in float64, as nested arrays via tf's own shapes. */
function reference(a: tf.Tensor, b: tf.Tensor, op: (x: number, y: number) => number): number[] {
  const shape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const av = a.dataSync();
  const bv = b.dataSync();
  const n = shape.reduce((p, s) => p * s, 1);
  const index = (flat: number, of: number[]) => {
    // the element of `of` (right-aligned against shape, size-1 dims broadcast) at output index flat
    let rest = flat;
    let at = 0;
    let stride = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const i = rest % shape[d]!;
      rest = Math.floor(rest / shape[d]!);
      const k = d - (shape.length - of.length);
      if (k >= 0) {
        at += (of[k] === 1 ? 0 : i) * stride;
        stride *= of[k]!;
      }
    }
    return at;
  };
  return Array.from({ length: n }, (_, i) => op(av[index(i, a.shape)]!, bv[index(i, b.shape)]!));
}

const ops = [
  ['add', tf.add, (x: number, y: number) => x + y],
  ['mul', tf.mul, (x: number, y: number) => x * y],
] as const;

describe("core's wasm Add and Multiply (wasm/binary.c)", () => {
  // Same shapes (with SIMD tails), scalars on either side, biases over rows (widths off the 4-lane
  // blocks), leading 1s, 3-D, and broadcasts the kernel leaves to tfjs (columns, both sides).
  const pairs: [number[], number[]][] = [
    [[7], [7]],
    [
      [5, 9],
      [5, 9],
    ],
    [[33, 128], [128]],
    [[128], [6, 128]],
    [
      [17, 46],
      [1, 46],
    ],
    [
      [4, 3, 7],
      [3, 7],
    ],
    [[4, 3, 7], [7]],
    [[10], []],
    [[], [3, 5]],
    [[1, 1], [6]],
    [
      [8, 1],
      [8, 3],
    ],
    [
      [2, 1, 4],
      [3, 1],
    ],
    [[0, 4], [4]],
  ];
  it('computes every broadcast as the definition says, without leaks', () => {
    for (const [sa, sb] of pairs) {
      const a = tf.tensor(rng.normalArray(sa.reduce((p, s) => p * s, 1)), sa);
      const b = tf.tensor(rng.normalArray(sb.reduce((p, s) => p * s, 1)), sb);
      for (const [name, f, op] of ops) {
        const before = tf.memory().numTensors;
        const c = f(a, b);
        expect(c.shape, `${name} ${sa} ${sb}`).toEqual(tf.broadcast_util.assertAndGetBroadcastShape(sa, sb));
        const want = reference(a, b, op);
        Array.from(c.dataSync()).forEach((v, i) => {
          expect(Math.abs(v - want[i]!), `${name} ${sa} ${sb} at ${i}`).toBeLessThan(
            1e-6 * (1 + Math.abs(want[i]!)),
          );
        });
        c.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }
      tf.dispose([a, b]);
    }
  });

  it('leaves int32 to the stock kernels and keeps their dtype', () => {
    const a = tf.tensor1d([1, 2, 3], 'int32');
    const b = tf.tensor1d([4, 5, 6], 'int32');
    const sum = tf.add(a, b);
    const product = tf.mul(a, b);
    expect(sum.dtype).toBe('int32');
    expect(Array.from(sum.dataSync())).toEqual([5, 7, 9]);
    expect(Array.from(product.dataSync())).toEqual([4, 10, 18]);
    tf.dispose([a, b, sum, product]);
  });

  it('gives the gradients of a biased product through the replaced kernels', () => {
    // d/dW sum((x W + b) * s) = x^T s, d/db = column sums of s.
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const w = tf.tensor2d([0.5, -1, 2, 0.25], [2, 2]);
    const b = tf.tensor1d([0.1, 0.2]);
    const s = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const [gw, gb] = tf.grads((wv: tf.Tensor, bv: tf.Tensor) =>
      tf.sum(tf.mul(tf.add(tf.matMul(x, wv as tf.Tensor2D), bv), s)),
    )([w, b]);
    expect(gw!.arraySync()).toEqual([
      [1 * 1 + 3 * 3 + 5 * 5, 1 * 2 + 3 * 4 + 5 * 6],
      [2 * 1 + 4 * 3 + 6 * 5, 2 * 2 + 4 * 4 + 6 * 6],
    ]);
    expect(gb!.arraySync()).toEqual([9, 12]);
    tf.dispose([x, w, b, s, gw!, gb!]);
  });
});
