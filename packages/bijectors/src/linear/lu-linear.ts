import { definePlugin, type JsonObject, parseConfig } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { BaseBijector, rowsOf } from '../base.js';
import { permutationMatrix, permutationSpecSchema, resolvePermutation } from './permutation.js';

const schema = z.strictObject({
  dim: z.number().int().positive(),
  /** The fixed permutation P: none (the default, so the layer starts as the identity), or as in `Permutation`. */
  permutation: z.union([z.literal('identity'), permutationSpecSchema]).default('identity'),
  /** Seed of a `'random'` permutation. */
  seed: z.number().int().default(0),
  /** Whether to add a learnable bias b. */
  bias: z.boolean().default(true),
});

/** Config of {@link LULinear}. */
export type LULinearConfig = z.input<typeof schema>;

/** A constant `[n, n]` 0/1 mask: 1 strictly below (`'lower'`) or strictly above (`'upper'`) the diagonal. */
function triangleMask(n: number, part: 'lower' | 'upper'): tf.Tensor2D {
  const values = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (part === 'lower' ? j < i : j > i) values[i * n + j] = 1;
  }
  return tf.tensor2d(values, [n, n]);
}

/**
 * (I + M)^-1 for a strictly triangular (so nilpotent, M^n = 0) `[n, n]` matrix M, as the finite
 * Neumann series sum_k (-M)^k = (I - M)(I + M^2)(I + M^4)...: about 2 log2(n) matrix products,
 * all with gradients on every backend. tfjs-core has no triangular solve, and substitution row by
 * row would cost n sequential steps per call.
 */
export function unitTriangularInverse(m: tf.Tensor2D): tf.Tensor2D {
  const n = m.shape[0];
  const eye = tf.eye(n);
  let inverse = tf.sub(eye, m);
  let power: tf.Tensor2D = m;
  for (let reach = 2; reach < n; reach *= 2) {
    power = tf.matMul(power, power);
    inverse = tf.matMul(inverse, tf.add(eye, power));
  }
  return inverse as tf.Tensor2D;
}

/**
 * A learnable invertible linear map x = W u + b with W = P L U: P a fixed permutation, L lower
 * triangular with a unit diagonal, U upper triangular with a positive diagonal exp(logDiag). Then
 * log|det W| = sum(logDiag), for every row; the inverse u = U^-1 L^-1 P^T (x - b) uses the inverse
 * of the triangular factors (computed as finite Neumann series).
 *
 * At initialisation L = U = I and b = 0, so with the default `permutation: 'identity'` the layer
 * is the identity; with `'reverse'`, `'random'` (seeded) or an array it starts as that permutation
 * (P is part of the config, not a weight). Because U's diagonal is positive, L U always has a
 * positive determinant: a P of odd parity is the way to reach orientation-reversing maps.
 *
 * Variables: `lower` and `upper` (`[dim, dim]`, only the strict triangles are used), `logDiag`
 * (`[dim]`) and `bias` (`[dim]`, when `bias` is true).
 *
 * Reference: Kingma & Dhariwal, "Glow" (2018), section 3.2 (LU-decomposed invertible 1x1
 * convolution); nflows' `LULinear`; Pires (2020), section 2.4.1.
 *
 * @example
 * ```ts
 * const lu = new LULinear({ dim: 4, permutation: 'random', seed: 3 });
 * const { y, logDet } = lu.forward(tf.randomNormal([8, 4]));
 * ```
 */
export class LULinear extends BaseBijector {
  readonly type = 'lu-linear';
  readonly lower: tf.Variable;
  readonly upper: tf.Variable;
  readonly logDiag: tf.Variable;
  readonly bias: tf.Variable | undefined;
  /** perm[i] is the row of L U u that becomes output i: W = P L U with P[i][perm[i]] = 1. */
  readonly indices: readonly number[];
  private readonly config: z.output<typeof schema>;
  private readonly lowerMask: tf.Tensor2D;
  private readonly upperMask: tf.Tensor2D;
  private readonly p: tf.Tensor2D;

  constructor(config: LULinearConfig) {
    const c = parseConfig(`bijector 'lu-linear' config`, schema, config);
    super(c.dim);
    this.config = c;
    this.indices = resolvePermutation(c.permutation, c.dim, c.seed);
    this.lowerMask = tf.keep(triangleMask(c.dim, 'lower'));
    this.upperMask = tf.keep(triangleMask(c.dim, 'upper'));
    this.p = tf.keep(permutationMatrix(this.indices));
    this.lower = this.store.add('lower', tf.zeros([c.dim, c.dim]));
    this.upper = this.store.add('upper', tf.zeros([c.dim, c.dim]));
    this.logDiag = this.store.add('logDiag', tf.zeros([c.dim]));
    this.bias = c.bias ? this.store.add('bias', tf.zeros([c.dim])) : undefined;
  }

  /** L (unit lower triangular) and the strictly upper part of U divided by U's diagonal. */
  private factors() {
    const eye = tf.eye(this.dim);
    const l = tf.add(eye, tf.mul(this.lower, this.lowerMask)) as tf.Tensor2D;
    const diag = tf.exp(this.logDiag);
    const strictUpper = tf.mul(this.upper, this.upperMask);
    return { l, diag, strictUpper };
  }

  /** The matrix W = P L U (a fresh tensor). */
  weight(): tf.Tensor2D {
    return tf.tidy(() => {
      const { l, diag, strictUpper } = this.factors();
      const u = tf.add(strictUpper, tf.mul(tf.eye(this.dim), diag));
      return tf.matMul(this.p, tf.matMul(l, u));
    });
  }

  protected _forward(u: tf.Tensor2D) {
    let y = tf.matMul(u, tf.transpose(this.weight()));
    if (this.bias !== undefined) y = tf.add(y, this.bias);
    return { y: y as tf.Tensor2D, logDet: rowsOf(u, tf.sum(this.logDiag)) };
  }

  protected _inverse(x: tf.Tensor2D) {
    const { l, diag, strictUpper } = this.factors();
    // U = (I + M) D with M = N D^-1 strictly upper, so U^-1 = D^-1 (I + M)^-1.
    const m = tf.div(strictUpper, tf.reshape(diag, [1, this.dim])) as tf.Tensor2D;
    const uInv = tf.div(unitTriangularInverse(m), tf.reshape(diag, [this.dim, 1]));
    const lInv = unitTriangularInverse(tf.sub(l, tf.eye(this.dim)) as tf.Tensor2D);
    // W^-1 = U^-1 L^-1 P^T; rows are mapped by its transpose, P L^-T U^-T.
    const wInvT = tf.matMul(this.p, tf.transpose(tf.matMul(uInv, lInv)));
    const centred = this.bias === undefined ? x : tf.sub(x, this.bias);
    const y = tf.matMul(centred, wInvT);
    return { y: y as tf.Tensor2D, logDet: rowsOf(x, tf.neg(tf.sum(this.logDiag))) };
  }

  getConfig(): JsonObject {
    const { dim, permutation, seed, bias } = this.config;
    return { dim, permutation: Array.isArray(permutation) ? [...permutation] : permutation, seed, bias };
  }

  override dispose(): void {
    tf.dispose([this.lowerMask, this.upperMask, this.p]);
    super.dispose();
  }
}

/** The `lu-linear` bijector plugin. */
export const luLinearPlugin = definePlugin({
  kind: 'bijector',
  type: 'lu-linear',
  description:
    'Learnable invertible linear map W = P L U with a positive diagonal, identity at initialisation',
  schema,
  create: (config) => new LULinear(config),
});
