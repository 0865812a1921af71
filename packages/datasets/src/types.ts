import type { JsonObject, Rng } from '@diffeo/core';

/**
 * Data as plain typed arrays: what every generator, loader and split returns. Rows are events;
 * `x` holds `n` rows of `dim` values, row-major (`x[i * dim + j]` is column `j` of row `i`).
 * `labels` (one class per row) and `context` (`n` rows of `contextDim` values, the condition of a
 * conditional data set) are present only when the data has them. Turn it into tensors with
 * {@link toTensors}.
 *
 * @example
 * ```ts
 * const data: DataArrays = { x: new Float32Array([0, 1, 2, 3]), n: 2, dim: 2 };
 * data.x[1 * data.dim + 0]; // row 1, column 0: 2
 * ```
 */
export interface DataArrays {
  /** `n * dim` values, row-major. */
  x: Float32Array;
  n: number;
  dim: number;
  /** One non-negative integer class per row. */
  labels?: Int32Array;
  /** `n * contextDim` condition values, row-major. */
  context?: Float32Array;
  /** Columns of `context`; present exactly when `context` is. */
  contextDim?: number;
}

/**
 * A data set you can draw rows from, built from a JSON config and registered as a plugin of kind
 * `'dataset'`. `sample(n, { seed })` returns `n` rows; the same seed gives the same rows, on every
 * platform (the randomness is `createRng` from `@diffeo/core`, never a backend). Synthetic
 * generators have `size` Infinity; a finite data set (the digits) has `size` rows and `sample`
 * returns `n <= size` distinct rows in a seeded random order.
 *
 * @example
 * ```ts
 * import { create } from '@diffeo/core';
 * import '@diffeo/datasets';
 * const rings = create<Dataset>({ kind: 'dataset', type: 'concentric-rings' });
 * const { x, labels } = rings.sample(1000, { seed: 42 });
 * ```
 */
export interface Dataset {
  readonly kind: 'dataset';
  readonly type: string;
  /** Columns of `x`. */
  readonly dim: number;
  /** Columns of `context`: 0 for an unconditional data set. */
  readonly contextDim: number;
  /** Labels lie in `[0, numClasses)`; 0 when the data set has no labels. */
  readonly numClasses: number;
  /** Rows available: Infinity for a generator. */
  readonly size: number;
  /** The config with every default filled; `registry.create` of it builds an equal data set. */
  getConfig(): JsonObject;
  /**
   * Draws `n` rows. `seed` is a non-negative integer (a fresh `createRng(seed)`) or an {@link Rng}
   * that the call advances. There is deliberately no default: two calls without seeds would
   * silently give either the same rows or unreproducible ones.
   */
  sample(n: number, options: { seed: number | Rng }): DataArrays;
}
