import { MLP } from '@diffeo/bijectors';
import {
  type Bijector,
  ConfigError,
  type Distribution,
  definePlugin,
  type JsonObject,
  type NamedVariable,
  parseConfig,
  prefixed,
  type Rng,
  type SampleWithLogProb,
  seedSchema,
  specConfigSchema,
  specOf,
} from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { BaseDistribution } from './base-distribution.js';

/** The schema of a context embedding's config, with its defaults. */
export const embeddingSchema = z.strictObject({
  /** Width of the embedded context that the bijector and base receive. */
  outFeatures: z.number().int().positive(),
  hiddenFeatures: z.number().int().positive().default(64),
  numHiddenLayers: z.number().int().positive().default(2),
  seed: seedSchema.default(0),
});

/** A context embedding: an MLP from the raw context to `outFeatures` dimensions, trained with the flow. */
export type EmbeddingConfig = z.input<typeof embeddingSchema>;

const flowOptionsSchema = z.strictObject({
  /** Width of the raw context; 0 for an unconditional flow. */
  contextDim: z.number().int().nonnegative().default(0),
  /** Embeds the context before the bijector and base see it. */
  embedding: embeddingSchema.optional(),
});

/** The options of a {@link Flow}: `contextDim` (0) and an optional context `embedding`. */
export type FlowOptions = z.input<typeof flowOptionsSchema>;

const parseFlowOptions = (options: FlowOptions) => parseConfig('flow options', flowOptionsSchema, options);

/**
 * A normalizing flow (a transformed distribution): x = T(u), u ~ base, with
 * log p(x | c) = log p_base(T^{-1}(x) | e) + log|det dT^{-1}/dx|, where e is the context, embedded
 * when an embedding is configured. `forward` of the bijector is the sampling direction.
 *
 * A conditional flow passes the (embedded) context to every conditional bijector and to a
 * conditional base; unconditional parts simply do not receive it. `sample(n, { context })` draws one
 * row per context row, or `n` rows for a single context row.
 *
 * The base may itself be a trained flow: that is a flow for flows (Klein et al. 2022).
 *
 * @example
 * ```ts
 * const flow = new Flow(new StandardNormal({ dim: 2 }), new Chain([...layers]));
 * await fit(flow, x, { steps: 1000, learningRate: 1e-3 });
 * const logp = flow.logProb(xTest);           // [batch]
 * const samples = flow.sample(1000, { seed: 42 });
 * // conditional: 500 samples at one condition value
 * const xs = condFlow.sample(500, { context: tf.tensor2d([[0.5]]) });
 * ```
 */
export class Flow extends BaseDistribution {
  readonly type = 'flow';
  readonly embedding: MLP | undefined;
  private readonly embeddingConfig: z.output<typeof embeddingSchema> | undefined;

  constructor(
    readonly base: Distribution,
    readonly bijector: Bijector,
    options: FlowOptions = {},
  ) {
    super(base.dim, parseFlowOptions(options).contextDim);
    if (bijector.dim !== base.dim) {
      throw new ConfigError(`bijector.dim: expected ${base.dim} (the base's dim), got ${bijector.dim}`);
    }
    this.embeddingConfig = parseFlowOptions(options).embedding;
    if (this.embeddingConfig !== undefined && this.contextDim === 0) {
      throw new ConfigError('embedding: an embedding needs contextDim > 0, got contextDim 0');
    }
    const inner = this.embeddingConfig?.outFeatures ?? this.contextDim;
    for (const [name, part] of [
      ['bijector', bijector],
      ['base', base],
    ] as const) {
      if (part.contextDim !== 0 && part.contextDim !== inner) {
        throw new ConfigError(
          `${name}.contextDim: expected 0 or ${inner} (the ${this.embeddingConfig ? 'embedded ' : ''}context width), got ${part.contextDim}`,
        );
      }
    }
    this.embedding =
      this.embeddingConfig === undefined
        ? undefined
        : new MLP({
            inFeatures: this.contextDim,
            outFeatures: this.embeddingConfig.outFeatures,
            hiddenFeatures: this.embeddingConfig.hiddenFeatures,
            numHiddenLayers: this.embeddingConfig.numHiddenLayers,
            seed: this.embeddingConfig.seed,
          });
  }

