import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { heapOf, pointerOf, withScratch } from './wasm-heap.js';
import { wasmKernelsOf } from './wasm-module.js';

const rng = createRng(11);

/** Every combination of transposeA and transposeB. */
const TRANSPOSES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

/** op(A) op(B) (+ bias) (ReLU) in float64 for one batch entry; A and B row-major. */
function reference(
  a: Float32Array,
  b: Float32Array,
  [m, k, n]: [number, number, number],
  ta: boolean,
  tb: boolean,
  bias?: Float32Array,
  relu = false,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias === undefined ? 0 : bias[j]!;
      for (let l = 0; l < k; l++) s += a[ta ? l * m + i : i * k + l]! * b[tb ? j * k + l : l * n + j]!;
      out[i * n + j] = relu ? Math.max(s, 0) : s;
    }
  }
  return out;
}

/**
 * Largest |got - want| per term summed: float32 sums of k unit-scale terms in another order stray
 * by about k * 6e-8; a wrong or missing term costs order 1.
 */
function relError(got: ArrayLike<number>, want: ArrayLike<number>, k: number): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  return worst / Math.max(k, 1);
}

const operand = (rows: number, cols: number, transposed: boolean, batch?: number) => {
  const values = rng.normalArray((batch ?? 1) * rows * cols);
  const shape = transposed ? [cols, rows] : [rows, cols];
  return { values, tensor: tf.tensor(values, batch === undefined ? shape : [batch, ...shape]) };
};

/** A ReLU output: about half of the entries exactly zero. */
const reluOperand = (rows: number, cols: number, transposed: boolean) => {
  const values = rng.normalArray(rows * cols).map((v) => Math.max(v, 0));
  return { values, tensor: tf.tensor(values, transposed ? [cols, rows] : [rows, cols]) };
};

/**
 * For every shape and transpose combination, op(A) op(B) against the float64 product, without
 * leaks: through tf.matMul, or with `biasRelu` through tf.fused.matMul with a random bias and ReLU.
 */
function expectProducts(
  shapes: [number, number, number][],
  leftOperand: (rows: number, cols: number, transposed: boolean) => ReturnType<typeof operand>,
  biasRelu: boolean,
): void {
  for (const [m, k, n] of shapes) {
    for (const [ta, tb] of TRANSPOSES) {
      const a = leftOperand(m, k, ta);
      const b = operand(k, n, tb);
      const biasValues = biasRelu ? rng.normalArray(n) : undefined;
      const bias = biasValues === undefined ? undefined : tf.tensor1d(biasValues);
      const before = tf.memory().numTensors;
      const [a2, b2] = [a.tensor as tf.Tensor2D, b.tensor as tf.Tensor2D];
      const c =
        bias === undefined
          ? tf.matMul(a2, b2, ta, tb)
          : tf.fused.matMul({ a: a2, b: b2, transposeA: ta, transposeB: tb, bias, activation: 'relu' });
      expect(c.shape).toEqual([m, n]);
      const want = reference(a.values, b.values, [m, k, n], ta, tb, biasValues, biasRelu);
      expect(relError(c.dataSync() as Float32Array, want, k), `${m}x${k}x${n} ${ta} ${tb}`).toBeLessThan(
        1e-6,
      );
      c.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([a.tensor, b.tensor, ...(bias === undefined ? [] : [bias])]);
    }
  }
}

