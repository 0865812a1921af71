import type { DataArrays } from '../types.js';

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

export function std(values: ArrayLike<number>): number {
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i]! - m) ** 2;
  return Math.sqrt(s / (values.length - 1));
}

/** The points of `data` (2-D) as [x, y] pairs, optionally only those with label `label`. */
export function points(data: DataArrays, label?: number): [number, number][] {
  const out: [number, number][] = [];
  for (let r = 0; r < data.n; r++) {
    if (label !== undefined && data.labels![r] !== label) continue;
    out.push([data.x[2 * r]!, data.x[2 * r + 1]!]);
  }
  return out;
}

/** Distances of points from a centre. */
export function radii(pts: [number, number][], cx = 0, cy = 0): number[] {
  return pts.map(([x, y]) => Math.hypot(x - cx, y - cy));
}

/** Count of each label in [0, k). */
export function labelCounts(labels: Int32Array, k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
  return counts;
}

/** Wraps an angle to (-π, π]. */
export function wrapAngle(a: number): number {
  let w = a % (2 * Math.PI);
  if (w > Math.PI) w -= 2 * Math.PI;
  if (w <= -Math.PI) w += 2 * Math.PI;
  return w;
}