  private embed(context: tf.Tensor2D | undefined): tf.Tensor2D | undefined {
    if (context === undefined || this.embedding === undefined) return context;
    return this.embedding.apply(context);
  }

  private static contextFor(part: { contextDim: number }, e: tf.Tensor2D | undefined) {
    return part.contextDim === 0 ? undefined : e;
  }

  protected _logProb(x: tf.Tensor2D, context: tf.Tensor2D | undefined): tf.Tensor1D {
    const e = this.embed(context);
    const { y: u, logDet } = this.bijector.inverse(x, Flow.contextFor(this.bijector, e));
    return tf.add(this.base.logProb(u, Flow.contextFor(this.base, e)), logDet) as tf.Tensor1D;
  }

  protected _sample(n: number, context: tf.Tensor2D | undefined, rng: Rng): tf.Tensor2D {
    const e = this.embed(context);
    const u = this.base.sample(n, { context: Flow.contextFor(this.base, e), seed: rng });
    return this.bijector.forward(u, Flow.contextFor(this.bijector, e)).y;
  }

  protected override _sampleAndLogProb(
    n: number,
    context: tf.Tensor2D | undefined,
    rng: Rng,
  ): SampleWithLogProb {
    const e = this.embed(context);
    const { x: u, logProb } = this.base.sampleAndLogProb(n, {
      context: Flow.contextFor(this.base, e),
      seed: rng,
    });
    const { y, logDet } = this.bijector.forward(u, Flow.contextFor(this.bijector, e));
    return { x: y, logProb: tf.sub(logProb, logDet) as tf.Tensor1D };
  }

  /** The latent u = T^{-1}(x) of each row (the base's space). */
  transformToLatent(x: tf.Tensor2D, context?: tf.Tensor2D): tf.Tensor2D {
    return this.evaluate('transformToLatent', x, context, (xs, c) => {
      return this.bijector.inverse(xs, Flow.contextFor(this.bijector, this.embed(c))).y;
    });
  }

  override namedVariables(): NamedVariable[] {
    return [
      ...prefixed('base', this.base.namedVariables()),
      ...prefixed('bijector', this.bijector.namedVariables()),
      ...(this.embedding === undefined ? [] : prefixed('embedding', this.embedding.namedVariables())),
    ];
  }

  override setTraining(training: boolean): void {
    super.setTraining(training);
    this.base.setTraining?.(training);
    this.bijector.setTraining?.(training);
  }

  override dispose(): void {
    this.base.dispose();
    this.bijector.dispose();
    this.embedding?.dispose();
  }

  getConfig(): JsonObject {
    return {
      base: specOf(this.base) as unknown as JsonObject,
      bijector: specOf(this.bijector) as unknown as JsonObject,
      contextDim: this.contextDim,
      ...(this.embeddingConfig === undefined ? {} : { embedding: { ...this.embeddingConfig } }),
    };
  }
}

export const flowPlugin = definePlugin({
  kind: 'distribution',
  type: 'flow',
  description: 'A base distribution transformed by a bijector',
  schema: z.strictObject({
    base: specConfigSchema.extend({ kind: z.literal('distribution') }),
    bijector: specConfigSchema.extend({ kind: z.literal('bijector') }),
    contextDim: z.number().int().nonnegative().default(0),
    embedding: embeddingSchema.optional(),
  }),
  create: (config, { registry }) => {
    const base = registry.create<Distribution>(config.base);
    const bijector = registry.create<Bijector>(config.bijector);
    return new Flow(base, bijector, {
      contextDim: config.contextDim,
      ...(config.embedding === undefined ? {} : { embedding: config.embedding }),
    });
  },
});
