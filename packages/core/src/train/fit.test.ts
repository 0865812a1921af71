import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import type { Batch } from '../contracts.js';
import { ConfigError, NonFiniteError, ShapeError } from '../errors.js';
import { ADAM_KERNEL } from '../kernels/adam-kernel.js';
import { createRng } from '../rng.js';
import { brokenAt } from '../test-utils/broken-at.js';
import { TestGaussian } from '../test-utils/gaussian.js';
import { guarded } from '../validate.js';
import { Adam } from './adam.js';
import { type FitHistory, fit } from './fit.js';
import { learningRateAt } from './schedule.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** Rows from N(mean, scale^2) per dimension. */
function gaussianData(n: number, mean: number[], scale: number[], seed: number): tf.Tensor2D {
  const rng = createRng(seed);
  const d = mean.length;
  const values = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) values[i] = mean[i % d]! + scale[i % d]! * rng.normal();
  return tf.tensor2d(values, [n, d]);
}

describe('fit', () => {
  it('lowers the loss to the entropy of the data', async () => {
    const scale = [0.5, 2];
    const x = gaussianData(2000, [1, -3], scale, 1);
    const model = new TestGaussian(2);
    const initial = (await model.loss({ x }).data())[0]!;
    const history = await fit(model, x, { epochs: 60, batchSize: 128, learningRate: 0.05, seed: 2 });
    // The true entropy of N(mu, diag(scale^2)) in nats; the MLE's training NLL sits at or just below it.
    const entropy = scale.reduce((s, sc) => s + 0.5 * (1 + LOG_2PI) + Math.log(sc), 0);
    const final = (await model.loss({ x }).data())[0]!;
    expect(initial).toBeGreaterThan(entropy + 2);
    expect(Math.abs(final - entropy)).toBeLessThan(0.02);
    expect(Array.from(model.mean.dataSync()).map((v) => Math.round(v * 10) / 10)).toEqual([1, -3]);
    expect(history.stopReason).toBe('completed');
    expect(history.steps).toBe(60 * 16);
    expect(history.epochs).toHaveLength(60);
    expect(history.epochs[59]!.loss).toBeLessThan(history.epochs[0]!.loss);
    x.dispose();
    model.dispose();
  });

  it('leaves no tensor behind per training step', async () => {
    const x = gaussianData(256, [0, 0], [1, 1], 3);
    const validation = gaussianData(64, [0, 0], [1, 1], 4);
    const model = new TestGaussian(2);
    await fit(model, x, { steps: 1, batchSize: 64, seed: 1 }); // warm up kernels
    const before = tf.memory().numTensors;
    await fit(model, x, { steps: 7, batchSize: 64, clipNorm: 0.1, validation, schedule: 'cosine', seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, validation]);
    model.dispose();
  });

  it('stops on a non-finite loss and restores the last finite weights', async () => {
    const x = gaussianData(256, [0, 0], [1, 1], 5);
    const model = new TestGaussian(2);
    // The loss turns NaN as soon as the mean's first entry passes 0.3 (training pulls it up from 0.1).
    const goesNaN = {
      namedVariables: () => model.namedVariables(),
      loss: (batch: Batch) =>
        tf.tidy(() => {
          const m = tf.slice(model.mean, [0], [1]);
          const nan = tf.sqrt(tf.sub(0.3, tf.sum(m))); // NaN when mean[0] > 0.3
          return tf.add(model.loss(batch), tf.mul(nan, 0)) as tf.Scalar;
        }),
    };
    model.mean.assign(tf.tensor1d([0.1, 0]));
    const target = gaussianData(256, [1, 0], [1, 1], 6);
    const history = await fit(goesNaN, target, { epochs: 50, batchSize: 32, learningRate: 0.05, seed: 1 });
    expect(history.stopReason).toBe('non-finite');
    expect(history.nonFinite?.message).toMatch(
      /loss NaN; training stopped and the last finite weights were restored/,
    );
    const mean0 = model.mean.dataSync()[0]!;
    expect(mean0).toBeLessThanOrEqual(0.3);
    expect(mean0).toBeGreaterThan(0.2);
    expect((await goesNaN.loss({ x }).data())[0]).not.toBeNaN();
    tf.dispose([x, target]);
    model.dispose();
  });

  it('stops early on a validation set and restores the best weights', async () => {
    const train = gaussianData(64, [2, 2], [1, 1], 7);
    const validation = gaussianData(64, [-2, -2], [1, 1], 8); // disagrees with train: overfitting from epoch 0
    const model = new TestGaussian(2, -2);
    const epochs: number[] = [];
    const history = await fit(model, train, {
      epochs: 100,
      batchSize: 64,
      learningRate: 0.05,
      validation,
      patience: 3,
      seed: 1,
      onEpoch: ({ epoch }) => {
        epochs.push(epoch);
      },
    });
    expect(history.stopReason).toBe('early-stopping');
    expect(history.best?.epoch).toBe(0);
    expect(history.epochs).toHaveLength(4);
    expect(epochs).toEqual([0, 1, 2, 3]);
    expect(history.restoredBest).toBe(true);
    const restoredVal = (await model.loss({ x: validation }).data())[0]!;
    expect(restoredVal).toBeCloseTo(history.best!.valLoss, 4);
    tf.dispose([train, validation]);
    model.dispose();
  });

  it('is cancelled through an AbortSignal and reports every step', async () => {
    const x = gaussianData(512, [0, 0], [1, 1], 9);
    const model = new TestGaussian(2);
    const controller = new AbortController();
    const steps: number[] = [];
    const history = await fit(model, x, {
      epochs: 10,
      batchSize: 32,
      signal: controller.signal,
      onStep: ({ step, learningRate }) => {
        steps.push(step);
        expect(learningRate).toBe(1e-3);
        if (step === 5) controller.abort();
      },
    });
    expect(history.stopReason).toBe('aborted');
    expect(history.steps).toBe(5);
    expect(steps).toEqual([1, 2, 3, 4, 5]);
    x.dispose();
    model.dispose();
  });

  it('rejects bad data and options with typed errors', async () => {
    const model = new TestGaussian(2);
    const x = tf.zeros([10, 2]) as tf.Tensor2D;
    await expect(fit(model, tf.zeros([10]) as unknown as tf.Tensor2D)).rejects.toThrow(ShapeError);
    await expect(fit(model, tf.zeros([0, 2]) as tf.Tensor2D)).rejects.toThrow(/at least one row/);
    await expect(fit(model, { x, context: tf.zeros([9, 1]) as tf.Tensor2D })).rejects.toThrow(
      /context: expected 10 rows/,
    );
    await expect(fit(model, x, { batchSize: 0 })).rejects.toThrow(ConfigError);
    await expect(fit(model, x, { learningRate: -1 })).rejects.toThrow(
      /learningRate: expected a positive number/,
    );
    await expect(fit(model, x, { patience: 2 })).rejects.toThrow(/needs a validation set/);
    model.dispose();
  });
});

