import type { JsonObject, NamedVariable } from '@diffeo/core';
import type * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { activationSchema } from './activation.js';
import type { DenseLayer } from './dense.js';
import { MLP } from './mlp.js';
import { ResidualNet } from './residual-net.js';

/**
 * A network that computes a layer's parameters from its conditioning input: `apply(x, context)`
 * maps `[batch, inFeatures]` (plus `[batch, contextDim]` when `contextDim > 0`) to
 * `[batch, outFeatures]`. {@link MLP} and {@link ResidualNet} implement it.
 */
export interface Conditioner {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly contextDim: number;
  readonly hiddenFeatures: number;
  apply(x: tf.Tensor2D, context?: tf.Tensor2D): tf.Tensor2D;
  /** The last layer (the one `zeroInitOutput` zeroes). */
  outputLayer(): DenseLayer;
  getConfig(): JsonObject;
  namedVariables(): NamedVariable[];
  dispose(): void;
}

/**
 * The `conditioner` field of a layer's config: which network, and its size. The layer fills in the
 * widths, the context width, the output initialisation and the seed.
 * - `{ type: 'mlp', hiddenFeatures = 64, numHiddenLayers = 2, activation = 'relu' }`: an {@link MLP};
 * - `{ type: 'residual', hiddenFeatures = 64, numBlocks = 2, activation = 'relu' }`: a {@link ResidualNet}.
 */
export const conditionerSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('mlp'),
    hiddenFeatures: z.number().int().positive().default(64),
    numHiddenLayers: z.number().int().positive().default(2),
    activation: activationSchema.default('relu'),
  }),
  z.strictObject({
    type: z.literal('residual'),
    hiddenFeatures: z.number().int().positive().default(64),
    numBlocks: z.number().int().positive().default(2),
    activation: activationSchema.default('relu'),
  }),
]);

/** A validated `conditioner` config (defaults filled). */
export type ConditionerSpec = z.output<typeof conditionerSchema>;

/** The default conditioner of the layers that take one: an MLP with 2 hidden layers of 64 units. */
export const defaultConditionerSpec: ConditionerSpec = {
  type: 'mlp',
  hiddenFeatures: 64,
  numHiddenLayers: 2,
  activation: 'relu',
};

/** What a layer fixes when it builds its conditioner. */
export interface ConditionerShape {
  inFeatures: number;
  outFeatures: number;
  contextDim: number;
  zeroInitOutput: boolean;
  seed: number;
}

/**
 * Builds the conditioner a `conditioner` config describes, with the widths the layer needs.
 *
 * @example
 * ```ts
 * const net = createConditioner(
 *   { type: 'residual', hiddenFeatures: 32, numBlocks: 2, activation: 'relu' },
 *   { inFeatures: 1, outFeatures: 2, contextDim: 0, zeroInitOutput: true, seed: 0 },
 * );
 * ```
 */
export function createConditioner(spec: ConditionerSpec, shape: ConditionerShape): Conditioner {
  if (spec.type === 'mlp') {
    return new MLP({
      ...shape,
      hiddenFeatures: spec.hiddenFeatures,
      numHiddenLayers: spec.numHiddenLayers,
      activation: spec.activation,
    });
  }
  return new ResidualNet({
    ...shape,
    hiddenFeatures: spec.hiddenFeatures,
    numBlocks: spec.numBlocks,
    activation: spec.activation,
  });
}
