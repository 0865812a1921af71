import { KERNELS } from '@diffeo/core/kernels';
import { maf } from '@diffeo/distributions';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { PRODUCT_FLOPS, type ProfiledKernel, productFlops, productKernelsWithoutFormula } from './flops.js';

const kernel = (
  name: string,
  inputShapes: (number[] | null)[],
  outputShapes: number[][],
): ProfiledKernel => ({ name, inputShapes, outputShapes });

describe('matrix-product FLOPs', () => {
  it('counts 2mnk per product whichever operand is transposed, per batch', () => {
    // [1, 1024, 128] . [1, 128, 64]: 2 * 1024 * 64 * 128.
    const plain = kernel(
      'BatchMatMul',
      [
        [1, 1024, 128],
        [1, 128, 64],
      ],
      [[1, 1024, 64]],
    );
    expect(PRODUCT_FLOPS.BatchMatMul!(plain)).toBe(2 * 1024 * 64 * 128);
    // dW = X^T . dY: A is [1, 1024, 128] read transposed, the output [1, 128, 64]: k = 1024.
    const transposedA = kernel(
      'BatchMatMul',
      [
        [1, 1024, 128],
        [1, 1024, 64],
      ],
      [[1, 128, 64]],
    );
    expect(PRODUCT_FLOPS.BatchMatMul!(transposedA)).toBe(2 * 128 * 64 * 1024);
    // Three products of [5, 7] . [7, 3], with a bias (not counted).
    const fused = kernel('_FusedMatMul', [[3, 5, 7], [3, 7, 3], [3]], [[3, 5, 3]]);
    expect(PRODUCT_FLOPS._FusedMatMul!(fused)).toBe(3 * 2 * 5 * 3 * 7);
    // The residual block: two [m, H] . [H, H] products.
    const block = kernel(
      'DiffeoResidualBlock',
      [[100, 200], [200, 200], [200], [200, 200], [200]],
      [[100, 200]],
    );
    expect(PRODUCT_FLOPS.DiffeoResidualBlock!(block)).toBe(2 * 2 * 100 * 200 * 200);
    // Its gradient: the four products of the dense backward (dy, h, w1, b1, w2 in).
    const blockGrad = kernel(
      'DiffeoResidualBlockGrad',
      [[100, 200], [100, 200], [200, 200], [200], [200, 200]],
      [[100, 200], [200, 200], [200], [200, 200], [200]],
    );
    expect(PRODUCT_FLOPS.DiffeoResidualBlockGrad!(blockGrad)).toBe(4 * 2 * 100 * 200 * 200);
    // A dense layer x [m, k] . w [k, n] and its gradient (dy [m, n], x, w, y in: dx and dw).
    expect(
      PRODUCT_FLOPS.DiffeoAffineTrain!(kernel('DiffeoAffineTrain', [[8, 3], [3, 5], [5]], [[8, 5]])),
    ).toBe(2 * 8 * 3 * 5);
    expect(
      PRODUCT_FLOPS.DiffeoAffineGrad!(
        kernel(
          'DiffeoAffineGrad',
          [
            [8, 5],
            [8, 3],
            [3, 5],
            [8, 5],
          ],
          [[8, 3], [3, 5], [5]],
        ),
      ),
    ).toBe(2 * 2 * 8 * 3 * 5);
    // A masked layer and its gradient (x, weight, ... in), counted as the dense products.
    const masked = kernel('DiffeoMaskedAffine', [[8, 3], [3, 5], [5], [3, 5], [1], [1]], [[8, 5]]);
    expect(PRODUCT_FLOPS.DiffeoMaskedAffine!(masked)).toBe(2 * 8 * 3 * 5);
    const maskedGrad = kernel(
      'DiffeoMaskedAffineGrad',
      [[8, 3], [3, 5], [3, 5], [1], [1], [8, 5], [8, 5]],
      [],
    );
    expect(PRODUCT_FLOPS.DiffeoMaskedAffineGrad!(maskedGrad)).toBe(2 * 2 * 8 * 3 * 5);
    const total = productFlops([plain, transposedA, fused, block, kernel('Add', [[4], [4]], [[4]])]);
    expect(total.flops).toBe(2 * 1024 * 64 * 128 * 2 + 3 * 2 * 5 * 3 * 7 + 4 * 100 * 200 * 200);
    expect(total.byKernel.BatchMatMul).toEqual({ count: 2, flops: 2 * 2 * 1024 * 64 * 128 });
    expect(total.byKernel.Add).toBeUndefined();
    expect(total.withoutFormula).toEqual([]);
  });

  it('has a formula for every kernel core registers that does products (add one to PRODUCT_FLOPS)', () => {
    expect(productKernelsWithoutFormula(KERNELS.map((k) => k.kernelName))).toEqual([]);
  });

  it('flags product kernels without a formula: a new Diffeo kernel, a product by its name', () => {
    expect(
      productKernelsWithoutFormula([
        'DiffeoMadeLayer',
        'DiffeoMaskedMatMul',
        'Conv2D',
        'Add',
        'Exp',
        'DiffeoAdamUpdate',
        'DiffeoRQSpline',
        'BatchMatMul',
        'fusedMatMul__op',
      ]),
    ).toEqual(['Conv2D', 'DiffeoMadeLayer', 'DiffeoMaskedMatMul']);
    expect(productFlops([kernel('DiffeoMaskedMatMul', [[2, 2]], [[2, 2]])]).withoutFormula).toEqual([
      'DiffeoMaskedMatMul',
    ]);
  });

  it("reads tf.profile's shapes: a transposed product and a MAF's logProb, counted by hand", async () => {
    const a = tf.ones([64, 32]);
    const b = tf.ones([48, 32]);
    const profile = await tf.profile(() => tf.dispose(tf.matMul(a, b, false, true)));
    expect(productFlops(profile.kernels as readonly ProfiledKernel[]).flops).toBe(2 * 64 * 48 * 32);

    // 4 MADEs of 2 -> 128, 2 residual blocks of two 128 x 128 layers, 128 -> 2 x 2 affine parameters.
    const n = 10;
    const model = maf({ dim: 2, numTransforms: 4, hiddenFeatures: 128, numBlocks: 2, seed: 0 });
    const x = tf.randomNormal([n, 2], 0, 1, 'float32', 0) as tf.Tensor2D;
    const logProb = await tf.profile(() => tf.dispose(model.logProb(x)));
    const counted = productFlops(logProb.kernels as readonly ProfiledKernel[]);
    expect(counted.withoutFormula).toEqual([]);
    expect(counted.flops).toBe(4 * 2 * n * (2 * 128 + 4 * 128 * 128 + 128 * 4));
    tf.dispose([a, b, x]);
    model.dispose();
  });
});
