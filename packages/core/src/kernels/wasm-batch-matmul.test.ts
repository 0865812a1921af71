import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { installWasmBatchMatMul } from './wasm-batch-matmul.js';

/** C = op(A) op(B) in float64, A and B row-major. */
function reference(
  a: Float32Array,
  b: Float32Array,
  [m, k, n]: number[],
  ta: boolean,
  tb: boolean,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < m!; i++) {
    for (let j = 0; j < n!; j++) {
      let s = 0;
      for (let l = 0; l < k!; l++) s += a[ta ? l * m! + i : i * k! + l]! * b[tb ? j * k! + l : l * n! + j]!;
      out.push(s);
    }
  }
  return out;
}

describe('the wasm BatchMatMul with explicit transposes', () => {
  it('is installed where the wasm backend is loaded (useBackend installs it)', () => {
    expect(installWasmBatchMatMul()).toBe(true);
  });

  it('multiplies exactly as the definition says for every transpose combination, with gradients, without leaks', () => {
    const rng = createRng(1);
    const [m, k, n] = [7, 5, 3];
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const av = rng.normalArray(m * k);
      const bv = rng.normalArray(k * n);
      const a = tf.tensor2d(av, ta ? [k, m] : [m, k]);
      const b = tf.tensor2d(bv, tb ? [n, k] : [k, n]);
      const before = tf.memory().numTensors;
      const c = tf.matMul(a, b, ta, tb);
      const want = reference(av, bv, [m, k, n], ta, tb);
      Array.from(c.dataSync()).forEach((v, i) => {
        expect(v).toBeCloseTo(want[i]!, 4);
      });
      // d sum(C) / dA = 1 B^T (in A's layout): each entry of A times the row sums of op(B)
      const [ga] = tf.grads((x: tf.Tensor) => tf.sum(tf.matMul(x as tf.Tensor2D, b, ta, tb)))([a]);
      const rowSums = Array.from({ length: k }, (_, l) =>
        Array.from({ length: n }, (_, j) => bv[tb ? j * k + l : l * n + j]!).reduce((s, v) => s + v, 0),
      );
      Array.from(ga!.dataSync()).forEach((g, idx) => {
        const l = ta ? Math.floor(idx / m) : idx % k;
        expect(g).toBeCloseTo(rowSums[l]!, 4);
      });
      tf.dispose([c, ga!]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([a, b]);
    }
  });
});
