import {
  definePlugin,
  type JsonObject,
  NonFiniteError,
  parseConfig,
  type Rng,
  ShapeError,
} from '@diffeo/core';
import { z } from 'zod';
import { BaseDataset } from '../base.js';
import type { DataArrays } from '../types.js';

const schema = z.strictObject({
  dim: z.number().int().min(1).default(2),
  psi: z.number().int().min(1).default(2),
});

/** What {@link GaussianPower} takes; every option has a default. */
export type GaussianPowerConfig = z.input<typeof schema>;

/** Euler-Mascheroni constant γ. */
const EULER_GAMMA = 0.5772156649015329;
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/**
 * The Gaussian power data of the marginalizing-flows thesis (section 2.2.1): x = u^ψ elementwise
 * with u ~ N(0, I_D), for any dimension D (`dim`, default 2) and positive integer power ψ (`psi`,
 * default 2; the thesis uses D in {2, 3, 4} and ψ in {1, 2, 3}). No labels.
 *
 * The exact density, from the change of variables per dimension (the dimensions are
 * independent), is log p(x) = Σ_d log p1(x_d) with, for a = |x|^(1/ψ),
 * - ψ odd (one preimage u = sign(x) a): log p1(x) = log φ(a) - log ψ + (1/ψ - 1) log|x|;
 * - ψ even (two preimages ±a, x > 0): log p1(x) = log 2 + log φ(a) - log ψ + (1/ψ - 1) log x, and
 *   p1 = 0 (log p1 = -Infinity) for x < 0,
 *
 * where φ is the standard normal density. At x = 0 the density is infinite when ψ > 1.
 *
 * The expected log-density (the negative differential entropy) is exact too: substituting x = u^ψ,
 * E log p1 = -½ log(2πe) - log ψ + (ψ - 1)(γ + log 2)/2 + [ψ even] log 2, using E u² = 1 and
 * E log|u| = -(γ + log 2)/2 for u ~ N(0, 1) (γ the Euler-Mascheroni constant); the total is D
 * times that. A model's average test log-likelihood can never exceed it in expectation, so every
 * likelihood reported on this data can be set against the truth.
 *
 * @example
 * ```ts
 * const power = new GaussianPower({ dim: 3, psi: 3 });
 * const data = power.sample(2048, { seed: 0 });
 * const truth = power.logProb(data);          // Float64Array, one log-density per row
 * power.expectedLogProb();                    // 3 * -1.2472... = -3.7416...
 * ```
 */
export class GaussianPower extends BaseDataset {
  readonly type = 'gaussian-power';
  readonly dim: number;
  readonly psi: number;

  constructor(config: GaussianPowerConfig = {}) {
    super();
    const { dim, psi } = parseConfig("dataset 'gaussian-power' config", schema, config);
    this.dim = dim;
    this.psi = psi;
  }

  protected draw(n: number, rng: Rng): DataArrays {
    const x = new Float32Array(n * this.dim);
    for (let i = 0; i < x.length; i++) x[i] = rng.normal() ** this.psi;
    return { x, n, dim: this.dim };
  }

  /**
   * The exact log-density of each row. `data` is a {@link DataArrays} with `dim` columns, or a
   * row-major array whose length is a multiple of `dim`. Computed in float64.
   */
  logProb(data: DataArrays | ArrayLike<number>): Float64Array {
    const arrays = isDataArrays(data) ? data : undefined;
    if (arrays !== undefined && arrays.dim !== this.dim) {
      throw new ShapeError(`gaussian-power.logProb: data.dim: expected ${this.dim}, got ${arrays.dim}`);
    }
    const values = arrays?.x ?? (data as ArrayLike<number>);
    if (values.length % this.dim !== 0) {
      throw new ShapeError(
        `gaussian-power.logProb: data: expected a length that is a multiple of dim ${this.dim}, got ${values.length}`,
      );
    }
    const n = values.length / this.dim;
    const out = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let j = 0; j < this.dim; j++) {
        const v = values[r * this.dim + j]!;
        if (!Number.isFinite(v)) {
          throw new NonFiniteError(
            `gaussian-power.logProb: data: expected finite values, got ${v} at row ${r}, column ${j}`,
          );
        }
        sum += logDensity1d(v, this.psi);
      }
      out[r] = sum;
    }
    return out;
  }

  /** E[log p(x)] under the data's own distribution, exactly (see the class comment). */
  expectedLogProb(): number {
    return this.dim * expectedLogDensity1d(this.psi);
  }

  getConfig(): JsonObject {
    return { dim: this.dim, psi: this.psi };
  }
}

function isDataArrays(data: DataArrays | ArrayLike<number>): data is DataArrays {
  return !ArrayBuffer.isView(data) && !Array.isArray(data) && 'x' in data && 'dim' in data;
}

/** log p1(x) of one coordinate x = u^ψ, u ~ N(0, 1). */
export function logDensity1d(x: number, psi: number): number {
  if (psi === 1) return -HALF_LOG_TWO_PI - 0.5 * x * x;
  const even = psi % 2 === 0;
  if (even && x < 0) return Number.NEGATIVE_INFINITY;
  const ax = Math.abs(x);
  if (ax === 0) return Number.POSITIVE_INFINITY;
  const logAbs = Math.log(ax);
  // |x|^(2/ψ) through the log keeps it exact for tiny and huge |x|.
  const a2 = Math.exp((2 / psi) * logAbs);
  return -HALF_LOG_TWO_PI - 0.5 * a2 - Math.log(psi) + (1 / psi - 1) * logAbs + (even ? Math.LN2 : 0);
}

/** E log p1 for one coordinate: -½ log(2πe) - log ψ + (ψ - 1)(γ + log 2)/2 + [ψ even] log 2. */
export function expectedLogDensity1d(psi: number): number {
  const even = psi % 2 === 0;
  return (
    -HALF_LOG_TWO_PI -
    0.5 -
    Math.log(psi) +
    ((psi - 1) * (EULER_GAMMA + Math.LN2)) / 2 +
    (even ? Math.LN2 : 0)
  );
}

/** The `dataset` plugin of {@link GaussianPower}: `create({ kind: 'dataset', type, config })` builds one. */
export const gaussianPowerPlugin = definePlugin({
  kind: 'dataset',
  type: 'gaussian-power',
  description: 'Marginalizing-flows Gaussian power data x = u^ψ, u ~ N(0, I_D), with its exact log-density',
  schema,
  create: (config) => new GaussianPower(config),
});
