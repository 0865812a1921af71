import { describe, expect, it } from 'vitest';
import { fixedCost, median, rateSpread, summarize } from './stats.js';

describe('stats', () => {
  it('median of odd and even lists, unsorted input left alone', () => {
    const values = [5, 1, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/at least one value/);
  });

  it('summarize gives min, max and the relative spread around the median', () => {
    const { median: m, spread } = summarize([10, 12, 8, 11, 9]);
    expect(m).toBe(10);
    expect(spread).toEqual({ n: 5, min: 8, max: 12, relSpread: 0.4 });
  });

  it('rateSpread turns times into rates', () => {
    const { median: m, spread } = rateSpread(100, [2, 4, 5]);
    expect(m).toBe(25);
    expect(spread.min).toBe(20);
    expect(spread.max).toBe(50);
  });

  it('fixedCost recovers fixed and per-sample parts of a linear cost', () => {
    // t(b) = 12 ms + 0.05 ms * b
    const r = fixedCost({ batch: 128, ms: 12 + 0.05 * 128 }, { batch: 1024, ms: 12 + 0.05 * 1024 });
    expect(r.perSampleMs).toBeCloseTo(0.05, 12);
    expect(r.fixedMs).toBeCloseTo(12, 10);
    expect(r.fixedShareSmall).toBeCloseTo(12 / 18.4, 10);
    expect(r.fixedShareLarge).toBeCloseTo(12 / 63.2, 10);
    expect(r.perSampleRatio).toBeCloseTo(18.4 / 128 / (63.2 / 1024), 10);
  });

  it('fixedCost clamps noise: a step slower at the small batch is all fixed cost', () => {
    const r = fixedCost({ batch: 16, ms: 10 }, { batch: 128, ms: 9 });
    expect(r.perSampleMs).toBe(0);
    expect(r.fixedShareSmall).toBe(1);
    expect(r.fixedShareLarge).toBe(1);
    expect(() => fixedCost({ batch: 128, ms: 1 }, { batch: 128, ms: 1 })).toThrow(/larger second batch/);
  });
});
