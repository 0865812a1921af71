import { ConfigError } from '../errors.js';

/** A learning-rate schedule: constant, or cosine annealing from `learningRate` to `minLearningRate`. */
export type Schedule = 'constant' | 'cosine';

/**
 * The learning rate at `step` (0-based) of `totalSteps`. Cosine annealing follows
 * Loshchilov & Hutter without restarts: lr_min + (lr - lr_min)(1 + cos(pi t / T)) / 2.
 *
 * @example
 * ```ts
 * import { learningRateAt } from '@diffeo/core';
 *
 * learningRateAt('cosine', 1e-3, 500, 1000); // 5e-4: halfway down the cosine
 * learningRateAt('cosine', 1e-3, 1000, 1000, 1e-5); // 1e-5 at the last step
 * learningRateAt('constant', 1e-3, 500, 1000); // 1e-3
 * ```
 */
export function learningRateAt(
  schedule: Schedule,
  learningRate: number,
  step: number,
  totalSteps: number,
  minLearningRate = 0,
): number {
  switch (schedule) {
    case 'constant':
      return learningRate;
    case 'cosine':
      return (
        minLearningRate +
        ((learningRate - minLearningRate) * (1 + Math.cos((Math.PI * step) / totalSteps))) / 2
      );
    default:
      throw new ConfigError(`schedule: expected 'constant' or 'cosine', got '${String(schedule)}'`);
  }
}
