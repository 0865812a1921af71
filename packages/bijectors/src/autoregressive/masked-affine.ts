import { ConfigError, definePlugin, type JsonObject } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import {
  AutoregressiveBijector,
  type AutoregressiveConfig,
  type AutoregressiveDirection,
  autoregressiveConfigFields,
} from './autoregressive-base.js';

/**
 * How the unconstrained output s of the MADE becomes the positive scale of the data -> latent map:
 * - 'exp-tanh' (default): scale = exp(3 tanh(s / 3)), in (e^-3, e^3), exactly 1 at s = 0; a soft
 *   clamp of the log-scale, like zuko's MAF.
 * - 'sigmoid' (nflows's `MaskedAffineAutoregressiveTransform`): scale = sigmoid(s + 2) + 1e-3, in
 *   (1e-3, 1.001). It can only contract towards the latent space (|du/dx| <= 1.001), so a stack of
 *   such layers cannot give a density more peaked than the base without other layers (nflows's
 *   MAF interleaves batch norm for that). Use it to match nflows number for number.
 */
export type AffineScale = 'sigmoid' | 'exp-tanh';

/** The configuration of {@link MaskedAffineAutoregressive}. */
export interface MaskedAffineAutoregressiveConfig extends AutoregressiveConfig {
  /** The scale's parameterisation (default 'exp-tanh'). */
  scale?: AffineScale;
}

const SOFT_BOUND = 3;

/**
 * The masked affine autoregressive layer of MAF (Papamakarios et al. 2017, "Masked Autoregressive
 * Flow for Density Estimation", arXiv:1705.07057), as nflows's
 * `MaskedAffineAutoregressiveTransform`: from data to latent, u_i = x_i * scale_i + shift_i, where
 * (s_i, shift_i) = MADE(x_<i, context), with a bounded, stable scale (see {@link AffineScale}).
 *
 * Directions: `inverse` (data -> latent) is one MADE pass, so density evaluation is fast;
 * `forward` (latent -> data, x_i = (u_i - shift_i) / scale_i) takes `dim` MADE passes, so
 * sampling is `dim` times slower. (For fast sampling instead, wrap the layer in `Inverse`.)
 *
 * Identity at initialisation: `identityInit: true` zero-initialises the MADE's output layer; with
 * the default 'exp-tanh' scale that is exactly the identity. The 'sigmoid' scale cannot be the
 * identity without saturating the sigmoid, so that combination is a `ConfigError`.
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
export class MaskedAffineAutoregressive extends AutoregressiveBijector {
  readonly type = 'masked-affine-autoregressive';
  readonly scale: AffineScale;

  constructor(config: MaskedAffineAutoregressiveConfig) {
    const scale = config.scale ?? 'exp-tanh';
    if (config.identityInit === true && scale === 'sigmoid') {
      throw new ConfigError(
        "masked-affine-autoregressive: identityInit: expected scale 'exp-tanh' (the 'sigmoid' scale is 1 only where the sigmoid saturates), got scale 'sigmoid'",
      );
    }
    super(config, 2);
    this.scale = scale;
  }

  protected elementwise(input: tf.Tensor2D, params: tf.Tensor2D, direction: AutoregressiveDirection) {
    const p = tf.reshape(params, [input.shape[0], this.dim, 2]);
    const s = tf.reshape(tf.slice(p, [0, 0, 0], [-1, -1, 1]), input.shape);
    const shift = tf.reshape(tf.slice(p, [0, 0, 1], [-1, -1, 1]), input.shape);
    let scale: tf.Tensor;
    let logScale: tf.Tensor;
    if (this.scale === 'sigmoid') {
      scale = tf.add(tf.sigmoid(tf.add(s, 2)), 1e-3);
      logScale = tf.log(scale);
    } else {
      logScale = tf.mul(tf.tanh(tf.div(s, SOFT_BOUND)), SOFT_BOUND);
      scale = tf.exp(logScale);
    }
    if (direction === 'normalize') {
      return { y: tf.add(tf.mul(input, scale), shift) as tf.Tensor2D, logDet: logScale as tf.Tensor2D };
    }
    return { y: tf.div(tf.sub(input, shift), scale) as tf.Tensor2D, logDet: tf.neg(logScale) as tf.Tensor2D };
  }

  getConfig(): JsonObject {
    return { ...this.autoregressiveConfig(), scale: this.scale };
  }
}

/** Plugin 'masked-affine-autoregressive': {@link MaskedAffineAutoregressive} from its config. */
export const maskedAffineAutoregressivePlugin = definePlugin({
  kind: 'bijector',
  type: 'masked-affine-autoregressive',
  description: 'MAF layer: affine map conditioned by a MADE (fast density, dim passes to sample)',
  schema: z
    .object({ ...autoregressiveConfigFields, scale: z.enum(['exp-tanh', 'sigmoid']).default('exp-tanh') })
    .refine((c) => !(c.identityInit && c.scale === 'sigmoid'), {
      message:
        "identityInit needs scale 'exp-tanh' (the 'sigmoid' scale is 1 only where the sigmoid saturates)",
      path: ['identityInit'],
    }),
  create: (config) => new MaskedAffineAutoregressive(config),
});
