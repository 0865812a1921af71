import {
  createRng,
  formatShape,
  type JsonObject,
  type NamedVariable,
  parseConfig,
  type Rng,
  ShapeError,
  uniformInit,
  VariableStore,
} from '@diffeo/core';
import { AffineMask, maskedAffineOp, maskedResidualBlockOp, residualBlockOp } from '@diffeo/core/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { affine } from '../nets/dense.js';

/**
 * How the hidden units of a {@link MADE} get their degrees: 'sequential' (as nflows: unit j gets
 * degree 1 + j mod (D - 1)), 'sorted' (the same degrees in ascending order: the same network up to
 * an ordering of its hidden units, whose masked layers are then block-triangular, so that the wasm
 * kernels skip more of them) or 'random' (seeded).
 */
export const hiddenDegreesSchema = z.enum(['sequential', 'sorted', 'random']);

/** See {@link hiddenDegreesSchema}. */
export type HiddenDegrees = z.infer<typeof hiddenDegreesSchema>;

/** The config of a {@link MADE} network, with its defaults. */
export const madeConfigSchema = z.strictObject({
  /** D: the number of autoregressive inputs; input i (0-based) has degree i + 1. */
  dim: z.number().int().positive(),
  /** Width of every hidden layer. */
  hiddenFeatures: z.number().int().positive(),
  /** Outputs per input (e.g. 2 for an affine layer, 3K - 1 for a K-bin spline). */
  outputMultiplier: z.number().int().positive(),
  /** Width of the context input, 0 for none. */
  contextDim: z.number().int().nonnegative().default(0),
  /** Hidden blocks after the first hidden layer. */
  numBlocks: z.number().int().nonnegative().default(2),
  /** Masked residual blocks (true) or plain masked feed-forward layers. */
  useResidualBlocks: z.boolean().default(true),
  /** How the hidden units get their degrees (see {@link hiddenDegreesSchema}). */
  hiddenDegrees: hiddenDegreesSchema.default('sequential'),
  /** Initialise the output layer to exactly zero (weights and biases). */
  zeroInitOutput: z.boolean().default(false),
  /** Seed of the weight initialisation and of random degrees. */
  seed: z.number().int().nonnegative().default(0),
});

/** What the {@link MADE} constructor takes (fields with defaults are optional). */
export type MADEConfig = z.input<typeof madeConfigSchema>;

/** A dense layer with a constant 0/1 mask on its weight matrix, `[in, out]` as tfjs lays it out. */
class MaskedLinear {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  /** The constant mask, with the block lists its kernel skips by. */
  readonly mask: AffineMask;
  /** Every entry of the mask is 1 (the hidden layers of a MADE on 2-D data): nothing to multiply. */
  readonly unmasked: boolean;

  constructor(
    store: VariableStore,
    name: string,
    inDegrees: Int32Array,
    outDegrees: Int32Array,
    strict: boolean,
    rng: Rng,
    init: 'default' | 'small' | 'zero',
  ) {
    const nIn = inDegrees.length;
    const nOut = outDegrees.length;
    const mask = new Float32Array(nIn * nOut);
    for (let i = 0; i < nIn; i++) {
      for (let j = 0; j < nOut; j++) {
        const ok = strict ? outDegrees[j]! > inDegrees[i]! : outDegrees[j]! >= inDegrees[i]!;
        mask[i * nOut + j] = ok ? 1 : 0;
      }
    }
    this.mask = new AffineMask(mask, nIn, nOut);
    this.unmasked = mask.every((m) => m === 1);
    // PyTorch's nn.Linear default (as nflows): U(-1/sqrt(fanIn), 1/sqrt(fanIn)); residual blocks
    // start their last layer at U(-1e-3, 1e-3) as nflows's MaskedResidualBlock.
    const limit = init === 'small' ? 1e-3 : init === 'zero' ? 0 : 1 / Math.sqrt(nIn);
    const w = uniformInit([nIn, nOut], limit, rng);
    // The stored weights are pre-masked, so a saved model holds the weights it uses.
    this.weight = store.add(`${name}.weight`, tf.mul(w, this.mask.mask));
    w.dispose();
    this.bias = store.add(`${name}.bias`, uniformInit([nOut], limit, rng));
  }

  /**
   * `x (W * mask) + b`, then ReLU if asked; with a mask, core's masked op skips what it zeroes. The
   * mask is applied on every call: it keeps the gradient of masked entries at zero, so training
   * (and any assigned weights) can never break the autoregressive structure.
   */
  apply(x: tf.Tensor, activation?: 'relu'): tf.Tensor2D {
    if (this.unmasked) return affine(x as tf.Tensor2D, this.weight, this.bias, activation);
    return maskedAffineOp(x as tf.Tensor2D, this.weight, this.bias, this.mask, activation);
  }

  dispose(): void {
    this.mask.dispose();
  }
}

/** An unmasked dense layer, for the context (which every output may depend on). */
class Linear {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(store: VariableStore, name: string, nIn: number, nOut: number, rng: Rng) {
    const limit = 1 / Math.sqrt(nIn);
    this.weight = store.add(`${name}.weight`, uniformInit([nIn, nOut], limit, rng));
    this.bias = store.add(`${name}.bias`, uniformInit([nOut], limit, rng));
  }

