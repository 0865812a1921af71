import { ConfigError, definePlugin, type JsonObject, parseConfig, type Rng, ShapeError } from '@diffeo/core';
import { z } from 'zod';
import { eagerDigitsBase64 } from '#digits-table';
import { BaseDataset } from '../base.js';
import type { DataArrays } from '../types.js';

/** Pixels per image (8 x 8). */
export const DIGITS_PIXELS = 64;
/** Grey levels per pixel: the values 0..16. */
export const DIGITS_LEVELS = 17;

const ALL_DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

const schema = z
  .strictObject({
    digits: z
      .array(z.number().int().min(0).max(9))
      .min(1)
      .refine((d) => new Set(d).size === d.length, 'expected distinct digits')
      .default(ALL_DIGITS),
    scale: z.enum(['unit', 'none']).default('unit'),
    dequantize: z.boolean().default(true),
    logitAlpha: z.number().gt(0).lt(0.5).nullable().default(null),
  })
  .superRefine((c, ctx) => {
    if (c.logitAlpha !== null && c.scale !== 'unit') {
      ctx.addIssue({
        code: 'custom',
        path: ['logitAlpha'],
        message: `the logit transform needs scale 'unit' (values in [0, 1]), got scale '${c.scale}'`,
      });
    }
  });

/** The config of {@link Digits}. */
export type DigitsConfig = z.input<typeof schema>;

// The table's shape is repeated here rather than imported from digits-data.gen.ts: a static import
// of that module would put its 156 kB into every browser bundle of the package.
const DIGITS_ROWS = 1797;
const DIGITS_COLUMNS = 65;

/** Images of each digit 0..9 in the table, so that a `Digits` knows its size before the table loads. */
export const DIGITS_COUNTS: readonly number[] = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180];

let table: Uint8Array | undefined;
let loading: Promise<Uint8Array> | undefined;

/**
 * Loads the digits table (156 kB of base64 in its own module, which bundlers emit as a separate
 * chunk fetched only when an app calls this), decoded once. In a browser or bundle, call it before
 * sampling `Digits`; in Node the table is there from the start and this returns at once.
 *
 * @example
 * ```ts
 * await loadDigits();
 * const data = new Digits({ digits: [0, 1] }).sample(100, { seed: 0 });
 * ```
 */
export async function loadDigits(): Promise<void> {
  if (table !== undefined) return;
  loading ??= import('./digits-data.gen.js').then(({ DIGITS_BASE64 }) => {
    table ??= decodeTable(DIGITS_BASE64);
    return table;
  });
  await loading;
}

function decodeTable(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  if (bytes.length !== DIGITS_ROWS * DIGITS_COLUMNS) {
    throw new ShapeError(
      `digits: the embedded table has ${bytes.length} bytes, expected ${DIGITS_ROWS * DIGITS_COLUMNS}`,
    );
  }
  return bytes;
}

/** The raw table (1797 x 65 bytes: 64 pixels 0..16, then the label): in Node always, elsewhere once {@link loadDigits} has run. */
export function digitsTable(): Uint8Array {
  if (table === undefined && eagerDigitsBase64 !== undefined) table = decodeTable(eagerDigitsBase64);
  if (table === undefined) {
    throw new ConfigError(
      'digits: expected the digits table to be loaded, got a call before it was: `await loadDigits()` first ' +
        '(or build with `await Digits.load(config)`); it loads on demand so that apps without the digits do not carry it',
    );
  }
  return table;
}

const softplus = (v: number) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));

/**
 * The 8 x 8 handwritten digits shipped inside the package: the test set of the UCI "Optical
 * Recognition of Handwritten Digits" data (E. Alpaydin, C. Kaynak, 1998; CC BY 4.0), 1797 images
 * of 64 pixels with grey levels 0..16 and labels 0..9. It stands in for MNIST in the
 * mixture-of-flows clustering experiment (which used the digits 0-4: `digits: [0, 1, 2, 3, 4]`).
 * The data is embedded in the JavaScript, so it loads in Node and in browsers alike, from its own
 * module. In Node it is there from the start; in a browser bundle it is a separate chunk: call
 * `await loadDigits()` (or build with `await Digits.load(config)`) before the first sample, so that
 * an app that never uses the digits does not carry them. `size` and `numClasses` are known before.
 *
 * Each pixel v in 0..16 becomes, in order:
 * 1. `dequantize` (default true): y = v + u with u uniform on [0, 1) (seeded), so y in [0, 17);
 *    otherwise y = v;
 * 2. `scale`: 'unit' (default) divides by 17, the number of grey levels, so the 17 bins
 *    [v/17, (v+1)/17) tile [0, 1) (without dequantization the values are v/17, at most 16/17);
 *    'none' keeps y;
 * 3. `logitAlpha` (default null, off): x = logit(α + (1 - 2α) y/17), the logit transform of the
 *    flow literature (RealNVP, MAF) with α e.g. 1e-6 or 0.05; needs scale 'unit'.
 *
 * {@link Digits.logDetJacobian} gives log|det ∂x/∂y| per row, so a model's density on x converts to
 * one on the dequantized pixels: log p(y) = log p(x) + logDetJacobian; and log p(y) is a lower
 * bound on the log-probability of the integer image v. `sample(n, seed)` returns `n <= size`
 * distinct images in a seeded random order; labels are the digits themselves (so `numClasses` is
 * the largest selected digit + 1).
 *
 * @example
 * ```ts
 * const digits = await Digits.load({ digits: [0, 1, 2, 3, 4] });
 * const all = digits.sample(digits.size, { seed: 0 });     // 901 x 64 in [0, 1), labels 0..4
 * ```
 */
