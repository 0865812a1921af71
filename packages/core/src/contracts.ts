import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from './rng.js';

/** The kinds of plugin a registry holds. */
export type PluginKind = 'bijector' | 'distribution' | 'model' | 'dataset';

/** A JSON value, as stored in a saved spec. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON object: what `getConfig()` returns. */
export type JsonObject = { [key: string]: Json };

/**
 * How to build an object through a registry: `registry.create(spec)`. Children (the bijectors of a
 * chain, the base of a flow) are specs nested inside `config`.
 */
export interface Spec {
  kind: PluginKind;
  type: string;
  config: JsonObject;
}

/** A variable with a name that is stable across sessions (tf's own variable names are global). */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

/**
 * Anything that is built from a config and may own variables: bijectors, distributions, models.
 * `getConfig()` round-trips: `registry.create({ kind, type, config: m.getConfig() })` builds an
 * equivalent object (with fresh weights).
 */
export interface Module {
  readonly kind: PluginKind;
  readonly type: string;
  getConfig(): JsonObject;
  /** Every variable, trainable or state (e.g. running averages), in a fixed order with stable names. */
  namedVariables(): NamedVariable[];
  /** Switches training behaviour (batch statistics, data-dependent init). Default: evaluation. */
  setTraining?(training: boolean): void;
  /** Frees every variable the object owns. */
  dispose(): void;
}

/** What `forward` and `inverse` return: the output and log|det J| of the map performed, per row. */
export type BijectorOutput = {
  y: tf.Tensor2D;
  logDet: tf.Tensor1D;
};

/**
 * An invertible map on `[batch, dim]` events. `forward` is the generative direction (latent u to
 * data x), `inverse` goes from data to latent. A conditional bijector takes a `[batch, contextDim]`
 * context; an unconditional one has `contextDim` 0 and rejects a context.
 */
export interface Bijector extends Module {
  readonly kind: 'bijector';
  readonly dim: number;
  readonly contextDim: number;
  forward(u: tf.Tensor2D, context?: tf.Tensor2D): BijectorOutput;
  inverse(x: tf.Tensor2D, context?: tf.Tensor2D): BijectorOutput;
}

/** A sample with the log-density of each row under the distribution that drew it. */
export type SampleWithLogProb = {
  x: tf.Tensor2D;
  logProb: tf.Tensor1D;
};

/** The options of `Distribution.sample` and `sampleAndLogProb`. */
export interface SampleOptions {
  /** `[n, contextDim]` (one sample per row) or `[1, contextDim]` (broadcast to `n` rows). */
  context?: tf.Tensor2D;
  /** A non-negative integer or an {@link Rng} (advanced by the call); the global source when omitted. */
  seed?: number | Rng;
}

/**
 * A probability density on `[batch, dim]` events, optionally conditional on a context.
 * `sample(n, { context, seed })` draws one row per context row; a context with a single row is
 * broadcast to `n` rows. Randomness comes from `seed` (an integer or an {@link Rng}), else the
 * global source.
 *
 * @example
 * ```ts
 * const x = flow.sample(1000, { seed: 42 });
 * const { x: xs, logProb } = conditionalFlow.sampleAndLogProb(500, { context: tf.tensor2d([[0.5]]), seed: 1 });
 * ```
 */
export interface Distribution extends Module {
  readonly kind: 'distribution';
  readonly dim: number;
  readonly contextDim: number;
  logProb(x: tf.Tensor2D, context?: tf.Tensor2D): tf.Tensor1D;
  sample(n: number, options?: SampleOptions): tf.Tensor2D;
  sampleAndLogProb(n: number, options?: SampleOptions): SampleWithLogProb;
}

/** One mini-batch: data rows and, for conditional models, their context rows. */
export type Batch = {
  x: tf.Tensor2D;
  context?: tf.Tensor2D;
};

/** What the training loop trains: variables and a scalar loss of a batch. */
export interface Trainable {
  namedVariables(): NamedVariable[];
  loss(batch: Batch): tf.Scalar;
  setTraining?(training: boolean): void;
}

/**
 * The spec of a module: what `save` stores and `registry.create` builds.
 *
 * @example
 * ```ts
 * import { Affine } from '@diffeo/bijectors';
 * import { specOf } from '@diffeo/core';
 *
 * specOf(new Affine({ dim: 2 })); // { kind: 'bijector', type: 'affine', config: { dim: 2 } }
 * ```
 */
export function specOf(module: Module): Spec {
  return { kind: module.kind, type: module.type, config: module.getConfig() };
}
