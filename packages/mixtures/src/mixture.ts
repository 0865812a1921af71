import { activationSchema, MLP } from '@diffeo/bijectors';
import {
  assertBatch,
  assertPositiveInt,
  type Batch,
  type Bijector,
  ConfigError,
  type Distribution,
  definePlugin,
  guarded,
  type JsonObject,
  type Module,
  type NamedVariable,
  prefixed,
  type Rng,
  ShapeError,
  specConfigSchema,
  specOf,
  type Trainable,
  toRng,
  VariableStore,
} from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { mixtureElbo, mixtureLogProb } from './elbo.js';
import { checkTemperature } from './temperature.js';

/** The posterior network q(z|x): an MLP from the data to K logits, then softmax(logits / T). */
export const posteriorConfigSchema = z.strictObject({
  hiddenFeatures: z.number().int().positive().default(64),
  /** Hidden layers (the paper: 1 for pinwheel and MNIST, 2 for two circles). */
  numHiddenLayers: z.number().int().positive().default(1),
  activation: activationSchema.default('relu'),
  seed: z.number().int().default(0),
});

/** What the posterior network takes (fields with defaults are optional). */
export type PosteriorConfig = z.input<typeof posteriorConfigSchema>;

/**
 * The prior p(z): `'uniform'` (fixed 1/K, the paper's), `'learned'` (softmax of trainable logits,
 * trained with the ELBO) or `'estimated'` (re-estimated from the posterior's responsibilities by
 * {@link MixtureOfFlows.reestimatePrior}, the paper's section 5.2 proposal).
 */
export const priorSchema = z.enum(['uniform', 'learned', 'estimated']);
export type PriorKind = z.infer<typeof priorSchema>;

/** What {@link MixtureOfFlows} takes. */
export interface MixtureOfFlowsOptions {
  /**
   * The K component densities p(x|z): flows or any unconditional distribution, all on the same
   * `dim`. With a `trunk` they are the per-component heads, densities of the trunk's latent.
   */
  components: Distribution[];
  /**
   * A bijector shared by every component (weight sharing, the paper's section 5.2 proposal):
   * component k is the flow x = trunk(h_k), h_k ~ components[k], so
   * log p(x|z=k) = log p_k(trunk⁻¹(x)) + log|det ∂trunk⁻¹/∂x|. One set of weights, trained by every
   * component. Unconditional, on the components' `dim`.
   */
  trunk?: Bijector;
  posterior?: PosteriorConfig;
  prior?: PriorKind;
  /** The posterior's softmax temperature (default 1); training schedules change it. */
  temperature?: number;
}

/** What {@link MixtureOfFlows.sample} returns: the rows and the component each was drawn from. */
export interface MixtureSample {
  /** `[n, dim]`. */
  x: tf.Tensor2D;
  /** The component of each row. */
  components: Int32Array;
}

/** Options of {@link MixtureOfFlows.sample}. */
export interface MixtureSampleOptions {
  /** A seed or an Rng to advance; default: the global random source. */
  seed?: number | Rng;
  /** Draw every row from this component instead of from the prior. */
  component?: number;
}

function drawFrom(component: Distribution, n: number, rng: Rng): tf.Tensor2D {
  return component.sample(n, { seed: rng });
}