export class Digits extends BaseDataset {
  readonly type = 'digits';
  readonly dim = DIGITS_PIXELS;
  override readonly numClasses: number;
  override readonly size: number;
  private readonly config: z.output<typeof schema>;
  private selectedRows: Int32Array | undefined;

  constructor(config: DigitsConfig = {}) {
    super();
    this.config = parseConfig("dataset 'digits' config", schema, config);
    this.size = this.config.digits.reduce((sum, d) => sum + DIGITS_COUNTS[d]!, 0);
    this.numClasses = Math.max(...this.config.digits) + 1;
  }

  /**
   * Loads the table ({@link loadDigits}) and builds the data set: the one call a browser app
   * needs before sampling.
   */
  static async load(config: DigitsConfig = {}): Promise<Digits> {
    await loadDigits();
    return new Digits(config);
  }

  /** Table rows of the selected digits, in file order (found once the table is loaded). */
  private get rows(): Int32Array {
    if (this.selectedRows === undefined) {
      const wanted = new Set(this.config.digits);
      const data = digitsTable();
      const rows: number[] = [];
      for (let r = 0; r < DIGITS_ROWS; r++) {
        if (wanted.has(data[r * DIGITS_COLUMNS + DIGITS_PIXELS]!)) rows.push(r);
      }
      this.selectedRows = Int32Array.from(rows);
    }
    return this.selectedRows;
  }

  protected draw(n: number, rng: Rng): DataArrays {
    const { scale, dequantize, logitAlpha } = this.config;
    const data = digitsTable();
    const rows = this.rows;
    const order = rng.permutation(this.size);
    const x = new Float32Array(n * DIGITS_PIXELS);
    const labels = new Int32Array(n);
    const divisor = scale === 'unit' ? DIGITS_LEVELS : 1;
    for (let i = 0; i < n; i++) {
      const row = rows[order[i]!]!;
      labels[i] = data[row * DIGITS_COLUMNS + DIGITS_PIXELS]!;
      for (let j = 0; j < DIGITS_PIXELS; j++) {
        const v = data[row * DIGITS_COLUMNS + j]!;
        let value = (dequantize ? v + rng.uniform() : v) / divisor;
        if (logitAlpha !== null) {
          const s = logitAlpha + (1 - 2 * logitAlpha) * value;
          value = Math.log(s) - Math.log1p(-s);
        }
        x[i * DIGITS_PIXELS + j] = value;
      }
    }
    return { x, n, dim: DIGITS_PIXELS, labels };
  }

  /**
   * log|det ∂x/∂y| of each row, where x is the row as returned and y the dequantized pixel values
   * in [0, 17): -64 log 17 for scale 'unit', 0 for 'none', plus the logit's
   * Σ (log(1 - 2α) - log s - log(1 - s)) with s = α + (1 - 2α) y/17. Add it to a density on x to get
   * the density on y.
   */
  logDetJacobian(data: DataArrays): Float64Array {
    if (data.dim !== DIGITS_PIXELS) {
      throw new ShapeError(`digits.logDetJacobian: data.dim: expected ${DIGITS_PIXELS}, got ${data.dim}`);
    }
    const { scale, logitAlpha } = this.config;
    const base = scale === 'unit' ? -DIGITS_PIXELS * Math.log(DIGITS_LEVELS) : 0;
    const out = new Float64Array(data.n).fill(base);
    if (logitAlpha === null) return out;
    const logShrink = Math.log(1 - 2 * logitAlpha);
    for (let i = 0; i < data.n; i++) {
      let sum = 0;
      for (let j = 0; j < DIGITS_PIXELS; j++) {
        const t = data.x[i * DIGITS_PIXELS + j]!;
        // s = sigmoid(t): -log s - log(1 - s) = softplus(-t) + softplus(t).
        sum += logShrink + softplus(-t) + softplus(t);
      }
      out[i] = base + sum;
    }
    return out;
  }

  getConfig(): JsonObject {
    const { digits, scale, dequantize, logitAlpha } = this.config;
    return { digits: [...digits], scale, dequantize, logitAlpha };
  }
}

/** The `dataset` plugin of {@link Digits}: `create({ kind: 'dataset', type, config })` builds one. */
export const digitsPlugin = definePlugin({
  kind: 'dataset',
  type: 'digits',
  description: 'UCI 8x8 handwritten digits (1797 images, labels 0..9), dequantized, scaled, subsets',
  schema,
  create: (config) => new Digits(config),
});
