import { describe, expect, it } from 'vitest';
import { labelCounts, mean, points, radii, std, wrapAngle } from '../test-utils/stats.js';
import { Pinwheel } from './pinwheel.js';

describe('Pinwheel', () => {
  it('has 5 wings, labelled, each curving as angle = -(2πk/5 + 0.25 exp(r / 0.5))', () => {
    const n = 25_000;
    const pinwheel = new Pinwheel();
    expect(pinwheel.numClasses).toBe(5);
    const data = pinwheel.sample(n, { seed: 11 });
    for (const c of labelCounts(data.labels!, 5)) expect(Math.abs(c - n / 5)).toBeLessThan(5 * 63);
    for (let k = 0; k < 5; k++) {
      const pts = points(data, k).filter(([x, y]) => Math.hypot(x, y) > 0.2);
      // r / scale is the radial feature f1 up to O(f2²); the tangential feature turns the point by
      // about atan(f2 / f1), sd 0.05.
      const residual = pts.map(([x, y]) => {
        const r = Math.hypot(x, y);
        return wrapAngle(Math.atan2(y, x) + (2 * Math.PI * k) / 5 + 0.25 * Math.exp(r / 0.5));
      });
      expect(Math.abs(mean(residual))).toBeLessThan(0.005);
      expect(std(residual)).toBeLessThan(0.06);
      expect(std(residual)).toBeGreaterThan(0.04);
      // Radial feature 1 + 0.3 e, times the scale 0.5.
      const r = radii(points(data, k));
      expect(Math.abs(mean(r) - 0.5)).toBeLessThan(0.01);
      expect(Math.abs(std(r) - 0.15)).toBeLessThan(0.01);
    }
  });
});
