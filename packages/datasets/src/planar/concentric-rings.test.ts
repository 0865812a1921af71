import { describe, expect, it } from 'vitest';
import { labelCounts, mean, points, radii, std } from '../test-utils/stats.js';
import { ConcentricRings } from './concentric-rings.js';

describe('ConcentricRings', () => {
  it('draws rings at radii 0.8, 1.6, 2.4, 3.2 with noise 5% of the radius, labelled by ring', () => {
    const n = 40_000;
    const rings = new ConcentricRings();
    expect(rings.numClasses).toBe(4);
    const data = rings.sample(n, { seed: 5 });
    for (const c of labelCounts(data.labels!, 4)) expect(Math.abs(c - n / 4)).toBeLessThan(5 * 87);
    [0.8, 1.6, 2.4, 3.2].forEach((radius, k) => {
      const pts = points(data, k);
      expect(Math.abs(mean(pts.map((p) => p[0])))).toBeLessThan(0.03 * radius);
      const r = radii(pts);
      expect(Math.abs(mean(r) - radius)).toBeLessThan(0.005 * radius);
      expect(Math.abs(std(r) / (0.05 * radius) - 1)).toBeLessThan(0.05);
    });
  });

  it('takes other radii', () => {
    const data = new ConcentricRings({ radii: [1, 5], relativeNoise: 0 }).sample(500, { seed: 0 });
    for (let r = 0; r < data.n; r++) {
      const want = data.labels![r] === 0 ? 1 : 5;
      expect(Math.hypot(data.x[2 * r]!, data.x[2 * r + 1]!)).toBeCloseTo(want, 5);
    }
  });
});
