/**
 * The largest difference between `got` and `want`, relative to the largest magnitude in `want`
 * (at least 1e-3): how kernel tests compare a fused kernel's outputs with the ops it replaces.
 */
export function maxRelativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  const scale = Math.max(1e-3, ...Array.from(want, Math.abs));
  return Math.max(0, ...Array.from(got, (v, i) => Math.abs(v - want[i]!) / scale));
}
