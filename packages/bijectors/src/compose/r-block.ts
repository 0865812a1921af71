import {
  type Bijector,
  type BijectorOutput,
  createRng,
  definePlugin,
  type JsonObject,
  type NamedVariable,
  parseConfig,
  prefixed,
} from '@diffeo/core';
import type * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { BaseBijector } from '../base.js';
import { AffineCoupling } from '../coupling/affine-coupling.js';
import { ActNorm } from '../elementwise/act-norm.js';
import { Permutation } from '../linear/permutation.js';
import { conditionerSchema, defaultConditionerSpec } from '../nets/conditioner.js';
import { Chain } from './chain.js';

/** The config of an {@link RBlock}, with its defaults. */
export const rBlockConfigSchema = z.strictObject({
  dim: z.number().int().min(2),
  /** Width of the context given to both coupling layers; 0 for an unconditional block. */
  contextDim: z.number().int().nonnegative().default(0),
  /** The conditioner of both coupling layers. */
  conditioner: conditionerSchema.default(() => ({ ...defaultConditionerSpec })),
  /** The coupling layers' bound B on |log-scale|. */
  logScaleBound: z.number().positive().default(3),
  /** Start both coupling layers as the exact identity. */
  identityInit: z.boolean().default(true),
  /** Start with the thesis's leading actnorm (the first layer of its models). */
  leadingActNorm: z.boolean().default(true),
  /** The thesis's last block: omit the random permutation and the trailing actnorm. */
  last: z.boolean().default(false),
  /** Seeds both conditioners and the random permutation. */
  seed: z.number().int().default(0),
});

/** What the {@link RBlock} constructor takes (fields with defaults are optional). */
export type RBlockConfig = z.input<typeof rBlockConfigSchema>;

/** The names of an R-block's components, from the data side, as they prefix variable names. */
export type RBlockPart = 'actNormIn' | 'coupling1' | 'reverse' | 'coupling2' | 'shuffle' | 'actNormOut';

/**
 * The R-block of the marginalizing-flows thesis (section 2.1.4, after Dinh et al. 2017's Real NVP),
 * listed from the data side (the normalizing direction, data -> latent), as the thesis does:
 *
 *   actnorm, affine coupling, reverse permutation, affine coupling, random permutation, actnorm.
 *
 * Both couplings keep the lower half of their input and transform the higher half (mask `'half'`);
 * the reverse permutation between them makes the second transform what the first kept, so every
 * dimension is transformed once. The random permutation and the trailing actnorm prepare the next
 * block; `last: true` omits them, as the thesis's final block does. The thesis's models start with
 * one actnorm followed by the five-layer blocks (coupling ... actnorm): the leading actnorm here
 * (`leadingActNorm`, default true) is that first layer, so when stacking blocks set
 * `leadingActNorm: false` on all but the first, else two actnorms meet at every junction:
 *
 *   [RBlock(leadingActNorm: true), RBlock(leadingActNorm: false), ..., RBlock(leadingActNorm: false, last: true)]
 *
 * The block is a {@link Chain} of {@link ActNorm}, {@link AffineCoupling} and {@link Permutation}
 * (held in generative order, i.e. the list above reversed: `forward` runs latent -> data). The
 * actnorms initialise from the first batch seen by `inverse` in training mode. The conditioners
 * and the random permutation draw their seeds from `seed`, so the config alone rebuilds the same
 * block. Variables are named by part: `actNormIn.*`, `coupling1.conditioner.*`,
 * `coupling2.conditioner.*`, `actNormOut.*`.
 *
 * @example
 * ```ts
 * const first = new RBlock({ dim: 4, conditioner: { type: 'mlp', hiddenFeatures: 64 }, seed: 1 });
 * const final = new RBlock({ dim: 4, leadingActNorm: false, last: true, seed: 2 });
 * const flowBody = new Chain([final, first]); // generative order: `first` is next to the data
 * ```
 */
export class RBlock extends BaseBijector {
  readonly type = 'r-block';
  /** The block as a chain, in generative order. */
  readonly chain: Chain;
  /** The block's components by name, from the data side. */
  readonly parts: ReadonlyMap<RBlockPart, Bijector>;
  private readonly config: z.output<typeof rBlockConfigSchema>;

  constructor(config: RBlockConfig) {
    const c = parseConfig(`bijector 'r-block' config`, rBlockConfigSchema, config);
    super(c.dim, c.contextDim);
    this.config = c;
    const rng = createRng(c.seed);
    const seeds = [rng.int(2 ** 31), rng.int(2 ** 31), rng.int(2 ** 31)] as const;
    const coupling = (seed: number) =>
      new AffineCoupling({
        dim: c.dim,
        contextDim: c.contextDim,
        mask: 'half',
        conditioner: c.conditioner,
        logScaleBound: c.logScaleBound,
        identityInit: c.identityInit,
        seed,
      });
    const parts: [RBlockPart, Bijector][] = [];
    if (c.leadingActNorm) parts.push(['actNormIn', new ActNorm({ dim: c.dim })]);
    parts.push(['coupling1', coupling(seeds[0])]);
    parts.push(['reverse', new Permutation({ dim: c.dim, permutation: 'reverse' })]);
    parts.push(['coupling2', coupling(seeds[1])]);
    if (!c.last) {
      parts.push(['shuffle', new Permutation({ dim: c.dim, permutation: 'random', seed: seeds[2] })]);
      parts.push(['actNormOut', new ActNorm({ dim: c.dim })]);
    }
    this.parts = new Map(parts);
    this.chain = new Chain(parts.map(([, b]) => b).reverse());
  }

  protected _forward(u: tf.Tensor2D, context: tf.Tensor2D | undefined): BijectorOutput {
    return this.chain.forward(u, context);
  }

  protected _inverse(x: tf.Tensor2D, context: tf.Tensor2D | undefined): BijectorOutput {
    return this.chain.inverse(x, context);
  }

  getConfig(): JsonObject {
    const c = this.config;
    return {
      dim: c.dim,
      contextDim: c.contextDim,
      conditioner: { ...c.conditioner },
      logScaleBound: c.logScaleBound,
      identityInit: c.identityInit,
      leadingActNorm: c.leadingActNorm,
      last: c.last,
      seed: c.seed,
    };
  }

  override namedVariables(): NamedVariable[] {
    return [...this.parts].flatMap(([name, b]) => prefixed(name, b.namedVariables()));
  }

  override setTraining(training: boolean): void {
    super.setTraining(training);
    this.chain.setTraining(training);
  }

  override dispose(): void {
    this.chain.dispose();
    super.dispose();
  }
}

/** The registry plugin of {@link RBlock}: bijector type `'r-block'`. */
export const rBlockPlugin = definePlugin({
  kind: 'bijector',
  type: 'r-block',
  description: 'Marginalizing-flows R-block: actnorm, coupling, reverse, coupling, shuffle, actnorm',
  schema: rBlockConfigSchema,
  create: (config) => new RBlock(config),
});
