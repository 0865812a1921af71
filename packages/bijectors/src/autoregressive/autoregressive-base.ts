import { type BijectorOutput, type NamedVariable, prefixed } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { BaseBijector } from '../base.js';
import { type HiddenDegrees, MADE } from './made.js';

/** The configuration every masked autoregressive layer shares (the MADE that conditions it). */
export interface AutoregressiveConfig {
  /** Event size D. */
  dim: number;
  /** Context width, 0 (default) for an unconditional layer. */
  contextDim?: number;
  /** Width of the MADE's hidden layers (default 64). */
  hiddenFeatures?: number;
  /** Residual (or feed-forward) blocks after the first hidden layer (default 2). */
  numBlocks?: number;
  /** Masked residual blocks as nflows (default true), or plain masked layers. */
  useResidualBlocks?: boolean;
  /** Degrees of the hidden units (default 'sequential'). */
  hiddenDegrees?: HiddenDegrees;
  /** Zero-initialise the MADE's output layer so the layer starts as the identity (default false). */
  identityInit?: boolean;
  /** Seed of the initial weights and random degrees (default 0). */
  seed?: number;
}

/** The zod fields of {@link AutoregressiveConfig}, with their defaults, for the layers' schemas. */
export const autoregressiveConfigFields = {
  dim: z.number().int().positive(),
  contextDim: z.number().int().nonnegative().default(0),
  hiddenFeatures: z.number().int().positive().default(64),
  numBlocks: z.number().int().nonnegative().default(2),
  useResidualBlocks: z.boolean().default(true),
  hiddenDegrees: z.enum(['sequential', 'random']).default('sequential'),
  identityInit: z.boolean().default(false),
  seed: z.number().int().default(0),
};

/** Which way an elementwise transformer runs: data to latent (one MADE pass) or latent to data. */
export type AutoregressiveDirection = 'normalize' | 'generate';

/**
 * The shared machinery of masked autoregressive flows (MAF, Papamakarios et al. 2017): a MADE maps
 * the data x to per-dimension parameters, and an elementwise transformer, parameterised by them,
 * maps x_i to u_i. In Diffeo's directions:
 *
 * - `inverse` (data x -> latent u, density evaluation) is ONE pass: params = MADE(x) depend on x_<i
 *   only, so all dimensions are transformed at once. This is the fast direction.
 * - `forward` (latent u -> data x, sampling) needs `dim` passes: pass k recomputes the parameters
 *   from the partial x, fixing dimension k; after `dim` passes every parameter sees the final x.
 *   Without a context, pass 0 runs the MADE on a single row (dimension 0's parameters are
 *   constants then).
 *
 * A subclass gives the number of parameters per dimension and the elementwise map.
 */
export abstract class AutoregressiveBijector extends BaseBijector {
  /** The conditioner. Its variables are listed under `made.` by {@link namedVariables}. */
  readonly made: MADE;
  readonly hiddenFeatures: number;
  readonly numBlocks: number;
  readonly useResidualBlocks: boolean;
  readonly hiddenDegrees: HiddenDegrees;
  readonly identityInit: boolean;
  readonly seed: number;

  constructor(config: AutoregressiveConfig, paramsPerDim: number) {
    super(config.dim, config.contextDim ?? 0);
    this.hiddenFeatures = config.hiddenFeatures ?? 64;
    this.numBlocks = config.numBlocks ?? 2;
    this.useResidualBlocks = config.useResidualBlocks ?? true;
    this.hiddenDegrees = config.hiddenDegrees ?? 'sequential';
    this.identityInit = config.identityInit ?? false;
    this.seed = config.seed ?? 0;
    this.made = new MADE({
      features: this.dim,
      hiddenFeatures: this.hiddenFeatures,
      outputMultiplier: paramsPerDim,
      contextDim: this.contextDim,
      numBlocks: this.numBlocks,
      useResidualBlocks: this.useResidualBlocks,
      hiddenDegrees: this.hiddenDegrees,
      zeroInitOutput: this.identityInit,
      seed: this.seed,
    });
  }

  /**
   * The elementwise map of `input` under `params` (`[batch, dim * paramsPerDim]`, each dimension's
   * parameters contiguous), with log|d output / d input| per element.
   */
  protected abstract elementwise(
    input: tf.Tensor2D,
    params: tf.Tensor2D,
    direction: AutoregressiveDirection,
  ): { y: tf.Tensor2D; logDet: tf.Tensor2D };

  protected _inverse(x: tf.Tensor2D, context: tf.Tensor2D | undefined): BijectorOutput {
    const { y, logDet } = this.elementwise(x, this.made.apply(x, context), 'normalize');
    return { y, logDet: tf.sum(logDet, 1) as tf.Tensor1D };
  }

  protected _forward(u: tf.Tensor2D, context: tf.Tensor2D | undefined): BijectorOutput {
    // Pass 0 only has to get dimension 0 right, whose parameters see no input at all; without a
    // context they are the same for every row, so one row of MADE stands for the whole batch
    // (with D = 2 that halves the work of sampling).
    const first =
      context === undefined
        ? // A broadcasting product, not tf.tile: wasm's Tile took 16 ms for 10^4 rows of 46.
          (tf.mul(tf.ones([u.shape[0], 1]), this.made.apply(tf.zeros([1, this.dim]))) as tf.Tensor2D)
        : this.made.apply(tf.zerosLike(u) as tf.Tensor2D, context);
    let { y: x, logDet } = this.elementwise(u, first, 'generate');
    for (let pass = 1; pass < this.dim; pass++) {
      const out = this.elementwise(u, this.made.apply(x, context), 'generate');
      x = out.y;
      logDet = out.logDet;
    }
    return { y: x, logDet: tf.sum(logDet, 1) as tf.Tensor1D };
  }

  /** The layer's own variables, then the MADE's as `made.initial.weight`, ..., `made.final.bias`. */
  override namedVariables(): NamedVariable[] {
    return [...this.store.named(), ...prefixed('made', this.made.namedVariables())];
  }

  override dispose(): void {
    super.dispose();
    this.made.dispose();
  }

  /** The config fields of the MADE, for the subclasses' `getConfig`. */
  protected autoregressiveConfig() {
    return {
      dim: this.dim,
      contextDim: this.contextDim,
      hiddenFeatures: this.hiddenFeatures,
      numBlocks: this.numBlocks,
      useResidualBlocks: this.useResidualBlocks,
      hiddenDegrees: this.hiddenDegrees,
      identityInit: this.identityInit,
      seed: this.seed,
    };
  }
}
