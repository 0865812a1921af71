import * as tf from '@tensorflow/tfjs-core';
import type { NamedVariable } from '../contracts.js';

/**
 * A copy of variables' values that can be taken and put back without leaving the device: what
 * `fit` restores after a non-finite step or at the best validation epoch, and what a package's own
 * training loop can use the same way.
 *
 * @example
 * ```ts
 * const lastFinite = new WeightSnapshot(model.namedVariables());
 * lastFinite.take();      // after every finite step
 * lastFinite.restore();   // after a step that went non-finite
 * lastFinite.dispose();
 * ```
 */
export class WeightSnapshot {
  private readonly copies: tf.Variable[];
  constructor(private readonly vars: readonly NamedVariable[]) {
    this.copies = vars.map((v) => tf.variable(v.variable, false));
  }
  take(): void {
    this.vars.forEach((v, i) => {
      this.copies[i]!.assign(v.variable);
    });
  }
  restore(): void {
    this.vars.forEach((v, i) => {
      v.variable.assign(this.copies[i]!);
    });
  }
  dispose(): void {
    tf.dispose(this.copies);
  }
}
