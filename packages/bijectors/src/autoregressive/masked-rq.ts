import { definePlugin, parseConfig } from '@diffeo/core';
import { z } from 'zod';
import {
  checkBinMinimums,
  type RationalQuadraticFields,
  rationalQuadraticTransformerFields,
  splitRationalQuadraticConfig,
} from '../transformers/rational-quadratic.js';
import { MaskedAutoregressive, maskedAutoregressiveFields } from './masked-autoregressive.js';

/** The config of a {@link MaskedRationalQuadraticAutoregressive}, with its defaults: the layer's and the spline's. */
export const maskedRationalQuadraticAutoregressiveConfigSchema = z
  .strictObject({ ...maskedAutoregressiveFields, ...rationalQuadraticTransformerFields })
  .superRefine(checkBinMinimums);

/** What the {@link MaskedRationalQuadraticAutoregressive} constructor takes (fields with defaults are optional). */
export type MaskedRationalQuadraticAutoregressiveConfig = z.input<
  typeof maskedRationalQuadraticAutoregressiveConfigSchema
>;

/**
 * The autoregressive neural spline flow layer (Durkan et al. 2019, "Neural Spline Flows",
 * arXiv:1906.04032), as nflows's `MaskedPiecewiseRationalQuadraticAutoregressiveTransform` with
 * linear tails: a {@link MaskedAutoregressive} with the {@link rationalQuadratic} transformer. From
 * data to latent, u_i = RQS(x_i; theta_i) with theta_i = MADE(x_<i, context), 3K - 1 parameters
 * per dimension; the identity outside [-B, B].
 *
 * As nflows, the widths and heights coming from the MADE are divided by sqrt(hiddenFeatures).
 * Unlike nflows, the constant {@link identityDerivativeOffset} is added to the derivative outputs,
 * so that a zero output is the identity map (nflows's interior derivatives would be 0.694): with
 * `identityInit: true` (a zero MADE output layer) the layer starts as exactly the identity. To
 * load nflows weights, subtract that constant from the derivative entries of the output bias.
 *
 * Directions: `inverse` (data -> latent) is one MADE pass, so density evaluation is fast;
 * `forward` (latent -> data, the spline's inverse) takes `dim` MADE passes.
 *
 * @example
 * ```ts
 * const nsf = new MaskedRationalQuadraticAutoregressive({ dim: 2, hiddenFeatures: 128, numBins: 8, tailBound: 4 });
 * const { y: u, logDet } = nsf.inverse(x); // density direction, one pass
 * const { y: xBack } = nsf.forward(u);     // sampling direction, 2 passes
 * ```
 */
export class MaskedRationalQuadraticAutoregressive
  extends MaskedAutoregressive
  implements RationalQuadraticFields
{
  override readonly type = 'masked-rq-autoregressive';
  // Set from the parsed config by Object.assign in the constructor.
  readonly numBins!: number;
  readonly tailBound!: number;
  readonly minBinWidth!: number;
  readonly minBinHeight!: number;
  readonly minDerivative!: number;

  constructor(config: MaskedRationalQuadraticAutoregressiveConfig) {
    const { transformer, spline, layer } = splitRationalQuadraticConfig(
      parseConfig(
        "bijector 'masked-rq-autoregressive' config",
        maskedRationalQuadraticAutoregressiveConfigSchema,
        config,
      ),
    );
    super({ ...layer, transformer });
    Object.assign(this, spline);
  }
}

/** Plugin 'masked-rq-autoregressive': {@link MaskedRationalQuadraticAutoregressive} from its config. */
export const maskedRationalQuadraticAutoregressivePlugin = definePlugin({
  kind: 'bijector',
  type: 'masked-rq-autoregressive',
  description: 'Autoregressive neural spline flow layer: rational-quadratic spline conditioned by a MADE',
  schema: maskedRationalQuadraticAutoregressiveConfigSchema,
  create: (config) => new MaskedRationalQuadraticAutoregressive(config),
});
