import { ConfigError } from '../errors.js';

/** A learning-rate schedule: constant, or cosine annealing from `learningRate` to `minLearningRate`. */
export type Schedule = 'constant' | 'cosine';

/**
 * The learning rate at `step` (0-based) of `totalSteps`. Cosine annealing follows
 * Loshchilov & Hutter without restarts: lr_min + (lr - lr_min)(1 + cos(pi t / T)) / 2.
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
