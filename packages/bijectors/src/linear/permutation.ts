import { ConfigError, createRng, definePlugin, type JsonObject, parseConfig } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { BaseBijector, zeroLogDet } from '../base.js';

/** How a permutation is given: reversed order, a seeded random shuffle, or the indices themselves. */
export const permutationSpecSchema = z.union([
  z.enum(['reverse', 'random']),
  z.array(z.number().int().nonnegative()).min(1),
]);

/** How a permutation is given: `'reverse'`, `'random'` (seeded) or an array of indices. */
export type PermutationSpec = z.infer<typeof permutationSpecSchema>;

/**
 * Resolves a permutation spec to indices: `perm[i]` is the input column that output column `i`
 * takes. A given array must hold each of 0..dim-1 exactly once (else a `ConfigError` naming the
 * problem); `'random'` is `createRng(seed).permutation(dim)`, the same on every platform.
 */
export function resolvePermutation(spec: PermutationSpec | 'identity', dim: number, seed: number): number[] {
  if (spec === 'identity') return Array.from({ length: dim }, (_, i) => i);
  if (spec === 'reverse') return Array.from({ length: dim }, (_, i) => dim - 1 - i);
  if (spec === 'random') return Array.from(createRng(seed).permutation(dim));
  if (spec.length !== dim) {
    throw new ConfigError(
      `permutation: expected ${dim} indices (a permutation of 0..${dim - 1}), got ${spec.length}`,
    );
  }
  const seen = new Set<number>();
  for (const [i, p] of spec.entries()) {
    if (!Number.isInteger(p) || p < 0 || p >= dim) {
      throw new ConfigError(`permutation[${i}]: expected an integer in 0..${dim - 1}, got ${p}`);
    }
    if (seen.has(p))
      throw new ConfigError(
        `permutation[${i}]: index ${p} appears twice (expected each of 0..${dim - 1} once)`,
      );
    seen.add(p);
  }
  return [...spec];
}

/** The `[dim, dim]` matrix P with P[i][perm[i]] = 1, so that (P v)_i = v_perm[i]. */
export function permutationMatrix(perm: readonly number[]): tf.Tensor2D {
  const dim = perm.length;
  const values = new Float32Array(dim * dim);
  for (const [i, p] of perm.entries()) values[i * dim + p] = 1;
  return tf.tensor2d(values, [dim, dim]);
}

const schema = z.strictObject({
  dim: z.number().int().positive(),
  permutation: permutationSpecSchema.default('reverse'),
  /** Seed of the `'random'` permutation. */
  seed: z.number().int().default(0),
});

/** Config of {@link Permutation}. */
export type PermutationConfig = z.input<typeof schema>;

/**
 * A fixed permutation of the columns: `forward` gives y[:, i] = u[:, perm[i]] (like nflows'
 * `Permutation`), `inverse` puts them back; the log-determinant is 0. The permutation is reversed
 * order (the default), a seeded random shuffle (`'random'` with `seed`), or given as an array of
 * the indices 0..dim-1. It is part of the config, not a weight.
 *
 * Implementation: `reverse` for the reversed order, otherwise a product with the constant one-hot
 * permutation matrix. Both are exact and have gradients on every backend (a `gather` would not:
 * its gradient needs a kernel the wasm backend lacks).
 *
 * Reference: RealNVP's alternating masks and the reverse/shuffle permutations between coupling
 * layers (Dinh et al. 2017; the marginalizing-flows thesis, section 2.1.3).
 *
 * @example
 * ```ts
 * const p = new Permutation({ dim: 3, permutation: [2, 0, 1] });
 * p.forward(tf.tensor2d([[10, 20, 30]])).y; // [[30, 10, 20]]
 * ```
 */
export class Permutation extends BaseBijector {
  readonly type = 'permutation';
  /** perm[i] is the input column that output column i takes in `forward`. */
  readonly indices: readonly number[];
  private readonly config: z.output<typeof schema>;
  private readonly reversed: boolean;
  // Constants, not variables: they are rebuilt from the config and never saved as weights.
  // Both orientations are kept because wasm's matmul takes a slow path when asked to transpose.
  private readonly matrix: tf.Tensor2D | undefined;
  private readonly matrixT: tf.Tensor2D | undefined;

  constructor(config: PermutationConfig) {
    const c = parseConfig(`bijector 'permutation' config`, schema, config);
    super(c.dim);
    this.config = c;
    this.indices = resolvePermutation(c.permutation, c.dim, c.seed);
    this.reversed = this.indices.every((p, i) => p === c.dim - 1 - i);
    this.matrix = this.reversed ? undefined : tf.keep(permutationMatrix(this.indices));
    this.matrixT = this.matrix === undefined ? undefined : tf.keep(tf.transpose(this.matrix));
  }

  protected _forward(u: tf.Tensor2D) {
    const y = this.reversed ? tf.reverse(u, 1) : tf.matMul(u, this.matrixT!);
    return { y: y as tf.Tensor2D, logDet: zeroLogDet(u) };
  }

  protected _inverse(x: tf.Tensor2D) {
    const y = this.reversed ? tf.reverse(x, 1) : tf.matMul(x, this.matrix!);
    return { y: y as tf.Tensor2D, logDet: zeroLogDet(x) };
  }

  getConfig(): JsonObject {
    const { dim, permutation, seed } = this.config;
    return { dim, permutation: Array.isArray(permutation) ? [...permutation] : permutation, seed };
  }

  override dispose(): void {
    this.matrix?.dispose();
    this.matrixT?.dispose();
    super.dispose();
  }
}

/** The `permutation` bijector plugin. */
export const permutationPlugin = definePlugin({
  kind: 'bijector',
  type: 'permutation',
  description: 'Fixed permutation of the dimensions: reverse, seeded random, or given',
  schema,
  create: (config) => new Permutation(config),
});
