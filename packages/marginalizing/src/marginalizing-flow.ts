import {
  assertBatch,
  assertFinite,
  type Batch,
  ConfigError,
  createRng,
  type Distribution,
  defaultRegistry,
  definePlugin,
  describeIssues,
  type JsonObject,
  type Module,
  type NamedVariable,
  prefixed,
  type Registry,
  type Rng,
  ShapeError,
  type Spec,
  specConfigSchema,
  specOf,
  type Trainable,
  toRng,
} from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { rBlockFlowSpec } from './architecture.js';
import { LogMeanExp } from './log-mean-exp.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

const flowSpecSchema = specConfigSchema.extend({ kind: z.literal('distribution') });

/** The config of a {@link MarginalizingFlow}, with its defaults. */
export const marginalizingFlowConfigSchema = z.strictObject({
  /** D: width of the data. */
  dim: z.number().int().positive(),
  /** B: auxiliary Gaussian dimensions, integrated out (0: an ordinary flow). */
  auxDims: z.number().int().nonnegative().default(0),
  /** The flow on D + B dimensions (any registered distribution); default the thesis's R-block flow. */
  flow: flowSpecSchema.optional(),
  /** The default flow's shape, when `flow` is not given. */
  architecture: z
    .strictObject({
      numBlocks: z.number().int().positive().default(4),
      hiddenFeatures: z.number().int().positive().default(64),
      hiddenLayers: z.number().int().positive().default(2),
    })
    .optional(),
  /**
   * The training loss. `'joint'`: -log p(x, ε) + log N(ε) averaged over fresh ε (thesis eq. 7);
   * `'importance'`: -log (1/K) Σ_k p(x, ε_k) / N(ε_k), the importance-weighted bound (log of eq. 8).
   */
  objective: z.enum(['joint', 'importance']).default('joint'),
  /** K: ε per data point in every training step (both objectives). */
  trainSamples: z.number().int().positive().default(1),
  /** Seeds the default flow's weights and the training noise ε. */
  seed: z.number().int().default(0),
});

/** What the {@link MarginalizingFlow} constructor takes; `flow` may also be a built distribution. */
export type MarginalizingFlowConfig = Omit<z.input<typeof marginalizingFlowConfigSchema>, 'flow'> & {
  flow?: Spec | Distribution;
};

/** Options of {@link MarginalizingFlow.logProb} and {@link MarginalizingFlow.estimateLogProb}. */
export interface MarginalOptions {
  /** S: importance samples ε per row (default 200, the thesis's). Ignored when B = 0. */
  samples?: number;
  /** Seeds the ε (a number or an Rng; default the global source). */
  seed?: number | Rng;
  /**
   * Rows of D + B values per call of the flow (default 8192): rows × S is split into calls of at
   * most this size, so memory does not grow with the data. The ε are drawn in the same order
   * whatever the chunk size, so the estimate does not depend on it.
   */
  chunkSize?: number;
}

/** The importance-sampled marginal log-likelihood of every row, with its Monte Carlo error. */
export interface MarginalEstimate {
  /** log p̂(x) per row, in float64. */
  logProb: Float64Array;
  /** The Monte Carlo standard error of each row's log p̂(x) (delta method; 0 when B = 0). */
  standardError: Float64Array;
  /** Mean of `logProb` over rows. */
  mean: number;
  /** Monte Carlo standard error of `mean` (independent ε per row). */
  monteCarloError: number;
  /** Standard error of `mean` as an estimate of E log p(x) over the data's distribution: sd/sqrt(n). */
  dataError: number;
  /** S, the importance samples per row (1 when B = 0). */
  samples: number;
}

/** Options of {@link MarginalizingFlow.sample}. */
export interface MarginalSampleOptions {
  seed?: number | Rng;
  /** Return all D + B columns (data, then auxiliary) instead of the D data columns. */
  auxiliary?: boolean;
}

const DEFAULT_SAMPLES = 200;
const DEFAULT_CHUNK = 8192;

