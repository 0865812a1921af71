import { describe, expect, it } from 'vitest';
import { labelCounts, mean, points, radii, std } from '../test-utils/stats.js';
import { TwoCircles } from './two-circles.js';

describe('TwoCircles', () => {
  it('draws concentric circles of radii 1 (label 0) and 0.5 (label 1) with noise 0.05', () => {
    const n = 20_000;
    const data = new TwoCircles().sample(n, { seed: 12 });
    for (const c of labelCounts(data.labels!, 2)) expect(Math.abs(c - n / 2)).toBeLessThan(400);
    [1, 0.5].forEach((radius, k) => {
      const pts = points(data, k);
      const r = radii(pts);
      expect(Math.abs(mean(r) - radius)).toBeLessThan(0.005);
      expect(Math.abs(std(r) - 0.05)).toBeLessThan(0.003);
      expect(Math.abs(mean(pts.map((p) => p[0])))).toBeLessThan(0.02);
    });
  });
});
