import type { JsonObject } from '@diffeo/core';
import type * as tf from '@tensorflow/tfjs-core';

/** What a {@link Transformer} returns: the output and log|dy/dx| per element, both `[batch, d]`. */
export interface TransformerOutput {
  y: tf.Tensor2D;
  logDet: tf.Tensor2D;
}

/** What a layer tells its transformer about the network that computes the parameters. */
export interface TransformerContext {
  /** Hidden width of the conditioner (nflows's splines divide widths and heights by its root). */
  hiddenFeatures: number;
}

/**
 * An elementwise monotone map with parameters per dimension: the part of a coupling or masked
 * autoregressive layer that transforms (zuko's `univariate`, distrax's bijector of the params).
 * The layer's network computes `params` `[batch, d * paramsPerDim]`, each dimension's parameters
 * contiguous; the transformer maps each of the `d` columns with its own parameters. `forward` is
 * the generative direction (latent -> data) and `inverse` the normalizing one, as for bijectors;
 * both return log|dy/dx| per element. A transformer owns no variables.
 *
 * Write one file with a `Transformer` and it works in both {@link Coupling} and
 * {@link MaskedAutoregressive}.
 *
 * @example
 * ```ts
 * const shift: Transformer = {
 *   type: 'shift',
 *   paramsPerDim: 1,
 *   forward: (u, p) => ({ y: tf.add(u, p), logDet: tf.zerosLike(u) }),
 *   inverse: (x, p) => ({ y: tf.sub(x, p), logDet: tf.zerosLike(x) }),
 *   getConfig: () => ({}),
 * };
 * const layer = new Coupling({ dim: 2, transformer: shift });
 * ```
 */
export interface Transformer {
  /** Names the transformer in messages. */
  readonly type: string;
  /** Parameters of each transformed dimension. */
  readonly paramsPerDim: number;
  /** The latent -> data map of each element under its parameters. */
  forward(u: tf.Tensor2D, params: tf.Tensor2D, context: TransformerContext): TransformerOutput;
  /** The data -> latent map: the inverse of {@link Transformer.forward}. */
  inverse(x: tf.Tensor2D, params: tf.Tensor2D, context: TransformerContext): TransformerOutput;
  /** The transformer's options, merged into its layer's config. */
  getConfig(): JsonObject;
}
