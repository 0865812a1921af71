import { ShapeError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import type { DataArrays } from './types.js';

/** What {@link toTensors} returns: a `Batch` for `fit`, plus the labels when there are some. */
export interface DataTensors {
  /** `[n, dim]` float32. */
  x: tf.Tensor2D;
  /** `[n, contextDim]` float32, when the data has a context. */
  context?: tf.Tensor2D;
  /** `[n]` int32, when the data has labels. */
  labels?: tf.Tensor1D;
}

/**
 * Turns {@link DataArrays} into tensors: `x` `[n, dim]`, `context` `[n, contextDim]` and `labels`
 * `[n]` (int32) when present. The result can be passed to `fit` from `@diffeo/core` as a batch;
 * the caller owns the tensors and disposes them.
 *
 * @example
 * ```ts
 * const { x, context } = toTensors(new ConditionalDataset({ base: 'ring', transform: 'scale' }).sample(512, { seed: 0 }));
 * flow.logProb(x, context);
 * ```
 */
export function toTensors(data: DataArrays): DataTensors {
  checkArrays('toTensors', data);
  const out: DataTensors = { x: tf.tensor2d(data.x, [data.n, data.dim], 'float32') };
  if (data.context !== undefined) {
    out.context = tf.tensor2d(data.context, [data.n, data.contextDim!], 'float32');
  }
  if (data.labels !== undefined) out.labels = tf.tensor1d(data.labels, 'int32');
  return out;
}

/** Checks that the arrays of `data` agree with `n`, `dim` and `contextDim`. */
export function checkArrays(where: string, data: DataArrays): void {
  const { n, dim } = data;
  if (!Number.isInteger(n) || n < 0) throw new ShapeError(`${where}: data.n: expected a row count, got ${n}`);
  if (!Number.isInteger(dim) || dim <= 0) {
    throw new ShapeError(`${where}: data.dim: expected a positive integer, got ${dim}`);
  }
  if (!(data.x instanceof Float32Array) || data.x.length !== n * dim) {
    throw new ShapeError(
      `${where}: data.x: expected a Float32Array of n * dim = ${n * dim} values, got ${describe(data.x)}`,
    );
  }
  if (data.labels !== undefined && data.labels.length !== n) {
    throw new ShapeError(
      `${where}: data.labels: expected ${n} labels (one per row), got ${data.labels.length}`,
    );
  }
  if ((data.context === undefined) !== (data.contextDim === undefined)) {
    throw new ShapeError(`${where}: data.context and data.contextDim: expected both or neither`);
  }
  if (data.context !== undefined) {
    const c = data.contextDim!;
    if (!Number.isInteger(c) || c <= 0 || data.context.length !== n * c) {
      throw new ShapeError(
        `${where}: data.context: expected n * contextDim = ${n} * ${c} values, got ${data.context.length}`,
      );
    }
  }
}

function describe(v: unknown): string {
  if (v instanceof Float32Array) return `a Float32Array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return typeof v;
}
