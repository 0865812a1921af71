import type { Spread } from './types.js';

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median: expected at least one value, got none');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median and spread of repeated measurements. */
export function summarize(values: readonly number[]): { median: number; spread: Spread } {
  const m = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { median: m, spread: { n: values.length, min, max, relSpread: m === 0 ? 0 : (max - min) / m } };
}

/** Spread of a rate derived as `amount / time` from repeated times: min and max swap. */
export function rateSpread(amount: number, times: readonly number[]): { median: number; spread: Spread } {
  return summarize(times.map((t) => amount / t));
}

/**
 * Splits a step's time into a fixed part and a part proportional to the batch, from the time per
 * step at two batch sizes: t(b) = fixed + b * perSample. The fixed part is what does not scale
 * with the data: per-op dispatch, the tape, the optimizer over the weights, read-backs. With
 * measurement noise the fit can come out negative; it is clamped to [0, t(small)].
 */
export function fixedCost(
  small: { batch: number; ms: number },
  large: { batch: number; ms: number },
): {
  perSampleMs: number;
  fixedMs: number;
  fixedShareSmall: number;
  fixedShareLarge: number;
  perSampleRatio: number;
} {
  if (!(large.batch > small.batch)) {
    throw new Error(`fixedCost: expected a larger second batch, got ${small.batch} and ${large.batch}`);
  }
  const perSampleMs = Math.max(0, (large.ms - small.ms) / (large.batch - small.batch));
  const fixedMs = Math.min(small.ms, Math.max(0, small.ms - small.batch * perSampleMs));
  return {
    perSampleMs,
    fixedMs,
    fixedShareSmall: fixedMs / small.ms,
    fixedShareLarge: Math.min(1, fixedMs / large.ms),
    perSampleRatio: small.ms / small.batch / (large.ms / large.batch),
  };
}
