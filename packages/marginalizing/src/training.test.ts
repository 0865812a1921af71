// Model tests that train for real, on data whose density is known exactly. Wasm only (see
// vitest.config.ts): the cpu backend is a fallback, 10-15x slower for training.
import { fit } from '@diffeo/core';
import { GaussianPower } from '@diffeo/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { MarginalizingFlow } from './index.js';

const architecture = { numBlocks: 2, hiddenFeatures: 32, hiddenLayers: 2 };

function data(psi: number, n: number, seed: number) {
  const power = new GaussianPower({ dim: 2, psi });
  const arrays = power.sample(n, { seed });
  const truth = power.logProb(arrays).reduce((a, b) => a + b, 0) / n;
  return { x: tf.tensor2d(arrays.x, [n, 2]), truth };
}

describe('marginalizing flows trained on Gaussian power data (D = 2)', { timeout: 600_000 }, () => {
  it('on ψ = 1 (the base itself) stay within 0.03 nats of the exact held-out log-density, B = 0 and 2', async () => {
    const train = data(1, 2048, 1);
    const test = data(1, 2048, 2);
    for (const auxDims of [0, 2]) {
      const model = new MarginalizingFlow({ dim: 2, auxDims, architecture, seed: 3 });
      const history = await fit(model, train.x, {
        steps: 200,
        batchSize: 256,
        learningRate: 3e-3,
        schedule: 'cosine',
        seed: 0,
      });
      expect(history.stopReason).toBe('completed');
      const estimate = model.estimateLogProb(test.x, { samples: 200, seed: 4 });
      // Model and truth are scored on the same rows, so the data's sampling noise mostly cancels;
      // what is left is the fit of 2048 training rows (~0.01 nats) and the Monte Carlo error.
      expect(estimate.mean).toBeLessThan(test.truth + 0.03);
      expect(estimate.mean).toBeGreaterThan(test.truth - 0.03);
      expect(estimate.monteCarloError).toBeLessThan(0.01);
      model.dispose();
    }
    tf.dispose([train.x, test.x]);
  });

  it('on ψ = 3 learn most of the way from N(0, I) to the truth, with both objectives', async () => {
    const train = data(3, 2048, 5);
    const test = data(3, 2048, 6);
    for (const objective of ['joint', 'importance'] as const) {
      const model = new MarginalizingFlow({
        dim: 2,
        auxDims: 2,
        architecture,
        objective,
        trainSamples: 4,
        seed: 7,
      });
      const initial = model.estimateLogProb(test.x, { samples: 50, seed: 8 }).mean;
      await fit(model, train.x, {
        steps: 200,
        batchSize: 256,
        learningRate: 3e-3,
        schedule: 'cosine',
        seed: 0,
      });
      const trained = model.estimateLogProb(test.x, { samples: 200, seed: 8 }).mean;
      console.log(
        `ψ = 3, B = 2, ${objective}: held-out ${initial.toFixed(3)} -> ${trained.toFixed(3)} (truth ${test.truth.toFixed(3)})`,
      );
      expect(trained).toBeLessThan(test.truth + 0.05);
      expect(test.truth - trained).toBeLessThan(0.5 * (test.truth - initial));
      model.dispose();
    }
    tf.dispose([train.x, test.x]);
  });
});
