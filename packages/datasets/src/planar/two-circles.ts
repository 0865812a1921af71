import { definePlugin, type JsonObject, parseConfig, type Rng } from '@diffeo/core';
import { z } from 'zod';
import { BaseDataset, drawLabels } from '../base.js';
import type { DataArrays } from '../types.js';

const schema = z.strictObject({
  factor: z.number().positive().lt(1).default(0.5),
  noise: z.number().nonnegative().default(0.05),
});

/** What {@link TwoCircles} takes; every option has a default. */
export type TwoCirclesConfig = z.input<typeof schema>;

/**
 * Two concentric circles, the second toy set of the variational-mixture-of-flows paper, defined
 * as scikit-learn's `make_circles`: circle 0 has radius 1, circle 1 radius `factor` (default 0.5),
 * both centred at the origin; a point is r (cos θ, sin θ) + `noise` · N(0, I) with θ uniform and
 * noise 0.05. The circle is drawn uniformly per point; labels are the circle (0 outer, 1 inner).
 *
 * @example
 * ```ts
 * const { x, labels } = new TwoCircles().sample(1024, { seed: 0 });
 * ```
 */
export class TwoCircles extends BaseDataset {
  readonly type = 'two-circles';
  readonly dim = 2;
  override readonly numClasses = 2;
  private readonly config: z.output<typeof schema>;

  constructor(config: TwoCirclesConfig = {}) {
    super();
    this.config = parseConfig("dataset 'two-circles' config", schema, config);
  }

  protected draw(n: number, rng: Rng): DataArrays {
    const { factor, noise } = this.config;
    const labels = drawLabels(n, 2, rng);
    const x = new Float32Array(2 * n);
    for (let r = 0; r < n; r++) {
      const radius = labels[r] === 0 ? 1 : factor;
      const theta = 2 * Math.PI * rng.uniform();
      x[2 * r] = radius * Math.cos(theta) + noise * rng.normal();
      x[2 * r + 1] = radius * Math.sin(theta) + noise * rng.normal();
    }
    return { x, n, dim: 2, labels };
  }

  getConfig(): JsonObject {
    return { ...this.config };
  }
}

/** The `dataset` plugin of {@link TwoCircles}: `create({ kind: 'dataset', type, config })` builds one. */
export const twoCirclesPlugin = definePlugin({
  kind: 'dataset',
  type: 'two-circles',
  description: 'Mixture-of-flows two concentric circles (radii 1 and 0.5, noise 0.05); labels',
  schema,
  create: (config) => new TwoCircles(config),
});
