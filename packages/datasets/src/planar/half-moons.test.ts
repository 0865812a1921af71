import { describe, expect, it } from 'vitest';
import { labelCounts, mean, points, radii, std } from '../test-utils/stats.js';
import { HalfMoons } from './half-moons.js';

describe('HalfMoons', () => {
  it('puts moon 0 on the upper unit half-circle and moon 1 on the lower one centred at (1, 0.5)', () => {
    const data = new HalfMoons({ noise: 0 }).sample(4000, { seed: 9 });
    for (const [x, y] of points(data, 0)) {
      expect(Math.hypot(x, y)).toBeCloseTo(1, 5);
      expect(y).toBeGreaterThanOrEqual(-1e-6);
    }
    for (const [x, y] of points(data, 1)) {
      expect(Math.hypot(x - 1, y - 0.5)).toBeCloseTo(1, 5);
      expect(y).toBeLessThanOrEqual(0.5 + 1e-6);
    }
    // t uniform on [0, π]: the mean of cos t is 0, so the moons' x-means are 0 and 1.
    expect(Math.abs(mean(points(data, 0).map((p) => p[0])))).toBeLessThan(0.05);
    expect(Math.abs(mean(points(data, 1).map((p) => p[0])) - 1)).toBeLessThan(0.05);
  });

  it('adds Gaussian noise of the given standard deviation', () => {
    const n = 40_000;
    for (const noise of [0.05, 0.2]) {
      const data = new HalfMoons({ noise }).sample(n, { seed: 10 });
      for (const c of labelCounts(data.labels!, 2)) expect(Math.abs(c - n / 2)).toBeLessThan(500);
      // Away from the tips, the distance to the moon's circle is the radial part of the noise.
      const r0 = radii(points(data, 0).filter(([, y]) => y > 0.3));
      expect(Math.abs(std(r0) - noise) / noise).toBeLessThan(0.05);
      const r1 = radii(
        points(data, 1).filter(([, y]) => y < 0.2),
        1,
        0.5,
      );
      expect(Math.abs(std(r1) - noise) / noise).toBeLessThan(0.05);
    }
  });
});