function parse(config: unknown): z.output<typeof marginalizingFlowConfigSchema> {
  const parsed = marginalizingFlowConfigSchema.safeParse(config ?? {});
  if (!parsed.success) {
    throw new ConfigError(describeIssues("model 'marginalizing-flow' config", parsed.error));
  }
  return parsed.data;
}

const isSpec = (f: Spec | Distribution): f is Spec => !('logProb' in f);

/**
 * A marginalizing flow (de Boer 2020, "Marginalizing Flows"): a normalizing flow on Q = D + B
 * dimensions whose last B dimensions are auxiliary noise ε ~ N(0, I_B), integrated out by
 * importance sampling with the noise's own density as proposal:
 *
 *   p(x) = E_ε [p(x, ε) / N(ε)] ≈ (1/S) Σ_s p(x, ε_s) / N(ε_s),   ε_s ~ N(0, I_B)   (thesis eq. 8).
 *
 * Training concatenates every data row with fresh ε (K per row with `trainSamples`) and maximises
 * log p(x, ε) - log N(ε) (eq. 7; the subtracted term does not depend on the weights, and keeps the
 * loss a bound on -log p(x), comparable across B), or, with `objective: 'importance'`, the tighter
 * importance-weighted bound log (1/K) Σ_k p(x, ε_k)/N(ε_k). With B = 0 it is the flow itself, to
 * the bit. The default flow is the thesis's (see {@link rBlockFlowSpec}); any registered flow on
 * D + B dimensions is accepted. It is a `model` plugin: `save` and `load` from `@diffeo/core`.
 *
 * @example
 * ```ts
 * const model = new MarginalizingFlow({ dim: 2, auxDims: 2, seed: 0 });
 * await fit(model, x, { epochs: 100, batchSize: 256, learningRate: 1e-3, seed: 0 });
 * const { mean, monteCarloError } = model.estimateLogProb(xTest, { samples: 200, seed: 1 });
 * const xs = model.sample(1000, { seed: 2 }); // [1000, 2]
 * ```
 */
export class MarginalizingFlow implements Module, Trainable {
  readonly kind = 'model' as const;
  readonly type = 'marginalizing-flow';
  /** D. */
  readonly dim: number;
  /** B. */
  readonly auxDims: number;
  /** The flow on D + B dimensions. */
  readonly flow: Distribution;
  private readonly config: z.output<typeof marginalizingFlowConfigSchema>;
  private readonly noise: Rng;

  constructor(config: MarginalizingFlowConfig, registry: Registry = defaultRegistry) {
    const { flow: given, ...rest } = config ?? ({} as MarginalizingFlowConfig);
    const c = parse(given === undefined || isSpec(given) ? config : rest);
    if (given !== undefined && c.architecture !== undefined) {
      throw new ConfigError('architecture: shapes the default flow only, but a flow was given too');
    }
    this.dim = c.dim;
    this.auxDims = c.auxDims;
    const width = c.dim + c.auxDims;
    if (given !== undefined && !isSpec(given)) {
      this.flow = given;
    } else {
      const spec = given ?? rBlockFlowSpec({ dim: width, ...(c.architecture ?? {}), seed: c.seed });
      this.flow = registry.create<Distribution>(spec);
    }
    if (this.flow.dim !== width) {
      throw new ConfigError(
        `flow.dim: expected dim + auxDims = ${c.dim} + ${c.auxDims} = ${width}, got ${this.flow.dim}`,
      );
    }
    if (this.flow.contextDim !== 0) {
      throw new ConfigError(
        `flow.contextDim: expected 0 (an unconditional flow), got ${this.flow.contextDim}`,
      );
    }
    this.config = { ...c, flow: specOf(this.flow) as z.output<typeof flowSpecSchema> };
    delete this.config.architecture;
    this.noise = createRng(c.seed);
  }

  /** The training objective and its K (see the config). */
  get objective(): 'joint' | 'importance' {
    return this.config.objective;
  }

