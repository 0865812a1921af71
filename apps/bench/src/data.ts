import { Checkerboard, type DataArrays } from '@diffeo/datasets';
import * as tf from '@tensorflow/tfjs-core';

/** Ideal NLL on the checkerboard: uniform on 8 squares of area 4, so -log(1/32) = ln 32 nats. */
export const CHECKERBOARD_IDEAL_NLL = Math.log(32);

/**
 * The seeds of the data every workload draws, shared with the PyTorch peer so that both sides
 * measure on the same rows: the training batch, the logProb points, and time-to-quality's training
 * and held-out sets.
 */
export const DATA_SEEDS = { trainBatch: 1, logProb: 3, ttqTrain: 11, ttqTest: 12 } as const;

/** `n` checkerboard points as plain arrays (`[n, 2]` row-major). */
export function checkerboardArrays(n: number, seed: number): DataArrays {
  return new Checkerboard().sample(n, { seed });
}

/** The rows of data arrays as a `[n, dim]` tensor the caller disposes (labels and context left out). */
export function tensorOf(data: DataArrays): tf.Tensor2D {
  return tf.tensor2d(data.x, [data.n, data.dim], 'float32');
}

/** `n` checkerboard points as a `[n, 2]` tensor the caller disposes. */
export function checkerboard(n: number, seed: number): tf.Tensor2D {
  return tensorOf(checkerboardArrays(n, seed));
}
