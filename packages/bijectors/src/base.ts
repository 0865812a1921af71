import {
  assertBatch,
  assertContext,
  assertDims,
  type Bijector,
  type BijectorOutput,
  guarded,
  type JsonObject,
  type NamedVariable,
  VariableStore,
} from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The base class of Diffeo's bijectors. It checks inputs (shape, context, finiteness at the
 * outermost call), runs the map inside `tf.tidy`, owns the variables in `store`, and keeps the
 * training flag. A subclass writes `_forward`, `_inverse` and `getConfig`:
 *
 * @example
 * ```ts
 * class Shift extends BaseBijector {
 *   readonly type = 'shift';
 *   private readonly b = this.store.add('b', tf.zeros([this.dim]));
 *   protected _forward(u: tf.Tensor2D) {
 *     return { y: tf.add(u, this.b) as tf.Tensor2D, logDet: tf.zeros([u.shape[0]]) as tf.Tensor1D };
 *   }
 *   protected _inverse(x: tf.Tensor2D) {
 *     return { y: tf.sub(x, this.b) as tf.Tensor2D, logDet: tf.zeros([x.shape[0]]) as tf.Tensor1D };
 *   }
 *   getConfig() { return { dim: this.dim }; }
 * }
 * ```
 */
export abstract class BaseBijector implements Bijector {
  readonly kind = 'bijector' as const;
  abstract readonly type: string;
  protected readonly store = new VariableStore();
  protected training = false;

  constructor(
    readonly dim: number,
    readonly contextDim = 0,
  ) {
    assertDims(dim, contextDim);
  }

  /** Generative direction u -> x, with log|det dx/du| per row. */
  forward(u: tf.Tensor2D, context?: tf.Tensor2D): BijectorOutput {
    return this.run('forward', 'u', u, context, (a, c) => this._forward(a, c));
  }

  /** Normalizing direction x -> u, with log|det du/dx| per row. */
  inverse(x: tf.Tensor2D, context?: tf.Tensor2D): BijectorOutput {
    return this.run('inverse', 'x', x, context, (a, c) => this._inverse(a, c));
  }

  protected abstract _forward(u: tf.Tensor2D, context: tf.Tensor2D | undefined): BijectorOutput;
  protected abstract _inverse(x: tf.Tensor2D, context: tf.Tensor2D | undefined): BijectorOutput;
  abstract getConfig(): JsonObject;

  namedVariables(): NamedVariable[] {
    return this.store.named();
  }

  setTraining(training: boolean): void {
    this.training = training;
  }

  dispose(): void {
    this.store.dispose();
  }

  private run(
    method: string,
    arg: string,
    input: tf.Tensor2D,
    context: tf.Tensor2D | undefined,
    body: (a: tf.Tensor2D, c: tf.Tensor2D | undefined) => BijectorOutput,
  ): BijectorOutput {
    const where = `${this.type}.${method}`;
    const a = assertBatch(`${where}: ${arg}`, input, this.dim);
    const c = assertContext(`${where}: context`, context, this.contextDim, a.shape[0]);
    return guarded(
      [
        [`${where}: ${arg}`, a],
        [`${where}: context`, c],
      ],
      () => tf.tidy(() => body(a, c)),
    );
  }
}

/**
 * A `[batch]` vector of zeros: the log-determinant of a volume-preserving map.
 *
 * @example
 * ```ts
 * import { BaseBijector, zeroLogDet } from '@diffeo/bijectors';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * // A volume-preserving bijector: swaps the two columns, so log|det| is 0 in every row.
 * class Swap extends BaseBijector {
 *   readonly type = 'swap';
 *   protected _forward(u: tf.Tensor2D) {
 *     return { y: tf.reverse(u, 1) as tf.Tensor2D, logDet: zeroLogDet(u) };
 *   }
 *   protected _inverse(x: tf.Tensor2D) {
 *     return { y: tf.reverse(x, 1) as tf.Tensor2D, logDet: zeroLogDet(x) };
 *   }
 *   getConfig() {
 *     return { dim: this.dim };
 *   }
 * }
 * const { logDet } = new Swap(2).forward(tf.tensor2d([[1, 2], [3, 4]])); // [0, 0]
 * ```
 */
export function zeroLogDet(batch: tf.Tensor2D): tf.Tensor1D {
  return tf.zeros([batch.shape[0]]) as tf.Tensor1D;
}

/** A `[batch]` vector holding the scalar `value` in every row, differentiable in `value`. */
export function rowsOf(batch: tf.Tensor2D, value: tf.Tensor): tf.Tensor1D {
  return tf.add(tf.zeros([batch.shape[0]]), value) as tf.Tensor1D;
}
