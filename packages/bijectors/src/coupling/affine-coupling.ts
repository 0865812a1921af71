import { definePlugin, parseConfig } from '@diffeo/core';
import { z } from 'zod';
import {
  type AffineScale,
  affine,
  affineTransformerFields,
  checkAffineIdentity,
} from '../transformers/affine.js';
import { Coupling, couplingFields } from './coupling.js';

/** The config of an {@link AffineCoupling}, with its defaults: the coupling's and the affine transformer's. */
export const affineCouplingConfigSchema = z
  .strictObject({ ...couplingFields, ...affineTransformerFields })
  .superRefine(checkAffineIdentity);

/** What the {@link AffineCoupling} constructor takes (fields with defaults are optional). */
export type AffineCouplingConfig = z.input<typeof affineCouplingConfigSchema>;

/**
 * Affine coupling layer of Real NVP (Dinh, Sohl-Dickstein and Bengio 2017, "Density estimation
 * using Real NVP"): a {@link Coupling} with the {@link affine} transformer. The columns where the
 * mask is 0 pass through unchanged; from them (and the context) the conditioner computes, for each
 * transformed column, an unconstrained `s` and a shift `t`, and the normalizing direction (data ->
 * latent, `inverse`) is
 *
 *   u = x * exp(logScale) + t,   logScale = B tanh(s / B),   log|det| = sum(logScale),
 *
 * with `forward` (latent -> data) its inverse `x = (u - t) * exp(-logScale)`. The tanh bound keeps
 * every scale in [e^-B, e^B] (B = `logScaleBound`, default 3), so one layer can neither blow up
 * nor collapse a dimension, and it has slope 1 at 0, so a zero conditioner output gives scale
 * exactly 1 and shift 0: with `identityInit: true` the layer starts as the exact identity.
 * `scale: 'sigmoid'` gives nflows's scale = sigmoid(s + 2) + 1e-3 instead.
 *
 * Conditioner output layout: `[s, t]` per transformed dimension. Variables: `conditioner.*`.
 *
 * @example
 * ```ts
 * const layer = new AffineCoupling({
 *   dim: 4,
 *   contextDim: 1,
 *   mask: 'alternating',
 *   conditioner: { type: 'residual', hiddenFeatures: 64, numBlocks: 2 },
 * });
 * const { y: u, logDet } = layer.inverse(x, context); // data -> latent
 * ```
 */
export class AffineCoupling extends Coupling {
  override readonly type = 'affine-coupling';
  readonly scale: AffineScale;
  readonly logScaleBound: number;

  constructor(config: AffineCouplingConfig) {
    const { scale, logScaleBound, ...layer } = parseConfig(
      "bijector 'affine-coupling' config",
      affineCouplingConfigSchema,
      config,
    );
    super({ ...layer, transformer: affine({ scale, logScaleBound }) });
    this.scale = scale;
    this.logScaleBound = logScaleBound;
  }
}

/** The registry plugin of {@link AffineCoupling}: bijector type `'affine-coupling'`. */
export const affineCouplingPlugin = definePlugin({
  kind: 'bijector',
  type: 'affine-coupling',
  description: 'Real NVP affine coupling: half, alternating or custom mask; MLP or residual conditioner',
  schema: affineCouplingConfigSchema,
  create: (config) => new AffineCoupling(config),
});