/**
 * A variational mixture of normalizing flows (VMoNF; Pires and Figueiredo, "Variational Mixture of
 * Normalizing Flows"): K component flows p(x|z), a prior p(z) and a posterior network q(z|x), an
 * MLP with a softmax output whose logits are divided by a temperature. Trained by maximising the
 * ELBO of eq. 31, Σ_z q(z|x) (log p(x|z) + log p(z) - log q(z|x)) (`loss` is its negative mean), it
 * estimates densities, clusters (`predict`) and learns from a few labels (`supervisedLoss`, see
 * `trainSemiSupervised`).
 *
 * - `logProb(x)`: the exact mixture density log Σ_z p(z) p(x|z), not the ELBO;
 * - `posterior(x)`: the network's q(z|x); `responsibilities(x)`: the exact p(z|x);
 * - `predict(x)`: argmax_z q(z|x); `sample(n, { seed, component })`.
 *
 * With a `trunk` bijector the components share weights (the paper's section 5.2 proposal): every
 * component is that one trunk after its own head flow, and the densities, ELBO, responsibilities
 * and samples all go through the composed flow.
 *
 * @example
 * ```ts
 * const mixture = new MixtureOfFlows({
 *   components: [0, 1, 2].map((k) => realNVP({ dim: 2, seed: 10 * k })),
 *   posterior: { hiddenFeatures: 16, seed: 0 },
 * });
 * await trainMixture(mixture, x, { epochs: 100, batchSize: 256, learningRate: 1e-3, seed: 0 });
 * const clusters = mixture.predict(x);
 * ```
 */
export class MixtureOfFlows implements Module, Trainable {
  readonly kind = 'model' as const;
  readonly type = 'mixture-of-flows';
  /** Event width. */
  readonly dim: number;
  /** K. */
  readonly numComponents: number;
  /** The per-component densities (the heads, when there is a trunk). */
  readonly components: readonly Distribution[];
  /** The bijector shared by every component, if any. */
  readonly trunk: Bijector | undefined;
  readonly prior: PriorKind;
  readonly network: MLP;
  private readonly posteriorConfig: z.output<typeof posteriorConfigSchema>;
  private readonly store = new VariableStore();
  private readonly priorLogits: tf.Variable | undefined;
  private temperatureValue: number;

  constructor(options: MixtureOfFlowsOptions) {
    const { components } = options;
    if (!Array.isArray(components) || components.length < 1) {
      throw new ConfigError(
        `components: expected at least one component (K >= 1), got ${Array.isArray(components) ? components.length : String(components)}`,
      );
    }
    const dim = components[0]!.dim;
    components.forEach((c, k) => {
      if (c.kind !== 'distribution') {
        throw new ConfigError(`components[${k}]: expected a distribution, got kind '${String(c.kind)}'`);
      }
      if (c.dim !== dim) {
        throw new ConfigError(`components[${k}].dim: expected ${dim} (components[0].dim), got ${c.dim}`);
      }
      if (c.contextDim !== 0) {
        throw new ConfigError(
          `components[${k}].contextDim: expected 0 (unconditional components), got ${c.contextDim}`,
        );
      }
    });
    const { trunk } = options;
    if (trunk !== undefined) {
      if (trunk.kind !== 'bijector') {
        throw new ConfigError(`trunk: expected a bijector, got kind '${String(trunk.kind)}'`);
      }
      if (trunk.dim !== dim) {
        throw new ConfigError(`trunk.dim: expected ${dim} (components[0].dim), got ${trunk.dim}`);
      }
      if (trunk.contextDim !== 0) {
        throw new ConfigError(
          `trunk.contextDim: expected 0 (an unconditional trunk), got ${trunk.contextDim}`,
        );
      }
    }
    const posterior = posteriorConfigSchema.safeParse(options.posterior ?? {});
    if (!posterior.success) {
      const issue = posterior.error.issues[0]!;
      throw new ConfigError(`posterior.${issue.path.join('.')}: ${issue.message}`);
    }
    const prior = priorSchema.safeParse(options.prior ?? 'uniform');
    if (!prior.success) {
      throw new ConfigError(
        `prior: expected 'uniform', 'learned' or 'estimated', got ${JSON.stringify(options.prior)}`,
      );
    }
    this.dim = dim;
    this.numComponents = components.length;
    this.components = [...components];
    this.trunk = trunk;
    this.prior = prior.data;
    this.posteriorConfig = posterior.data;
    this.temperatureValue = checkTemperature('temperature', options.temperature ?? 1);
    this.network = new MLP({
      inFeatures: dim,
      outFeatures: this.numComponents,
      hiddenFeatures: this.posteriorConfig.hiddenFeatures,
      numHiddenLayers: this.posteriorConfig.numHiddenLayers,
      activation: this.posteriorConfig.activation,
      seed: this.posteriorConfig.seed,
    });
    this.priorLogits =
      this.prior === 'uniform'
        ? undefined
        : this.store.add('logits', tf.zeros([this.numComponents]), this.prior === 'learned');
  }

