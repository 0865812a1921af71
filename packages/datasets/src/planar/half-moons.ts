import { definePlugin, type JsonObject, parseConfig, type Rng } from '@diffeo/core';
import { z } from 'zod';
import { BaseDataset, drawLabels } from '../base.js';
import type { DataArrays } from '../types.js';

const schema = z.strictObject({
  noise: z.number().nonnegative().default(0.1),
});

/** What {@link HalfMoons} takes; every option has a default. */
export type HalfMoonsConfig = z.input<typeof schema>;

/**
 * Two interleaving half-moons, the second data set of the marginalizing-flows thesis, defined as
 * scikit-learn's `make_moons`: moon 0 is (cos t, sin t), moon 1 is (1 - cos t, 0.5 - sin t), t
 * uniform on [0, π], plus `noise` · N(0, I) (default 0.1). `make_moons` spaces t evenly; here t
 * and the moon are drawn per point, which has the same distribution and makes every prefix of a
 * sample a valid sample. Labels are the moon (0 upper, 1 lower).
 *
 * @example
 * ```ts
 * const { x, labels } = new HalfMoons({ noise: 0.05 }).sample(2048, { seed: 0 });
 * ```
 */
export class HalfMoons extends BaseDataset {
  readonly type = 'half-moons';
  readonly dim = 2;
  override readonly numClasses = 2;
  private readonly config: z.output<typeof schema>;

  constructor(config: HalfMoonsConfig = {}) {
    super();
    this.config = parseConfig("dataset 'half-moons' config", schema, config);
  }

  protected draw(n: number, rng: Rng): DataArrays {
    const { noise } = this.config;
    const labels = drawLabels(n, 2, rng);
    const x = new Float32Array(2 * n);
    for (let r = 0; r < n; r++) {
      const t = Math.PI * rng.uniform();
      const upper = labels[r] === 0;
      const px = upper ? Math.cos(t) : 1 - Math.cos(t);
      const py = upper ? Math.sin(t) : 0.5 - Math.sin(t);
      x[2 * r] = px + noise * rng.normal();
      x[2 * r + 1] = py + noise * rng.normal();
    }
    return { x, n, dim: 2, labels };
  }

  getConfig(): JsonObject {
    return { ...this.config };
  }
}

/** The `dataset` plugin of {@link HalfMoons}: `create({ kind: 'dataset', type, config })` builds one. */
export const halfMoonsPlugin = definePlugin({
  kind: 'dataset',
  type: 'half-moons',
  description: 'Half-moons (scikit-learn make_moons) with a noise parameter; labels are the moon',
  schema,
  create: (config) => new HalfMoons(config),
});
