import { Checkerboard, toTensors } from '@diffeo/datasets';
import type * as tf from '@tensorflow/tfjs-core';

/** Ideal NLL on the checkerboard: uniform on 8 squares of area 4, so -log(1/32) = ln 32 nats. */
export const CHECKERBOARD_IDEAL_NLL = Math.log(32);

/** `n` checkerboard points as a `[n, 2]` tensor the caller disposes. */
export function checkerboard(n: number, seed: number): tf.Tensor2D {
  return toTensors(new Checkerboard().sample(n, { seed })).x;
}
