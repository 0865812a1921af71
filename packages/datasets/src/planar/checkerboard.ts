import { definePlugin, type JsonObject, parseConfig, type Rng } from '@diffeo/core';
import { z } from 'zod';
import { BaseDataset } from '../base.js';
import type { DataArrays } from '../types.js';

const schema = z.strictObject({});

/** What {@link Checkerboard} takes: no options (an empty object). */
export type CheckerboardConfig = z.input<typeof schema>;

/**
 * The 2-D checkerboard of the flows-for-flows paper (Klein, Raine, Golling 2022; the companion
 * code `ffflows/data/plane.py`, itself from the neural spline flows repository): uniform on the 8
 * "black" squares of side 2 of a 4 x 4 board covering [-4, 4]^2. Square (i, j) =
 * [2i, 2i + 2) x [2j, 2j + 2), i, j in {-2, ..., 1}, is black when i + j is even. No labels, no
 * config.
 *
 * @example
 * ```ts
 * const { x } = new Checkerboard().sample(1000, { seed: 0 }); // 1000 x 2, every point on a black square
 * ```
 */
export class Checkerboard extends BaseDataset {
  readonly type = 'checkerboard';
  readonly dim = 2;

  constructor(config: CheckerboardConfig = {}) {
    super();
    parseConfig("dataset 'checkerboard' config", schema, config);
  }

  protected draw(n: number, rng: Rng): DataArrays {
    const x = new Float32Array(2 * n);
    for (let r = 0; r < n; r++) {
      // The companion code's construction: a uniform column, then a row band of the right parity.
      const x1 = 4 * rng.uniform() - 2;
      const parity = Math.floor(x1) & 1;
      const x2 = rng.uniform() - 2 * rng.int(2) + parity;
      x[2 * r] = 2 * x1;
      x[2 * r + 1] = 2 * x2;
    }
    return { x, n, dim: 2 };
  }

  getConfig(): JsonObject {
    return {};
  }
}

/** The `dataset` plugin of {@link Checkerboard}: `create({ kind: 'dataset', type, config })` builds one. */
export const checkerboardPlugin = definePlugin({
  kind: 'dataset',
  type: 'checkerboard',
  description: 'Flows-for-flows checkerboard: uniform on the 8 black squares of [-4, 4]^2',
  schema,
  create: (config) => new Checkerboard(config),
});
