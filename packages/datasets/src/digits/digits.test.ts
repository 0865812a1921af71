import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ConfigError, ShapeError } from '@diffeo/core';
import { describe, expect, it } from 'vitest';
import { labelCounts, mean } from '../test-utils/stats.js';
import { DIGITS_COUNTS, Digits, digitsTable } from './digits.js';

const csv = gunzipSync(readFileSync(new URL('../../data/digits.csv.gz', import.meta.url)))
  .toString('utf8')
  .trim()
  .split('\n')
  .map((line) => line.split(',').map(Number));

/** The table rows in the order a sample visits them, identified by matching raw pixels. */
function rawPixels(x: Float32Array, i: number, f: (v: number) => number): number[] {
  return Array.from(x.subarray(i * 64, (i + 1) * 64), f);
}

describe('Digits', () => {
  it('embeds exactly the shipped data/digits.csv.gz (1797 rows, 64 pixels 0..16, labels 0..9)', () => {
    expect(csv.length).toBe(1797);
    expect(Array.from(digitsTable())).toEqual(csv.flat());
    const digits = new Digits({ dequantize: false, scale: 'none' });
    expect(digits.size).toBe(1797);
    expect(digits.numClasses).toBe(10);
    const all = digits.sample(1797, { seed: 0 });
    expect(all.dim).toBe(64);
    expect(labelCounts(all.labels!, 10)).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    // The counts that give each Digits its size before the table loads are the table's.
    expect(labelCounts(all.labels!, 10)).toEqual([...DIGITS_COUNTS]);
    // The sample is a permutation of the table: each table row (with its label) comes exactly once.
    const key = (pixels: number[], label: number) => `${pixels.join(',')}|${label}`;
    const left = new Map<string, number>();
    for (const row of csv) {
      const k = key(row.slice(0, 64), row[64]!);
      left.set(k, (left.get(k) ?? 0) + 1);
    }
    for (let i = 0; i < all.n; i++) {
      const k = key(
        rawPixels(all.x, i, (v) => v),
        all.labels![i]!,
      );
      expect(left.get(k)).toBeGreaterThan(0);
      left.set(k, left.get(k)! - 1);
    }
    expect([...left.values()].every((c) => c === 0)).toBe(true);
  });

  it('dequantizes uniformly and scales by 1/17: floor(17 x) is the pixel, the noise is U[0, 1)', () => {
    const plain = new Digits({ dequantize: false }).sample(200, { seed: 5 });
    const noisy = new Digits().sample(200, { seed: 5 });
    expect(noisy.labels).toEqual(plain.labels);
    const frac: number[] = [];
    for (let i = 0; i < noisy.x.length; i++) {
      const v = Math.round(plain.x[i]! * 17);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(16);
      expect(Math.floor(noisy.x[i]! * 17)).toBe(v);
      frac.push(noisy.x[i]! * 17 - v);
    }
    expect(Math.max(...plain.x)).toBeCloseTo(16 / 17, 6);
    expect(Math.abs(mean(frac) - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(mean(frac.map((f) => (f - 0.5) ** 2)) - 1 / 12)).toBeLessThan(0.003);
  });

  it('selects a subset of digits, e.g. 0-4 for the mixture-of-flows clustering experiment', () => {
    const subset = new Digits({ digits: [0, 1, 2, 3, 4] });
    expect(subset.size).toBe(178 + 182 + 177 + 183 + 181);
    expect(subset.numClasses).toBe(5);
    const data = subset.sample(subset.size, { seed: 1 });
    expect(labelCounts(data.labels!, 5)).toEqual([178, 182, 177, 183, 181]);
    expect(() => subset.sample(902, { seed: 1 })).toThrow(ShapeError);
    expect(() => subset.sample(902, { seed: 1 })).toThrow(/has 901 rows, 902 were asked for/);
    const two = new Digits({ digits: [7, 3] }).sample(100, { seed: 2 });
    expect(Array.from(two.labels!).every((l) => l === 3 || l === 7)).toBe(true);
  });

  it('applies the logit transform with alpha and reports log|det dx/dy| for density conversion', () => {
    const alpha = 0.05;
    const unit = new Digits().sample(50, { seed: 3 });
    const logitDigits = new Digits({ logitAlpha: alpha });
    const logit = logitDigits.sample(50, { seed: 3 });
    for (let i = 0; i < unit.x.length; i++) {
      const s = alpha + (1 - 2 * alpha) * unit.x[i]!;
      expect(logit.x[i]!).toBeCloseTo(Math.log(s / (1 - s)), 4);
    }
    expect(Array.from(new Digits().logDetJacobian(unit))).toEqual(new Array(50).fill(-64 * Math.log(17)));
    expect(Array.from(new Digits({ scale: 'none' }).logDetJacobian(unit))).toEqual(new Array(50).fill(0));
    // Against a central difference of y -> logit(α + (1 - 2α) y / 17), pixel by pixel.
    const ld = logitDigits.logDetJacobian(logit);
    for (let i = 0; i < 5; i++) {
      let sum = 0;
      for (let j = 0; j < 64; j++) {
        const y = unit.x[i * 64 + j]! * 17;
        const f = (v: number) => {
          const s = alpha + ((1 - 2 * alpha) * v) / 17;
          return Math.log(s / (1 - s));
        };
        const h = 1e-5;
        sum += Math.log((f(y + h) - f(y - h)) / (2 * h));
      }
      expect(Math.abs(ld[i]! - sum)).toBeLessThan(1e-4);
    }
  });

  it('is deterministic per seed and rejects bad configs naming the field', () => {
    const d = new Digits();
    expect(d.sample(100, { seed: 4 })).toEqual(d.sample(100, { seed: 4 }));
    expect(d.sample(100, { seed: 4 }).x).not.toEqual(d.sample(100, { seed: 5 }).x);
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ digits: [11] }, /config\.digits\.0/],
      [{ digits: [] }, /config\.digits/],
      [{ digits: [1, 1] }, /config\.digits: expected distinct digits/],
      [{ scale: 'byte' }, /config\.scale/],
      [{ logitAlpha: 0.7 }, /config\.logitAlpha/],
      [{ scale: 'none', logitAlpha: 0.05 }, /config\.logitAlpha: the logit transform needs scale 'unit'/],
    ];
    for (const [config, message] of bad) {
      expect(() => new Digits(config as never)).toThrow(ConfigError);
      expect(() => new Digits(config as never)).toThrow(message);
    }
  });
});