  /** The posterior's current softmax temperature. */
  get temperature(): number {
    return this.temperatureValue;
  }

  /** Sets the posterior's softmax temperature (a finite number > 0); the schedules call this. */
  setTemperature(t: number): void {
    this.temperatureValue = checkTemperature('temperature', t);
  }

  private evaluate<T extends tf.TensorContainer>(
    method: string,
    x: tf.Tensor2D,
    body: (x: tf.Tensor2D) => T,
  ): T {
    const where = `${this.type}.${method}: x`;
    const xs = assertBatch(where, x, this.dim);
    return guarded([[where, xs]], () => tf.tidy(() => body(xs)));
  }

  /** log p(z), `[K]`. */
  logPrior(): tf.Tensor1D {
    return tf.tidy(() =>
      this.priorLogits === undefined
        ? (tf.fill([this.numComponents], -Math.log(this.numComponents)) as tf.Tensor1D)
        : (tf.logSoftmax(this.priorLogits) as tf.Tensor1D),
    );
  }

  /** log p(x|z) of each row under each component (through the trunk, if any), `[batch, K]`. */
  componentLogProbs(x: tf.Tensor2D): tf.Tensor2D {
    return this.evaluate('componentLogProbs', x, (xs) => this.logPxz(xs));
  }

  private logPxz(x: tf.Tensor2D): tf.Tensor2D {
    if (this.trunk === undefined)
      return tf.stack(
        this.components.map((c) => c.logProb(x)),
        1,
      ) as tf.Tensor2D;
    // The trunk's inverse is the same for every component: computed once, it adds the same log-det to each.
    const { y, logDet } = this.trunk.inverse(x);
    return tf.add(
      tf.stack(
        this.components.map((c) => c.logProb(y)),
        1,
      ),
      tf.expandDims(logDet, 1),
    ) as tf.Tensor2D;
  }

  private logQ(x: tf.Tensor2D): tf.Tensor2D {
    return tf.logSoftmax(tf.div(this.network.apply(x), this.temperatureValue)) as tf.Tensor2D;
  }

  /** log q(z|x), `[batch, K]`: the posterior network's log-probabilities at the current temperature. */
  logPosterior(x: tf.Tensor2D): tf.Tensor2D {
    return this.evaluate('logPosterior', x, (xs) => this.logQ(xs));
  }

  /** q(z|x), `[batch, K]`: the posterior network's probabilities. */
  posterior(x: tf.Tensor2D): tf.Tensor2D {
    return this.evaluate('posterior', x, (xs) => tf.exp(this.logQ(xs)) as tf.Tensor2D);
  }

  /** The exact posterior p(z|x) = p(z) p(x|z) / p(x), `[batch, K]`. */
  responsibilities(x: tf.Tensor2D): tf.Tensor2D {
    return this.evaluate(
      'responsibilities',
      x,
      (xs) => tf.softmax(tf.add(this.logPxz(xs), this.logPrior())) as tf.Tensor2D,
    );
  }

  /** The exact mixture log-density log Σ_z p(z) p(x|z), `[batch]`. */
  logProb(x: tf.Tensor2D): tf.Tensor1D {
    return this.evaluate('logProb', x, (xs) => mixtureLogProb(this.logPxz(xs), this.logPrior()));
  }

  /** The ELBO of eq. 31 under the posterior network, `[batch]`: at most `logProb(x)`. */
  elbo(x: tf.Tensor2D): tf.Tensor1D {
    return this.evaluate('elbo', x, (xs) => mixtureElbo(this.logPxz(xs), this.logPrior(), this.logQ(xs)));
  }

