import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { affineOp, residualBlockOp } from './ops.js';
import { RESIDUAL_BLOCK_GRAD_KERNEL, RESIDUAL_BLOCK_KERNEL } from './wasm-residual.js';

const rng = createRng(4);
const random = (shape: number[]) => tf.tensor(rng.normalArray(shape.reduce((p, s) => p * s, 1)), shape);

describe('ops that pick their kernel', () => {
  it('affineOp gives the same values and gradients fused (evaluation) and op by op (recording)', () => {
    const [x, w, b] = [random([5, 4]), random([4, 3]), random([3])] as [
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor1D,
    ];
    const fused = affineOp(x, w, b, 'relu');
    const separate = tf.relu(tf.add(tf.matMul(x, w), b));
    // The same sums; cpu's fused kernel may round the bias add in another order (1 ulp).
    const values = Array.from(separate.dataSync());
    Array.from(fused.dataSync()).forEach((v, i) => {
      expect(Math.abs(v - values[i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(values[i]!)));
    });
    const grad = tf.grad((wv: tf.Tensor) => tf.sum(affineOp(x, wv, b, 'relu')))(w);
    const want = tf.grad((wv: tf.Tensor) => tf.sum(tf.relu(tf.add(tf.matMul(x, wv as tf.Tensor2D), b))))(w);
    const diff = tf.max(tf.abs(tf.sub(grad, want))).dataSync()[0]!;
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([x, w, b, fused, separate, grad, want]);
  });

  it('residualBlockOp runs the fused block where registered, while recording only where its gradient is', () => {
    const h = random([6, 4]);
    const [w1, b1, w2, b2] = [random([4, 4]), random([4]), random([4, 4]), random([4])];
    let asked = 0;
    const weights = () => {
      asked += 1;
      return { w1: w1!, b1: b1!, w2: w2!, b2: b2! };
    };
    const want = tf.tidy(() =>
      tf.add(h, tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(tf.relu(h), w1!), b1!)), w2!), b2!)),
    );
    const registered = tf.getKernel(RESIDUAL_BLOCK_KERNEL, tf.getBackend()) !== undefined;
    const out = residualBlockOp(h, weights);
    expect(out !== undefined).toBe(registered);
    if (out !== undefined) {
      const diff = tf.max(tf.abs(tf.sub(out, want))).dataSync()[0]!;
      expect(diff).toBeLessThan(1e-5);
      out.dispose();
    }
    const training = tf.getKernel(RESIDUAL_BLOCK_GRAD_KERNEL, tf.getBackend()) !== undefined;
    const before = asked;
    tf.grad((hv: tf.Tensor) => {
      const recorded = residualBlockOp(hv, weights);
      expect(recorded !== undefined).toBe(training);
      // Asked not to, it leaves the block to the caller without reading the weights.
      expect(residualBlockOp(hv, weights, { fusedGradient: false })).toBeUndefined();
      return tf.sum(recorded ?? hv);
    })(h).dispose();
    expect(asked).toBe(before + (training ? 1 : 0));
    tf.dispose([h, w1, b1, w2, b2, want]);
  });
});
