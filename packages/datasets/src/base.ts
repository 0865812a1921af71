import {
  assertSampleCount,
  ConfigError,
  createRng,
  describeIssues,
  type JsonObject,
  type Rng,
  ShapeError,
} from '@diffeo/core';
import type { z } from 'zod';
import type { DataArrays, Dataset } from './types.js';

/**
 * Validates a data set's config against its schema and fills the defaults, so that a class built
 * directly (`new Ring({ radius: 3 })`) checks its config exactly like `registry.create` does.
 */
export function parseDatasetConfig<S extends z.ZodType>(
  type: string,
  schema: S,
  config: unknown,
): z.output<S> {
  const parsed = schema.safeParse(config ?? {});
  if (!parsed.success) throw new ConfigError(describeIssues(`dataset '${type}' config`, parsed.error));
  return parsed.data;
}

/** Resolves the `seed` argument of `sample`: an integer seed or a random source to advance. */
export function rngOf(where: string, seed: number | Rng): Rng {
  if (typeof seed === 'number') {
    if (!Number.isInteger(seed)) throw new ConfigError(`${where}: seed: expected an integer, got ${seed}`);
    return createRng(seed);
  }
  if (seed === null || typeof seed !== 'object' || typeof seed.uniform !== 'function') {
    throw new ConfigError(
      `${where}: seed: expected an integer or an Rng from createRng, got ${String(seed)}`,
    );
  }
  return seed;
}

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
 * ```
 */
export abstract class BaseDataset implements Dataset {
  readonly kind = 'dataset' as const;
  abstract readonly type: string;
  abstract readonly dim: number;
  readonly contextDim: number = 0;
  readonly numClasses: number = 0;
  readonly size: number = Number.POSITIVE_INFINITY;

  sample(n: number, seed: number | Rng): DataArrays {
    const where = `${this.type}.sample`;
    assertSampleCount(`${where}: n`, n, this.dim);
    if (n > this.size) {
      throw new ShapeError(`${where}: n: this data set has ${this.size} rows, ${n} were asked for`);
    }
    return this.draw(n, rngOf(where, seed));
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
