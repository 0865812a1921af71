import { definePlugin, parseConfig } from '@diffeo/core';
import { z } from 'zod';
import {
  type AffineScale,
  affine,
  affineTransformerFields,
  checkAffineIdentity,
} from '../transformers/affine.js';
import { MaskedAutoregressive, maskedAutoregressiveFields } from './masked-autoregressive.js';

/** The config of a {@link MaskedAffineAutoregressive}, with its defaults: the layer's and the affine transformer's. */
export const maskedAffineAutoregressiveConfigSchema = z
  .strictObject({ ...maskedAutoregressiveFields, ...affineTransformerFields })
  .superRefine(checkAffineIdentity);

/** What the {@link MaskedAffineAutoregressive} constructor takes (fields with defaults are optional). */
export type MaskedAffineAutoregressiveConfig = z.input<typeof maskedAffineAutoregressiveConfigSchema>;

/**
 * The masked affine autoregressive layer of MAF (Papamakarios et al. 2017, "Masked Autoregressive
 * Flow for Density Estimation", arXiv:1705.07057), as nflows's
 * `MaskedAffineAutoregressiveTransform`: a {@link MaskedAutoregressive} with the {@link affine}
 * transformer. From data to latent, u_i = x_i * scale_i + shift_i, where (s_i, shift_i) =
 * MADE(x_<i, context), with a bounded, stable scale ('exp-tanh', default, or nflows's 'sigmoid').
 *
 * Directions: `inverse` (data -> latent) is one MADE pass, so density evaluation is fast;
 * `forward` (latent -> data, x_i = (u_i - shift_i) / scale_i) takes `dim` MADE passes, so
 * sampling is `dim` times slower. (For fast sampling instead, wrap the layer in `Inverse`.)
 *
 * Identity at initialisation: `identityInit: true` zero-initialises the MADE's output layer; with
 * the 'exp-tanh' scale that is exactly the identity. The 'sigmoid' scale cannot be the identity
 * without saturating the sigmoid, so that combination is a `ConfigError`.
 *
 * Variables: `made.*` (see {@link MADE}). Each dimension's two MADE outputs are (s, shift).
 *
 * @example
 * ```ts
 * const maf = new MaskedAffineAutoregressive({ dim: 2, hiddenFeatures: 32, contextDim: 1 });
 * const { y: u, logDet } = maf.inverse(x, context); // density direction, one pass
 * const { y: xBack } = maf.forward(u, context);     // sampling direction, dim passes
 * ```
 */
export class MaskedAffineAutoregressive extends MaskedAutoregressive {
  override readonly type = 'masked-affine-autoregressive';
  readonly scale: AffineScale;
  readonly logScaleBound: number;

  constructor(config: MaskedAffineAutoregressiveConfig) {
    const { scale, logScaleBound, ...layer } = parseConfig(
      "bijector 'masked-affine-autoregressive' config",
      maskedAffineAutoregressiveConfigSchema,
      config,
    );
    super({ ...layer, transformer: affine({ scale, logScaleBound }) });
    this.scale = scale;
    this.logScaleBound = logScaleBound;
  }
}

/** Plugin 'masked-affine-autoregressive': {@link MaskedAffineAutoregressive} from its config. */
export const maskedAffineAutoregressivePlugin = definePlugin({
  kind: 'bijector',
  type: 'masked-affine-autoregressive',
  description: 'MAF layer: affine map conditioned by a MADE (fast density, dim passes to sample)',
  schema: maskedAffineAutoregressiveConfigSchema,
  create: (config) => new MaskedAffineAutoregressive(config),
});