  /**
   * The cluster of each row, `[batch]` int32: argmax of the posterior network q(z|x), or of the
   * exact posterior p(z|x) with `{ exact: true }`.
   */
  predict(x: tf.Tensor2D, options: { exact?: boolean } = {}): tf.Tensor1D {
    return this.evaluate('predict', x, (xs) => {
      const scores =
        options.exact === true ? tf.add(this.logPxz(xs), this.logPrior()) : this.network.apply(xs);
      return tf.argMax(scores, 1) as tf.Tensor1D;
    });
  }

  /** The negative mean ELBO of a batch: what `fit` and `trainMixture` minimise. */
  loss(batch: Batch): tf.Scalar {
    if (batch.context !== undefined) {
      throw new ShapeError(
        `${this.type}.loss: batch.context: this model is unconditional, but a context was given`,
      );
    }
    return tf.tidy(() => tf.neg(tf.mean(this.elbo(batch.x))) as tf.Scalar);
  }

  /**
   * The loss of labelled rows: -mean(log p(x|y) + log p(y) + log q(y|x)), i.e. maximum likelihood
   * of each row under its own component plus the cross-entropy of the posterior network. Labels
   * are integers in [0, K).
   */
  supervisedLoss(x: tf.Tensor2D, labels: ArrayLike<number> | tf.Tensor1D): tf.Scalar {
    const where = `${this.type}.supervisedLoss`;
    const xs = assertBatch(`${where}: x`, x, this.dim);
    const values = labels instanceof tf.Tensor ? labels.dataSync() : labels;
    if (values.length !== xs.shape[0]) {
      throw new ShapeError(
        `${where}: labels: expected ${xs.shape[0]} labels (one per row), got ${values.length}`,
      );
    }
    const ints = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= this.numComponents) {
        throw new ShapeError(
          `${where}: labels[${i}]: expected an integer in [0, ${this.numComponents}), got ${v}`,
        );
      }
      ints[i] = v;
    }
    return guarded([[`${where}: x`, xs]], () =>
      tf.tidy(() => {
        const oneHot = tf.cast(tf.oneHot(tf.tensor1d(ints, 'int32'), this.numComponents), 'float32');
        const joint = tf.add(tf.add(this.logPxz(xs), this.logPrior()), this.logQ(xs));
        return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, joint), 1))) as tf.Scalar;
      }),
    );
  }

  /**
   * Re-estimates an `'estimated'` prior from the posterior network's responsibilities on `x`:
   * p(z) = mean_x q(z|x) (floored at 1e-6). Rows are processed in chunks of `batchSize`.
   */
  reestimatePrior(x: tf.Tensor2D, batchSize = 1024): void {
    if (this.prior !== 'estimated' || this.priorLogits === undefined) {
      throw new ConfigError(`prior: reestimatePrior needs prior 'estimated', got '${this.prior}'`);
    }
    const xs = assertBatch(`${this.type}.reestimatePrior: x`, x, this.dim);
    const n = xs.shape[0];
    const total = tf.zeros([this.numComponents]);
    let sum = total;
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const next = tf.tidy(() =>
        tf.add(sum, tf.sum(this.posterior(tf.slice(xs, [start, 0], [size, -1])), 0)),
      );
      sum.dispose();
      sum = next;
    }
    const logits = tf.tidy(() => tf.log(tf.maximum(tf.div(sum, n), 1e-6)));
    this.priorLogits.assign(logits);
    tf.dispose([sum, logits]);
  }

  /**
   * Draws `n` rows: z ~ p(z), then x ~ p(x|z) (a head's sample through the trunk's forward map, when
   * there is a trunk); or every row from one `component`. Rows are grouped
   * by component in the order 0..K-1; `components` says which drew each.
   */
  sample(n: number, options: MixtureSampleOptions = {}): MixtureSample {
    assertPositiveInt(`${this.type}.sample: n`, n);
    const rng = toRng(options.seed);
    const counts = new Array<number>(this.numComponents).fill(0);
    if (options.component !== undefined) {
      const k = options.component;
      if (!Number.isInteger(k) || k < 0 || k >= this.numComponents) {
        throw new ConfigError(
          `${this.type}.sample: component: expected an integer in [0, ${this.numComponents}), got ${k}`,
        );
      }
      counts[k] = n;
    } else {
      const priorProbs = tf.tidy(() => tf.exp(this.logPrior()));
      const probs = priorProbs.dataSync();
      priorProbs.dispose();
      for (let i = 0; i < n; i++) {
        const u = rng.uniform();
        let k = 0;
        let acc = probs[0]!;
        while (u >= acc && k < this.numComponents - 1) acc += probs[++k]!;
        counts[k]! += 1;
      }
    }
    const components = new Int32Array(n);
    let offset = 0;
    counts.forEach((count, k) => {
      components.fill(k, offset, offset + count);
      offset += count;
    });
    const x = tf.tidy(() => {
      const parts = counts.flatMap((count, k) =>
        count === 0 ? [] : [drawFrom(this.components[k]!, count, rng)],
      );
      const heads = parts.length === 1 ? parts[0]! : (tf.concat(parts, 0) as tf.Tensor2D);
      return this.trunk === undefined ? heads : this.trunk.forward(heads).y;
    });
    return { x, components };
  }

  namedVariables(): NamedVariable[] {
    return [
      ...this.components.flatMap((c, k) => prefixed(`components.${k}`, c.namedVariables())),
      ...(this.trunk === undefined ? [] : prefixed('trunk', this.trunk.namedVariables())),
      ...prefixed('posterior', this.network.namedVariables()),
      ...prefixed('prior', this.store.named()),
    ];
  }

  setTraining(training: boolean): void {
    for (const c of this.components) c.setTraining?.(training);
    this.trunk?.setTraining?.(training);
  }

  getConfig(): JsonObject {
    return {
      components: this.components.map((c) => specOf(c) as unknown as JsonObject),
      ...(this.trunk === undefined ? {} : { trunk: specOf(this.trunk) as unknown as JsonObject }),
      posterior: { ...this.posteriorConfig },
      prior: this.prior,
      temperature: this.temperatureValue,
    };
  }

  dispose(): void {
    for (const c of this.components) c.dispose();
    this.trunk?.dispose();
    this.network.dispose();
    this.store.dispose();
  }
}

