import { describe, expect, it } from 'vitest';
import { bestResult, pairedDifference } from '../src/modes/marginalizing/compare.js';
import { parseAuxDims } from '../src/modes/marginalizing/page.js';
import type { AuxResult } from '../src/modes/marginalizing/protocol.js';
import { cappedDensity } from '../src/modes/marginalizing/views.js';

const result = (auxDims: number, rows: number[]): AuxResult => ({
  auxDims,
  logLikelihood: rows.reduce((s, v) => s + v, 0) / rows.length,
  monteCarloError: 0,
  dataError: 0,
  rows,
  samples: 1,
  stopReason: 'completed',
  steps: 1,
  draws: [],
});

describe('marginalizing mode: what the page computes', () => {
  it('parses a list of B values and names what is wrong with a bad one', () => {
    expect(parseAuxDims('0,1, 2  4')).toEqual([0, 1, 2, 4]);
    expect(() => parseAuxDims('0,-1')).toThrow("got '-1'");
    expect(() => parseAuxDims('1.5')).toThrow("got '1.5'");
    expect(() => parseAuxDims('0,17')).toThrow("got '17'");
    expect(() => parseAuxDims('1,1')).toThrow('each at most once');
    expect(() => parseAuxDims(' ')).toThrow('at least one');
  });

  it('compares two B on the same rows: the rows’ common spread cancels', () => {
    // rows far apart, the second model better by 0.5 on every row but the last (by 0.3)
    const a = result(0, [-1, -5, -9, -2]);
    const b = result(2, [-0.5, -4.5, -8.5, -1.7]);
    expect(bestResult([a, b])).toBe(b);
    const { mean, error } = pairedDifference(a, b);
    expect(mean).toBeCloseTo(-0.45, 12);
    // the differences -0.5, -0.5, -0.5, -0.3: sd 0.1, over sqrt(4)
    expect(error).toBeCloseTo(0.05, 12);
    expect(bestResult([result(0, [Number.NEGATIVE_INFINITY]), a])).toBe(a);
  });

  it('caps a tall peak of the density at a quantile and leaves the rest', () => {
    const logValues = [Math.log(100), ...Array.from({ length: 99 }, (_, i) => Math.log((i + 1) / 100))];
    const values = cappedDensity(logValues, 0.95);
    expect(Math.max(...values)).toBeCloseTo(0.95, 12);
    expect(values[1]).toBeCloseTo(0.01, 12);
    expect(cappedDensity([Number.NEGATIVE_INFINITY, 0], 1)).toEqual([0, 1]);
  });
});
