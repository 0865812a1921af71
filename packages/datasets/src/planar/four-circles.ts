import { definePlugin, type JsonObject, parseConfig, type Rng } from '@diffeo/core';
import { z } from 'zod';
import { BaseDataset, drawLabels } from '../base.js';
import type { DataArrays } from '../types.js';

const schema = z.strictObject({
  radius: z.number().positive().default(2),
  noise: z.number().nonnegative().default(0.1),
});

/** What {@link FourCircles} takes; every option has a default. */
export type FourCirclesConfig = z.input<typeof schema>;

/** The circle centres, in label order: counter-clockwise from the first quadrant. */
export const FOUR_CIRCLE_CENTRES: readonly (readonly [number, number])[] = [
  [1, 1],
  [-1, 1],
  [-1, -1],
  [1, -1],
];

/**
 * Four overlapping circles of the flows-for-flows paper (companion code `FourCircles`): circle k
 * has centre {@link FOUR_CIRCLE_CENTRES}[k] (the points (±1, ±1)) and radius `radius` (default 2);
 * a point is centre + radius (cos θ, sin θ) + `noise` · N(0, I) with θ uniform and noise 0.1.
 * The circle is drawn uniformly per point (the companion code stacks equal blocks); labels are
 * the circle index 0..3.
 *
 * @example
 * ```ts
 * const { x, labels } = new FourCircles().sample(1000, { seed: 0 });
 * ```
 */
export class FourCircles extends BaseDataset {
  readonly type = 'four-circles';
  readonly dim = 2;
  override readonly numClasses = 4;
  private readonly config: z.output<typeof schema>;

  constructor(config: FourCirclesConfig = {}) {
    super();
    this.config = parseConfig("dataset 'four-circles' config", schema, config);
  }

  protected draw(n: number, rng: Rng): DataArrays {
    const { radius, noise } = this.config;
    const labels = drawLabels(n, 4, rng);
    const x = new Float32Array(2 * n);
    for (let r = 0; r < n; r++) {
      const [cx, cy] = FOUR_CIRCLE_CENTRES[labels[r]!]!;
      const theta = 2 * Math.PI * rng.uniform();
      x[2 * r] = cx + radius * Math.cos(theta) + noise * rng.normal();
      x[2 * r + 1] = cy + radius * Math.sin(theta) + noise * rng.normal();
    }
    return { x, n, dim: 2, labels };
  }

  getConfig(): JsonObject {
    return { ...this.config };
  }
}

/** The `dataset` plugin of {@link FourCircles}: `create({ kind: 'dataset', type, config })` builds one. */
export const fourCirclesPlugin = definePlugin({
  kind: 'dataset',
  type: 'four-circles',
  description: 'Flows-for-flows four circles: radius 2, noise 0.1, centred at (±1, ±1); labels 0..3',
  schema,
  create: (config) => new FourCircles(config),
});
