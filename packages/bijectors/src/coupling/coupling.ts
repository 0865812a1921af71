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
import {
  type Conditioner,
  conditionerSchema,
  createConditioner,
  defaultConditionerSpec,
} from '../nets/conditioner.js';
import type { Transformer } from '../transformers/transformer.js';
import { MaskSplitter, maskSchema, resolveMask } from './mask.js';

/** The options every coupling layer has, besides its transformer's, with their defaults. */
export const couplingFields = {
  dim: z.number().int().min(2),
  /** Width of the context given to the conditioner; 0 for an unconditional layer. */
  contextDim: z.number().int().nonnegative().default(0),
  mask: maskSchema.default('half'),
  conditioner: conditionerSchema.default(() => ({ ...defaultConditionerSpec })),
  /** Start with the conditioner's last layer at zero, so that the layer starts as the identity. */
  identityInit: z.boolean().default(false),
  seed: seedSchema.default(0),
};

const couplingSchema = z.strictObject(couplingFields);

/** What {@link Coupling} takes: the layer's options and the transformer. */
export type CouplingOptions = z.input<typeof couplingSchema> & { transformer: Transformer };

/**
 * A coupling layer (Dinh et al. 2017) with any elementwise {@link Transformer}: the columns where
 * the mask is 0 pass through unchanged; from them (and the context) the conditioner computes the
 * transformer's parameters for every other column, `[batch, nTransformed * paramsPerDim]`, each
 * column's parameters contiguous (nflows's layout). The passed-through columns are the same in
 * `u` and `x`, so both directions cost one conditioner pass. {@link AffineCoupling} and
 * {@link RationalQuadraticCoupling} are this layer with the `affine` and `rationalQuadratic`
 * transformers. Variables: `conditioner.*`.
 *
 * @example
 * ```ts
 * const layer = new Coupling({ dim: 4, transformer: rationalQuadratic({ numBins: 4 }), identityInit: true });
 * const { y: u, logDet } = layer.inverse(x); // data -> latent, logDet [batch]
 * ```
 */
export class Coupling extends BaseBijector {
  readonly type: string = 'coupling';
  /** The resolved mask: 1 = transformed, 0 = passed through. */
  readonly mask: readonly (0 | 1)[];
  /** The network that computes the transformer's parameters. */
  readonly conditioner: Conditioner;
  readonly transformer: Transformer;
  /** @internal Splits rows into passed-through and transformed columns and merges them back. */
  protected readonly splitter: MaskSplitter;
  protected readonly settings: z.output<typeof couplingSchema>;

  constructor(options: CouplingOptions) {
    const { transformer, ...rest } = options;
    const settings = parseConfig("bijector 'coupling' config", couplingSchema, rest);
    super(settings.dim, settings.contextDim);
    this.settings = settings;
    this.transformer = transformer;
    this.mask = resolveMask(settings.mask, settings.dim);
    this.splitter = new MaskSplitter(this.mask);
    this.conditioner = createConditioner(settings.conditioner, {
      inFeatures: this.splitter.identity.length,
      outFeatures: this.splitter.transformed.length * transformer.paramsPerDim,
      contextDim: settings.contextDim,
      zeroInitOutput: settings.identityInit,
      seed: settings.seed,
    });
  }

  protected _forward(u: tf.Tensor2D, context: tf.Tensor2D | undefined): BijectorOutput {
    return this.couple(u, context, 'forward');
  }

  protected _inverse(x: tf.Tensor2D, context: tf.Tensor2D | undefined): BijectorOutput {
    return this.couple(x, context, 'inverse');
  }

  private couple(input: tf.Tensor2D, context: tf.Tensor2D | undefined, direction: 'forward' | 'inverse') {
    const [passed, changed] = this.splitter.split(input);
    const params = this.conditioner.apply(passed, context);
    const { y, logDet } = this.transformer[direction](changed, params, {
      hiddenFeatures: this.conditioner.hiddenFeatures,
    });
    return { y: this.splitter.merge(passed, y), logDet: tf.sum(logDet, 1) as tf.Tensor1D };
  }

  override namedVariables(): NamedVariable[] {
    return [...super.namedVariables(), ...prefixed('conditioner', this.conditioner.namedVariables())];
  }

  override dispose(): void {
    this.splitter.dispose();
    this.conditioner.dispose();
    super.dispose();
  }

  /** The layer's options and the transformer's. */
  getConfig(): JsonObject {
    const s = this.settings;
    return {
      dim: s.dim,
      contextDim: s.contextDim,
      mask: typeof s.mask === 'string' ? s.mask : [...s.mask],
      conditioner: { ...s.conditioner },
      identityInit: s.identityInit,
      seed: s.seed,
      ...this.transformer.getConfig(),
    };
  }
}
