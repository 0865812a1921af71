import { describe, expect, it } from 'vitest';
import { labelCounts, mean, points, wrapAngle } from '../test-utils/stats.js';
import { Spirals } from './spirals.js';

/** Simpson's rule on [a, b] with m (even) intervals. */
function simpson(f: (t: number) => number, a: number, b: number, m = 20_000): number {
  const h = (b - a) / m;
  let s = f(a) + f(b);
  for (let i = 1; i < m; i++) s += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

describe('Spirals', () => {
  it('has the companion scale: E|x|^2 of t -> (-t cos t + a, t sin t + b)/3 + noise, t = 3π√U', () => {
    const n = 40_000;
    const data = new Spirals().sample(n, { seed: 4 });
    for (const c of labelCounts(data.labels!, 2)) expect(Math.abs(c - n / 2)).toBeLessThan(5 * 100);
    // E|p|^2 = E t² + 0.5 E[t (sin t - cos t)] + 1/6 for a, b ~ U[0, 0.5]; with u = s², t = 3π s.
    const et2 = (9 * Math.PI ** 2) / 2;
    const cross = simpson(
      (s) => 3 * Math.PI * s * (Math.sin(3 * Math.PI * s) - Math.cos(3 * Math.PI * s)) * 2 * s,
      0,
      1,
    );
    const expected = (et2 + 0.5 * cross + 1 / 6) / 9 + 2 * 0.1 ** 2;
    const sq = points(data).map(([x, y]) => x * x + y * y);
    expect(Math.abs(mean(sq) - expected)).toBeLessThan(0.06);
    // The arms are point reflections of each other.
    const m0 = points(data, 0);
    const m1 = points(data, 1);
    expect(Math.abs(mean(m0.map((p) => p[0])) + mean(m1.map((p) => p[0])))).toBeLessThan(0.05);
    expect(Math.abs(mean(m0.map((p) => p[1])) + mean(m1.map((p) => p[1])))).toBeLessThan(0.05);
  });

  it('winds 3 radians per unit of radius (polar angle π - 3r on arm 0), up to radius π', () => {
    const data = new Spirals({ noise: 0 }).sample(5000, { seed: 6 });
    let far = 0;
    for (const [x, y] of points(data, 0)) {
      const r = Math.hypot(x, y);
      expect(r).toBeLessThan(Math.PI + 0.25);
      if (r > 1.5) {
        // The offsets (a, b) in [0, 0.5]^2 move 3r away from t by at most 0.71 and turn the point
        // by at most 0.71 / t, so the residual stays below 0.9; a wrong scale or turn rate breaks it.
        expect(Math.abs(wrapAngle(Math.atan2(y, x) - (Math.PI - 3 * r)))).toBeLessThan(0.9);
        far++;
      }
    }
    expect(far).toBeGreaterThan(1000);
  });
});
