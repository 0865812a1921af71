import {
  type BijectorOutput,
  type JsonObject,
  type NamedVariable,
  parseConfig,
  prefixed,
  seedSchema,
} from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { BaseBijector } from '../base.js';
import type { Transformer, TransformerOutput } from '../transformers/transformer.js';
import { type HiddenDegrees, hiddenDegreesSchema, MADE } from './made.js';

/** The options every masked autoregressive layer has, besides its transformer's, with their defaults. */
export const maskedAutoregressiveFields = {
  /** Event size D. */
  dim: z.number().int().positive(),
  /** Context width, 0 for an unconditional layer. */
  contextDim: z.number().int().nonnegative().default(0),
  /** Width of the MADE's hidden layers. */
  hiddenFeatures: z.number().int().positive().default(64),
  /** Residual (or feed-forward) blocks after the first hidden layer. */
  numBlocks: z.number().int().nonnegative().default(2),
  /** Masked residual blocks as nflows, or plain masked layers. */
  useResidualBlocks: z.boolean().default(true),
  /** Degrees of the hidden units. */
  hiddenDegrees: hiddenDegreesSchema.default('sequential'),
  /** Zero-initialise the MADE's output layer, so that the layer starts as the identity. */
  identityInit: z.boolean().default(false),
  /** Seed of the initial weights and random degrees. */
  seed: seedSchema.default(0),
};

const maskedAutoregressiveSchema = z.strictObject(maskedAutoregressiveFields);

/** What {@link MaskedAutoregressive} takes: the layer's options and the transformer. */
export type MaskedAutoregressiveOptions = z.input<typeof maskedAutoregressiveSchema> & {
  transformer: Transformer;
};

/**
 * A masked autoregressive layer (MAF, Papamakarios et al. 2017) with any elementwise
 * {@link Transformer}: a MADE maps the data x to per-dimension parameters, and the transformer,
 * parameterised by them, maps x_i to u_i. {@link MaskedAffineAutoregressive} and
 * {@link MaskedRationalQuadraticAutoregressive} are this layer with the `affine` and
 * `rationalQuadratic` transformers. In Diffeo's directions:
 *
 * - `inverse` (data x -> latent u, density evaluation) is ONE pass: params = MADE(x) depend on x_<i
 *   only, so all dimensions are transformed at once. This is the fast direction.
 * - `forward` (latent u -> data x, sampling) needs `dim` passes: pass k computes the parameters
 *   from x's first k dimensions, which the earlier passes fixed, and transforms dimension k.
 *   Without a context, pass 0 runs the MADE on a single row (dimension 0's parameters are
 *   constants then).
 *
 * Variables: `made.*` (see {@link MADE}).
 *
 * @example
 * ```ts
 * const layer = new MaskedAutoregressive({ dim: 3, transformer: affine(), hiddenFeatures: 32 });
 * const { y: u, logDet } = layer.inverse(x); // one MADE pass
 * ```
 */
export class MaskedAutoregressive extends BaseBijector {
  readonly type: string = 'masked-autoregressive';
  /** The conditioner. Its variables are listed under `made.` by {@link namedVariables}. */
  readonly made: MADE;
  readonly transformer: Transformer;
  readonly hiddenFeatures: number;
  readonly numBlocks: number;
  readonly useResidualBlocks: boolean;
  readonly hiddenDegrees: HiddenDegrees;
  readonly identityInit: boolean;
  readonly seed: number;

  constructor(options: MaskedAutoregressiveOptions) {
    const { transformer, ...rest } = options;
    const c = parseConfig("bijector 'masked-autoregressive' config", maskedAutoregressiveSchema, rest);
    super(c.dim, c.contextDim);
    this.transformer = transformer;
    this.hiddenFeatures = c.hiddenFeatures;
    this.numBlocks = c.numBlocks;
    this.useResidualBlocks = c.useResidualBlocks;
    this.hiddenDegrees = c.hiddenDegrees;
    this.identityInit = c.identityInit;
    this.seed = c.seed;
    this.made = new MADE({
      dim: this.dim,
      hiddenFeatures: this.hiddenFeatures,
      outputMultiplier: transformer.paramsPerDim,
      contextDim: this.contextDim,
      numBlocks: this.numBlocks,
      useResidualBlocks: this.useResidualBlocks,
      hiddenDegrees: this.hiddenDegrees,
      zeroInitOutput: this.identityInit,
      seed: this.seed,
    });
  }

  private transform(
    input: tf.Tensor2D,
    params: tf.Tensor2D,
    direction: 'forward' | 'inverse',
  ): TransformerOutput {
    return this.transformer[direction](input, params, { hiddenFeatures: this.hiddenFeatures });
  }

  protected _inverse(x: tf.Tensor2D, context: tf.Tensor2D | undefined): BijectorOutput {
    const { y, logDet } = this.transform(x, this.made.apply(x, context), 'inverse');
    return { y, logDet: tf.sum(logDet, 1) as tf.Tensor1D };
  }

  protected _forward(u: tf.Tensor2D, context: tf.Tensor2D | undefined): BijectorOutput {
    // Pass k fixes dimension k, whose parameters see x_<k only, which the earlier passes fixed:
    // only that column is transformed (with D = 2 that halves the transformer's work).
    const columns: tf.Tensor2D[] = [];
    const logDets: tf.Tensor2D[] = [];
    for (let k = 0; k < this.dim; k++) {
      const uk = tf.slice(u, [0, k], [-1, 1]);
      const { y, logDet } = this.transform(
        uk,
        this.dimensionParams(k, columns, u.shape[0], context),
        'forward',
      );
      columns.push(y);
      logDets.push(logDet);
    }
    return { y: tf.concat(columns, 1), logDet: tf.sum(tf.concat(logDets, 1), 1) as tf.Tensor1D };
  }

  /** Dimension k's parameters [batch, paramsPerDim], from x's first k columns (`columns`). */
  private dimensionParams(
    k: number,
    columns: tf.Tensor2D[],
    batch: number,
    context: tf.Tensor2D | undefined,
  ): tf.Tensor2D {
    const width = this.transformer.paramsPerDim;
    if (k === 0 && context === undefined) {
      // Dimension 0's parameters see no input: without a context one row of MADE stands for the
      // whole batch. A broadcasting product, not tf.tile: wasm's Tile took 16 ms for 10^4 rows of 46.
      const row = tf.slice(this.made.apply(tf.zeros([1, this.dim])), [0, 0], [1, width]);
      return tf.mul(tf.ones([batch, 1]), row) as tf.Tensor2D;
    }
    // The MADE does not read x's columns from k on: zeros stand for them.
    const x = tf.concat([...columns, tf.zeros([batch, this.dim - k])], 1) as tf.Tensor2D;
    return tf.slice(this.made.apply(x, context), [0, k * width], [-1, width]);
  }

  /** The layer's own variables, then the MADE's as `made.initial.weight`, ..., `made.final.bias`. */
  override namedVariables(): NamedVariable[] {
    return [...this.store.named(), ...prefixed('made', this.made.namedVariables())];
  }

  override dispose(): void {
    super.dispose();
    this.made.dispose();
  }

  /** The layer's options and the transformer's. */
  getConfig(): JsonObject {
    return {
      dim: this.dim,
      contextDim: this.contextDim,
      hiddenFeatures: this.hiddenFeatures,
      numBlocks: this.numBlocks,
      useResidualBlocks: this.useResidualBlocks,
      hiddenDegrees: this.hiddenDegrees,
      identityInit: this.identityInit,
      seed: this.seed,
      ...this.transformer.getConfig(),
    };
  }
}
