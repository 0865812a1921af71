import { ConfigError, type Distribution } from '@diffeo/core';
import { Flow } from '@diffeo/distributions';
import * as tf from '@tensorflow/tfjs-core';

export interface BaseTransferOptions {
  /** Condition of the input rows under `from` (conditional flows; one row is broadcast). */
  contextIn?: tf.Tensor2D;
  /** Condition of the output rows under `to` (conditional flows; one row is broadcast). */
  contextOut?: tf.Tensor2D;
}

const asFlow = (name: string, d: Distribution): Flow => {
  if (!(d instanceof Flow))
    throw new ConfigError(`baseTransfer: ${name}: expected a Flow, got a '${d.type}'`);
  return d;
};

/**
 * The base transfer of the paper, f_phi' . f_phi^-1: encode `x` to the latent space of the flow `from`
 * and decode it with the flow `to`. With two flows on the same standard normal this is the map two
 * separately trained flows give, the paper's baseline for every flow for flows.
 *
 * @example
 * ```ts
 * import { fit } from '@diffeo/core';
 * import { flowsForFlowsNSF } from '@diffeo/distributions';
 * import { baseTransfer, meanTranslation } from '@diffeo/flows4flows';
 *
 * // xLeft, xRight: [n, 2] samples of the two distributions
 * const left = flowsForFlowsNSF({ dim: 2, seed: 1 });
 * const right = flowsForFlowsNSF({ dim: 2, seed: 2 });
 * await fit(left, xLeft, { steps: 300, seed: 1 });
 * await fit(right, xRight, { steps: 300, seed: 2 });
 * const moved = baseTransfer(left, right, xLeft); // encoded by `left`, decoded by `right`
 * meanTranslation(xLeft, moved); // how far the base transfer moves each point
 * ```
 */
export function baseTransfer(
  from: Distribution,
  to: Distribution,
  x: tf.Tensor2D,
  options: BaseTransferOptions = {},
): tf.Tensor2D {
  const a = asFlow('from', from);
  const b = asFlow('to', to);
  if (a.dim !== b.dim)
    throw new ConfigError(`baseTransfer: to.dim: expected ${a.dim} (from's dim), got ${b.dim}`);
  const cIn = options.contextIn;
  const u =
    cIn !== undefined && cIn.shape[0] === 1 && x.shape[0] !== 1
      ? tf.tidy(() => a.transformToLatent(x, tf.tile(cIn, [x.shape[0], 1]) as tf.Tensor2D))
      : a.transformToLatent(x, cIn);
  try {
    return tf.tidy(() => {
      if (b.contextDim > 0 && options.contextOut === undefined) {
        throw new ConfigError(
          `baseTransfer: contextOut: expected [${x.shape[0]}, ${b.contextDim}] for the conditional flow 'to', got none`,
        );
      }
      const c = options.contextOut;
      const rows = c !== undefined && c.shape[0] === 1 ? (tf.tile(c, [x.shape[0], 1]) as tf.Tensor2D) : c;
      const e = rows === undefined || b.embedding === undefined ? rows : b.embedding.apply(rows);
      return b.bijector.forward(u, b.bijector.contextDim === 0 ? undefined : e).y;
    });
  } finally {
    u.dispose();
  }
}
