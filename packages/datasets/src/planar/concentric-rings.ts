import { definePlugin, type JsonObject, parseConfig, type Rng } from '@diffeo/core';
import { z } from 'zod';
import { BaseDataset, drawLabels } from '../base.js';
import type { DataArrays } from '../types.js';

const schema = z.strictObject({
  radii: z.array(z.number().positive()).min(1).default([0.8, 1.6, 2.4, 3.2]),
  relativeNoise: z.number().nonnegative().default(0.05),
});

/** What {@link ConcentricRings} takes; every option has a default. */
export type ConcentricRingsConfig = z.input<typeof schema>;

/**
 * Concentric rings of the flows-for-flows paper (companion code `ConcentricRings`): rings centred
 * at the origin with radii 0.8, 1.6, 2.4, 3.2; a point on ring k is r_k (cos θ, sin θ) +
 * `relativeNoise` · r_k · N(0, I), θ uniform. The noise grows with the radius (0.04, 0.08, 0.12,
 * 0.16 by default) because the companion code scales a noisy radius-2 circle. The ring is drawn
 * uniformly per point; labels are the ring index.
 *
 * @example
 * ```ts
 * const { x, labels } = new ConcentricRings().sample(1000, { seed: 0 }); // labels 0..3, inner ring first
 * ```
 */
export class ConcentricRings extends BaseDataset {
  readonly type = 'concentric-rings';
  readonly dim = 2;
  override readonly numClasses: number;
  private readonly config: z.output<typeof schema>;

  constructor(config: ConcentricRingsConfig = {}) {
    super();
    this.config = parseConfig("dataset 'concentric-rings' config", schema, config);
    this.numClasses = this.config.radii.length;
  }

  protected draw(n: number, rng: Rng): DataArrays {
    const { radii, relativeNoise } = this.config;
    const labels = drawLabels(n, radii.length, rng);
    const x = new Float32Array(2 * n);
    for (let r = 0; r < n; r++) {
      const radius = radii[labels[r]!]!;
      const theta = 2 * Math.PI * rng.uniform();
      x[2 * r] = radius * (Math.cos(theta) + relativeNoise * rng.normal());
      x[2 * r + 1] = radius * (Math.sin(theta) + relativeNoise * rng.normal());
    }
    return { x, n, dim: 2, labels };
  }

  getConfig(): JsonObject {
    return { radii: [...this.config.radii], relativeNoise: this.config.relativeNoise };
  }
}

/** The `dataset` plugin of {@link ConcentricRings}: `create({ kind: 'dataset', type, config })` builds one. */
export const concentricRingsPlugin = definePlugin({
  kind: 'dataset',
  type: 'concentric-rings',
  description: 'Flows-for-flows concentric rings at radii 0.8/1.6/2.4/3.2, noise 5% of the radius; labels',
  schema,
  create: (config) => new ConcentricRings(config),
});
