import { type Batch, type Bijector, createRng, type Module, type Trainable } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';

/** Adds seeded N(0, std^2) noise to every variable of `module`, to move it away from its initialisation. */
export function perturb(module: Module, seed: number, std: number): void {
  const rng = createRng(seed);
  for (const { variable } of module.namedVariables()) {
    tf.tidy(() =>
      variable.assign(
        tf.add(variable, tf.mul(tf.tensor(rng.normalArray(variable.size), variable.shape), std)),
      ),
    );
  }
}

/**
 * `[batch, dim]` test inputs: uniform on [-spread, spread] (with spread above a spline's tail bound,
 * some rows land in the tails and beyond the bound), plus a row of exact +-bound and a row of zeros.
 */
export function mixedInputs(
  batch: number,
  dim: number,
  seed: number,
  spread: number,
  bound: number,
): tf.Tensor2D {
  const rng = createRng(seed);
  const values = rng.uniformArray(batch * dim, -spread, spread);
  for (let j = 0; j < dim; j++) {
    values[j] = j % 2 === 0 ? bound : -bound;
    values[dim + j] = 0;
  }
  return tf.tensor2d(values, [batch, dim]);
}

/** A seeded `[batch, dim]` standard normal tensor. */
export function normals(batch: number, dim: number, seed: number): tf.Tensor2D {
  return tf.tensor2d(createRng(seed).normalArray(batch * dim), [batch, dim]);
}

/** max |a - b| over two tensors' values. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor | ArrayLike<number>): number {
  const av = a.dataSync();
  const bv = b instanceof tf.Tensor ? b.dataSync() : b;
  let m = 0;
  for (let i = 0; i < av.length; i++) m = Math.max(m, Math.abs(av[i]! - bv[i]!));
  return m;
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * The density model "standard normal base, then `layer`": loss(batch) = mean negative log-likelihood
 * of the data rows, log p(x) = log N(u; 0, I) + logDet, with u, logDet = layer.inverse(x, context).
 */
export function normalFlowOf(layer: Bijector): Trainable {
  return {
    namedVariables: () => layer.namedVariables(),
    loss: (batch: Batch) =>
      tf.tidy(() => {
        const { y: u, logDet } = layer.inverse(batch.x, batch.context);
        const logBase = tf.mul(tf.add(tf.sum(tf.square(u), 1), u.shape[1] * LOG_2PI), -0.5);
        return tf.neg(tf.mean(tf.add(logBase, logDet))) as tf.Scalar;
      }),
  };
}

/**
 * n rows of the "parabola" density: x1 = c + e1, x2 = (x1 - c)^2 / 2 + 0.3 e2 with e ~ N(0, I) and
 * a context c ~ U(-1, 1) (`conditional`) or c = 0. Its entropy is exact whatever c:
 * H = log(2 pi e) / 2 + log(2 pi e 0.09) / 2 = 1.6339 nats. The best Gaussian fit has NLL 2.574 (var
 * x2 = 0.59), the untouched standard normal 2.758, so an NLL near 1.63 means the layer learned the
 * curved conditional dependence of x2 on x1.
 */
export function parabolaData(n: number, seed: number, conditional: boolean): Batch {
  const rng = createRng(seed);
  const x = new Float32Array(n * 2);
  const c = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    c[i] = conditional ? rng.uniform() * 2 - 1 : 0;
    const e1 = rng.normal();
    x[2 * i] = c[i]! + e1;
    x[2 * i + 1] = (e1 * e1) / 2 + 0.3 * rng.normal();
  }
  const data: Batch = { x: tf.tensor2d(x, [n, 2]) };
  if (conditional) data.context = tf.tensor2d(c, [n, 1]);
  return data;
}

/** The exact entropy of {@link parabolaData}, in nats. */
export const PARABOLA_ENTROPY =
  0.5 * Math.log(2 * Math.PI * Math.E) + 0.5 * Math.log(2 * Math.PI * Math.E * 0.09);
