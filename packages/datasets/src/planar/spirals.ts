import { definePlugin, type JsonObject, parseConfig, type Rng } from '@diffeo/core';
import { z } from 'zod';
import { BaseDataset, drawLabels } from '../base.js';
import type { DataArrays } from '../types.js';

const schema = z.strictObject({
  noise: z.number().nonnegative().default(0.1),
});

/** What {@link Spirals} takes; every option has a default. */
export type SpiralsConfig = z.input<typeof schema>;

/**
 * Two interleaved spirals of the flows-for-flows paper (companion code `TwoSpiralsDataset`, from
 * the neural spline flows repository). With t = 3π √U (540 degrees of turn), arm 0 is
 * p = (-t cos t + a, t sin t + b) with a, b uniform on [0, 0.5], arm 1 is -p, and a point is
 * p / 3 + `noise` · N(0, I) with noise 0.1, so the arms reach a radius of about π. The arm is drawn
 * uniformly per point; labels are the arm (0 or 1).
 *
 * @example
 * ```ts
 * const { x, labels } = new Spirals().sample(1000, { seed: 0 });
 * ```
 */
export class Spirals extends BaseDataset {
  readonly type = 'spirals';
  readonly dim = 2;
  override readonly numClasses = 2;
  private readonly config: z.output<typeof schema>;

  constructor(config: SpiralsConfig = {}) {
    super();
    this.config = parseConfig("dataset 'spirals' config", schema, config);
  }

  protected draw(n: number, rng: Rng): DataArrays {
    const { noise } = this.config;
    const labels = drawLabels(n, 2, rng);
    const x = new Float32Array(2 * n);
    for (let r = 0; r < n; r++) {
      const t = 3 * Math.PI * Math.sqrt(rng.uniform());
      const sign = labels[r] === 0 ? 1 : -1;
      const px = -Math.cos(t) * t + 0.5 * rng.uniform();
      const py = Math.sin(t) * t + 0.5 * rng.uniform();
      x[2 * r] = (sign * px) / 3 + noise * rng.normal();
      x[2 * r + 1] = (sign * py) / 3 + noise * rng.normal();
    }
    return { x, n, dim: 2, labels };
  }

  getConfig(): JsonObject {
    return { ...this.config };
  }
}

/** The `dataset` plugin of {@link Spirals}: `create({ kind: 'dataset', type, config })` builds one. */
export const spiralsPlugin = definePlugin({
  kind: 'dataset',
  type: 'spirals',
  description: 'Flows-for-flows two spirals, scaled by 1/3, noise 0.1; labels are the arm',
  schema,
  create: (config) => new Spirals(config),
});
