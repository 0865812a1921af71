import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../rng.js';
import { madeMask } from '../test-utils/made-mask.js';
import { AffineMask, MASK_BLOCK } from './affine-mask.js';
import { maskedAffineOp } from './ops.js';
import { MASKED_AFFINE_GRAD_KERNEL, MASKED_AFFINE_KERNEL } from './wasm-masked.js';

const rng = createRng(23);
const onWasm = tf.getBackend() === 'wasm';

/** nflows's degrees: sequential cycles through 1..D-1, random is uniform from the layer below's minimum. */
function hiddenDegrees(
  n: number,
  dim: number,
  kind: 'sequential' | 'random',
  below: number[],
  r: Rng,
): number[] {
  const period = Math.max(1, dim - 1);
  if (kind === 'sequential') return Array.from({ length: n }, (_, j) => (j % period) + Math.min(1, dim - 1));
  const low = Math.min(Math.min(...below), dim - 1);
  return Array.from({ length: n }, () => low + r.int(Math.max(low, dim - 1) - low + 1));
}

interface Layer {
  name: string;
  values: number[];
  nIn: number;
  nOut: number;
}

/** A MADE's masked layers: input, residual (hidden to itself), hidden to new hidden, output. */
function madeLayers(dim: number, hidden: number, multiplier: number, kind: 'sequential' | 'random'): Layer[] {
  const input = Array.from({ length: dim }, (_, i) => i + 1);
  const h1 = hiddenDegrees(hidden, dim, kind, input, rng);
  const h2 = hiddenDegrees(hidden, dim, kind, h1, rng);
  const output = Array.from({ length: dim * multiplier }, (_, j) => Math.floor(j / multiplier) + 1);
  const layer = (name: string, a: number[], b: number[], strict: boolean): Layer => ({
    name: `D=${dim} ${kind} ${name}`,
    values: madeMask(a, b, strict),
    nIn: a.length,
    nOut: b.length,
  });
  return [
    layer('input', input, h1, false),
    layer('residual', h1, h1, false),
    layer('hidden', h1, h2, false),
    layer('output', h2, output, true),
  ];
}

/** The dense masked map and its gradients for dy, in float64. */
function reference(
  x: Float32Array,
  w: Float32Array,
  b: Float32Array,
  mask: number[],
  dy: Float32Array,
  m: number,
  k: number,
  n: number,
  relu: boolean,
) {
  const wm = Float64Array.from(w, (v, i) => v * mask[i]!);
  const y = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = b[j]!;
      for (let p = 0; p < k; p++) s += x[i * k + p]! * wm[p * n + j]!;
      y[i * n + j] = relu ? Math.max(s, 0) : s;
    }
  }
  const dz = Float64Array.from(dy, (v, i) => (relu && !(y[i]! > 0) ? 0 : v));
  const dx = new Float64Array(m * k);
  const dw = new Float64Array(k * n);
  const db = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const g = dz[i * n + j]!;
      db[j] = db[j]! + g;
      for (let p = 0; p < k; p++) {
        dx[i * k + p] = dx[i * k + p]! + g * wm[p * n + j]!;
        dw[p * n + j] = dw[p * n + j]! + x[i * k + p]! * g * mask[p * n + j]!;
      }
    }
  }
  return { y, dx, dw, db };
}

/** Largest |got - want| over the largest |want| (at least 1): float32 sums stray by ~1e-7 of that. */
function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  let scale = 1;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return worst / scale;
}

/** The op's output and its three gradients for the loss sum(y * dy). */
function run(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  mask: AffineMask,
  dy: tf.Tensor2D,
  relu: boolean,
) {
  const act = relu ? 'relu' : undefined;
  const y = maskedAffineOp(x, w, b, mask, act);
  const grads = tf.grads((xv: tf.Tensor, wv: tf.Tensor, bv: tf.Tensor) =>
    tf.sum(tf.mul(maskedAffineOp(xv as tf.Tensor2D, wv, bv, mask, act), dy)),
  )([x, w, b]);
  const out = [y, ...grads].map((t) => t.dataSync().slice());
  tf.dispose([y, ...grads]);
  return { y: out[0]!, dx: out[1]!, dw: out[2]!, db: out[3]! };
}

