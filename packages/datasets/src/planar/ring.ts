import { definePlugin, type JsonObject, parseConfig, type Rng } from '@diffeo/core';
import { z } from 'zod';
import { BaseDataset } from '../base.js';
import type { DataArrays } from '../types.js';

const schema = z.strictObject({
  radius: z.number().positive().default(2.25),
  noise: z.number().nonnegative().default(0.3375),
});

/** What {@link Ring} takes; every option has a default. */
export type RingConfig = z.input<typeof schema>;

/**
 * The ring of the flows-for-flows paper (companion code `Anulus` with `radius=1.25`, inner radius
 * 1 and width 0.3): radius (cos θ, sin θ) + `noise` · N(0, I), θ uniform, with radius 2.25 and
 * noise 0.3375 (= 0.15 · 2.25, the companion code's width scaled with the ring). No labels.
 *
 * @example
 * ```ts
 * const { x } = new Ring().sample(1000, { seed: 0 });
 * ```
 */
export class Ring extends BaseDataset {
  readonly type = 'ring';
  readonly dim = 2;
  private readonly config: z.output<typeof schema>;

  constructor(config: RingConfig = {}) {
    super();
    this.config = parseConfig("dataset 'ring' config", schema, config);
  }

  protected draw(n: number, rng: Rng): DataArrays {
    const { radius, noise } = this.config;
    const x = new Float32Array(2 * n);
    for (let r = 0; r < n; r++) {
      const theta = 2 * Math.PI * rng.uniform();
      x[2 * r] = radius * Math.cos(theta) + noise * rng.normal();
      x[2 * r + 1] = radius * Math.sin(theta) + noise * rng.normal();
    }
    return { x, n, dim: 2 };
  }

  getConfig(): JsonObject {
    return { ...this.config };
  }
}

/** The `dataset` plugin of {@link Ring}: `create({ kind: 'dataset', type, config })` builds one. */
export const ringPlugin = definePlugin({
  kind: 'dataset',
  type: 'ring',
  description: 'Flows-for-flows ring: radius 2.25, noise 0.3375',
  schema,
  create: (config) => new Ring(config),
});
