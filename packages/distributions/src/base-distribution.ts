import {
  assertBatch,
  assertContext,
  assertDims,
  assertSampleCount,
  type Batch,
  ConfigError,
  type Distribution,
  formatShape,
  guarded,
  type JsonObject,
  type NamedVariable,
  parseConfig,
  type Rng,
  type SampleOptions,
  type SampleWithLogProb,
  ShapeError,
  type Trainable,
  toRng,
  VariableStore,
} from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';

const sampleOptionsSchema = z.strictObject({
  context: z.custom<tf.Tensor2D>((v) => v instanceof tf.Tensor, 'expected a tf.Tensor2D').optional(),
  seed: z
    .custom<number | Rng>((v) => typeof v === 'number' || (typeof v === 'object' && v !== null))
    .optional(),
});

/**
 * The checked options of a sampling call: a strict object (an unknown key names the nearest valid
 * one), and the pre-0.2 positional form `sample(n, context, rng)` refused with the new form named.
 */
function sampleOptions(where: string, options: unknown, extra: number): SampleOptions {
  if (extra > 0 || options instanceof tf.Tensor) {
    throw new ConfigError(
      `${where}: expected sample(n, { context, seed }), got positional arguments after n (the form before 0.2)`,
    );
  }
  return parseConfig(`${where} options`, sampleOptionsSchema, options);
}

/**
 * The base class of Diffeo's distributions: it checks inputs (shapes, context, finiteness at the
 * outermost call), runs inside `tf.tidy`, broadcasts a one-row sampling context, owns variables in
 * `store`, and trains by negative log-likelihood (`loss`). Subclasses write `_logProb`, `_sample`
 * and `getConfig`, and may override `_sampleAndLogProb` when both come cheaper together.
 */
export abstract class BaseDistribution implements Distribution, Trainable {
  readonly kind = 'distribution' as const;
  abstract readonly type: string;
  protected readonly store = new VariableStore();
  protected training = false;

  constructor(
    readonly dim: number,
    readonly contextDim = 0,
  ) {
    assertDims(dim, contextDim);
  }

  /** log p(x | context) per row, `[batch]`. */
  logProb(x: tf.Tensor2D, context?: tf.Tensor2D): tf.Tensor1D {
    return this.evaluate('logProb', x, context, (xs, c) => this._logProb(xs, c));
  }

  /**
   * Runs `body` on checked data rows and their context (shapes, context width and rows, finiteness
   * at the outermost call) inside `tf.tidy`: the entry of every method that takes data.
   */
  protected evaluate<T extends tf.TensorContainer>(
    method: string,
    x: tf.Tensor2D,
    context: tf.Tensor2D | undefined,
    body: (x: tf.Tensor2D, context: tf.Tensor2D | undefined) => T,
  ): T {
    const where = `${this.type}.${method}`;
    const xs = assertBatch(`${where}: x`, x, this.dim);
    const c = assertContext(`${where}: context`, context, this.contextDim, xs.shape[0]);
    return guarded(
      [
        [`${where}: x`, xs],
        [`${where}: context`, c],
      ],
      () => tf.tidy(() => body(xs, c)),
    );
  }

  /**
   * Draws `n` rows. A conditional distribution needs a `context` with `n` rows (one sample per row)
   * or one row (used for all `n`); `seed` is an integer or an `Rng` (the global source when
   * omitted).
   *
   * @example
   * ```ts
   * const x = flow.sample(1000, { seed: 42 });
   * ```
   */
  sample(n: number, options: SampleOptions = {}, ...extra: never[]): tf.Tensor2D {
    const where = `${this.type}.sample`;
    const { context, seed } = sampleOptions(where, options, extra.length);
    return this.withSamplingContext('sample', n, context, (c) => this._sample(n, c, toRng(seed)));
  }

  /** Draws `n` rows with their log-densities, in one pass where the model allows it. */
  sampleAndLogProb(n: number, options: SampleOptions = {}, ...extra: never[]): SampleWithLogProb {
    const where = `${this.type}.sampleAndLogProb`;
    const { context, seed } = sampleOptions(where, options, extra.length);
    return this.withSamplingContext('sampleAndLogProb', n, context, (c) =>
      this._sampleAndLogProb(n, c, toRng(seed)),
    );
  }

  /** Negative mean log-likelihood of a batch: what `fit` minimises. */
  loss(batch: Batch): tf.Scalar {
    return tf.tidy(() => tf.neg(tf.mean(this.logProb(batch.x, batch.context))) as tf.Scalar);
  }

  protected abstract _logProb(x: tf.Tensor2D, context: tf.Tensor2D | undefined): tf.Tensor1D;
  protected abstract _sample(n: number, context: tf.Tensor2D | undefined, rng: Rng): tf.Tensor2D;
  abstract getConfig(): JsonObject;

  protected _sampleAndLogProb(n: number, context: tf.Tensor2D | undefined, rng: Rng): SampleWithLogProb {
    const x = this._sample(n, context, rng);
    return { x, logProb: this._logProb(x, context) };
  }

  namedVariables(): NamedVariable[] {
    return this.store.named();
  }

  setTraining(training: boolean): void {
    this.training = training;
  }

  dispose(): void {
    this.store.dispose();
  }

  private withSamplingContext<T extends tf.TensorContainer>(
    method: string,
    n: number,
    context: tf.Tensor2D | undefined,
    body: (c: tf.Tensor2D | undefined) => T,
  ): T {
    const where = `${this.type}.${method}`;
    assertSampleCount(`${where}: n`, n, this.dim);
    if (context !== undefined && this.contextDim > 0) {
      const c = assertBatch(`${where}: context`, context, this.contextDim);
      if (c.shape[0] !== 1 && c.shape[0] !== n) {
        throw new ShapeError(`${where}: context: expected 1 or ${n} rows, got ${formatShape(c.shape)}`);
      }
    }
    const rows = context?.shape[0] === 1 ? 1 : n;
    const c = assertContext(`${where}: context`, context, this.contextDim, rows);
    return guarded([[`${where}: context`, c]], () =>
      tf.tidy(() => body(c === undefined || rows === n ? c : (tf.tile(c, [n, 1]) as tf.Tensor2D))),
    );
  }
}
