import { createRng } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Conditioner } from '../../nets/conditioner.js';

/**
 * `rows` random rows of width `dim`: most standard normal times `spread`, plus rows far out in the
 * tails (±`far`) and exactly at ±`edge`, so the checks cover the bulk, the edges and the tails.
 */
export function testInputs(rows: number, dim: number, seed: number, spread = 1.5, edge = 3, far = 7) {
  const rng = createRng(seed);
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < rows * dim; i++) data[i] = spread * rng.normal();
  const special = [far, -far, edge, -edge, 0.999 * edge, -1.001 * edge, far * 1.5, -far * 1.5];
  for (let r = 0; r < Math.min(special.length, rows); r++) {
    for (let j = 0; j < dim; j++) data[r * dim + j] = special[(r + j) % special.length]!;
  }
  return tf.tensor2d(data, [rows, dim]);
}

/** Overwrites the conditioner's last layer with uniform values in ±`scale` (moves it off zero). */
export function perturbOutput(net: Conditioner, seed: number, scale: number): void {
  const rng = createRng(seed);
  const { weight, bias } = net.outputLayer();
  tf.tidy(() => {
    weight.assign(tf.tensor(rng.uniformArray(weight.size, -scale, scale), weight.shape));
    bias.assign(tf.tensor(rng.uniformArray(bias.size, -scale, scale), bias.shape));
  });
}

/** Column `j` of a `[batch, dim]` tensor as a plain array. */
export function column(t: tf.Tensor2D, j: number): number[] {
  const [rows, cols] = t.shape;
  const v = t.dataSync();
  return Array.from({ length: rows }, (_, i) => v[i * cols + j]!);
}

/** The largest absolute difference between two arrays. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}