describe('fit options', () => {
  it('rejects unknown options, naming the nearest valid one', async () => {
    const model = new TestGaussian(2);
    const x = tf.zeros([10, 2]) as tf.Tensor2D;
    const before = model.mean.dataSync().slice();
    const misspelt = { step: 10, lr: 0.1, batchSize: 4 } as unknown as Parameters<typeof fit>[2];
    await expect(fit(model, x, misspelt)).rejects.toThrow(ConfigError);
    await expect(fit(model, x, misspelt)).rejects.toThrow(
      "fit options: unknown option 'step' (did you mean 'steps'?); fit options: unknown option 'lr' (did you mean 'learningRate'?)",
    );
    const noNeighbour = { zzzzzz: 1 } as unknown as Parameters<typeof fit>[2];
    await expect(fit(model, x, noNeighbour)).rejects.toThrow("fit options: unknown option 'zzzzzz'");
    await expect(fit(model, x, noNeighbour)).rejects.not.toThrow(/did you mean/);
    await expect(
      fit(model, x, { adam: { beta: 0.9 } } as unknown as Parameters<typeof fit>[2]),
    ).rejects.toThrow(ConfigError);
    expect(model.mean.dataSync()).toEqual(before);
    x.dispose();
    model.dispose();
  });

  it('rejects a minLearningRate above the learning rate or not a number, and a bad seed', async () => {
    const model = new TestGaussian(2);
    const x = tf.zeros([10, 2]) as tf.Tensor2D;
    await expect(
      fit(model, x, { learningRate: 1e-3, minLearningRate: 1e-2, schedule: 'cosine' }),
    ).rejects.toThrow('minLearningRate: expected at most learningRate (0.001), got 0.01');
    await expect(fit(model, x, { minLearningRate: 0.01 })).rejects.toThrow(/at most learningRate \(0.001\)/);
    await expect(fit(model, x, { minLearningRate: Number.NaN })).rejects.toThrow(
      'minLearningRate: expected a non-negative number, got NaN',
    );
    await expect(fit(model, x, { learningRate: Number.NaN })).rejects.toThrow(
      'learningRate: expected a positive number, got NaN',
    );
    await expect(fit(model, x, { seed: '42' as unknown as number })).rejects.toThrow(
      "seed: expected a non-negative integer or an Rng from createRng, got '42'",
    );
    await expect(fit(model, x, { seed: 1.5 })).rejects.toThrow(ConfigError);
    x.dispose();
    model.dispose();
  });
});

