/**
 * A streaming, numerically stable estimate of log((1/S) Σ_s w_s) from log-weights l_s = log w_s
 * that arrive in any number of pieces, with its Monte Carlo standard error, in float64.
 *
 * It keeps the running maximum m, Σ exp(l_s - m) and Σ exp(2 (l_s - m)), rescaling both sums
 * when m grows, so no weight overflows or underflows to a wrong answer whatever the scale of the
 * log-weights. The standard error of the log of the mean is the delta method's
 * sd(w) / (sqrt(S) mean(w)), with the unbiased sample variance: it shrinks like 1/sqrt(S).
 */
export class LogMeanExp {
  private max = Number.NEGATIVE_INFINITY;
  private sum = 0;
  private sumSquares = 0;
  private count = 0;

  /** Adds the log-weights `values[offset], values[offset + stride], ...` (`length` of them). */
  add(values: ArrayLike<number>, offset = 0, length = values.length, stride = 1): void {
    let localMax = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < length; k++) {
      const v = values[offset + k * stride]!;
      if (Number.isNaN(v)) localMax = Number.NaN;
      else if (v > localMax) localMax = v;
    }
    this.count += length;
    if (Number.isNaN(localMax) || Number.isNaN(this.max)) {
      this.max = Number.NaN;
      return;
    }
    if (localMax > this.max) {
      if (this.max !== Number.NEGATIVE_INFINITY) {
        const scale = Math.exp(this.max - localMax);
        this.sum *= scale;
        this.sumSquares *= scale * scale;
      }
      this.max = localMax;
    }
    if (this.max === Number.NEGATIVE_INFINITY) return;
    for (let k = 0; k < length; k++) {
      const r = Math.exp(values[offset + k * stride]! - this.max);
      this.sum += r;
      this.sumSquares += r * r;
    }
  }

  /** Number of log-weights seen. */
  get size(): number {
    return this.count;
  }

  /** log((1/S) Σ exp(l_s)); -Infinity when every weight is 0, NaN when a log-weight was NaN. */
  value(): number {
    if (this.count === 0) return Number.NaN;
    if (Number.isNaN(this.max)) return Number.NaN;
    if (this.max === Number.NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY;
    return this.max + Math.log(this.sum / this.count);
  }

  /** Standard error of {@link value} (delta method); NaN with fewer than two weights. */
  standardError(): number {
    const s = this.count;
    if (s < 2 || !Number.isFinite(this.max)) return Number.NaN;
    const mean = this.sum / s;
    const variance = Math.max(0, (this.sumSquares - s * mean * mean) / (s - 1));
    return Math.sqrt(variance / s) / mean;
  }
}
