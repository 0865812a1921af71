import {
  assertBatch,
  assertContext,
  createRng,
  type JsonObject,
  type NamedVariable,
  parseConfig,
  VariableStore,
} from '@diffeo/core';
import { residualBlockOp } from '@diffeo/core/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { type Activation, activate, activationSchema } from './activation.js';
import type { Conditioner } from './conditioner.js';
import { addDense, type DenseLayer, dense, denseActivated } from './dense.js';

/** The config of a {@link ResidualNet}, with its defaults. */
export const residualNetConfigSchema = z.strictObject({
  /** Width of the input `x`. */
  inFeatures: z.number().int().positive(),
  /** Width of the output. */
  outFeatures: z.number().int().positive(),
  /** Width of the residual stream and of every block's layers. */
  hiddenFeatures: z.number().int().positive().default(64),
  /** Number of residual blocks. */
  numBlocks: z.number().int().positive().default(2),
  /** Width of the context concatenated to the input; 0 for none. */
  contextDim: z.number().int().nonnegative().default(0),
  activation: activationSchema.default('relu'),
  /** Start the final layer at exactly zero (weights and bias), so the net outputs 0 everywhere. */
  zeroInitOutput: z.boolean().default(false),
  seed: z.number().int().default(0),
});

/** What the {@link ResidualNet} constructor takes (fields with defaults are optional). */
export type ResidualNetConfig = z.input<typeof residualNetConfigSchema>;

interface Block {
  first: DenseLayer;
  second: DenseLayer;
}

/**
 * A residual network in the style of nflows's `ResidualNet` (Durkan et al. 2019, "Neural Spline
 * Flows"): `h = [x, context] W0 + b0`, then `numBlocks` pre-activation residual blocks
 * `h <- h + dense(act(dense(act(h))))`, then a final dense layer (no activation before it).
 * The second layer of each block starts uniform in ±1e-3 (as nflows's zero initialisation), so every
 * block starts near the identity; with `zeroInitOutput` the final layer starts at exactly 0.
 * Variable names: `initial.*`, `blocks.{i}.first.*`, `blocks.{i}.second.*`, `final.*` (each with
 * `.weight` and `.bias`). Unlike nflows the context enters once, concatenated to the input, not
 * again in every block.
 *
 * Not a bijector: it is built by the layers that use it from their `conditioner` config.
 *
 * @example
 * ```ts
 * const net = new ResidualNet({ inFeatures: 1, outFeatures: 23, hiddenFeatures: 128, numBlocks: 2 });
 * const out = net.apply(tf.randomNormal([8, 1])); // [8, 23]
 * net.dispose();
 * ```
 */
export class ResidualNet implements Conditioner {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly hiddenFeatures: number;
  readonly numBlocks: number;
  readonly contextDim: number;
  readonly activation: Activation;
  readonly zeroInitOutput: boolean;
  readonly seed: number;
  private readonly store = new VariableStore();
  private readonly initial: DenseLayer;
  private readonly blocks: Block[] = [];
  private readonly final: DenseLayer;

  constructor(config: ResidualNetConfig) {
    const c = parseConfig('residual-net config', residualNetConfigSchema, config);
    this.inFeatures = c.inFeatures;
    this.outFeatures = c.outFeatures;
    this.hiddenFeatures = c.hiddenFeatures;
    this.numBlocks = c.numBlocks;
    this.contextDim = c.contextDim;
    this.activation = c.activation;
    this.zeroInitOutput = c.zeroInitOutput;
    this.seed = c.seed;
    const rng = createRng(c.seed);
    const h = c.hiddenFeatures;
    this.initial = addDense(this.store, 'initial', c.inFeatures + c.contextDim, h, rng);
    for (let i = 0; i < c.numBlocks; i++) {
      const first = addDense(this.store, `blocks.${i}.first`, h, h, rng);
      const second = addDense(this.store, `blocks.${i}.second`, h, h, rng, 'small');
      this.blocks.push({ first, second });
    }
    this.final = addDense(this.store, 'final', h, c.outFeatures, rng, c.zeroInitOutput ? 'zero' : 'default');
  }

  /** The net's output `[batch, outFeatures]` for `x` `[batch, inFeatures]` (and the context, if any). */
  apply(x: tf.Tensor2D, context?: tf.Tensor2D): tf.Tensor2D {
    const input = assertBatch('residual-net.apply: x', x, this.inFeatures);
    const ctx = assertContext('residual-net.apply: context', context, this.contextDim, input.shape[0]);
    return tf.tidy(() => {
      const first: tf.Tensor2D = ctx === undefined ? input : (tf.concat([input, ctx], 1) as tf.Tensor2D);
      let h = dense(first, this.initial);
      for (const block of this.blocks) {
        // With ReLU, core runs the block as one kernel where it can (wasm), its gradient one more.
        const fused =
          this.activation === 'relu'
            ? residualBlockOp(h, () => ({
                w1: block.first.weight,
                b1: block.first.bias,
                w2: block.second.weight,
                b2: block.second.bias,
              }))
            : undefined;
        if (fused !== undefined) {
          h = fused as tf.Tensor2D;
          continue;
        }
        const inner = denseActivated(
          activate(this.activation, h) as tf.Tensor2D,
          block.first,
          this.activation,
        );
        h = tf.add(h, dense(inner as tf.Tensor2D, block.second)) as tf.Tensor2D;
      }
      return dense(h, this.final);
    });
  }

  /** The last layer, e.g. to perturb it in tests or to re-zero it. */
  outputLayer(): DenseLayer {
    return this.final;
  }

  /** The config this net was built from, with defaults filled. */
  getConfig(): JsonObject {
    return {
      inFeatures: this.inFeatures,
      outFeatures: this.outFeatures,
      hiddenFeatures: this.hiddenFeatures,
      numBlocks: this.numBlocks,
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
