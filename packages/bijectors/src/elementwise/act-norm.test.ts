import { createRegistry, load, ShapeError, save } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { plugins } from '../plugins.js';
import { take } from '../test-utils/take.js';
import {
  assertBijective,
  assertConfigRoundTrip,
  assertNoLeaks,
  assertTypedErrors,
  perturb,
  tailRows,
} from '../testing/index.js';
import { ActNorm } from './act-norm.js';

/** Rows with column means [3, -2, 0.5] and standard deviations [2, 0.5, 10]. */
function data(n: number, seed: number): tf.Tensor2D {
  return tf.tidy(() =>
    tf.add(tf.mul(tf.randomNormal([n, 3], 0, 1, 'float32', seed), [2, 0.5, 10]), [3, -2, 0.5]),
  ) as tf.Tensor2D;
}

function columnStats(t: tf.Tensor2D): { mean: number[]; std: number[] } {
  const { mean, variance } = tf.moments(t, 0);
  return { mean: take(mean), std: take(tf.sqrt(variance)) };
}

describe('ActNorm', () => {
  it('inverts, and its log-det matches the autodiff Jacobian (evaluation mode, learned values)', () => {
    const norm = new ActNorm({ dim: 3 });
    const u = tailRows(64, 3, 100, 11);
    expect(take(norm.forward(u).y)).toEqual(Array.from(u.dataSync()));
    perturb(norm, 1.5, 4);
    const report = assertBijective(norm, u);
    expect(report.logDetError).toBeLessThan(1e-5);
    assertNoLeaks(norm, u);
    expect(norm.initialized).toBe(false);
    tf.dispose(u);
    norm.dispose();
  });

  it('initialises on the first training batch in the data direction: that batch comes out standardised', () => {
    const norm = new ActNorm({ dim: 3 });
    const first = data(512, 1);
    // Neither evaluation mode nor the generative direction initialises.
    tf.dispose(Object.values(norm.inverse(first)));
    norm.setTraining(true);
    tf.dispose(Object.values(norm.forward(first)));
    expect(norm.initialized).toBe(false);

    const before = tf.memory().numTensors;
    const { y, logDet } = norm.inverse(first);
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(norm.initialized).toBe(true);
    const { mean, std } = columnStats(y);
    for (const m of mean) expect(Math.abs(m)).toBeLessThan(1e-4);
    for (const s of std) expect(Math.abs(s - 1)).toBeLessThan(1e-4);
    // log|du/dx| = -sum log std of the batch, the same on every row.
    const batchStd = columnStats(first).std;
    expect(take(logDet)[0]).toBeCloseTo(-batchStd.reduce((a, s) => a + Math.log(s), 0), 4);
    expect(Array.from(norm.shift.dataSync())).not.toEqual([0, 0, 0]);

    // A second batch does not initialise again.
    const shift = Array.from(norm.shift.dataSync());
    const second = data(256, 2);
    tf.dispose(Object.values(norm.inverse(tf.mul(second, 5) as tf.Tensor2D)));
    expect(Array.from(norm.shift.dataSync())).toEqual(shift);
    tf.dispose([first, second, y]);
    norm.dispose();
  });

  it('initialises inside a gradient step without leaking, then trains its parameters', () => {
    const norm = new ActNorm({ dim: 3 });
    norm.setTraining(true);
    const x = data(64, 3);
    const vars = [norm.logScale, norm.shift];
    const before = tf.memory().numTensors;
    for (let step = 0; step < 2; step++) {
      const { value, grads } = tf.variableGrads(() => {
        const { y, logDet } = norm.inverse(x);
        // Gaussian negative log-likelihood of the latent, up to a constant.
        return tf.sub(tf.mul(0.5, tf.mean(tf.sum(tf.square(y), 1))), tf.mean(logDet)) as tf.Scalar;
      }, vars);
      // Right after initialisation the batch is standardised, which is this loss's optimum.
      for (const g of Object.values(grads))
        for (const v of g.dataSync()) expect(Math.abs(v)).toBeLessThan(1e-3);
      tf.dispose([value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
    }
    tf.dispose(x);
    norm.dispose();
  });

  it('keeps the initialisation flag through save and load, so a loaded model does not initialise again', async () => {
    const registry = createRegistry();
    for (const p of plugins) registry.register(p);
    const norm = new ActNorm({ dim: 3 });
    norm.setTraining(true);
    const x = data(128, 4);
    tf.dispose(Object.values(norm.inverse(x)));
    let stored: tf.io.ModelArtifacts | undefined;
    await save(
      norm,
      tf.io.withSaveHandler(async (artifacts) => {
        stored = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    expect(stored!.weightSpecs!.map((s) => s.name)).toEqual(['logScale', 'shift', 'initialized']);
    const loaded = await load<ActNorm>(tf.io.fromMemory(stored!), registry);
    loaded.setTraining(true);
    const other = tf.mul(x, 3) as tf.Tensor2D;
    const a = loaded.inverse(other);
    const b = norm.inverse(other);
    expect(take(a.y)).toEqual(take(b.y));
    expect(Array.from(loaded.shift.dataSync())).toEqual(Array.from(norm.shift.dataSync()));
    expect(loaded.initialized).toBe(true);
    tf.dispose([x, other, a.logDet, b.logDet]);
    norm.dispose();
    loaded.dispose();
  });

  it('rejects a one-row initialising batch, bad input and bad configs with typed errors', () => {
    const norm = new ActNorm({ dim: 2, eps: 1e-4 });
    assertTypedErrors(norm);
    assertConfigRoundTrip(norm);
    norm.setTraining(true);
    const one = tf.tensor2d([[1, 2]]);
    expect(() => norm.inverse(one)).toThrow(ShapeError);
    expect(() => norm.inverse(one)).toThrow('at least 2 rows, got 1');
    expect(() => new ActNorm({ dim: 2, eps: 0 })).toThrow("bijector 'act-norm' config.eps");
    tf.dispose(one);
    norm.dispose();
  });
});