  apply(x: tf.Tensor): tf.Tensor2D {
    return affine(x as tf.Tensor2D, this.weight, this.bias);
  }
}

interface ResidualBlock {
  first: MaskedLinear;
  second: MaskedLinear;
  context?: Linear;
}

function sequentialDegrees(n: number, features: number): Int32Array {
  // nflows: arange(n) % max(1, D - 1) + min(1, D - 1), so degrees cycle through 1..D-1 (0 if D = 1).
  const period = Math.max(1, features - 1);
  const offset = Math.min(1, features - 1);
  return Int32Array.from({ length: n }, (_, j) => (j % period) + offset);
}

function randomDegrees(n: number, features: number, previous: Int32Array, rng: Rng): Int32Array {
  // Germain et al.: uniform between the smallest degree of the layer below and D - 1.
  const low = Math.min(Math.min(...previous), features - 1);
  const high = Math.max(low, features - 1);
  return Int32Array.from({ length: n }, () => low + rng.int(high - low + 1));
}

/**
 * MADE, the masked autoencoder for distribution estimation (Germain et al. 2015,
 * arXiv:1502.03509), as nflows builds it for autoregressive flows: a network from `[batch, D]` to
 * `[batch, D * outputMultiplier]` whose outputs for input i depend only on inputs 0..i-1 (and on the
 * context).
 *
 * Degrees: input i has degree i + 1; hidden unit degrees are 'sequential' (nflows's default) or
 * drawn from the seed; a hidden unit of degree m sees inputs of degree <= m, and the outputs of
 * input i (degree i + 1) see hidden units of degree < i + 1. The outputs are laid out with each
 * input's `outputMultiplier` values contiguous: output `i * outputMultiplier + p`.
 *
 * Masks: each masked layer multiplies its weight matrix by a constant 0/1 mask on every call
 * (skipped where the mask is all ones, as for the hidden layers on 2-D data), and its stored weights
 * are masked at initialisation as well. The masks are rebuilt from the config
 * (and seed), so they are not variables and are not saved.
 *
 * Architecture (nflows's `MADE`): a masked input layer plus an unmasked linear map of the context;
 * then `numBlocks` masked residual blocks (ReLU, masked linear, ReLU, masked linear, gated by
 * sigmoid(linear(context)) when there is a context, added to the block's input; the second layer
 * starts at U(-1e-3, 1e-3)) or, with `useResidualBlocks: false`, ReLU then `numBlocks` masked
 * linear + ReLU layers; then the masked output layer. Weights start as PyTorch's nn.Linear default.
 *
 * @example
 * ```ts
 * const made = new MADE({ dim: 3, hiddenFeatures: 32, outputMultiplier: 2, contextDim: 1 });
 * const params = made.apply(tf.randomNormal([8, 3]), tf.randomNormal([8, 1])); // [8, 6]
 * made.dispose();
 * ```
 */
export class MADE {
  readonly dim: number;
  readonly hiddenFeatures: number;
  readonly outputMultiplier: number;
  readonly contextDim: number;
  readonly numBlocks: number;
  readonly useResidualBlocks: boolean;
  readonly hiddenDegrees: HiddenDegrees;
  readonly zeroInitOutput: boolean;
  readonly seed: number;
  /** Degrees of the inputs, of each hidden layer (in order) and of the outputs. */
  readonly degrees: { input: Int32Array; hidden: Int32Array[]; output: Int32Array };

  private readonly store = new VariableStore();
  private readonly initial: MaskedLinear;
  private readonly contextLayer?: Linear;
  private readonly residualBlocks: ResidualBlock[] = [];
  private readonly feedforward: MaskedLinear[] = [];
  private readonly final: MaskedLinear;