describe('maskedAffineOp (DiffeoMaskedAffine on wasm, op by op elsewhere)', () => {
  const layers = [2, 5, 64].flatMap((dim) =>
    (['sequential', 'random'] as const).flatMap((kind) => madeLayers(dim, dim === 64 ? 75 : 13, 3, kind)),
  );

  it('equals the dense masked map and its three gradients for real MADE masks, odd sizes, without leaks', () => {
    for (const layer of layers) {
      const { nIn: k, nOut: n, values } = layer;
      // 301 rows: a taller x, 75 blocks of four rows and one row left.
      for (const [m, relu] of [
        [7, true],
        [33, false],
        [301, true],
      ] as const) {
        const mask = new AffineMask(values, k, n);
        const xs = Float32Array.from(rng.normalArray(m * k));
        // Weights not pre-masked: the op must apply the mask itself.
        const ws = Float32Array.from(rng.normalArray(k * n));
        const bs = Float32Array.from(rng.normalArray(n));
        const dys = Float32Array.from(rng.normalArray(m * n));
        const [x, w, b, dy] = [
          tf.tensor2d(xs, [m, k]),
          tf.tensor2d(ws, [k, n]),
          tf.tensor1d(bs),
          tf.tensor2d(dys, [m, n]),
        ];
        const before = tf.memory().numTensors;
        const got = run(x, w, b, mask, dy, relu);
        expect(tf.memory().numTensors, layer.name).toBe(before);
        const want = reference(xs, ws, bs, values, dys, m, k, n, relu);
        const label = `${layer.name} ${m}x${k}x${n} relu=${relu}`;
        expect(relError(got.y, want.y), `${label}: y`).toBeLessThan(1e-5);
        expect(relError(got.dx, want.dx), `${label}: dx`).toBeLessThan(1e-5);
        expect(relError(got.dw, want.dw), `${label}: dW`).toBeLessThan(1e-5);
        expect(relError(got.db, want.db), `${label}: db`).toBeLessThan(1e-5);
        // Masked-out weights get exactly no gradient.
        values.forEach((v, i) => {
          if (v === 0) expect(Math.abs(got.dw[i]!), label).toBe(0);
        });
        tf.dispose([x, w, b, dy]);
        mask.dispose();
      }
    }
  });

  it('runs as one kernel and one gradient kernel on wasm', async () => {
    const layer = layers.find((l) => l.name === 'D=64 sequential residual')!;
    const mask = new AffineMask(layer.values, layer.nIn, layer.nOut);
    const x = tf.randomNormal([9, layer.nIn]) as tf.Tensor2D;
    const w = tf.randomNormal([layer.nIn, layer.nOut]);
    const b = tf.zeros([layer.nOut]);
    const info = await tf.profile(() =>
      tf.grads((wv: tf.Tensor) => tf.sum(maskedAffineOp(x, wv, b, mask, 'relu')))([w]),
    );
    const names = info.kernelNames;
    expect(names.includes(MASKED_AFFINE_KERNEL)).toBe(onWasm);
    expect(names.includes(MASKED_AFFINE_GRAD_KERNEL)).toBe(onWasm);
    if (onWasm) expect(names.filter((name) => name === 'BatchMatMul' || name === '_FusedMatMul')).toEqual([]);
    tf.dispose([x, w, b, info.result as tf.Tensor[]]);
    mask.dispose();
  });

  it('gives NaN where the dense map does for an infinite masked-out weight or input', () => {
    const layer = layers.find((l) => l.name === 'D=5 sequential output')!;
    const { nIn: k, nOut: n, values } = layer;
    const m = 6;
    const hole = values.indexOf(0);
    const mask = new AffineMask(values, k, n);
    const cases = [
      {
        xs: rng.normalArray(m * k),
        ws: rng.normalArray(k * n).map((v, i) => (i === hole ? Number.POSITIVE_INFINITY : v)),
      },
      {
        xs: rng.normalArray(m * k).map((v, i) => (i === 2 ? Number.NEGATIVE_INFINITY : v)),
        ws: rng.normalArray(k * n),
      },
    ];
    for (const { xs, ws } of cases) {
      const [x, w, b] = [tf.tensor2d(xs, [m, k]), tf.tensor2d(ws, [k, n]), tf.zeros([n]) as tf.Tensor1D];
      const got = maskedAffineOp(x, w, b, mask);
      const want = tf.tidy(() => tf.add(tf.matMul(x, tf.mul(w, mask.mask) as tf.Tensor2D), b));
      const [g, h] = [Array.from(got.dataSync()), Array.from(want.dataSync())];
      expect(g.some(Number.isNaN)).toBe(true);
      expect(g.map(Number.isNaN)).toEqual(h.map(Number.isNaN));
      tf.dispose([x, w, b, got, want]);
    }
    mask.dispose();
  });

  it('gives the bias, and a zero input gradient, for a zero weight (an output layer at its start)', () => {
    const layer = layers.find((l) => l.name === 'D=64 sequential output')!;
    const { nIn: k, nOut: n, values } = layer;
    const mask = new AffineMask(values, k, n);
    const bs = rng.normalArray(n);
    const [x, w, b] = [tf.randomNormal([5, k]) as tf.Tensor2D, tf.zeros([k, n]), tf.tensor1d(bs)];
    const y = maskedAffineOp(x, w, b, mask);
    expect(Array.from(y.dataSync())).toEqual(
      Array.from({ length: 5 }, () => Array.from(Float32Array.from(bs))).flat(),
    );
    const dx = tf.grad((xv: tf.Tensor) => tf.sum(maskedAffineOp(xv as tf.Tensor2D, w, b, mask)))(x);
    expect(Array.from(dx.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([x, w, b, y, dx]);
    mask.dispose();
  });

  it("counts the kernel's multiply-adds from its block lists", () => {
    // A lower-triangular-by-blocks mask: output column j sees input rows 0..j.
    const size = 3 * MASK_BLOCK + 5;
    const values = Array.from({ length: size * size }, (_, i) => (Math.floor(i / size) <= i % size ? 1 : 0));
    const mask = new AffineMask(values, size, size);
    // Column block c lists the rows up to its last column.
    let forward = 0;
    for (let j = 0; j < size; j += MASK_BLOCK)
      forward += Math.min(size, j + MASK_BLOCK) * Math.min(MASK_BLOCK, size - j);
    expect(mask.multiplyAdds.forward).toBe(forward);
    // Each column block lists one run of rows, from row 0: starts, then (first, length) pairs.
    const blocks = Math.ceil(size / MASK_BLOCK);
    const rows = Array.from(mask.rows.dataSync());
    expect(rows.slice(blocks + 1)).toEqual(
      Array.from({ length: blocks }, (_, b) => [0, Math.min(size, (b + 1) * MASK_BLOCK)]).flat(),
    );
    expect(mask.multiplyAdds.dense).toBe(size * size);
    expect(mask.multiplyAdds.inputGradient).toBeLessThan(size * size);
    expect(() => new AffineMask([1, 0, 1], 2, 2)).toThrow(/expected 2 \* 2/);
    mask.dispose();
  });
});
