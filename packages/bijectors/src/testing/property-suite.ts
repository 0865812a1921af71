/**
 * The property suite every bijector's tests run, ours and a user's alike: the property check
 * (inverse, log-det against autodiff, cancellation), leaks per call and per gradient step, typed
 * errors on bad input, and the config round trip through a fresh registry. Each `assert*` throws an
 * `Error` that says what failed, so it works under any test runner.
 *
 * @example
 * ```ts
 * import { assertBijective, assertNoLeaks, assertTypedErrors, tailRows } from '@diffeo/bijectors/testing';
 * const u = tailRows(64, 2, 8, 0);
 * assertBijective(myBijector, u, { logDet: 1e-3 });
 * assertNoLeaks(myBijector, u);
 * assertTypedErrors(myBijector);
 * ```
 *
 * @module
 */
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
import { plugins } from '../plugins.js';
import { type BijectorReport, checkBijector } from './check-bijector.js';

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

function throwsA(
  f: () => unknown,
  type: new (...args: never[]) => Error,
  what: string,
  contains?: string,
): void {
  try {
    f();
  } catch (e) {
    check(e instanceof type, `${what}: expected a ${type.name}, got ${String(e)}`);
    if (contains !== undefined) {
      check(
        (e as Error).message.includes(contains),
        `${what}: expected the message to contain "${contains}", got "${(e as Error).message}"`,
      );
    }
    return;
  }
  throw new Error(`${what}: expected a ${type.name}, nothing was thrown`);
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

/** The largest errors {@link assertBijective} accepts (defaults 1e-4, 1e-3, 1e-4). */
export interface Tolerances {
  inverse?: number;
  logDet?: number;
  cancel?: number;
}

/**
 * Runs {@link checkBijector} on `u` (and `context`), asserts the tolerances, finiteness and that
 * nothing leaked; returns the report.
 */
export function assertBijective(
  b: Bijector,
  u: tf.Tensor2D,
  tol: Tolerances = {},
  context?: tf.Tensor2D,
): BijectorReport {
  const before = tf.memory().numTensors;
  const report = checkBijector(b, u, context);
  const where = `${b.type}`;
  check(
    tf.memory().numTensors === before,
    `${where}: checkBijector left ${tf.memory().numTensors - before} tensors behind`,
  );
  check(report.finite, `${where}: an output or log-determinant is not finite`);
  for (const [name, value, limit] of [
    ['inverseError', report.inverseError, tol.inverse ?? 1e-4],
    ['logDetError', report.logDetError, tol.logDet ?? 1e-3],
    ['cancelError', report.cancelError, tol.cancel ?? 1e-4],
  ] as const) {
    check(value < limit, `${where}: ${name} ${value} is not below ${limit}`);
  }
  if (typeof process !== 'undefined' && process.env.DIFFEO_REPORT) {
    const f = (v: number) => v.toExponential(1);
    console.log(
      `[report] ${b.type} inverse ${f(report.inverseError)} logDet ${f(report.logDetError)} cancel ${f(report.cancelError)}`,
    );
  }
  return report;
}

/** Asserts that forward, inverse and a gradient step through both leave no tensor behind. */
export function assertNoLeaks(b: Bijector, u: tf.Tensor2D, context?: tf.Tensor2D): void {
  const before = tf.memory().numTensors;
  for (const out of [b.forward(u, context), b.inverse(u, context)]) tf.dispose([out.y, out.logDet]);
  check(
    tf.memory().numTensors === before,
    `${b.type}: forward and inverse left ${tf.memory().numTensors - before} tensors behind`,
  );
  const vars = trainableVariables(b.namedVariables());
  if (vars.length > 0) {
    const { value, grads } = tf.variableGrads(() => {
      const f = b.forward(u, context);
      const i = b.inverse(u, context);
      // Not tf.addN: its gradient fails in tfjs-core 4.22 (a null dy in AddN_grad).
      return tf.add(
        tf.add(tf.sum(f.y), tf.sum(f.logDet)),
        tf.add(tf.sum(i.y), tf.sum(i.logDet)),
      ) as tf.Scalar;
    }, vars);
    check(
      Object.keys(grads).length === vars.length,
      `${b.type}: ${vars.length - Object.keys(grads).length} trainable variables got no gradient`,
    );
    for (const [name, g] of Object.entries(grads)) {
      check(
        Array.from(g.dataSync()).every(Number.isFinite),
        `${b.type}: the gradient of ${name} is not finite`,
      );
    }
    tf.dispose([value, ...Object.values(grads)]);
    check(
      tf.memory().numTensors === before,
      `${b.type}: a gradient step left ${tf.memory().numTensors - before} tensors behind`,
    );
  }
}

/** Asserts ShapeError for wrong shapes or an unexpected context and NonFiniteError for NaN, both ways. */
export function assertTypedErrors(b: Bijector): void {
  const before = tf.memory().numTensors;
  const wrongDim = tf.zeros([3, b.dim + 1]) as tf.Tensor2D;
  const rank1 = tf.zeros([b.dim]) as unknown as tf.Tensor2D;
  const nan = tf.fill([2, b.dim], Number.NaN) as tf.Tensor2D;
  const ok = tf.fill([2, b.dim], 0.25) as tf.Tensor2D;
  const context = tf.zeros([2, 3]) as tf.Tensor2D;
  for (const method of ['forward', 'inverse'] as const) {
    const call = (t: tf.Tensor2D, c?: tf.Tensor2D) => () => b[method](t, c);
    const where = `${b.type}.${method}`;
    throwsA(
      call(wrongDim),
      ShapeError,
      `${where} of [3, ${b.dim + 1}]`,
      `expected shape [batch, ${b.dim}], got [3, ${b.dim + 1}]`,
    );
    throwsA(call(rank1), ShapeError, `${where} of a rank-1 tensor`);
    throwsA(call(nan), NonFiniteError, `${where} of NaN`);
    if (b.contextDim === 0) throwsA(call(ok, context), ShapeError, `${where} with an unexpected context`);
  }
  tf.dispose([wrongDim, rank1, nan, ok, context]);
  check(
    tf.memory().numTensors === before,
    `${b.type}: the bad-input calls left ${tf.memory().numTensors - before} tensors behind`,
  );
}

/**
 * Builds `b` again from its `getConfig()` through a fresh registry holding `extra` plugins and this
 * package's, and asserts the same config and the same variable names and shapes.
 */
export function assertConfigRoundTrip(b: Bijector, extra: readonly Plugin[] = []): void {
  const registry = createRegistry();
  for (const p of [...plugins, ...extra]) registry.register(p);
  const config = JSON.parse(JSON.stringify(b.getConfig()));
  const again = registry.create<Bijector>({ kind: 'bijector', type: b.type, config });
  const shapes = (x: Bijector) =>
    x.namedVariables().map((v) => [v.name, v.variable.shape, v.variable.trainable]);
  const problems = [
    sameJson(specOf(again), specOf(b))
      ? ''
      : `spec ${JSON.stringify(specOf(again))} instead of ${JSON.stringify(specOf(b))}`,
    again.dim === b.dim && again.contextDim === b.contextDim ? '' : 'other dim or contextDim',
    sameJson(shapes(again), shapes(b)) ? '' : 'other variables',
  ].filter((p) => p !== '');
  again.dispose();
  check(problems.length === 0, `${b.type}: the config does not round-trip: ${problems.join('; ')}`);
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
