import type { AuxResult } from './protocol.js';

/** The result of the highest finite held-out estimate (the first of equals), if any. */
export function bestResult(results: readonly AuxResult[]): AuxResult | undefined {
  let best: AuxResult | undefined;
  for (const r of results) {
    if (Number.isFinite(r.logLikelihood) && (best === undefined || r.logLikelihood > best.logLikelihood))
      best = r;
  }
  return best;
}

/**
 * The mean of `a`'s per-row log p̂ minus `b`'s on the same held-out rows, with its standard error
 * sd/sqrt(n) of the row differences: the rows' own spread cancels, so this says far more about
 * which B is better than the two means' separate errors do.
 */
export function pairedDifference(a: AuxResult, b: AuxResult): { mean: number; error: number } {
  const n = Math.min(a.rows.length, b.rows.length);
  if (n === 0) return { mean: Number.NaN, error: Number.NaN };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a.rows[i]! - b.rows[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (a.rows[i]! - b.rows[i]! - mean) ** 2;
  return { mean, error: n > 1 ? Math.sqrt(squares / (n - 1) / n) : Number.NaN };
}
