import { rateSpread, summarize } from '../stats.js';
import type { Better, Figure } from '../types.js';

/** A rate figure (`amount` per second) from seconds per call. */
export function rate(
  id: string,
  label: string,
  unit: string,
  amount: number,
  secondsPerCall: number[],
): Figure {
  const { median, spread } = rateSpread(amount, secondsPerCall);
  return { id, label, value: median, unit, better: 'higher', spread };
}

/** A duration figure in `unit` ('ms', 'us' or 's') from seconds per call. */
export function duration(
  id: string,
  label: string,
  unit: 'ms' | 'us' | 's',
  secondsPerCall: number[],
): Figure {
  const scale = unit === 'ms' ? 1e3 : unit === 'us' ? 1e6 : 1;
  const { median, spread } = summarize(secondsPerCall.map((s) => s * scale));
  return { id, label, value: median, unit, better: 'lower', spread };
}

/** A single measured value. */
export function single(id: string, label: string, unit: string, value: number, better: Better): Figure {
  return { id, label, value, unit, better };
}
