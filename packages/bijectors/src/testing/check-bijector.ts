import type { Bijector } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';

/** What {@link checkBijector} measured, each a maximum over the batch. */
export interface BijectorReport {
  /** max |inverse(forward(u)) - u| */
  inverseError: number;
  /** max |forward logDet - log|det J|| with J computed by autodiff, row by row */
  logDetError: number;
  /** max |forward logDet + inverse logDet| at corresponding points */
  cancelError: number;
  /** Whether every output and log-determinant is finite. */
  finite: boolean;
}

/** log|det A| of a small dense matrix (row-major, n x n) by LU with partial pivoting, in float64. */
export function logAbsDet(a: Float64Array, n: number): number {
  const m = Float64Array.from(a);
  let logDet = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i * n + k]!) > Math.abs(m[p * n + k]!)) p = i;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = m[k * n + j]!;
        m[k * n + j] = m[p * n + j]!;
        m[p * n + j] = t;
      }
    }
    const pivot = m[k * n + k]!;
    if (pivot === 0) return Number.NEGATIVE_INFINITY;
    logDet += Math.log(Math.abs(pivot));
    for (let i = k + 1; i < n; i++) {
      const f = m[i * n + k]! / pivot;
      for (let j = k; j < n; j++) m[i * n + j] = m[i * n + j]! - f * m[k * n + j]!;
    }
  }
  return logDet;
}

function maxAbs(a: ArrayLike<number>, b?: ArrayLike<number>, sign = -1): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! + sign * (b?.[i] ?? 0)));
  return worst;
}

function allFinite(...arrays: ArrayLike<number>[]): boolean {
  return arrays.every((xs) => Array.from(xs).every(Number.isFinite));
}

/**
 * Measures a bijector's invertibility and log-determinant at the rows of `u`: the property test
 * every Diffeo bijector passes, exported so that a user's own bijector can be held to the same
 * standard. Rows must be independent (use evaluation mode for batch-dependent layers).
 *
 * @example
 * ```ts
 * const report = checkBijector(myBijector, tf.randomNormal([64, 3]));
 * expect(report.inverseError).toBeLessThan(1e-4);
 * expect(report.logDetError).toBeLessThan(1e-3);
 * ```
 */
export function checkBijector(bijector: Bijector, u: tf.Tensor2D, context?: tf.Tensor2D): BijectorReport {
  const [batch, dim] = u.shape;
  const fwd = bijector.forward(u, context);
  const inv = bijector.inverse(fwd.y, context);
  const columns = Array.from({ length: dim }, (_, j) =>
    tf.grad((v: tf.Tensor) => {
      const { y, logDet } = bijector.forward(v as tf.Tensor2D, context);
      logDet.dispose();
      return tf.sum(tf.slice(y, [0, j], [-1, 1]));
    })(u),
  );
  const [uv, yv, ldF, uBack, ldI] = [u, fwd.y, fwd.logDet, inv.y, inv.logDet].map((t) => t.dataSync());
  const grads = columns.map((g) => g.dataSync());
  let logDetError = 0;
  for (let i = 0; i < batch; i++) {
    // Row j of the Jacobian of row i is d x_ij / d u_i.
    const jac = new Float64Array(dim * dim);
    for (let j = 0; j < dim; j++) for (let k = 0; k < dim; k++) jac[j * dim + k] = grads[j]![i * dim + k]!;
    logDetError = Math.max(logDetError, Math.abs(logAbsDet(jac, dim) - ldF![i]!));
  }
  const report: BijectorReport = {
    inverseError: maxAbs(uBack!, uv),
    logDetError,
    cancelError: maxAbs(ldF!, ldI, 1),
    finite: allFinite(yv!, ldF!, uBack!, ldI!, ...grads),
  };
  tf.dispose([fwd.y, fwd.logDet, inv.y, inv.logDet, ...columns]);
  return report;
}