/** The registry plugin: `create({ kind: 'model', type: 'mixture-of-flows', config })`. */
export const mixtureOfFlowsPlugin = definePlugin({
  kind: 'model',
  type: 'mixture-of-flows',
  description: 'Variational mixture of normalizing flows: K flows, a posterior network and a prior',
  schema: z.strictObject({
    components: z.array(specConfigSchema.extend({ kind: z.literal('distribution') })).min(1, {
      message: 'expected at least one component (K >= 1)',
    }),
    /** A bijector shared by every component, applied after each component's own flow. */
    trunk: specConfigSchema.extend({ kind: z.literal('bijector') }).optional(),
    posterior: posteriorConfigSchema.default({
      hiddenFeatures: 64,
      numHiddenLayers: 1,
      activation: 'relu',
      seed: 0,
    }),
    prior: priorSchema.default('uniform'),
    temperature: z.number().positive().finite().default(1),
  }),
  create: (config, { registry }) => {
    const components: Distribution[] = [];
    let trunk: Bijector | undefined;
    try {
      for (const spec of config.components) components.push(registry.create<Distribution>(spec));
      if (config.trunk !== undefined) trunk = registry.create<Bijector>(config.trunk);
      return new MixtureOfFlows({
        components,
        ...(trunk === undefined ? {} : { trunk }),
        posterior: config.posterior,
        prior: config.prior,
        temperature: config.temperature,
      });
    } catch (e) {
      for (const c of components) c.dispose();
      trunk?.dispose();
      throw e;
    }
  },
});
