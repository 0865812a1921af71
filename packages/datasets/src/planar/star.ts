import { definePlugin, type JsonObject, parseConfig, type Rng } from '@diffeo/core';
import { z } from 'zod';
import { BaseDataset, drawLabels } from '../base.js';
import type { DataArrays } from '../types.js';

const starSchema = z.strictObject({
  bars: z.number().int().min(1).default(4),
  noise: z.number().nonnegative().default(0.1),
});

/** What {@link Star} takes; every option has a default. */
export type StarConfig = z.input<typeof starSchema>;

const eightStarSchema = z.strictObject({
  noise: z.number().nonnegative().default(0.1),
});

/** What {@link EightStar} takes; every option has a default. */
export type EightStarConfig = z.input<typeof eightStarSchema>;

/**
 * The star of the flows-for-flows paper (companion code `Star`): `bars` bars (default 4) radiating
 * from the origin. A point on bar k is R(2πk / bars) (s + e1, e2) with s uniform on [0.6, 2.6]
 * (the companion code's 2 (U + 0.3)) and e1, e2 ~ N(0, noise²), noise 0.1; R(φ) rotates
 * counter-clockwise. The bar is drawn uniformly per point; labels are the bar index.
 * {@link EightStar} is the same with 8 bars.
 *
 * @example
 * ```ts
 * const { x, labels } = new Star().sample(1000, { seed: 0 });           // 4 bars, along the axes
 * const six = new Star({ bars: 6 }).sample(1000, { seed: 0 });
 * ```
 */
export class Star extends BaseDataset {
  readonly type: string = 'star';
  readonly dim = 2;
  override readonly numClasses: number;
  protected readonly bars: number;
  protected readonly noise: number;

  constructor(config: StarConfig = {}) {
    super();
    const { bars, noise } = parseConfig("dataset 'star' config", starSchema, config);
    this.bars = bars;
    this.noise = noise;
    this.numClasses = bars;
  }

  protected draw(n: number, rng: Rng): DataArrays {
    const labels = drawLabels(n, this.bars, rng);
    const x = new Float32Array(2 * n);
    for (let r = 0; r < n; r++) {
      const phi = (2 * Math.PI * labels[r]!) / this.bars;
      const along = 2 * (rng.uniform() + 0.3) + this.noise * rng.normal();
      const across = this.noise * rng.normal();
      const c = Math.cos(phi);
      const s = Math.sin(phi);
      x[2 * r] = c * along - s * across;
      x[2 * r + 1] = s * along + c * across;
    }
    return { x, n, dim: 2, labels };
  }

  getConfig(): JsonObject {
    return { bars: this.bars, noise: this.noise };
  }
}

/**
 * The eight star of the flows-for-flows paper: a {@link Star} with 8 bars (from 0.6 to 2.6, noise
 * 0.1, at angles 2πk/8). Labels are the bar index 0..7.
 *
 * @example
 * ```ts
 * const { x, labels } = new EightStar().sample(1000, { seed: 0 });
 * ```
 */
export class EightStar extends Star {
  override readonly type: string = 'eight-star';

  constructor(config: EightStarConfig = {}) {
    const { noise } = parseConfig("dataset 'eight-star' config", eightStarSchema, config);
    super({ bars: 8, noise });
  }

  override getConfig(): JsonObject {
    return { noise: this.noise };
  }
}

/** The `dataset` plugin of {@link Star}: `create({ kind: 'dataset', type, config })` builds one. */
export const starPlugin = definePlugin({
  kind: 'dataset',
  type: 'star',
  description: 'Flows-for-flows star: 4 bars from 0.6 to 2.6, noise 0.1, at angles 2πk/4; labels',
  schema: starSchema,
  create: (config) => new Star(config),
});

/** The `dataset` plugin of {@link EightStar}: `create({ kind: 'dataset', type, config })` builds one. */
export const eightStarPlugin = definePlugin({
  kind: 'dataset',
  type: 'eight-star',
  description: 'Flows-for-flows eight star: 8 bars from 0.6 to 2.6, noise 0.1; labels',
  schema: eightStarSchema,
  create: (config) => new EightStar(config),
});
