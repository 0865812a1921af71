import type { Distribution } from '@diffeo/core';
import { type DataArrays, toTensors } from '@diffeo/datasets';
import * as tf from '@tensorflow/tfjs-core';
import type { Extent, Grid } from '../protocol.js';

/**
 * The box the plots cover: the data's range in its first two columns, with a margin. With `trim`,
 * the range between the `trim` and `1 - trim` quantiles instead, so a few far outliers (heavy-tailed
 * data) do not shrink the bulk to a dot.
 */
export function extentOf(data: DataArrays, margin = 0.1, trim = 0): Extent {
  const lo = [Infinity, Infinity];
  const hi = [-Infinity, -Infinity];
  if (trim > 0) {
    for (let j = 0; j < 2; j++) {
      const column = Float64Array.from({ length: data.n }, (_, i) => data.x[i * data.dim + j]!).sort();
      const at = (q: number) => column[Math.min(data.n - 1, Math.max(0, Math.round(q * (data.n - 1))))]!;
      lo[j] = at(trim);
      hi[j] = at(1 - trim);
    }
  } else {
    for (let i = 0; i < data.n; i++) {
      for (let j = 0; j < 2; j++) {
        const v = data.x[i * data.dim + j]!;
        lo[j] = Math.min(lo[j]!, v);
        hi[j] = Math.max(hi[j]!, v);
      }
    }
  }
  const pad = (j: number) => margin * (hi[j]! - lo[j]! || 1);
  return [lo[0]! - pad(0), hi[0]! + pad(0), lo[1]! - pad(1), hi[1]! + pad(1)];
}

/** The centres of a `size` x `size` grid over `extent`, as a [size², 2] tensor (row-major from y0). */
export function gridPoints(extent: Extent, size: number): tf.Tensor2D {
  const [x0, x1, y0, y1] = extent;
  const points = new Float32Array(size * size * 2);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      points[2 * (r * size + c)] = x0 + ((c + 0.5) * (x1 - x0)) / size;
      points[2 * (r * size + c) + 1] = y0 + ((r + 0.5) * (y1 - y0)) / size;
    }
  }
  return tf.tensor2d(points, [size * size, 2]);
}

/** A 2-D model's density on a `size` x `size` grid over `extent` (non-finite values drawn as 0). */
export function densityGrid(model: Distribution, extent: Extent, size = 64): Grid {
  const values = tf.tidy(() => tf.exp(model.logProb(gridPoints(extent, size))).dataSync());
  return {
    values: Array.from(values, (v) => (Number.isFinite(v) ? v : 0)),
    columns: size,
    rows: size,
    extent,
  };
}

/** The rows of `data` as a [n, dim] tensor (`toTensors(data).x` would also make its labels and context, left undisposed). */
export function xTensor(data: DataArrays): tf.Tensor2D {
  return tf.tensor2d(data.x, [data.n, data.dim]);
}

/**
 * Mean negative log-likelihood of `data` (at its conditions, when it has them) under `model` (nats
 * per row): a flow, a mixture, any density.
 */
export function meanLoss(model: Pick<Distribution, 'logProb'>, data: DataArrays): number {
  return tf.tidy(() => {
    const { x, context } = toTensors(data);
    return -tf.mean(model.logProb(x, context)).dataSync()[0]!;
  });
}
