import {
  assertSampleCount,
  ConfigError,
  type JsonObject,
  parseConfig,
  type Rng,
  ShapeError,
  seedSchema,
  toRng,
} from '@diffeo/core';
import { z } from 'zod';
import type { DataArrays, Dataset } from './types.js';

const rngSchema = z.custom<Rng>(
  (v) => typeof v === 'object' && v !== null && typeof (v as Rng).uniform === 'function',
  'expected an Rng from createRng',
);

const sampleOptionsSchema = z.strictObject({
  /** A non-negative integer (a fresh `createRng(seed)`) or an `Rng` that the call advances. */
  seed: z.union([seedSchema, rngSchema]),
});

/** The options of `Dataset.sample`. */
export type DatasetSampleOptions = z.input<typeof sampleOptionsSchema>;

/**
 * The shared part of every data set: it checks `n` and the seed, then hands a random source to
 * `draw`. A subclass sets `type`, `dim` and `numClasses` and writes `draw` and `getConfig`.
 *
 * @example
 * ```ts
 * class Segment extends BaseDataset {
 *   readonly type = 'segment';
 *   readonly dim = 1;
 *   protected draw(n: number, rng: Rng): DataArrays {
 *     return { x: rng.uniformArray(n), n, dim: 1 };
 *   }
 *   getConfig() { return {}; }
 * }
 * new Segment().sample(100, { seed: 0 });
 * ```
 */
export abstract class BaseDataset implements Dataset {
  readonly kind = 'dataset' as const;
  abstract readonly type: string;
  abstract readonly dim: number;
  readonly contextDim: number = 0;
  readonly numClasses: number = 0;
  readonly size: number = Number.POSITIVE_INFINITY;

  sample(n: number, options: DatasetSampleOptions, ...extra: never[]): DataArrays {
    const where = `${this.type}.sample`;
    if (extra.length > 0 || typeof options !== 'object' || options === null || 'uniform' in options) {
      throw new ConfigError(
        `${where}: expected sample(n, { seed }), got ${String(options)} as the second argument (the form before 0.2)`,
      );
    }
    const { seed } = parseConfig(`${where} options`, sampleOptionsSchema, options);
    assertSampleCount(`${where}: n`, n, this.dim);
    if (n > this.size) {
      throw new ShapeError(`${where}: n: this data set has ${this.size} rows, ${n} were asked for`);
    }
    return this.draw(n, toRng(seed));
  }

  protected abstract draw(n: number, rng: Rng): DataArrays;

  abstract getConfig(): JsonObject;
}

/** Draws `n` class indices uniformly from `[0, k)`: mixture components are sampled i.i.d. */
export function drawLabels(n: number, k: number, rng: Rng): Int32Array {
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = rng.int(k);
  return labels;
}
