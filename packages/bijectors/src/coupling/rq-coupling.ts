import { definePlugin, parseConfig } from '@diffeo/core';
import { z } from 'zod';
import {
  checkBinMinimums,
  type RationalQuadraticFields,
  rationalQuadraticTransformerFields,
  splitRationalQuadraticConfig,
} from '../transformers/rational-quadratic.js';
import { Coupling, couplingFields } from './coupling.js';

/** The config of a {@link RationalQuadraticCoupling}, with its defaults: the coupling's and the spline's. */
export const rqCouplingConfigSchema = z
  .strictObject({ ...couplingFields, ...rationalQuadraticTransformerFields })
  .superRefine(checkBinMinimums);

/** What the {@link RationalQuadraticCoupling} constructor takes (fields with defaults are optional). */
export type RQCouplingConfig = z.input<typeof rqCouplingConfigSchema>;

/**
 * Rational-quadratic spline coupling layer of Neural Spline Flows (Durkan, Bekasov, Murray and
 * Papamakarios 2019, "Neural Spline Flows", arXiv:1906.04032): a {@link Coupling} with the
 * {@link rationalQuadratic} transformer. The columns where the mask is 0 pass through unchanged;
 * from them (and the context) the conditioner computes, for each transformed column, the 3K-1
 * unnormalized parameters of a monotone spline on [-B, B] with linear tails; outside [-B, B] the
 * layer is the identity.
 *
 * Direction, as nflows: the normalizing direction (data -> latent, `inverse`) applies the spline,
 * `forward` (latent -> data) applies its inverse (the stable quadratic root); both cost one
 * conditioner pass. So `inverse(x)` here is what nflows's coupling transform computes for `x`.
 * With `identityInit: true` the layer starts as the identity (up to float rounding).
 *
 * Defaults: 8 bins, tail bound 3, minimum bin width, height and derivative 1e-3.
 * Variables: `conditioner.*`.
 *
 * @example
 * ```ts
 * const layer = new RationalQuadraticCoupling({
 *   dim: 2,
 *   numBins: 8,
 *   tailBound: 4,
 *   conditioner: { type: 'residual', hiddenFeatures: 128, numBlocks: 2 },
 * });
 * const { y: u, logDet } = layer.inverse(x); // data -> latent
 * ```
 */
export class RationalQuadraticCoupling extends Coupling implements RationalQuadraticFields {
  override readonly type = 'rq-coupling';
  // Set from the parsed config by Object.assign in the constructor.
  readonly numBins!: number;
  readonly tailBound!: number;
  readonly minBinWidth!: number;
  readonly minBinHeight!: number;
  readonly minDerivative!: number;

  constructor(config: RQCouplingConfig) {
    const { transformer, spline, layer } = splitRationalQuadraticConfig(
      parseConfig("bijector 'rq-coupling' config", rqCouplingConfigSchema, config),
    );
    super({ ...layer, transformer });
    Object.assign(this, spline);
  }
}

/** The registry plugin of {@link RationalQuadraticCoupling}: bijector type `'rq-coupling'`. */
export const rqCouplingPlugin = definePlugin({
  kind: 'bijector',
  type: 'rq-coupling',
  description: 'Neural spline flow coupling: rational-quadratic splines with linear tails',
  schema: rqCouplingConfigSchema,
  create: (config) => new RationalQuadraticCoupling(config),
});
