import { parseConfig } from '@diffeo/core';
import { affineTransformerOp } from '@diffeo/core/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { Transformer, TransformerOutput } from './transformer.js';

/** The fields of {@link AffineTransformerOptions}, with their defaults. */
export const affineTransformerFields = {
  scale: z.enum(['exp-tanh', 'sigmoid']).default('exp-tanh'),
  logScaleBound: z.number().positive().finite().default(3),
};

/** The schema of the affine transformer's options. */
export const affineTransformerSchema = z.strictObject(affineTransformerFields);

/**
 * The affine transformer's options (all optional). How the unconstrained output s becomes the
 * positive scale of the data -> latent map u = x * scale + shift:
 * - `scale: 'exp-tanh'` (default): log-scale = B tanh(s / B) with B = `logScaleBound` (3): the scale
 *   stays in (e^-B, e^B), is exactly 1 at s = 0 and has slope 1 there (zuko's soft clamp), so a zero
 *   network output is the identity.
 * - `scale: 'sigmoid'` (nflows): scale = sigmoid(s + 2) + 1e-3, in (1e-3, 1.001); it can only
 *   contract towards the latent space, and it is 1 only where the sigmoid saturates, so a layer
 *   with it cannot start as the identity. Use it to match nflows number for number.
 */
export type AffineTransformerOptions = z.input<typeof affineTransformerSchema>;

/** How the affine transformer's scale is parameterised. */
export type AffineScale = 'exp-tanh' | 'sigmoid';

/**
 * The affine transformer of Real NVP (Dinh et al. 2017) and MAF (Papamakarios et al. 2017): per
 * dimension, parameters (s, shift) and, from data to latent, u = x * scale(s) + shift, with
 * log|du/dx| = log scale(s); `forward` is x = (u - shift) / scale(s). See
 * {@link AffineTransformerOptions} for the two scale parameterisations. With 'exp-tanh' on wasm each
 * direction runs as one kernel (`@diffeo/core`'s `DiffeoAffineTransformer`) and its gradient as
 * one more; elsewhere as the ops below, the same numbers but for a few float32 roundings.
 *
 * @example
 * ```ts
 * const layer = new Coupling({ dim: 2, transformer: affine({ logScaleBound: 2 }) });
 * ```
 */
export function affine(options: AffineTransformerOptions = {}): Transformer {
  const { scale, logScaleBound: bound } = parseConfig(
    'affine transformer options',
    affineTransformerSchema,
    options,
  );

  const logScaleAndShift = (input: tf.Tensor2D, params: tf.Tensor2D) => {
    // One split, not two slices: its gradient is one concatenation instead of two zero-padded
    // copies and their sum (the same numbers).
    const [sPart, shiftPart] = tf.split(tf.reshape(params, [input.shape[0], input.shape[1], 2]), 2, 2);
    const s = tf.reshape(sPart!, input.shape);
    const shift = tf.reshape(shiftPart!, input.shape);
    if (scale === 'sigmoid') {
      const positive = tf.add(tf.sigmoid(tf.add(s, 2)), 1e-3);
      return { logScale: tf.log(positive), scaleValue: positive, shift };
    }
    return { logScale: tf.mul(tf.tanh(tf.div(s, bound)), bound), scaleValue: undefined, shift };
  };

  return {
    type: 'affine',
    paramsPerDim: 2,
    forward(u, params): TransformerOutput {
      const fused =
        scale === 'exp-tanh'
          ? affineTransformerOp(u, params, { inverse: false, logScaleBound: bound })
          : undefined;
      if (fused !== undefined) return { y: fused[0], logDet: fused[1] };
      const { logScale, scaleValue, shift } = logScaleAndShift(u, params);
      const centred = tf.sub(u, shift);
      const y =
        scaleValue === undefined ? tf.mul(centred, tf.exp(tf.neg(logScale))) : tf.div(centred, scaleValue);
      return { y: y as tf.Tensor2D, logDet: tf.neg(logScale) as tf.Tensor2D };
    },
    inverse(x, params): TransformerOutput {
      const fused =
        scale === 'exp-tanh'
          ? affineTransformerOp(x, params, { inverse: true, logScaleBound: bound })
          : undefined;
      if (fused !== undefined) return { y: fused[0], logDet: fused[1] };
      const { logScale, scaleValue, shift } = logScaleAndShift(x, params);
      const y = tf.add(tf.mul(x, scaleValue ?? tf.exp(logScale)), shift);
      return { y: y as tf.Tensor2D, logDet: logScale as tf.Tensor2D };
    },
    getConfig: () => ({ scale, logScaleBound: bound }),
  };
}

/**
 * The check a layer with the affine transformer adds to its schema: `identityInit` needs the
 * 'exp-tanh' scale, since the 'sigmoid' scale is 1 only where the sigmoid saturates.
 */
export function checkAffineIdentity(
  c: { identityInit: boolean; scale: AffineScale },
  ctx: z.RefinementCtx,
): void {
  if (c.identityInit && c.scale === 'sigmoid') {
    ctx.addIssue({
      code: 'custom',
      path: ['identityInit'],
      message:
        "identityInit needs scale 'exp-tanh' (the 'sigmoid' scale is 1 only where the sigmoid saturates), got scale 'sigmoid'",
    });
  }
}
