import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { madeMask } from '../test-utils/made-mask.js';
import { AffineMask } from './affine-mask.js';
import { maskedAffineOp, maskedResidualBlockOp } from './ops.js';
import { MASKED_RESIDUAL_BLOCK_GRAD_KERNEL, MASKED_RESIDUAL_BLOCK_KERNEL } from './wasm-masked-residual.js';

const onWasm = tf.getBackend() === 'wasm';

/** A residual block's mask in a MADE: hidden unit j sees hidden unit i when its degree allows. */
function blockMask(degrees: number[]): AffineMask {
  return new AffineMask(madeMask(degrees, degrees, false), degrees.length, degrees.length);
}

describe('maskedResidualBlockOp (DiffeoMaskedResidualBlock on wasm)', () => {
  const rng = createRng(31);
  const [m, H, D] = [13, 24, 10];
  // nflows's sequential degrees (wrapping inside blocks of 8) and the same sorted.
  const sequential = Array.from({ length: H }, (_, j) => (j % (D - 1)) + 1);
  for (const [name, degrees] of [
    ['sequential degrees', sequential],
    ['sorted degrees', [...sequential].sort((a, b) => a - b)],
  ] as const) {
    it(`gives the separate masked ops' values and gradients, inside and outside recording (${name})`, () => {
      const masks = { first: blockMask(degrees), second: blockMask(degrees) };
      const h = tf.tensor2d(rng.normalArray(m * H), [m, H]);
      const weights = {
        w1: tf.tensor2d(
          rng.normalArray(H * H).map((v) => 0.4 * v),
          [H, H],
        ),
        b1: tf.tensor1d(rng.normalArray(H).map((v) => 0.3 * v)),
        w2: tf.tensor2d(
          rng.normalArray(H * H).map((v) => 0.4 * v),
          [H, H],
        ),
        b2: tf.tensor1d(rng.normalArray(H).map((v) => 0.3 * v)),
      };
      const dy = tf.tensor2d(rng.normalArray(m * H), [m, H]);
      const before = tf.memory().numTensors;
      const separate = (x: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) => {
        const u = maskedAffineOp(tf.relu(x) as tf.Tensor2D, w1, b1, masks.first, 'relu');
        return tf.add(x, maskedAffineOp(u, w2, b2, masks.second));
      };
      const fused = (x: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) =>
        maskedResidualBlockOp(x, () => ({ w1, b1, w2, b2 }), masks);
      const args = [h, weights.w1, weights.b1, weights.w2, weights.b2];
      const outside = fused(h, weights.w1, weights.b1, weights.w2, weights.b2);
      if (!onWasm) {
        expect(outside).toBeUndefined();
      } else {
        const want = tf.tidy(() => separate(h, weights.w1, weights.b1, weights.w2, weights.b2));
        // The same kernels in the same order: the same float32 numbers.
        expect(Array.from(outside!.dataSync())).toEqual(Array.from(want.dataSync()));
        const grads = (f: typeof separate) =>
          tf.grads((...xs: tf.Tensor[]) =>
            tf.mul(f(xs[0]!, xs[1]!, xs[2]!, xs[3]!, xs[4]!) as tf.Tensor, dy),
          )(args);
        const [got, expected] = [grads(fused as typeof separate), grads(separate)];
        got.forEach((g, i) => {
          const e = expected[i]!.dataSync();
          expect(Array.from(g.dataSync()), `gradient ${i}`).toEqual(Array.from(e));
          expect(Math.max(...Array.from(e, Math.abs)), `gradient ${i} is not all zero`).toBeGreaterThan(0.01);
        });
        // The masked-out weights get exactly no gradient.
        const gw1 = got[1]!.dataSync();
        degrees.forEach((d, i) => {
          degrees.forEach((e, j) => {
            if (e < d) expect(Math.abs(gw1[i * H + j]!)).toBe(0);
          });
        });
        tf.dispose([outside!, want, got, expected]);
      }
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([h, dy, ...Object.values(weights)]);
      masks.first.dispose();
      masks.second.dispose();
    });
  }

  it('runs one kernel forward and one backward, and leaves other shapes to the caller', async () => {
    const degrees = Array.from({ length: 16 }, (_, j) => (j % 5) + 1);
    const masks = { first: blockMask(degrees), second: blockMask(degrees) };
    const [w1, w2] = [0, 1].map(() =>
      tf.variable(
        tf.tensor2d(
          rng.normalArray(256).map((v) => 0.3 * v),
          [16, 16],
        ),
      ),
    );
    const [b1, b2] = [0, 1].map(() => tf.variable(tf.zeros([16])));
    const h = tf.tensor2d(rng.normalArray(4 * 16), [4, 16]);
    const weights = () => ({ w1: w1!, b1: b1!, w2: w2!, b2: b2! });
    const narrow = tf.zeros([4, 8]);
    // A batch of another width than the masks': the caller's ops.
    expect(maskedResidualBlockOp(narrow, weights, masks)).toBeUndefined();
    if (onWasm) {
      const profile = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(maskedResidualBlockOp(h, weights, masks)!));
        tf.dispose([value, grads]);
      });
      const names = profile.kernels.map((k) => k.name);
      expect(names.filter((n) => n === MASKED_RESIDUAL_BLOCK_KERNEL)).toHaveLength(1);
      expect(names.filter((n) => n === MASKED_RESIDUAL_BLOCK_GRAD_KERNEL)).toHaveLength(1);
      expect(names).not.toContain('Relu');
    } else {
      expect(maskedResidualBlockOp(h, weights, masks)).toBeUndefined();
    }
    tf.dispose([h, narrow, w1!, w2!, b1!, b2!]);
    masks.first.dispose();
    masks.second.dispose();
  });
});
