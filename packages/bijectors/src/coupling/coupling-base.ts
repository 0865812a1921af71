import { type BijectorOutput, type NamedVariable, prefixed } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { BaseBijector } from '../base.js';
import { type Conditioner, type ConditionerSpec, createConditioner } from '../nets/conditioner.js';
import { type MaskSpec, MaskSplitter, resolveMask } from './mask.js';

/** What every coupling layer's config holds, after validation. */
export interface CouplingSettings {
  dim: number;
  contextDim: number;
  mask: MaskSpec;
  conditioner: ConditionerSpec;
  identityInit: boolean;
  seed: number;
}

/** An elementwise transformer's result on the transformed columns: the output and log|dy/dx| per row. */
export interface TransformerOutput {
  y: tf.Tensor2D;
  logDet: tf.Tensor1D;
}

/**
 * The machinery shared by coupling layers (Dinh et al. 2017): split the input by the mask, run the
 * conditioner on the passed-through columns (and the context), transform the other columns
 * elementwise with the parameters it returns, merge. The passed-through columns are the same in
 * `u` and `x`, so both directions cost one conditioner pass. A subclass says how many parameters
 * each transformed dimension takes and writes the transformer in both directions.
 *
 * The conditioner's output `[batch, nTransformed * paramsPerDim]` is read as
 * `[batch, nTransformed, paramsPerDim]`: the parameters of one dimension are contiguous (nflows's
 * layout). Its variables are named `conditioner.*`.
 */
export abstract class CouplingBase extends BaseBijector {
  /** The resolved mask: 1 = transformed, 0 = passed through. */
  readonly mask: readonly (0 | 1)[];
  /** The network that computes the transformer's parameters. */
  readonly conditioner: Conditioner;
  protected readonly splitter: MaskSplitter;
  protected readonly settings: CouplingSettings;
  private readonly paramsPerDim: number;

  constructor(settings: CouplingSettings, paramsPerDim: number) {
    super(settings.dim, settings.contextDim);
    this.settings = settings;
    this.mask = resolveMask(settings.mask, settings.dim);
    this.splitter = new MaskSplitter(this.mask);
    this.conditioner = createConditioner(settings.conditioner, {
      inFeatures: this.splitter.identity.length,
      outFeatures: this.splitter.transformed.length * paramsPerDim,
      contextFeatures: settings.contextDim,
      zeroInitOutput: settings.identityInit,
      seed: settings.seed,
    });
    this.paramsPerDim = paramsPerDim;
  }

  /**
   * The latent -> data map of the transformed columns, given their parameters
   * `[batch, nTransformed, paramsPerDim]`.
   */
  protected abstract transformForward(u: tf.Tensor2D, params: tf.Tensor3D): TransformerOutput;

  /** The data -> latent map of the transformed columns: the inverse of {@link transformForward}. */
  protected abstract transformInverse(x: tf.Tensor2D, params: tf.Tensor3D): TransformerOutput;

  protected _forward(u: tf.Tensor2D, context: tf.Tensor2D | undefined): BijectorOutput {
    return this.couple(u, context, (a, p) => this.transformForward(a, p));
  }

  protected _inverse(x: tf.Tensor2D, context: tf.Tensor2D | undefined): BijectorOutput {
    return this.couple(x, context, (a, p) => this.transformInverse(a, p));
  }

  private couple(
    input: tf.Tensor2D,
    context: tf.Tensor2D | undefined,
    transform: (a: tf.Tensor2D, params: tf.Tensor3D) => TransformerOutput,
  ): BijectorOutput {
    const [passed, changed] = this.splitter.split(input);
    const flat = this.conditioner.apply(passed, context);
    const params = tf.reshape(flat, [
      input.shape[0],
      this.splitter.transformed.length,
      this.paramsPerDim,
    ]) as tf.Tensor3D;
    const { y, logDet } = transform(changed, params);
    return { y: this.splitter.merge(passed, y), logDet };
  }

  /**
   * Parameters `start .. start + size - 1` of every transformed dimension: `[batch, nTransformed]`
   * when `size` is 1, else `[batch, nTransformed, size]`.
   */
  protected static param(params: tf.Tensor3D, start: number, size = 1): tf.Tensor {
    const [batch, d] = params.shape;
    const part = tf.slice(params, [0, 0, start], [batch, d, size]);
    return size === 1 ? tf.reshape(part, [batch, d]) : part;
  }

  override namedVariables(): NamedVariable[] {
    return [...super.namedVariables(), ...prefixed('conditioner', this.conditioner.namedVariables())];
  }

  override dispose(): void {
    this.splitter.dispose();
    this.conditioner.dispose();
    super.dispose();
  }
}
