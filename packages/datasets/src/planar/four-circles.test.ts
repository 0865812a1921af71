import { describe, expect, it } from 'vitest';
import { labelCounts, mean, points, radii, std } from '../test-utils/stats.js';
import { FOUR_CIRCLE_CENTRES, FourCircles } from './four-circles.js';

describe('FourCircles', () => {
  it('draws circles of radius 2 with noise 0.1 around (±1, ±1), labelled by circle', () => {
    const n = 40_000;
    const circles = new FourCircles();
    expect(circles.numClasses).toBe(4);
    const data = circles.sample(n, { seed: 3 });
    for (const c of labelCounts(data.labels!, 4)) expect(Math.abs(c - n / 4)).toBeLessThan(5 * 87);
    FOUR_CIRCLE_CENTRES.forEach(([cx, cy], k) => {
      const pts = points(data, k);
      // The mean of a full circle is its centre: sd of a coordinate is about 1.42, / sqrt(10000).
      expect(Math.abs(mean(pts.map((p) => p[0])) - cx)).toBeLessThan(0.06);
      expect(Math.abs(mean(pts.map((p) => p[1])) - cy)).toBeLessThan(0.06);
      const r = radii(pts, cx, cy);
      expect(Math.abs(mean(r) - 2)).toBeLessThan(0.006);
      expect(Math.abs(std(r) - 0.1)).toBeLessThan(0.005);
    });
  });

  it('puts points exactly on the circles without noise', () => {
    const data = new FourCircles({ radius: 1, noise: 0 }).sample(1000, { seed: 0 });
    FOUR_CIRCLE_CENTRES.forEach(([cx, cy], k) => {
      for (const r of radii(points(data, k), cx, cy)) expect(Math.abs(r - 1)).toBeLessThan(1e-6);
    });
  });
});