  constructor(config: MADEConfig) {
    const c = parseConfig('MADE config', madeConfigSchema, config);
    this.dim = c.dim;
    this.hiddenFeatures = c.hiddenFeatures;
    this.outputMultiplier = c.outputMultiplier;
    this.contextDim = c.contextDim;
    this.numBlocks = c.numBlocks;
    this.useResidualBlocks = c.useResidualBlocks;
    this.hiddenDegrees = c.hiddenDegrees;
    this.zeroInitOutput = c.zeroInitOutput;
    this.seed = c.seed;

    const rng = createRng(this.seed);
    const degreeRng = rng.fork();
    const D = this.dim;
    const H = this.hiddenFeatures;
    const nextDegrees = (previous: Int32Array) => {
      if (this.hiddenDegrees === 'random') return randomDegrees(H, D, previous, degreeRng);
      const degrees = sequentialDegrees(H, D);
      return this.hiddenDegrees === 'sorted' ? degrees.sort() : degrees;
    };

    const input = Int32Array.from({ length: D }, (_, i) => i + 1);
    const hidden: Int32Array[] = [];
    let current = nextDegrees(input);
    hidden.push(current);
    this.initial = new MaskedLinear(this.store, 'initial', input, current, false, rng.fork(), 'default');
    if (this.contextDim > 0)
      this.contextLayer = new Linear(this.store, 'context', this.contextDim, H, rng.fork());

    for (let b = 0; b < this.numBlocks; b++) {
      if (this.useResidualBlocks) {
        // Both layers of a residual block keep the block input's degrees: the skip connection adds
        // unit j to unit j, so an output degree below the input degree would leak information.
        const first = new MaskedLinear(
          this.store,
          `blocks.${b}.linear0`,
          current,
          current,
          false,
          rng.fork(),
          'default',
        );
        const second = new MaskedLinear(
          this.store,
          `blocks.${b}.linear1`,
          current,
          current,
          false,
          rng.fork(),
          'small',
        );
        const context =
          this.contextDim > 0
            ? new Linear(this.store, `blocks.${b}.context`, this.contextDim, H, rng.fork())
            : undefined;
        this.residualBlocks.push(context === undefined ? { first, second } : { first, second, context });
        hidden.push(current);
      } else {
        const next = nextDegrees(current);
        this.feedforward.push(
          new MaskedLinear(this.store, `blocks.${b}.linear`, current, next, false, rng.fork(), 'default'),
        );
        current = next;
        hidden.push(current);
      }
    }

    const output = Int32Array.from(
      { length: D * this.outputMultiplier },
      (_, j) => Math.floor(j / this.outputMultiplier) + 1,
    );
    this.final = new MaskedLinear(
      this.store,
      'final',
      current,
      output,
      true,
      rng.fork(),
      this.zeroInitOutput ? 'zero' : 'default',
    );
    this.degrees = { input, hidden, output };
  }

  /** The autoregressive parameters `[batch, dim * outputMultiplier]` of `x` `[batch, dim]`. */
  apply(x: tf.Tensor2D, context?: tf.Tensor2D): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.dim) {
      throw new ShapeError(`MADE.apply: x: expected [batch, ${this.dim}], got ${formatShape(x.shape)}`);
    }
    if (this.contextDim > 0 !== (context !== undefined)) {
      throw new ShapeError(
        `MADE.apply: context: expected ${this.contextDim > 0 ? `[batch, ${this.contextDim}]` : 'none'}, got ${context === undefined ? 'none' : formatShape(context.shape)}`,
      );
    }
    if (
      context !== undefined &&
      (context.rank !== 2 || context.shape[0] !== x.shape[0] || context.shape[1] !== this.contextDim)
    ) {
      throw new ShapeError(
        `MADE.apply: context: expected [${x.shape[0]}, ${this.contextDim}], got ${formatShape(context.shape)}`,
      );
    }
    return tf.tidy(() => {
      let h: tf.Tensor = this.initial.apply(x);
      if (this.contextLayer !== undefined && context !== undefined)
        h = tf.add(h, this.contextLayer.apply(context));
      if (this.useResidualBlocks) {
        for (const block of this.residualBlocks) {
          // A block without a context runs as one kernel where core has it (wasm: the numbers of
          // the ops below): with all-ones masks (2-D data) the dense block, otherwise the masked
          // one, whose products skip what the masks zero.
          const weights = () => ({
            w1: block.first.weight,
            b1: block.first.bias,
            w2: block.second.weight,
            b2: block.second.bias,
          });
          const unmasked = block.first.unmasked && block.second.unmasked;
          const fused =
            block.context !== undefined
              ? undefined
              : unmasked
                ? residualBlockOp(h, weights)
                : maskedResidualBlockOp(h, weights, { first: block.first.mask, second: block.second.mask });
          if (fused !== undefined) {
            h = fused;
            continue;
          }
          let r: tf.Tensor = block.first.apply(tf.relu(h), 'relu');
          r = block.second.apply(r);
          if (block.context !== undefined && context !== undefined) {
            r = tf.mul(r, tf.sigmoid(block.context.apply(context)));
          }
          h = tf.add(h, r);
        }
      } else {
        h = tf.relu(h);
        for (const layer of this.feedforward) h = layer.apply(h, 'relu');
      }
      return this.final.apply(h);
    });
  }

  getConfig(): JsonObject {
    return {
      dim: this.dim,
      hiddenFeatures: this.hiddenFeatures,
      outputMultiplier: this.outputMultiplier,
      contextDim: this.contextDim,
      numBlocks: this.numBlocks,
      useResidualBlocks: this.useResidualBlocks,
      hiddenDegrees: this.hiddenDegrees,
      zeroInitOutput: this.zeroInitOutput,
      seed: this.seed,
    };
  }

  /** The output layer's weight and bias (e.g. to perturb or re-initialise them). */
  get outputLayer(): { weight: tf.Variable; bias: tf.Variable } {
    return { weight: this.final.weight, bias: this.final.bias };
  }

  /** Every variable, named `initial.weight`, `context.bias`, `blocks.0.linear1.weight`, `final.bias`, ... */
  namedVariables(): NamedVariable[] {
    return this.store.named();
  }

  dispose(): void {
    this.store.dispose();
    for (const layer of [this.initial, ...this.feedforward, this.final]) layer.dispose();
    for (const block of this.residualBlocks) {
      block.first.dispose();
      block.second.dispose();
    }
  }
}
