import { describe, expect, it } from 'vitest';
import { mean, points, radii, std } from '../test-utils/stats.js';
import { Ring } from './ring.js';

describe('Ring', () => {
  it('draws a ring of radius 2.25 with noise 0.3375 (the companion code at radius=1.25)', () => {
    const data = new Ring().sample(40_000, { seed: 2 });
    expect(data.labels).toBeUndefined();
    const pts = points(data);
    const r = radii(pts);
    // E|x| = 2.25 + σ²/(2 · 2.25) to second order, for noise σ on each coordinate.
    expect(Math.abs(mean(r) - (2.25 + 0.3375 ** 2 / 4.5))).toBeLessThan(0.006);
    expect(Math.abs(std(r) - 0.3375)).toBeLessThan(0.01);
    // Uniform angle: the mean of (cos θ, sin θ) is 0.
    expect(Math.abs(mean(pts.map(([x, y]) => x / Math.hypot(x, y))))).toBeLessThan(0.015);
    expect(Math.abs(mean(pts.map(([x, y]) => y / Math.hypot(x, y))))).toBeLessThan(0.015);
  });
});