describe("Diffeo's wasm matrix product (wasm/gemm.c)", () => {
  it('is loaded for the wasm backend by useBackend', () => {
    expect(wasmKernelsOf(tf.backend())).toBeDefined();
  });

  // Widths below, at and above the 8-column panels and heights around the 4-row blocks, so every
  // partial store and the one-row loop run; k = 1 and a long k; every transpose combination.
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [4, 3, 8],
    [5, 7, 9],
    [7, 2, 15],
    [13, 1, 3],
    [128, 128, 46],
    [33, 300, 17],
    [64, 1024, 12],
  ];
  it('gives the float64 product for every shape and transpose combination, without leaks', () => {
    expectProducts(shapes, operand, false);
  });

  it('adds the bias and applies ReLU in tf.fused.matMul, and falls back for other activations', () => {
    const [m, k, n] = [19, 24, 13];
    for (const [ta, tb] of [
      [false, false],
      [true, true],
    ] as const) {
      const a = operand(m, k, ta);
      const b = operand(k, n, tb);
      const biasValues = rng.normalArray(n);
      const bias = tf.tensor1d(biasValues);
      for (const activation of ['linear', 'relu', 'elu'] as const) {
        const c = tf.fused.matMul({
          a: a.tensor as tf.Tensor2D,
          b: b.tensor as tf.Tensor2D,
          transposeA: ta,
          transposeB: tb,
          bias,
          activation,
        });
        const linear = reference(a.values, b.values, [m, k, n], ta, tb, biasValues);
        const want =
          activation === 'linear'
            ? linear
            : linear.map((v) => (activation === 'relu' ? Math.max(v, 0) : v > 0 ? v : Math.expm1(v)));
        expect(relError(c.dataSync() as Float32Array, want, k), activation).toBeLessThan(1e-6);
        c.dispose();
      }
      tf.dispose([a.tensor, b.tensor, bias]);
    }
  });

  it('multiplies batches, broadcasting a batch of one on either side', () => {
    const [m, k, n] = [6, 10, 9];
    for (const [batchA, batchB] of [
      [3, 3],
      [3, 1],
      [1, 3],
    ]) {
      const a = operand(m, k, false, batchA);
      const b = operand(k, n, true, batchB);
      const c = tf.matMul(a.tensor as tf.Tensor3D, b.tensor as tf.Tensor3D, false, true);
      expect(c.shape).toEqual([3, m, n]);
      const got = c.dataSync() as Float32Array;
      for (let i = 0; i < 3; i++) {
        const ai = a.values.subarray((batchA === 1 ? 0 : i) * m * k, ((batchA === 1 ? 0 : i) + 1) * m * k);
        const bi = b.values.subarray((batchB === 1 ? 0 : i) * k * n, ((batchB === 1 ? 0 : i) + 1) * k * n);
        const want = reference(ai, bi, [m, k, n], false, true);
        expect(relError(got.subarray(i * m * n, (i + 1) * m * n), want, k)).toBeLessThan(1e-6);
      }
      tf.dispose([a.tensor, b.tensor, c]);
    }
  });

  it('gives the gradients of a fused dense layer with ReLU', () => {
    // d/dW sum(relu(x W + b)) = x^T 1[x W + b > 0], d/db = column counts of the same mask.
    const x = tf.tensor2d(rng.normalArray(21 * 5), [21, 5]);
    const w = tf.tensor2d(rng.normalArray(5 * 11), [5, 11]);
    const b = tf.tensor1d(rng.normalArray(11));
    const f = (wv: tf.Tensor, bv: tf.Tensor) =>
      tf.sum(tf.fused.matMul({ a: x, b: wv as tf.Tensor2D, bias: bv, activation: 'relu' }));
    const [gw, gb] = tf.grads(f)([w, b]);
    const xs = x.arraySync();
    const pre = tf.tidy(() => tf.add(tf.matMul(x, w), b).arraySync() as number[][]);
    const mask = pre.map((row) => row.map((v) => (v > 0 ? 1 : 0)));
    const gwWant = Array.from({ length: 5 }, (_, i) =>
      Array.from({ length: 11 }, (_, j) => xs.reduce((s, row, r) => s + row[i]! * mask[r]![j]!, 0)),
    );
    const gbWant = Array.from({ length: 11 }, (_, j) => mask.reduce((s, row) => s + row[j]!, 0));
    (gw!.arraySync() as number[][]).forEach((row, i) => {
      row.forEach((v, j) => {
        expect(v).toBeCloseTo(gwWant[i]![j]!, 4);
      });
    });
    expect(gb!.arraySync()).toEqual(gbWant);
    tf.dispose([x, w, b, gw!, gb!]);
  });

  it('skips all-zero columns and leading rows of B (a masked output layer), and keeps NaN from A through them', () => {
    const [m, k, n] = [21, 30, 46];
    // Columns 0-22 zero, as a MADE's output layer (left out of the panels), and 31-38 (the second
    // panel from column 23); then B transposed with its leading rows zero, as in the backward
    // product with that layer's weights.
    const zeroColumns = rng.normalArray(k * n);
    for (let p = 0; p < k; p++) {
      zeroColumns.fill(0, p * n, p * n + 23);
      zeroColumns.fill(0, p * n + 31, p * n + 39);
    }
    const zeroRows = rng.normalArray(n * k).fill(0, 0, 11 * k);
    for (const [bValues, [rows, cols], inner] of [
      [zeroColumns, [k, n], k],
      [zeroRows, [n, k], n],
    ] as const) {
      const a = operand(m, inner, false);
      const biasValues = rng.normalArray(cols);
      for (const withNaN of [false, true]) {
        if (withNaN) a.values[5 * inner + 7] = Number.NaN;
        const [aT, bT, bias] = [
          tf.tensor2d(a.values, [m, inner]),
          tf.tensor2d(bValues, [rows, cols]),
          tf.tensor1d(biasValues),
        ];
        const c = tf.fused.matMul({ a: aT, b: bT, bias, activation: 'relu' });
        const got = c.dataSync() as Float32Array;
        const want = reference(a.values, bValues, [m, inner, cols], false, false, biasValues, true);
        const nans = (values: ArrayLike<number>) => Array.from(values, (v) => Number.isNaN(v));
        expect(nans(got)).toEqual(nans(want));
        expect(nans(want).some(Boolean)).toBe(withNaN);
        const finite = (values: ArrayLike<number>) =>
          Float64Array.from(values, (v) => (Number.isNaN(v) ? 0 : v));
        expect(relError(finite(got), finite(want), inner)).toBeLessThan(1e-6);
        tf.dispose([aT, bT, bias, c, a.tensor]);
      }
    }
  });

  it('writes only its output: tensors allocated around a product keep their values', () => {
    const sentinels = Array.from({ length: 6 }, (_, i) => tf.fill([37], i + 0.5));
    const kept: tf.Tensor[] = [];
    const fills: tf.Tensor[] = [];
    // A transposed too: gemm copies it to contiguous rows in its scratch first.
    for (const [[m, k, n], transposeA] of shapes.flatMap((s) => [false, true].map((t) => [s, t] as const))) {
      const a = tf.ones(transposeA ? [k, m] : [m, k]);
      const b = tf.ones([n, k]);
      const c = tf.matMul(a, b, transposeA, true);
      kept.push(a, b, c);
      fills.push(tf.fill([3], 7));
      expect(Array.from(c.dataSync())).toEqual(Array(m * n).fill(k));
    }
    for (const [i, s] of sentinels.entries())
      expect(Array.from(s.dataSync())).toEqual(Array(37).fill(i + 0.5));
    for (const f of fills) expect(Array.from(f.dataSync())).toEqual([7, 7, 7]);
    tf.dispose([...sentinels, ...kept, ...fills]);
  });
});