describe('fit on data with a NaN row', () => {
  it('names the data row before any step, keeps the weights and leaks nothing', async () => {
    const values = gaussianData(256, [0, 0], [1, 1], 11).arraySync();
    values[200]![1] = Number.NaN;
    const x = tf.tensor2d(values);
    const model = new TestGaussian(2);
    const before = tf.memory().numTensors;
    let steps = 0;
    const run = fit(model, x, {
      epochs: 2,
      batchSize: 32,
      learningRate: 0.1,
      seed: 1,
      onStep: () => void steps++,
    });
    await expect(run).rejects.toThrow(NonFiniteError);
    await expect(fit(model, x, { steps: 3 })).rejects.toThrow(
      'data.x: expected finite values, got NaN at row 200, column 1',
    );
    expect(steps).toBe(0);
    expect(Array.from(model.mean.dataSync())).toEqual([0, 0]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it('checks the validation set before the first step too', async () => {
    const x = gaussianData(64, [0, 0], [1, 1], 12);
    const validation = tf.tensor2d([
      [0, 0],
      [1, Number.POSITIVE_INFINITY],
    ]);
    const model = new TestGaussian(2);
    let steps = 0;
    await expect(
      fit(model, x, { epochs: 1, batchSize: 16, validation, onStep: () => void steps++ }),
    ).rejects.toThrow('validation.x: expected finite values, got Infinity at row 1, column 1');
    expect(steps).toBe(0);
    tf.dispose([x, validation]);
    model.dispose();
  });

  it('disposes the batch when the loss throws', async () => {
    const x = gaussianData(64, [0, 0], [1, 1], 13);
    const model = new TestGaussian(2);
    const throwing = {
      namedVariables: () => model.namedVariables(),
      loss: (): tf.Scalar => {
        throw new ShapeError('loss: broken');
      },
    };
    const before = tf.memory().numTensors;
    await expect(fit(throwing, x, { steps: 1, batchSize: 16 })).rejects.toThrow('loss: broken');
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });
});

describe('the guard against divergence', () => {
  /** A loss of about 3 nats until mean[0] passes 0.5, then 100 times that: finite, but diverged. */
  function jumpy(model: TestGaussian) {
    return {
      namedVariables: () => model.namedVariables(),
      loss: (batch: Batch) =>
        tf.tidy(() => {
          const m = tf.slice(model.mean, [0], [1]);
          const factor = tf.add(1, tf.mul(99, tf.step(tf.sub(tf.sum(m), 0.5))));
          return tf.mul(model.loss(batch), factor) as tf.Scalar;
        }),
    };
  }

  it('stops on a loss that jumps by orders of magnitude and restores the weights before it', async () => {
    const model = new TestGaussian(2);
    const target = gaussianData(256, [2, 0], [1, 1], 14);
    const history = await fit(jumpy(model), target, {
      epochs: 20,
      batchSize: 32,
      learningRate: 0.05,
      seed: 1,
    });
    expect(history.stopReason).toBe('non-finite');
    expect(history.nonFinite?.message).toMatch(
      /diverged \(the lowest so far was [\d.]+; limit divergence 10\)/,
    );
    const mean0 = model.mean.dataSync()[0]!;
    expect(mean0).toBeLessThanOrEqual(0.5);
    expect(mean0).toBeGreaterThan(0.4);
    // Every recorded step passed the guard: none is above the first by the divergence limit.
    expect(Math.max(...history.stepLosses)).toBeLessThan(history.stepLosses[0]! * 11);
    target.dispose();
    model.dispose();
  });

  it('trains on through the jump with divergence: false', async () => {
    const model = new TestGaussian(2);
    const target = gaussianData(256, [2, 0], [1, 1], 14);
    const history = await fit(jumpy(model), target, {
      steps: 40,
      batchSize: 32,
      learningRate: 0.05,
      seed: 1,
      divergence: false,
    });
    expect(history.stopReason).toBe('completed');
    expect(model.mean.dataSync()[0]!).toBeGreaterThan(0.5);
    target.dispose();
    model.dispose();
  });

  it("trips on a NaN log-density of a model's guarded entry point as on a NaN loss, reading nothing back synchronously", async () => {
    const model = new TestGaussian(2);
    const target = gaussianData(256, [2, 0], [1, 1], 15);
    // The model's own entry point would refuse its NaN (reading its rows back) once mean[0] passes 0.5.
    const guardedModel = {
      namedVariables: () => model.namedVariables(),
      loss: (batch: Batch) =>
        tf.tidy(() => {
          const perRow = guarded([['gauss.logProb: x', batch.x]], () =>
            tf.tidy(() => {
              const m = tf.slice(model.mean, [0], [1]);
              const nan = tf.sqrt(tf.sub(0.5, tf.sum(m)));
              return tf.reshape(tf.add(model.loss(batch), tf.mul(nan, 0)), [1]);
            }),
          );
          return tf.reshape(perRow, []) as tf.Scalar;
        }),
    };
    // Outside fit the entry point checks its rows, and reads them back to do so.
    model.mean.assign(tf.tensor1d([0.6, 0]));
    expect(() => tf.dispose(guardedModel.loss({ x: target }))).toThrow(NonFiniteError);
    await fit(guardedModel, target, { steps: 1, batchSize: 32, seed: 1, divergence: false }); // warm up kernels
    model.mean.assign(tf.tensor1d([0, 0]));
    const before = tf.memory().numTensors;
    const dataSync = vi.spyOn(tf.Tensor.prototype, 'dataSync');
    try {
      const history = await fit(guardedModel, target, {
        epochs: 20,
        batchSize: 32,
        learningRate: 0.05,
        seed: 1,
      });
      expect(dataSync).not.toHaveBeenCalled();
      expect(history.stopReason).toBe('non-finite');
      expect(history.nonFinite?.message).toMatch(
        /^step \d+: loss NaN; training stopped and the last finite weights were restored$/,
      );
    } finally {
      dataSync.mockRestore();
    }
    expect(model.mean.dataSync()[0]!).toBeLessThanOrEqual(0.5);
    expect(model.mean.dataSync()[0]!).toBeGreaterThan(0.4);
    expect(tf.memory().numTensors).toBe(before);
    target.dispose();
    model.dispose();
  });

  it('treats a NonFiniteError the model throws as the guard does a NaN loss', async () => {
    const model = new TestGaussian(2);
    const target = gaussianData(256, [2, 0], [1, 1], 15);
    const throwing = {
      namedVariables: () => model.namedVariables(),
      loss: (batch: Batch) => {
        if (model.mean.dataSync()[0]! > 0.5) throw new NonFiniteError('gauss: mean past 0.5');
        return model.loss(batch);
      },
    };
    await fit(throwing, target, { steps: 1, batchSize: 32, seed: 1 }); // warm up kernels
    model.mean.assign(tf.tensor1d([0, 0]));
    const before = tf.memory().numTensors;
    const history = await fit(throwing, target, { epochs: 20, batchSize: 32, learningRate: 0.05, seed: 1 });
    expect(history.stopReason).toBe('non-finite');
    expect(history.nonFinite?.message).toMatch(
      /^step \d+: loss NaN \(gauss: mean past 0.5\); training stopped/,
    );
    expect(history.stepLosses).toHaveLength(history.nonFinite!.step - 1);
    expect(model.mean.dataSync()[0]!).toBeLessThanOrEqual(0.5);
    expect(model.mean.dataSync()[0]!).toBeGreaterThan(0.4);
    expect(tf.memory().numTensors).toBe(before);
    target.dispose();
    model.dispose();
  });

  it("throws a NonFiniteError with onNonFinite: 'throw', after restoring the weights", async () => {
    const model = new TestGaussian(2);
    const target = gaussianData(256, [2, 0], [1, 1], 14);
    const before = tf.memory().numTensors;
    await expect(
      fit(jumpy(model), target, {
        epochs: 20,
        batchSize: 32,
        learningRate: 0.05,
        seed: 1,
        onNonFinite: 'throw',
      }),
    ).rejects.toThrow(/^fit: step \d+: loss [\d.]+ diverged/);
    expect(model.mean.dataSync()[0]!).toBeLessThanOrEqual(0.5);
    expect(tf.memory().numTensors).toBe(before);
    target.dispose();
    model.dispose();
  });
});

describe('the guard, step by step', () => {
  /** Trains from mean 0 on the same data and batches, recording the mean after every step. */
  async function run(badCall: number, what: 'loss' | 'gradient', onNonFinite?: 'throw') {
    const model = new TestGaussian(2);
    const data = gaussianData(256, [1, -1], [1, 1], 16);
    const means: number[][] = [Array.from(model.mean.dataSync())];
    const reported: { step: number; loss: number }[] = [];
    let history: FitHistory | undefined;
    let error: unknown;
    try {
      history = await fit(brokenAt(model, badCall, what), data, {
        steps: 10,
        batchSize: 32,
        learningRate: 0.05,
        seed: 3,
        onNonFinite,
        onStep: ({ step, loss }) => {
          reported.push({ step, loss });
          means.push(Array.from(model.mean.dataSync()));
        },
      });
    } catch (e) {
      error = e;
    }
    const final = Array.from(model.mean.dataSync());
    data.dispose();
    model.dispose();
    return { history: history!, error, means, reported, final };
  }

  it('stops at the step that went NaN with the weights its predecessor was evaluated at', async () => {
    const clean = await run(0, 'loss');
    expect(clean.history.stopReason).toBe('completed');
    expect(clean.history.stepLosses).toHaveLength(10);
    for (const what of ['loss', 'gradient'] as const) {
      const before = tf.memory().numTensors;
      const broken = await run(7, what);
      expect(tf.memory().numTensors).toBe(before);
      expect(broken.history.stopReason).toBe('non-finite');
      expect(broken.history.nonFinite?.step).toBe(7);
      expect(broken.history.nonFinite?.message).toBe(
        `step 7: ${what === 'loss' ? 'loss NaN' : 'gradient norm NaN'}; training stopped and the last finite weights were restored`,
      );
      expect(broken.history.steps).toBe(6);
      // Steps 1-6 are those of the clean run, reported once each, in order, with their losses.
      expect(broken.history.stepLosses).toEqual(clean.history.stepLosses.slice(0, 6));
      expect(broken.reported).toEqual(clean.reported.slice(0, 6));
      // Step 6 passed, evaluated at the weights after step 5: those are restored.
      expect(broken.final).toEqual(clean.means[5]);
      expect(broken.final).not.toEqual(clean.means[6]);
    }
  });

  it('keeps the initial weights when the first step goes NaN', async () => {
    const broken = await run(1, 'loss');
    expect(broken.history.nonFinite?.step).toBe(1);
    expect(broken.history.steps).toBe(0);
    expect(broken.history.stepLosses).toEqual([]);
    expect(broken.reported).toEqual([]);
    expect(broken.final).toEqual([0, 0]);
  });

  it("throws at the step that went NaN with onNonFinite: 'throw', after restoring the same weights", async () => {
    const clean = await run(0, 'loss');
    const before = tf.memory().numTensors;
    const broken = await run(4, 'gradient', 'throw');
    expect(tf.memory().numTensors).toBe(before);
    expect(broken.error).toBeInstanceOf(NonFiniteError);
    expect((broken.error as Error).message).toBe(
      'fit: step 4: gradient norm NaN; training stopped and the last finite weights were restored',
    );
    expect(broken.reported).toEqual(clean.reported.slice(0, 3));
    expect(broken.final).toEqual(clean.means[2]);
  });
});

describe('Adam', () => {
  it('matches tf.train.adam step for step', () => {
    // 11 parameters: on wasm two four-wide SIMD steps and a tail of three.
    const start = [1, -2, 3, 0.5, -0.25, 4, -1.5, 2.5, -3, 0.75, 1.25];
    const scale = tf.tensor1d(start.map((_, i) => 1 + (i % 3)));
    const a = tf.variable(tf.tensor1d(start));
    const b = tf.variable(tf.tensor1d(start));
    const ours = new Adam([a], { epsilon: 1e-7 });
    const theirs = tf.train.adam(0.01, 0.9, 0.999, 1e-7);
    for (let i = 0; i < 20; i++) {
      const g = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.square(v), scale)))(a));
      ours.step([g], 0.01);
      g.dispose();
      theirs.minimize(() => tf.sum(tf.mul(tf.square(b), scale)) as tf.Scalar, false, [b]);
    }
    const diff = Array.from(a.dataSync()).map((v, i) => Math.abs(v - b.dataSync()[i]!));
    expect(Math.max(...diff)).toBeLessThan(1e-5);
    ours.dispose();
    theirs.dispose();
    tf.dispose([a, b, scale]);
  });
});

