import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { installKernels } from './kernel-map.js';

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

describe("Diffeo's wasm kernels", () => {
  it('are installed where the wasm backend is loaded (useBackend installs them)', () => {
    expect(installKernels('wasm')).toBe(true);
  });

  it('transpose the last two axes exactly, other permutations as before', () => {
    const rng = createRng(2);
    for (const shape of [
      [37, 70],
      [3, 33, 65],
      [1, 1],
    ]) {
      const values = rng.normalArray(shape.reduce((p, s) => p * s, 1));
      const x = tf.tensor(values, shape);
      const rank = shape.length;
      const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
      const [rows, cols] = shape.slice(-2) as [number, number];
      const got = tf.transpose(x, perm).dataSync();
      for (let m = 0; m < values.length / (rows * cols); m++) {
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) {
            expect(got[m * rows * cols + c * rows + r]).toBe(values[m * rows * cols + r * cols + c]);
          }
        }
      }
      tf.dispose(x);
    }
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    expect(Array.from(tf.transpose(x, [1, 0, 2]).dataSync())).toEqual([1, 2, 5, 6, 3, 4, 7, 8]);
    expect(Array.from(tf.transpose(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32')).dataSync())).toEqual([
      1, 3, 2, 4,
    ]);
  });

  it('sum columns in float64 and other reductions as before, without leaks', () => {
    const rng = createRng(3);
    // 303 rows: the four-row passes and the remainder loop both run; 1 row: only the remainder.
    for (const n of [303, 1]) {
      const values = rng.normalArray(n * 7);
      const x = tf.tensor2d(values, [n, 7]);
      const before = tf.memory().numTensors;
      const cols = tf.sum(x, 0);
      const kept = tf.sum(x, -2, true);
      const rows = tf.sum(x, 1);
      for (let c = 0; c < 7; c++) {
        let s = 0;
        for (let r = 0; r < n; r++) s += values[r * 7 + c]!;
        expect(cols.dataSync()[c]).toBeCloseTo(s, 4);
      }
      expect(kept.shape).toEqual([1, 7]);
      expect(Array.from(kept.dataSync())).toEqual(Array.from(cols.dataSync()));
      for (let r = 0; r < n; r++) {
        let s = 0;
        for (let c = 0; c < 7; c++) s += values[r * 7 + c]!;
        expect(rows.dataSync()[r]).toBeCloseTo(s, 4);
      }
      tf.dispose([cols, kept, rows]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(x);
    }
  });

  it('clone and same-dtype casts share memory, outlive their source, and cast across dtypes as before', () => {
    const before = tf.memory();
    const buffers = () => tf.engine().backend.numDataIds();
    const buffersBefore = buffers();
    const x = tf.tensor1d([1.5, -2.25, 3]);
    const copy = tf.clone(x);
    const same = tf.cast(x, 'float32');
    const ints = tf.cast(x, 'int32');
    const back = tf.cast(ints, 'float32');
    expect(buffers() - buffersBefore).toBe(3); // x, ints and back: the clone and the cast share x's
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1.5, -2.25, 3]);
    expect(Array.from(same.dataSync())).toEqual([1.5, -2.25, 3]);
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([1, -2, 3]);
    expect(Array.from(back.dataSync())).toEqual([1, -2, 3]);
    // A variable assigned from a clone keeps its value when the clone goes.
    const v = tf.tidy(() => tf.variable(tf.zeros([3])));
    v.assign(copy);
    tf.dispose([copy, same, ints, back]);
    expect(Array.from(v.dataSync())).toEqual([1.5, -2.25, 3]);
    v.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    expect(buffers()).toBe(buffersBefore);
  });

  it('slice any rank and dtype exactly as nested-array slicing does, with gradients, without leaks', () => {
    type Nested = number | Nested[];
    const cut = (a: Nested, begin: number[], size: number[]): Nested =>
      begin.length === 0
        ? a
        : (a as Nested[])
            .slice(begin[0], size[0] === -1 ? undefined : begin[0]! + size[0]!)
            .map((row) => cut(row, begin.slice(1), size.slice(1)));
    const rng = createRng(4);
    const cases: [number[], number[], number[]][] = [
      [[10], [3], [5]],
      [
        [6, 9],
        [1, 2],
        [4, -1],
      ],
      [
        [128, 2, 23],
        [0, 0, 8],
        [-1, -1, 8],
      ],
      [
        [5, 3, 7],
        [2, 1, 6],
        [3, 2, 1],
      ],
      [
        [3, 4, 5, 6],
        [1, 0, 2, 1],
        [2, 4, 2, 5],
      ],
      [
        [4, 4],
        [0, 0],
        [0, 4],
      ],
      // Rows once merged (a partial first axis, whole middle): wasm/copy-rows.c; and the whole tensor.
      [
        [5, 3, 4],
        [1, 0, 1],
        [2, 3, 2],
      ],
      [
        [3, 5],
        [0, 0],
        [3, 5],
      ],
    ];
    for (const [shape, begin, size] of cases) {
      const n = shape.reduce((p, s) => p * s, 1);
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        const values = rng
          .normalArray(n)
          .map((v) => (dtype === 'float32' ? v : dtype === 'int32' ? Math.round(v * 9) : v > 0 ? 1 : 0));
        const x = tf.tensor(values, shape, dtype);
        const before = tf.memory().numTensors;
        const y = tf.slice(x, begin, size);
        expect(y.dtype).toBe(dtype);
        expect(y.arraySync()).toEqual(cut(x.arraySync() as Nested, begin, size));
        y.dispose();
        expect(tf.memory().numTensors).toBe(before);
        x.dispose();
      }
    }
    // The gradient of a slice pads dy back into the input's shape.
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const [g] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(tf.slice(t, [0, 1], [2, 2]), 3)))([x]);
    expect(Array.from(g!.dataSync())).toEqual([0, 3, 3, 0, 3, 3]);
    tf.dispose([x, g!]);
  });

  it('reverse the last axis exactly as nested arrays do, other axes as before, with gradients, without leaks', () => {
    const before = tf.memory().numTensors;
    const nested = [
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      [
        [7, 8, 9],
        [10, 11, 12],
      ],
    ];
    const lastReversed = nested.map((m) => m.map((r) => [...r].reverse()));
    tf.tidy(() => {
      const x = tf.tensor3d(nested);
      expect(tf.reverse(x, -1).arraySync()).toEqual(lastReversed);
      expect(tf.reverse(x, 2).arraySync()).toEqual(lastReversed);
      expect(tf.reverse(x, 1).arraySync()).toEqual(nested.map((m) => [...m].reverse()));
      expect(tf.reverse(tf.tensor1d([1, 2, 3], 'int32')).arraySync()).toEqual([3, 2, 1]);
      expect(tf.reverse(x, []).arraySync()).toEqual(nested);
      // Rows long enough for the four-at-a-time loop and its tail (9 = 4 + 4 + 1), and a flow's 64.
      for (const [rows, run] of [
        [3, 9],
        [5, 64],
      ] as const) {
        for (const dtype of ['float32', 'int32'] as const) {
          const values = Array.from({ length: rows * run }, (_, i) => i * 7 - 11);
          const want = Array.from({ length: rows }, (_, r) => values.slice(r * run, (r + 1) * run).reverse());
          expect(tf.reverse(tf.tensor2d(values, [rows, run], dtype), -1).arraySync()).toEqual(want);
        }
      }
      // d/dx sum(w * reverse(x)) = reverse(w)
      const w = tf.tensor2d([[1, 2, 3]]);
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(w, tf.reverse(v, 1))))(tf.zeros([1, 3]));
      expect(g.arraySync()).toEqual([[3, 2, 1]]);
    });
    expect(tf.memory().numTensors).toBe(before);
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
