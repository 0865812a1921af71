import { definePlugin, type JsonObject, parseConfig, type Rng } from '@diffeo/core';
import { z } from 'zod';
import { BaseDataset, drawLabels } from '../base.js';
import type { DataArrays } from '../types.js';

const schema = z.strictObject({
  wings: z.number().int().min(1).default(5),
  radialStd: z.number().nonnegative().default(0.3),
  tangentialStd: z.number().nonnegative().default(0.05),
  rate: z.number().default(0.25),
  scale: z.number().positive().default(0.5),
});

/** What {@link Pinwheel} takes; every option has a default. */
export type PinwheelConfig = z.input<typeof schema>;

/**
 * The pinwheel of the variational-mixture-of-flows paper (Pires and Figueiredo), as defined by
 * Johnson et al. 2016 ("Composing graphical models with neural networks") with the paper's
 * parameters: 5 wings, radial std 0.3, tangential std 0.05, rate 0.25. For wing k, draw
 * f = (1 + radialStd · e1, tangentialStd · e2) with e ~ N(0, I), set φ = 2πk / wings + rate · exp(f1)
 * and return `scale` · (f1 cos φ + f2 sin φ, -f1 sin φ + f2 cos φ) (f rotated clockwise by φ). The
 * scale 0.5 is the paper's code (10 · features / 20), which puts the wings in about [-1, 1]^2.
 * The wing is drawn uniformly per point; labels are the wing index.
 *
 * @example
 * ```ts
 * const { x, labels } = new Pinwheel().sample(2560, { seed: 0 }); // labels 0..4
 * ```
 */
export class Pinwheel extends BaseDataset {
  readonly type = 'pinwheel';
  readonly dim = 2;
  override readonly numClasses: number;
  private readonly config: z.output<typeof schema>;

  constructor(config: PinwheelConfig = {}) {
    super();
    this.config = parseConfig("dataset 'pinwheel' config", schema, config);
    this.numClasses = this.config.wings;
  }

  protected draw(n: number, rng: Rng): DataArrays {
    const { wings, radialStd, tangentialStd, rate, scale } = this.config;
    const labels = drawLabels(n, wings, rng);
    const x = new Float32Array(2 * n);
    for (let r = 0; r < n; r++) {
      const f1 = 1 + radialStd * rng.normal();
      const f2 = tangentialStd * rng.normal();
      const phi = (2 * Math.PI * labels[r]!) / wings + rate * Math.exp(f1);
      const c = Math.cos(phi);
      const s = Math.sin(phi);
      x[2 * r] = scale * (f1 * c + f2 * s);
      x[2 * r + 1] = scale * (-f1 * s + f2 * c);
    }
    return { x, n, dim: 2, labels };
  }

  getConfig(): JsonObject {
    return { ...this.config };
  }
}

/** The `dataset` plugin of {@link Pinwheel}: `create({ kind: 'dataset', type, config })` builds one. */
export const pinwheelPlugin = definePlugin({
  kind: 'dataset',
  type: 'pinwheel',
  description: 'Mixture-of-flows pinwheel: 5 curved wings (Johnson et al. 2016); labels are the wing',
  schema,
  create: (config) => new Pinwheel(config),
});