describe("Diffeo's wasm product for a left operand with many zeros (wasm/gemm-sparse.c)", () => {
  /** A ReLU output: about half of the entries exactly zero. */
  /** gemm_sparse_a called directly on a and b (row-major, no transposes); its return value. */
  const sparseReturn = (a: tf.Tensor2D, b: tf.Tensor2D, maxDensity: number): number => {
    const heap = heapOf(tf.backend());
    const { kernels } = wasmKernelsOf(tf.backend())!;
    const [m, k] = a.shape;
    const n = b.shape[1];
    const c = tf.zeros([m, n]);
    const floats = kernels.gemm_sparse_a_scratch(k, n);
    const result = withScratch(heap, floats * 4, (scratch) =>
      kernels.gemm_sparse_a(
        m,
        n,
        k,
        pointerOf(heap, a),
        k,
        1,
        pointerOf(heap, b),
        n,
        1,
        pointerOf(heap, c),
        0,
        0,
        maxDensity,
        scratch,
      ),
    );
    c.dispose();
    return result;
  };

  /** C of gemm_sparse_a (its return value) and of gemm on the same a (m x k, transposed: k x m) and b. */
  const bothProducts = (a: tf.Tensor2D, b: tf.Tensor2D, transposeA: boolean) => {
    const heap = heapOf(tf.backend());
    const { kernels } = wasmKernelsOf(tf.backend())!;
    const [m, k] = transposeA ? [a.shape[1], a.shape[0]] : a.shape;
    const n = b.shape[1];
    const [ars, acs] = transposeA ? [1, m] : [k, 1];
    const [sparse, dense] = [tf.zeros([m, n]), tf.zeros([m, n])];
    const floats = Math.max(
      kernels.gemm_sparse_a_scratch(k, n),
      kernels.gemm_scratch(m, k, transposeA ? 1 : 0),
    );
    const args = (c: tf.Tensor) =>
      [m, n, k, pointerOf(heap, a), ars, acs, pointerOf(heap, b), n, 1, pointerOf(heap, c), 0, 0] as const;
    const done = withScratch(heap, floats * 4, (scratch) =>
      kernels.gemm_sparse_a(...args(sparse), 1, scratch),
    );
    withScratch(heap, floats * 4, (scratch) => kernels.gemm(...args(dense), scratch));
    const result = { done, sparse: Array.from(sparse.dataSync()), dense: Array.from(dense.dataSync()) };
    tf.dispose([sparse, dense]);
    return result;
  };

  it("gives gemm's numbers bit for bit, row pairs mostly nonzero and mostly zero, A as it is and transposed", () => {
    // Row pairs 0, 2, 4, ... with 90% nonzero entries, the others 20% (long lists and short ones, a
    // pair's two of unequal lengths); odd height and depth (the last row alone, entries gathered
    // one by one after the fours).
    const [m, k, n] = [37, 45, 40];
    const values = rng.normalArray(m * k).map((v, i) => {
      const densePair = Math.floor(Math.floor(i / k) / 2) % 2 === 0;
      return rng.uniform() < (densePair ? 0.9 : 0.2) ? v : 0;
    });
    const b = operand(k, n, false).tensor as tf.Tensor2D;
    for (const transposeA of [false, true]) {
      const rowMajor = tf.tensor2d(values, [m, k]);
      const a = transposeA ? tf.transpose(rowMajor) : rowMajor;
      const { done, sparse, dense } = bothProducts(a as tf.Tensor2D, b, transposeA);
      expect(done, `transposeA ${transposeA}`).toBe(1);
      expect(sparse, `transposeA ${transposeA}`).toEqual(dense);
      tf.dispose([rowMajor, a]);
    }
    b.dispose();
  });

  it('computes when the left operand is sparse enough, and leaves dense ones and non-finite B to gemm', () => {
    const a = reluOperand(40, 64, false).tensor as tf.Tensor2D;
    const dense = operand(40, 64, false).tensor as tf.Tensor2D;
    const b = operand(64, 20, false).tensor as tf.Tensor2D;
    const infinite = tf.tensor2d(
      b.dataSync().map((v, i) => (i === 37 ? Number.POSITIVE_INFINITY : v)),
      b.shape,
    );
    expect(sparseReturn(a, b, 0.55)).toBe(1);
    expect(sparseReturn(dense, b, 0.55)).toBe(0);
    expect(sparseReturn(a, infinite, 0.55)).toBe(0);
    tf.dispose([a, dense, b, infinite]);
  });

  // Odd heights (a last row without a pair), widths around the 16-column panels, every transpose
  // (a transposed A copied to rows by 4 x 4 blocks, then row by row for a group's last rows; a
  // strided panel copy), bias and ReLU.
  const sparseShapes: [number, number, number][] = [
    [16, 32, 1],
    [17, 64, 46],
    [19, 42, 20],
    [40, 128, 128],
    [33, 300, 17],
    [129, 33, 16],
  ];
  it('gives the float64 product for every shape and transpose combination, with bias and ReLU', () => {
    expectProducts(sparseShapes, reluOperand, true);
  });

  it('keeps the NaN of 0 * infinity: a B with an infinity goes to gemm', () => {
    const [m, k, n] = [24, 40, 10];
    const a = reluOperand(m, k, false);
    const b = operand(k, n, false);
    b.values[3 * n + 4] = Number.POSITIVE_INFINITY;
    const bTensor = tf.tensor2d(b.values, [k, n]);
    const c = tf.matMul(a.tensor as tf.Tensor2D, bTensor);
    const got = c.dataSync();
    const want = reference(a.values, b.values, [m, k, n], false, false);
    const nans = (values: ArrayLike<number>) => Array.from(values, (v) => Number.isNaN(v));
    expect(nans(want).filter(Boolean).length).toBeGreaterThan(0);
    expect(nans(got)).toEqual(nans(want));
    tf.dispose([a.tensor, b.tensor, bTensor, c]);
  });
});
