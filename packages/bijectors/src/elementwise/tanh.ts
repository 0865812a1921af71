import { definePlugin, type JsonObject, NonFiniteError, parseConfig } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { BaseBijector } from '../base.js';
import { assertInInterval, atanhStable, ONE_BELOW, sumRows, tanhLogDerivative } from './numerics.js';

/**
 * The largest sum of |u| over a row that `forward` takes: its log-determinant is about -2 sum |u|,
 * which float32 holds down to -3.4e38. Beyond, the true value is not representable and `forward`
 * refuses the row instead of returning -Infinity.
 */
export const TANH_MAX_ROW_ABS_SUM = 1.7e38;

function assertLogDetRepresentable(name: string, u: tf.Tensor2D): void {
  const values = u.dataSync();
  const cols = u.shape[1];
  for (let r = 0; r * cols < values.length; r++) {
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.abs(values[r * cols + j]!);
    if (sum > TANH_MAX_ROW_ABS_SUM) {
      throw new NonFiniteError(
        `${name}: expected the sum of |u| over a row to be at most ${TANH_MAX_ROW_ABS_SUM} (the log-determinant, about -2 sum |u|, must fit in float32), got ${sum.toPrecision(3)} in row ${r}`,
      );
    }
  }
}

const schema = z.strictObject({ dim: z.number().int().positive() });

/** Config of {@link Tanh}. */
export type TanhConfig = z.input<typeof schema>;

/**
 * The hyperbolic tangent, elementwise: `forward` maps the real line onto (-1, 1), x = tanh(u),
 * with log|dx/du| = log(1 - tanh(u)^2) = 2 (log 2 - |u| - log(1 + e^-2|u|)) summed over the row
 * (finite for every u whose row has sum |u| <= 1.7e38, {@link TANH_MAX_ROW_ABS_SUM}; beyond, the
 * log-determinant is below float32's range and `forward` throws a `NonFiniteError` naming the limit);
 * `inverse` is atanh. No parameters.
 *
 * Numerics: in float32, tanh(u) rounds to exactly +-1 above |u| = 9 and keeps the precision for a
 * 1e-4 round trip up to |u| = 4.5. `inverse` takes x in the closed interval [-1, 1] and clamps the
 * end points to +-(1 - 2^-24) (u = +-8.66), so a saturated sample still maps back to a finite
 * latent; any x outside [-1, 1] (or NaN) is a `NonFiniteError`.
 *
 * Reference: the tanh squashing of bounded flows (e.g. TensorFlow Probability's `Tanh` bijector).
 *
 * @example
 * ```ts
 * const t = new Tanh({ dim: 2 });
 * const { y } = t.forward(tf.tensor2d([[0, 1]])); // [[0, 0.7616]]
 * ```
 */
export class Tanh extends BaseBijector {
  readonly type = 'tanh';

  constructor(config: TanhConfig) {
    super(parseConfig(`bijector 'tanh' config`, schema, config).dim);
  }

  protected _forward(u: tf.Tensor2D) {
    assertLogDetRepresentable('tanh.forward: u', u);
    return { y: tf.tanh(u) as tf.Tensor2D, logDet: sumRows(tanhLogDerivative(u)) };
  }

  protected _inverse(x: tf.Tensor2D) {
    assertInInterval('tanh.inverse: x', x, -1, 1);
    const c = tf.clipByValue(x, -ONE_BELOW, ONE_BELOW);
    const logDet = tf.neg(sumRows(tf.add(tf.log(tf.add(1, c)), tf.log(tf.sub(1, c)))));
    return { y: atanhStable(c) as tf.Tensor2D, logDet: logDet as tf.Tensor1D };
  }

  getConfig(): JsonObject {
    return { dim: this.dim };
  }
}

/** The `tanh` bijector plugin. */
export const tanhPlugin = definePlugin({
  kind: 'bijector',
  type: 'tanh',
  description: 'Elementwise tanh onto (-1, 1); inverse: atanh',
  schema,
  create: (config) => new Tanh(config),
});
