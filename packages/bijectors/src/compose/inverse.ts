import {
  type Bijector,
  type BijectorOutput,
  definePlugin,
  type JsonObject,
  type NamedVariable,
  prefixed,
  specConfigSchema,
  specOf,
} from '@diffeo/core';
import type * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { BaseBijector } from '../base.js';
import { buildBijectors } from './chain.js';

const schema = z.strictObject({
  /** The bijector to invert, as a nested spec. */
  bijector: specConfigSchema,
});

/** Config of {@link Inverse}. */
export type InverseConfig = z.input<typeof schema>;

/**
 * The inverse of a bijector: `forward` runs the child's `inverse` and `inverse` runs its
 * `forward`, each with that call's log-determinant. Use it to place a map the other way round,
 * e.g. `new Inverse(new Sigmoid({ dim }))` is a logit, or to make an autoregressive layer's fast
 * direction the sampling direction (inverse autoregressive flow).
 *
 * The wrapper owns the child (`setTraining`, `dispose`); its variables are the child's, prefixed
 * `'bijector.'`. Layers that learn from data in their `inverse` (ActNorm's initialisation,
 * BatchNorm's batch statistics) do so in the wrapper's `forward`.
 *
 * @example
 * ```ts
 * const logit = new Inverse(new Sigmoid({ dim: 2 }));
 * logit.forward(tf.tensor2d([[0.5, 0.9]])).y; // [[0, 2.1972]]
 * ```
 */
export class Inverse extends BaseBijector {
  readonly type = 'inverse';

  constructor(readonly bijector: Bijector) {
    super(bijector.dim, bijector.contextDim);
  }

  protected _forward(u: tf.Tensor2D, context: tf.Tensor2D | undefined): BijectorOutput {
    return this.bijector.inverse(u, context);
  }

  protected _inverse(x: tf.Tensor2D, context: tf.Tensor2D | undefined): BijectorOutput {
    return this.bijector.forward(x, context);
  }

  getConfig(): JsonObject {
    return { bijector: specOf(this.bijector) as unknown as JsonObject };
  }

  override namedVariables(): NamedVariable[] {
    return prefixed('bijector', this.bijector.namedVariables());
  }

  override setTraining(training: boolean): void {
    super.setTraining(training);
    this.bijector.setTraining?.(training);
  }

  override dispose(): void {
    this.bijector.dispose();
    super.dispose();
  }
}

/** The `inverse` bijector plugin: builds its nested bijector spec through the registry. */
export const inversePlugin = definePlugin({
  kind: 'bijector',
  type: 'inverse',
  description: 'Swaps the forward and inverse directions of a bijector',
  schema,
  create: (config, ctx) =>
    new Inverse(buildBijectors([config.bijector], ctx.registry, () => 'inverse.bijector')[0]!),
});
