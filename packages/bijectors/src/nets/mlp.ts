import {
  assertBatch,
  assertContext,
  createRng,
  type JsonObject,
  type NamedVariable,
  parseConfig,
  VariableStore,
} from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { type Activation, activationSchema } from './activation.js';
import type { Conditioner } from './conditioner.js';
import { addDense, type DenseLayer, dense, denseActivated } from './dense.js';

/** The config of an {@link MLP}, with its defaults. */
export const mlpConfigSchema = z.strictObject({
  /** Width of the input `x`. */
  inFeatures: z.number().int().positive(),
  /** Width of the output. */
  outFeatures: z.number().int().positive(),
  /** Width of every hidden layer. */
  hiddenFeatures: z.number().int().positive().default(64),
  /** Number of hidden layers (each a dense layer followed by the activation). */
  numHiddenLayers: z.number().int().positive().default(2),
  /** Width of the context concatenated to the input; 0 for none. */
  contextDim: z.number().int().nonnegative().default(0),
  activation: activationSchema.default('relu'),
  /** Start the output layer at exactly zero (weights and bias), so the net outputs 0 everywhere. */
  zeroInitOutput: z.boolean().default(false),
  seed: z.number().int().default(0),
});

/** What the {@link MLP} constructor takes (fields with defaults are optional). */
export type MLPConfig = z.input<typeof mlpConfigSchema>;

/**
 * A multilayer perceptron, the conditioner of coupling layers (Dinh et al. 2017, "Density
 * estimation using Real NVP"): `[x, context]` -> numHiddenLayers x (dense, activation) -> dense. Weights
 * start Glorot-uniform and biases uniform in ±1/sqrt(fanIn), drawn from `seed`; with
 * `zeroInitOutput` the last layer starts at exactly 0, which makes a coupling layer start as the
 * identity. Variable names: `hidden.{i}.weight`, `hidden.{i}.bias`, `output.weight`, `output.bias`.
 *
 * Not a bijector: it is built by the layers that use it from their `conditioner` config.
 *
 * @example
 * ```ts
 * const net = new MLP({ inFeatures: 2, outFeatures: 4, hiddenFeatures: 32, contextDim: 1 });
 * const out = net.apply(tf.randomNormal([8, 2]), tf.ones([8, 1])); // [8, 4]
 * net.dispose();
 * ```
 */
export class MLP implements Conditioner {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly hiddenFeatures: number;
  readonly numHiddenLayers: number;
  readonly contextDim: number;
  readonly activation: Activation;
  readonly zeroInitOutput: boolean;
  readonly seed: number;
  private readonly store = new VariableStore();
  private readonly hidden: DenseLayer[] = [];
  private readonly output: DenseLayer;

  constructor(config: MLPConfig) {
    const c = parseConfig('mlp config', mlpConfigSchema, config);
    this.inFeatures = c.inFeatures;
    this.outFeatures = c.outFeatures;
    this.hiddenFeatures = c.hiddenFeatures;
    this.numHiddenLayers = c.numHiddenLayers;
    this.contextDim = c.contextDim;
    this.activation = c.activation;
    this.zeroInitOutput = c.zeroInitOutput;
    this.seed = c.seed;
    const rng = createRng(c.seed);
    let fanIn = c.inFeatures + c.contextDim;
    for (let i = 0; i < c.numHiddenLayers; i++) {
      this.hidden.push(addDense(this.store, `hidden.${i}`, fanIn, c.hiddenFeatures, rng));
      fanIn = c.hiddenFeatures;
    }
    this.output = addDense(
      this.store,
      'output',
      fanIn,
      c.outFeatures,
      rng,
      c.zeroInitOutput ? 'zero' : 'default',
    );
  }

  /** The net's output `[batch, outFeatures]` for `x` `[batch, inFeatures]` (and the context, if any). */
  apply(x: tf.Tensor2D, context?: tf.Tensor2D): tf.Tensor2D {
    const input = assertBatch('mlp.apply: x', x, this.inFeatures);
    const ctx = assertContext('mlp.apply: context', context, this.contextDim, input.shape[0]);
    return tf.tidy(() => {
      let h: tf.Tensor2D = ctx === undefined ? input : (tf.concat([input, ctx], 1) as tf.Tensor2D);
      for (const layer of this.hidden) h = denseActivated(h, layer, this.activation);
      return dense(h, this.output);
    });
  }

  /** The last layer, e.g. to perturb it in tests or to re-zero it. */
  outputLayer(): DenseLayer {
    return this.output;
  }

  /** The config this net was built from, with defaults filled. */
  getConfig(): JsonObject {
    return {
      inFeatures: this.inFeatures,
      outFeatures: this.outFeatures,
      hiddenFeatures: this.hiddenFeatures,
      numHiddenLayers: this.numHiddenLayers,
      contextDim: this.contextDim,
      activation: this.activation,
      zeroInitOutput: this.zeroInitOutput,
      seed: this.seed,
    };
  }

  namedVariables(): NamedVariable[] {
    return this.store.named();
  }

  dispose(): void {
    this.store.dispose();
  }
}
