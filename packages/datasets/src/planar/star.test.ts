import { describe, expect, it } from 'vitest';
import { labelCounts, mean, points, std } from '../test-utils/stats.js';
import { EightStar, Star } from './star.js';

function checkBars(bars: number, data: ReturnType<Star['sample']>, noise: number): void {
  for (const c of labelCounts(data.labels!, bars))
    expect(Math.abs(c - data.n / bars)).toBeLessThan(0.05 * data.n);
  for (let k = 0; k < bars; k++) {
    const phi = (2 * Math.PI * k) / bars;
    const pts = points(data, k);
    const along = pts.map(([x, y]) => x * Math.cos(phi) + y * Math.sin(phi));
    const across = pts.map(([x, y]) => -x * Math.sin(phi) + y * Math.cos(phi));
    // Along the bar: uniform on [0.6, 2.6] (mean 1.6, sd 2/√12) plus noise; 5 standard errors.
    const se = 0.58 / Math.sqrt(pts.length);
    expect(Math.abs(mean(along) - 1.6)).toBeLessThan(5 * se);
    expect(Math.abs(std(along) - Math.sqrt(4 / 12 + noise ** 2))).toBeLessThan(5 * 0.45 * se);
    if (noise === 0) {
      expect(Math.min(...along)).toBeGreaterThanOrEqual(0.6 - 1e-6);
      expect(Math.max(...along)).toBeLessThanOrEqual(2.6 + 1e-6);
      for (const a of across) expect(Math.abs(a)).toBeLessThan(1e-6);
    } else {
      expect(Math.abs(std(across) - noise)).toBeLessThan(0.01);
      expect(Math.abs(mean(across))).toBeLessThan(0.01);
    }
  }
}

describe('Star', () => {
  it('has 4 bars from 0.6 to 2.6 at angles 2πk/4 with noise 0.1, labelled by bar', () => {
    const star = new Star();
    expect(star.numClasses).toBe(4);
    checkBars(4, star.sample(20_000, { seed: 7 }), 0.1);
    checkBars(4, new Star({ noise: 0 }).sample(4000, { seed: 7 }), 0);
  });

  it('eight star has 8 bars at angles 2πk/8', () => {
    const star = new EightStar();
    expect(star.type).toBe('eight-star');
    expect(star.numClasses).toBe(8);
    expect(star.getConfig()).toEqual({ noise: 0.1 });
    checkBars(8, star.sample(40_000, { seed: 8 }), 0.1);
    checkBars(8, new EightStar({ noise: 0 }).sample(8000, { seed: 8 }), 0);
  });
});