  private checkData(method: string, x: tf.Tensor): tf.Tensor2D {
    const xs = assertBatch(`marginalizing-flow.${method}: x`, x, this.dim);
    if (xs.shape[0] === 0) {
      throw new ShapeError(
        `marginalizing-flow.${method}: x: expected at least one row, got shape [0, ${this.dim}]`,
      );
    }
    assertFinite(`marginalizing-flow.${method}: x`, xs);
    return xs;
  }

  /** ε as a tensor and log N(ε) per row, from `rng`, rows in order. */
  private drawNoise(
    rows: number,
    rng: Rng,
  ): { eps: tf.Tensor2D; logDensity: Float64Array; values: Float32Array } {
    const b = this.auxDims;
    const values = rng.normalArray(rows * b);
    const logDensity = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let sq = 0;
      for (let j = 0; j < b; j++) sq += values[r * b + j]! ** 2;
      logDensity[r] = -0.5 * sq - b * HALF_LOG_2PI;
    }
    return { eps: tf.tensor2d(values, [rows, b]), logDensity, values };
  }

  /**
   * The training loss of a batch (see the class comment): the negative of a lower bound on the
   * batch's mean log p(x), estimated with K fresh ε per row from the model's own seeded stream.
   */
  loss(batch: Batch): tf.Scalar {
    const x = assertBatch('marginalizing-flow.loss: batch.x', batch.x, this.dim);
    if (batch.context !== undefined) {
      throw new ShapeError(
        'marginalizing-flow.loss: batch.context: this model is unconditional, but a context was given',
      );
    }
    if (this.auxDims === 0) return tf.tidy(() => tf.neg(tf.mean(this.flow.logProb(x))) as tf.Scalar);
    const n = x.shape[0];
    const k = this.config.trainSamples;
    const { eps, logDensity } = this.drawNoise(n * k, this.noise);
    return tf.tidy(() => {
      // Row s * n + i holds x_i with its s-th ε.
      const xs = k === 1 ? x : (tf.tile(x, [k, 1]) as tf.Tensor2D);
      const joint = this.flow.logProb(tf.concat([xs, eps], 1) as tf.Tensor2D);
      const logWeights = tf.sub(joint, tf.tensor1d(Float32Array.from(logDensity)));
      eps.dispose();
      if (this.config.objective === 'joint' || k === 1) return tf.neg(tf.mean(logWeights)) as tf.Scalar;
      const perRow = tf.sub(tf.logSumExp(tf.reshape(logWeights, [k, n]), 0), Math.log(k));
      return tf.neg(tf.mean(perRow)) as tf.Scalar;
    });
  }

  /**
   * The marginal log-likelihood of every row by importance sampling (thesis eq. 8) with S samples,
   * log-sum-exp in float64, chunked, with each row's Monte Carlo standard error. With B = 0 it is
   * the flow's exact log-density (S is ignored).
   */
  estimateLogProb(x: tf.Tensor2D, options: MarginalOptions = {}): MarginalEstimate {
    const xs = this.checkData('estimateLogProb', x);
    const n = xs.shape[0];
    const samples = options.samples ?? DEFAULT_SAMPLES;
    const chunk = options.chunkSize ?? DEFAULT_CHUNK;
    for (const [name, v] of [
      ['samples', samples],
      ['chunkSize', chunk],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) {
        throw new ConfigError(
          `marginalizing-flow.estimateLogProb: ${name}: expected a positive integer, got ${v}`,
        );
      }
    }
    const logProb = new Float64Array(n);
    const standardError = new Float64Array(n);
    if (this.auxDims === 0) {
      for (let start = 0; start < n; start += chunk) {
        const size = Math.min(chunk, n - start);
        const values = tf.tidy(() => this.flow.logProb(tf.slice(xs, [start, 0], [size, -1]) as tf.Tensor2D));
        logProb.set(values.dataSync(), start);
        values.dispose();
      }
      return summarize(logProb, standardError, 1);
    }
    const rng = toRng(options.seed);
    // Whole rows with all their samples per call when they fit, else one row in pieces of samples:
    // either way the ε stream is consumed row by row, sample by sample.
    const rowsPerCall = Math.max(1, Math.floor(chunk / samples));
    const samplesPerCall = Math.min(samples, chunk);
    for (let start = 0; start < n; start += rowsPerCall) {
      const rows = Math.min(rowsPerCall, n - start);
      const accumulators = Array.from({ length: rows }, () => new LogMeanExp());
      for (let s0 = 0; s0 < samples; s0 += samplesPerCall) {
        const s = Math.min(samplesPerCall, samples - s0);
        const { eps, logDensity } = this.drawNoise(rows * s, rng);
        const joint = tf.tidy(() => {
          const block = tf.slice(xs, [start, 0], [rows, -1]);
          // Row r * s + j is x_(start + r) with its j-th ε of this piece.
          const repeated = tf.reshape(tf.tile(tf.expandDims(block, 1), [1, s, 1]), [rows * s, this.dim]);
          return this.flow.logProb(tf.concat([repeated, eps], 1) as tf.Tensor2D);
        });
        eps.dispose();
        const values = joint.dataSync();
        joint.dispose();
        const logWeights = new Float64Array(rows * s);
        for (let i = 0; i < logWeights.length; i++) logWeights[i] = values[i]! - logDensity[i]!;
        for (let r = 0; r < rows; r++) accumulators[r]!.add(logWeights, r * s, s);
      }
      for (let r = 0; r < rows; r++) {
        logProb[start + r] = accumulators[r]!.value();
        standardError[start + r] = accumulators[r]!.standardError();
      }
    }
    return summarize(logProb, standardError, samples);
  }

  /** log p̂(x) per row as a tensor `[batch]` (see {@link estimateLogProb}). */
  logProb(x: tf.Tensor2D, options: MarginalOptions = {}): tf.Tensor1D {
    return tf.tensor1d(Float32Array.from(this.estimateLogProb(x, options).logProb));
  }

  /** `n` samples of x (the D data columns; all D + B with `auxiliary: true`). */
  sample(n: number, options: MarginalSampleOptions = {}): tf.Tensor2D {
    if (!Number.isInteger(n) || n <= 0) {
      throw new ConfigError(`marginalizing-flow.sample: n: expected a positive integer, got ${n}`);
    }
    const joint = this.flow.sample(n, { seed: toRng(options.seed) });
    if (options.auxiliary === true || this.auxDims === 0) return joint;
    const x = tf.slice(joint, [0, 0], [n, this.dim]) as tf.Tensor2D;
    joint.dispose();
    return x;
  }

  namedVariables(): NamedVariable[] {
    return prefixed('flow', this.flow.namedVariables());
  }

  setTraining(training: boolean): void {
    this.flow.setTraining?.(training);
  }

  dispose(): void {
    this.flow.dispose();
  }

  getConfig(): JsonObject {
    const { flow, ...rest } = this.config;
    return { ...rest, flow: flow as unknown as JsonObject };
  }
}

function summarize(logProb: Float64Array, standardError: Float64Array, samples: number): MarginalEstimate {
  const n = logProb.length;
  let sum = 0;
  let errorSquares = 0;
  for (let i = 0; i < n; i++) {
    sum += logProb[i]!;
    errorSquares += standardError[i]! ** 2;
  }
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (logProb[i]! - mean) ** 2;
  return {
    logProb,
    standardError,
    mean,
    monteCarloError: Math.sqrt(errorSquares) / n,
    dataError: n > 1 ? Math.sqrt(squares / (n - 1) / n) : Number.NaN,
    samples,
  };
}

/** The registry plugin of {@link MarginalizingFlow}: model type `'marginalizing-flow'`. */
export const marginalizingFlowPlugin = definePlugin({
  kind: 'model',
  type: 'marginalizing-flow',
  description: 'A flow on D + B dimensions whose B auxiliary Gaussian dimensions are integrated out',
  schema: marginalizingFlowConfigSchema,
  create: (config, { registry }) => new MarginalizingFlow(config, registry),
});
