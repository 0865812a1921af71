import { createRng, parseConfig, ShapeError } from '@diffeo/core';
import { z } from 'zod';
import { checkArrays } from './tensors.js';
import type { DataArrays } from './types.js';

const fraction = z.number().min(0).max(1);

const optionsSchema = z
  .strictObject({
    train: fraction,
    validation: fraction,
    test: fraction,
    seed: z.number().int(),
  })
  .superRefine((o, ctx) => {
    const sum = o.train + o.validation + o.test;
    if (Math.abs(sum - 1) > 1e-9) {
      ctx.addIssue({
        code: 'custom',
        path: ['train'],
        message: `train + validation + test: expected 1, got ${o.train} + ${o.validation} + ${o.test} = ${sum}`,
      });
    }
  });

/** The options of {@link splitData}: the three fractions (summing to 1) and the seed. */
export type SplitOptions = z.input<typeof optionsSchema>;

/** The three parts of a split. */
export interface DataSplits {
  train: DataArrays;
  validation: DataArrays;
  test: DataArrays;
}

/**
 * Splits rows into train, validation and test sets at random (seeded), keeping each row's label
 * and context with it. The validation and test sizes are `round(n * fraction)`; train gets the
 * rest and must not be empty. A part with fraction 0 is empty (`n` 0). The same seed gives the
 * same split.
 *
 * @example
 * ```ts
 * const data = new Pinwheel().sample(2560, { seed: 0 });
 * const { train, validation, test } = splitData(data, { train: 0.8, validation: 0.1, test: 0.1, seed: 1 });
 * ```
 */
export function splitData(data: DataArrays, options: SplitOptions): DataSplits {
  checkArrays('splitData', data);
  const { validation, test, seed } = parseConfig('splitData options', optionsSchema, options);
  const nValidation = Math.round(data.n * validation);
  const nTest = Math.round(data.n * test);
  const nTrain = data.n - nValidation - nTest;
  if (nTrain < 1) {
    throw new ShapeError(
      `splitData: train: ${data.n} rows leave ${nTrain} for training after ${nValidation} validation and ${nTest} test rows`,
    );
  }
  const order = createRng(seed).permutation(data.n);
  return {
    train: selectRows(data, order.subarray(0, nTrain)),
    validation: selectRows(data, order.subarray(nTrain, nTrain + nValidation)),
    test: selectRows(data, order.subarray(nTrain + nValidation)),
  };
}

/**
 * The rows `indices` of `data` (in that order), with their labels and context.
 *
 * @example
 * ```ts
 * const firstTen = selectRows(data, Int32Array.from({ length: 10 }, (_, i) => i));
 * ```
 */
export function selectRows(data: DataArrays, indices: ArrayLike<number>): DataArrays {
  checkArrays('selectRows', data);
  const { dim } = data;
  const n = indices.length;
  const x = new Float32Array(n * dim);
  const labels = data.labels === undefined ? undefined : new Int32Array(n);
  const c = data.contextDim ?? 0;
  const context = data.context === undefined ? undefined : new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    const r = indices[i]!;
    if (!Number.isInteger(r) || r < 0 || r >= data.n) {
      throw new ShapeError(`selectRows: indices[${i}]: expected a row in [0, ${data.n}), got ${r}`);
    }
    x.set(data.x.subarray(r * dim, (r + 1) * dim), i * dim);
    if (labels !== undefined) labels[i] = data.labels![r]!;
    if (context !== undefined) context.set(data.context!.subarray(r * c, (r + 1) * c), i * c);
  }
  const out: DataArrays = { x, n, dim };
  if (labels !== undefined) out.labels = labels;
  if (context !== undefined) {
    out.context = context;
    out.contextDim = c;
  }
  return out;
}
