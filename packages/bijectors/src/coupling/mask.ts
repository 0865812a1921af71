import { ConfigError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';

/**
 * Which dimensions a coupling layer transforms. `1` marks a transformed dimension, `0` one that
 * passes through unchanged and conditions the others (nflows's convention):
 * - `'half'` (default): the first `floor(dim / 2)` dimensions pass through, the rest (the higher
 *   half, the larger one when `dim` is odd) are transformed, as in the marginalizing-flows thesis;
 * - `'alternating'`: even indices (0, 2, ...) pass through, odd ones are transformed;
 * - an array of `dim` zeros and ones holding both values.
 */
export const maskSchema = z.union([
  z.enum(['half', 'alternating']),
  z.array(z.union([z.literal(0), z.literal(1)])),
]);

/** A mask as a config holds it: `'half' | 'alternating' | (0 | 1)[]`. */
export type MaskSpec = z.infer<typeof maskSchema>;

/**
 * Resolves a mask spec to `dim` zeros and ones (1 = transformed), checking a custom mask's length
 * and that both parts are non-empty.
 *
 * @example
 * ```ts
 * resolveMask('half', 5);        // [0, 0, 1, 1, 1]
 * resolveMask('alternating', 4); // [0, 1, 0, 1]
 * ```
 */
export function resolveMask(spec: MaskSpec, dim: number): (0 | 1)[] {
  if (!Number.isInteger(dim) || dim < 2) {
    throw new ConfigError(
      `dim: a coupling layer needs at least 2 dimensions (one to condition on, one to transform), got ${dim}`,
    );
  }
  let mask: (0 | 1)[];
  if (spec === 'half') {
    const identity = Math.floor(dim / 2);
    mask = Array.from({ length: dim }, (_, i) => (i < identity ? 0 : 1));
  } else if (spec === 'alternating') {
    mask = Array.from({ length: dim }, (_, i) => (i % 2 === 0 ? 0 : 1));
  } else {
    if (spec.length !== dim) {
      throw new ConfigError(`mask: expected ${dim} entries (one per dimension), got ${spec.length}`);
    }
    if (!spec.includes(0) || !spec.includes(1)) {
      throw new ConfigError(
        `mask: expected both 0s (dimensions passed through) and 1s (dimensions transformed), got [${spec.join(', ')}]`,
      );
    }
    mask = [...spec];
  }
  return mask;
}

/** A 0/1 `[rows, cols]` matrix with a 1 at each `(r, c)` of `ones`. */
function selection(rows: number, cols: number, ones: [number, number][]): tf.Tensor2D {
  const data = new Float32Array(rows * cols);
  for (const [r, c] of ones) data[r * cols + c] = 1;
  return tf.tensor2d(data, [rows, cols]);
}

function isRun(indices: readonly number[]): boolean {
  return indices.every((v, k) => v === indices[0]! + k);
}

/**
 * Splits `[batch, dim]` rows into the passed-through and transformed columns of a mask and merges
 * them back. Contiguous parts are split off; scattered ones use products with 0/1 selection matrices,
 * which are exact in floating point (each output is one input times 1 plus zeros) and, unlike
 * `gather`, have a gradient on every backend (wasm lacks the kernel gather's gradient needs).
 * Meant to run inside the caller's `tf.tidy` (intermediates are not freed here); `dispose()` frees
 * the selection matrices.
 */
export class MaskSplitter {
  /** Columns that pass through unchanged, in increasing order. */
  readonly identity: readonly number[];
  /** Columns that are transformed, in increasing order. */
  readonly transformed: readonly number[];
  private readonly sliced: boolean;
  private readonly concatenated: boolean;
  // Constant 0/1 matrices for scattered masks, built once (kept out of every tidy) and freed by
  // `dispose`: [dim, nIdentity], [dim, nTransformed] and the [dim, dim] merge.
  private readonly pickIdentity: tf.Tensor2D | undefined;
  private readonly pickTransformed: tf.Tensor2D | undefined;
  private readonly scatter: tf.Tensor2D | undefined;

  constructor(readonly mask: readonly (0 | 1)[]) {
    this.identity = mask.flatMap((m, i) => (m === 0 ? [i] : []));
    this.transformed = mask.flatMap((m, i) => (m === 1 ? [i] : []));
    this.sliced = isRun(this.identity) && isRun(this.transformed);
    this.concatenated = this.sliced && this.identity[0] === 0;
    if (!this.sliced) {
      const dim = mask.length;
      const pick = (cols: readonly number[]) =>
        tf.keep(
          selection(
            dim,
            cols.length,
            cols.map((col, k) => [col, k]),
          ),
        );
      this.pickIdentity = pick(this.identity);
      this.pickTransformed = pick(this.transformed);
      const order = [...this.identity, ...this.transformed];
      this.scatter = tf.keep(
        selection(
          dim,
          dim,
          order.map((col, k) => [k, col]),
        ),
      );
    }
  }

  /** `[identity columns, transformed columns]` of `x`. */
  split(x: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
    if (this.sliced) {
      // One split, not two slices: its gradient is one concatenation instead of two zero-padded
      // copies and their sum (the same numbers).
      const first = this.concatenated ? this.identity.length : this.transformed.length;
      const [a, b] = tf.split(x, [first, x.shape[1] - first], 1) as [tf.Tensor2D, tf.Tensor2D];
      return this.concatenated ? [a, b] : [b, a];
    }
    return [tf.matMul(x, this.pickIdentity!), tf.matMul(x, this.pickTransformed!)];
  }

  /** The `[batch, dim]` rows whose identity and transformed columns are `a` and `b`. */
  merge(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
    if (this.concatenated) return tf.concat([a, b], 1) as tf.Tensor2D;
    if (this.sliced) return tf.concat([b, a], 1) as tf.Tensor2D;
    return tf.matMul(tf.concat([a, b], 1), this.scatter!) as tf.Tensor2D;
  }

  /** Frees the selection matrices. */
  dispose(): void {
    tf.dispose([this.pickIdentity, this.pickTransformed, this.scatter].filter((t) => t !== undefined));
  }
}
