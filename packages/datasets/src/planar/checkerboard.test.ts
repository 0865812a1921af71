import { ConfigError } from '@diffeo/core';
import { describe, expect, it } from 'vitest';
import { mean, points } from '../test-utils/stats.js';
import { Checkerboard } from './checkerboard.js';

describe('Checkerboard', () => {
  const n = 40_000;
  const data = new Checkerboard().sample(n, { seed: 1 });

  it('fills only the 8 black squares of [-4, 4]^2, each with 1/8 of the points', () => {
    expect(data.dim).toBe(2);
    expect(data.x.length).toBe(2 * n);
    expect(data.labels).toBeUndefined();
    const counts = new Map<string, number>();
    let outside = 0;
    let white = 0;
    for (const [x, y] of points(data)) {
      if (Math.abs(x) > 4 || Math.abs(y) > 4) outside++;
      const i = Math.floor(x / 2);
      const j = Math.floor(y / 2);
      if ((i + j) % 2 !== 0) white++;
      counts.set(`${i},${j}`, (counts.get(`${i},${j}`) ?? 0) + 1);
    }
    expect(outside).toBe(0);
    expect(white).toBe(0);
    expect([...counts.keys()].sort()).toEqual([
      '-1,-1',
      '-1,1',
      '-2,-2',
      '-2,0',
      '0,-2',
      '0,0',
      '1,-1',
      '1,1',
    ]);
    // 1/8 each: binomial sd = sqrt(n p (1-p)) = 66; allow 5 sd.
    for (const c of counts.values()) expect(Math.abs(c - n / 8)).toBeLessThan(5 * 66);
  });

  it('is uniform inside each square (position within the square has mean 1/2, variance 1/12)', () => {
    const u: number[] = [];
    const v: number[] = [];
    for (const [x, y] of points(data)) {
      u.push(x / 2 - Math.floor(x / 2));
      v.push(y / 2 - Math.floor(y / 2));
    }
    for (const w of [u, v]) {
      const m = mean(w);
      expect(Math.abs(m - 0.5)).toBeLessThan(0.006);
      expect(Math.abs(mean(w.map((a) => (a - m) ** 2)) - 1 / 12)).toBeLessThan(0.003);
    }
  });

  it('has an empty config and rejects unknown fields', () => {
    expect(new Checkerboard().getConfig()).toEqual({});
    expect(() => new Checkerboard({ size: 3 } as never)).toThrow(ConfigError);
    expect(() => new Checkerboard({ size: 3 } as never)).toThrow(/size/);
  });
});
