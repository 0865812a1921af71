import { ConfigError, fit, type NamedVariable, type Trainable } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { take } from '../test-utils/take.js';
import {
  assertBijective,
  assertConfigRoundTrip,
  assertNoLeaks,
  assertTypedErrors,
  logAbsDet,
  perturb,
  tailRows,
} from '../testing/index.js';
import { LULinear, unitTriangularInverse } from './lu-linear.js';

const LOG_2PI = Math.log(2 * Math.PI);

describe('LULinear', () => {
  it('is the identity at initialisation (and the permutation P when one is given)', () => {
    const u = tailRows(8, 4, 50, 1);
    const lu = new LULinear({ dim: 4 });
    expect(take(lu.forward(u).y)).toEqual(Array.from(u.dataSync()));
    const permuted = new LULinear({ dim: 4, permutation: [1, 3, 0, 2] });
    const rows = u.arraySync() as number[][];
    expect(permuted.forward(u).y.arraySync()).toEqual(rows.map((r) => [r[1], r[3], r[0], r[2]]));
    tf.dispose(u);
    lu.dispose();
    permuted.dispose();
  });

  it('inverts, and log|det W| = sum(logDiag) matches the autodiff Jacobian, away from the identity', () => {
    for (const [dim, permutation] of [
      [2, 'identity'],
      [5, 'random'],
      [9, 'reverse'],
    ] as const) {
      const lu = new LULinear({ dim, permutation, seed: 3 });
      perturb(lu, 0.6, dim);
      const u = tailRows(48, dim, 40, dim);
      const report = assertBijective(lu, u);
      const w = lu.weight();
      const det = logAbsDet(Float64Array.from(w.dataSync()), dim);
      expect(det).toBeCloseTo(take(tf.sum(lu.logDiag))[0]!, 4);
      assertNoLeaks(lu, u);
      tf.dispose([u, w]);
      lu.dispose();
      expect(report.inverseError).toBeLessThan(1e-4);
    }
  });

  it('inverts unit triangular matrices exactly by the finite Neumann series, for every size', () => {
    for (let n = 1; n <= 17; n++) {
      const product = tf.tidy(() => {
        const mask = tf.tensor2d(
          Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) > k % n ? 1 : 0)),
          [n, n],
        );
        const m = tf.mul(tf.randomUniform([n, n], -1, 1, 'float32', n), mask) as tf.Tensor2D;
        return tf.sub(tf.matMul(tf.add(tf.eye(n), m), unitTriangularInverse(m)), tf.eye(n));
      });
      expect(Math.max(...take(tf.abs(product)))).toBeLessThan(1e-4);
      product.dispose();
    }
  });

  it('learns a correlated Gaussian: the NLL reaches its entropy, and W W^T its covariance', async () => {
    // x = A z + b with z ~ N(0, I): covariance A A^T, entropy 0.5 log det(2 pi e A A^T).
    const a = [
      [1.5, 0, 0],
      [0.8, 0.5, 0],
      [-0.6, 0.3, 0.7],
    ];
    const b = [1, -2, 0.5];
    const logDetA = Math.log(1.5 * 0.5 * 0.7);
    const entropy = 1.5 * (LOG_2PI + 1) + logDetA;
    const sample = (n: number, seed: number) =>
      tf.tidy(() =>
        tf.add(tf.matMul(tf.randomNormal([n, 3], 0, 1, 'float32', seed), a, false, true), b),
      ) as tf.Tensor2D;
    const lu = new LULinear({ dim: 3, permutation: 'reverse' });
    const model: Trainable & { nll(x: tf.Tensor2D): tf.Scalar } = {
      namedVariables: (): NamedVariable[] => lu.namedVariables(),
      nll(x) {
        return tf.tidy(() => {
          const { y, logDet } = lu.inverse(x);
          const logProb = tf.add(tf.mul(-0.5, tf.add(tf.sum(tf.square(y), 1), 3 * LOG_2PI)), logDet);
          return tf.neg(tf.mean(logProb)) as tf.Scalar;
        });
      },
      loss(batch) {
        return this.nll(batch.x);
      },
    };
    const train = sample(2000, 1);
    const heldOut = sample(4000, 2);
    await fit(model, train, { steps: 400, batchSize: 200, learningRate: 0.03, seed: 1 });
    const nll = take(model.nll(heldOut))[0]!;
    // Sampling noise of a 4000-row mean NLL is about 0.02 nats; the fit itself adds ~3/2000.
    expect(nll - entropy).toBeLessThan(0.06);
    expect(nll - entropy).toBeGreaterThan(-0.06);
    const w = lu.weight();
    const cov = tf.matMul(w, w, false, true).arraySync() as number[][];
    const want = a.map((r) => a.map((s) => r.reduce((acc, v, k) => acc + v * s[k]!, 0)));
    for (const [i, row] of cov.entries()) {
      for (const [j, v] of row.entries()) expect(Math.abs(v - want[i]![j]!)).toBeLessThan(0.15);
    }
    if (process.env.DIFFEO_REPORT)
      console.log(`[report] lu-linear held-out NLL ${nll} vs entropy ${entropy}`);
    tf.dispose([train, heldOut, w]);
    lu.dispose();
  });

  it('rejects bad input and configs with typed errors and round-trips its config', () => {
    const lu = new LULinear({ dim: 3, permutation: 'random', seed: 9, bias: false });
    expect(lu.namedVariables().map((v) => v.name)).toEqual(['lower', 'upper', 'logDiag']);
    assertTypedErrors(lu);
    assertConfigRoundTrip(lu);
    expect(() => new LULinear({ dim: 3, permutation: [0, 0, 1] })).toThrow(ConfigError);
    expect(() => new LULinear({ dim: 3, seed: 0.5 })).toThrow("bijector 'lu-linear' config.seed");
    lu.dispose();
  });
});
