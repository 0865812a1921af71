// Shared assertions for the tests of the elementwise, linear and compose bijectors: the property
// check (inverse, log-det against autodiff, cancellation), leaks per call and per gradient step,
// typed errors on bad input, and the config round trip through a fresh registry.
import {
  type Bijector,
  createRegistry,
  createRng,
  NonFiniteError,
  type Plugin,
  randomNormal,
  randomUniform,
  ShapeError,
  specOf,
  trainableVariables,
} from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { plugins } from '../../plugins.js';
import { type BijectorReport, checkBijector } from '../../testing/check-bijector.js';

export interface Tolerances {
  inverse?: number;
  logDet?: number;
  cancel?: number;
}

/** Runs checkBijector on `u`, asserts the tolerances and that nothing leaked; returns the report. */
export function expectBijective(b: Bijector, u: tf.Tensor2D, tol: Tolerances = {}): BijectorReport {
  const before = tf.memory().numTensors;
  const report = checkBijector(b, u);
  expect(tf.memory().numTensors).toBe(before);
  expect(report.finite).toBe(true);
  expect(report.inverseError).toBeLessThan(tol.inverse ?? 1e-4);
  expect(report.logDetError).toBeLessThan(tol.logDet ?? 1e-3);
  expect(report.cancelError).toBeLessThan(tol.cancel ?? 1e-4);
  if (process.env.DIFFEO_REPORT) {
    const f = (v: number) => v.toExponential(1);
    console.log(
      `[report] ${b.type} inverse ${f(report.inverseError)} logDet ${f(report.logDetError)} cancel ${f(report.cancelError)}`,
    );
  }
  return report;
}

/** Asserts that forward, inverse and a gradient step through both leave no tensor behind. */
export function expectNoLeaks(b: Bijector, u: tf.Tensor2D): void {
  const before = tf.memory().numTensors;
  for (const out of [b.forward(u), b.inverse(u)]) tf.dispose([out.y, out.logDet]);
  expect(tf.memory().numTensors).toBe(before);
  const vars = trainableVariables(b.namedVariables());
  if (vars.length > 0) {
    const { value, grads } = tf.variableGrads(() => {
      const f = b.forward(u);
      const i = b.inverse(u);
      // Not tf.addN: its gradient fails in tfjs-core 4.22 (a null dy in AddN_grad).
      return tf.add(
        tf.add(tf.sum(f.y), tf.sum(f.logDet)),
        tf.add(tf.sum(i.y), tf.sum(i.logDet)),
      ) as tf.Scalar;
    }, vars);
    expect(Object.keys(grads)).toHaveLength(vars.length);
    for (const g of Object.values(grads)) expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
  }
}

/** Asserts ShapeError for wrong shapes or an unexpected context and NonFiniteError for NaN, both ways. */
export function expectTypedErrors(b: Bijector): void {
  const before = tf.memory().numTensors;
  const wrongDim = tf.zeros([3, b.dim + 1]) as tf.Tensor2D;
  const rank1 = tf.zeros([b.dim]) as unknown as tf.Tensor2D;
  const nan = tf.fill([2, b.dim], Number.NaN) as tf.Tensor2D;
  const ok = tf.fill([2, b.dim], 0.25) as tf.Tensor2D;
  const context = tf.zeros([2, 3]) as tf.Tensor2D;
  for (const method of ['forward', 'inverse'] as const) {
    const call = (t: tf.Tensor2D, c?: tf.Tensor2D) => () => b[method](t, c);
    expect(call(wrongDim)).toThrow(ShapeError);
    expect(call(wrongDim)).toThrow(`expected shape [batch, ${b.dim}], got [3, ${b.dim + 1}]`);
    expect(call(rank1)).toThrow(ShapeError);
    expect(call(nan)).toThrow(NonFiniteError);
    if (b.contextDim === 0) expect(call(ok, context)).toThrow(ShapeError);
  }
  tf.dispose([wrongDim, rank1, nan, ok, context]);
  expect(tf.memory().numTensors).toBe(before);
}

/**
 * Builds `b` again from its `getConfig()` through a fresh registry holding `extra` plugins and this
 * package's, and asserts the same config and the same variable names and shapes.
 */
export function expectConfigRoundTrip(b: Bijector, extra: readonly Plugin[] = []): void {
  const registry = createRegistry();
  for (const p of [...plugins, ...extra]) registry.register(p);
  const config = JSON.parse(JSON.stringify(b.getConfig()));
  const again = registry.create<Bijector>({ kind: 'bijector', type: b.type, config });
  expect(specOf(again)).toEqual(specOf(b));
  expect(again.dim).toBe(b.dim);
  expect(again.contextDim).toBe(b.contextDim);
  const shapes = (x: Bijector) =>
    x.namedVariables().map((v) => [v.name, v.variable.shape, v.variable.trainable]);
  expect(shapes(again)).toEqual(shapes(b));
  again.dispose();
}

/**
 * Standard normal rows with heavy tails mixed in: `[n, dim]`, every fourth row scaled by `tail / 2`
 * (and the first row at +-tail exactly), seeded.
 */
export function tailRows(n: number, dim: number, tail: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const z = randomNormal([n - 1, dim], createRng(seed));
    const scale = tf.tensor2d(
      Array.from({ length: n - 1 }, (_, i) => (i % 4 === 0 ? tail / 2 : 1)),
      [n - 1, 1],
    );
    const edge = tf.tensor2d([Array.from({ length: dim }, (_, j) => (j % 2 === 0 ? tail : -tail))]);
    return tf.concat([edge, tf.mul(z, scale)], 0) as tf.Tensor2D;
  });
}

/** Assigns seeded uniform values in [-scale, scale] to every trainable variable (away from identity). */
export function perturb(b: Bijector, scale: number, seed: number): void {
  const rng = createRng(seed);
  for (const v of trainableVariables(b.namedVariables())) {
    tf.tidy(() => v.assign(randomUniform(v.shape, rng, -scale, scale)));
  }
}

/** Reads a tensor as a plain array and disposes it. */
export function take(t: tf.Tensor): number[] {
  const values = Array.from(t.dataSync());
  t.dispose();
  return values;
}