describe('Adam without the fused kernel (the path of backends such as webgl)', () => {
  it('takes the same steps as with it', () => {
    const run = () => {
      const a = tf.variable(tf.tensor1d([1, -2, 3, 0.5]));
      const opt = new Adam([a], { epsilon: 1e-7 });
      for (let i = 0; i < 10; i++) {
        const g = tf.tidy(() =>
          tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.square(v), tf.tensor1d([1, 2, 3, 4]))))(a),
        );
        opt.step([g], 0.05);
        g.dispose();
      }
      const out = Array.from(a.dataSync());
      opt.dispose();
      a.dispose();
      return out;
    };
    const fused = run();
    const kernel = tf.getKernel(ADAM_KERNEL, tf.getBackend())!;
    tf.unregisterKernel(ADAM_KERNEL, tf.getBackend());
    try {
      const ops = run();
      ops.forEach((v, i) => {
        expect(v).toBeCloseTo(fused[i]!, 5);
      });
    } finally {
      tf.registerKernel(kernel);
    }
  });
});

describe('learningRateAt', () => {
  it('anneals a cosine from the start rate to the minimum', () => {
    expect(learningRateAt('cosine', 1e-3, 0, 100)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt('cosine', 1e-3, 50, 100)).toBeCloseTo(5e-4, 12);
    expect(learningRateAt('cosine', 1e-3, 100, 100, 1e-5)).toBeCloseTo(1e-5, 12);
    expect(learningRateAt('constant', 3e-4, 77, 100)).toBe(3e-4);
  });
});
