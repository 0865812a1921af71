import { ConfigError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';

/** A distance between each input row and its image, `[batch]`, differentiable. */
export type DistanceFunction = (input: tf.Tensor2D, output: tf.Tensor2D) => tf.Tensor1D;

const customDistances = new Map<string, DistanceFunction>();

/**
 * Registers a distance under a name, so a penalty config can refer to it (`{ type: 'custom', name }`)
 * and a saved model keeps working after it is loaded in a process that registered the same name.
 *
 * @example
 * ```ts
 * import { flowForFlowObjective, registerDistance } from '@diffeo/flows4flows';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * // The largest move of any coordinate, per row.
 * registerDistance('max-abs', (input, output) => tf.tidy(() => tf.max(tf.abs(tf.sub(output, input)), 1) as tf.Tensor1D));
 * const objective = flowForFlowObjective(f4f, { penalty: { type: 'custom', name: 'max-abs', weight: 0.5 } });
 * ```
 */
export function registerDistance(name: string, fn: DistanceFunction): void {
  if (customDistances.has(name) && customDistances.get(name) !== fn) {
    throw new ConfigError(`registerDistance: name: a distance called '${name}' is registered already`);
  }
  customDistances.set(name, fn);
}

export const penaltySchema = z.strictObject({
  /** l1: sum_j |f(x)_j - x_j| per row; l2: sum_j (f(x)_j - x_j)^2 per row (as ffflows); custom: registered. */
  type: z.enum(['l1', 'l2', 'custom']),
  /** The weight lambda of the penalty in the loss (a non-negative finite number). */
  weight: z.number().nonnegative().finite().default(1),
  /** The name given to {@link registerDistance} (type 'custom' only). */
  name: z.string().min(1).optional(),
  /**
   * Cosine annealing of the weight from `weight` at step 0 to `minWeight` at the last step, as
   * ffflows' `AnnealedPenalty`.
   */
  anneal: z.strictObject({ minWeight: z.number().nonnegative().finite().default(0) }).optional(),
});

/** A distance penalty: `weight * distance(x, f(x))` per row, added to the negative log-likelihood. */
export type PenaltyConfig = z.input<typeof penaltySchema>;

/** A checked penalty that computes its per-row value. */
export class DistancePenalty {
  readonly config: z.output<typeof penaltySchema>;
  private readonly distance: DistanceFunction;

  constructor(config: PenaltyConfig) {
    const parsed = penaltySchema.safeParse(config);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ConfigError(`penalty.${issue.path.map(String).join('.')}: ${issue.message}`);
    }
    this.config = parsed.data;
    if (this.config.type === 'custom') {
      const name = this.config.name;
      const fn = name === undefined ? undefined : customDistances.get(name);
      if (fn === undefined) {
        throw new ConfigError(
          `penalty.name: expected the name of a distance registered with registerDistance (${[...customDistances.keys()].join(', ') || 'none registered'}), got ${String(name)}`,
        );
      }
      this.distance = fn;
    } else if (this.config.name !== undefined) {
      throw new ConfigError(
        `penalty.name: only a 'custom' penalty has a name, got '${this.config.name}' for '${this.config.type}'`,
      );
    } else {
      this.distance = this.config.type === 'l1' ? l1Distance : l2Distance;
    }
  }

  /** The weight at `step` of `totalSteps` (constant without annealing). */
  weightAt(step: number, totalSteps: number | undefined): number {
    const { weight, anneal } = this.config;
    if (anneal === undefined || totalSteps === undefined || totalSteps <= 0) return weight;
    const t = Math.min(Math.max(step / totalSteps, 0), 1);
    return anneal.minWeight + 0.5 * (weight - anneal.minWeight) * (1 + Math.cos(Math.PI * t));
  }

  /** `weight * distance(input, output)` per row, `[batch]`. */
  value(input: tf.Tensor2D, output: tf.Tensor2D, weight: number): tf.Tensor1D {
    return tf.tidy(() => tf.mul(this.distance(input, output), weight) as tf.Tensor1D);
  }
}

/**
 * Sum over columns of |output - input|, per row.
 *
 * @example
 * ```ts
 * import { l1Distance } from '@diffeo/flows4flows';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * l1Distance(tf.tensor2d([[0, 0]]), tf.tensor2d([[3, -4]])); // [7]
 * ```
 */
export function l1Distance(input: tf.Tensor2D, output: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.abs(tf.sub(output, input)), 1) as tf.Tensor1D);
}

/**
 * Sum over columns of (output - input)^2, per row (ffflows' MSELoss summed, no square root).
 *
 * @example
 * ```ts
 * import { l2Distance } from '@diffeo/flows4flows';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * l2Distance(tf.tensor2d([[0, 0]]), tf.tensor2d([[3, -4]])); // [25]
 * ```
 */
export function l2Distance(input: tf.Tensor2D, output: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.square(tf.sub(output, input)), 1) as tf.Tensor1D);
}
