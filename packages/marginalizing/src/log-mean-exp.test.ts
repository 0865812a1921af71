import { createRng } from '@diffeo/core';
import { describe, expect, it } from 'vitest';
import { LogMeanExp } from './log-mean-exp.js';

const direct = (values: number[]) => Math.log(values.reduce((s, v) => s + Math.exp(v), 0) / values.length);

describe('LogMeanExp', () => {
  it('matches the direct formula on moderate log-weights', () => {
    const rng = createRng(0);
    const values = Array.from({ length: 50 }, () => 3 * rng.normal());
    const acc = new LogMeanExp();
    acc.add(values);
    expect(acc.value()).toBeCloseTo(direct(values), 12);
  });

  it('stays exact where exp overflows or underflows (log-weights near ±1e4)', () => {
    for (const shift of [1e4, -1e4]) {
      const values = [0, Math.log(3), -1].map((v) => v + shift);
      const acc = new LogMeanExp();
      acc.add(values);
      // mean of (1, 3, e^-1) times e^shift
      expect(acc.value()).toBeCloseTo(shift + Math.log((1 + 3 + Math.exp(-1)) / 3), 9);
      expect(Number.isFinite(acc.standardError())).toBe(true);
    }
  });

  it('gives the same value and error in pieces (growing maximum) as at once', () => {
    const rng = createRng(1);
    const values = Array.from({ length: 40 }, (_, i) => i * 0.5 + rng.normal());
    const whole = new LogMeanExp();
    whole.add(values);
    const pieces = new LogMeanExp();
    for (let i = 0; i < 40; i += 7) pieces.add(values.slice(i, i + 7));
    expect(pieces.size).toBe(40);
    expect(pieces.value()).toBeCloseTo(whole.value(), 12);
    expect(pieces.standardError()).toBeCloseTo(whole.standardError(), 12);
  });

  it('reads strided values', () => {
    const acc = new LogMeanExp();
    acc.add([1, 100, 2, 100, 3, 100], 0, 3, 2);
    expect(acc.value()).toBeCloseTo(direct([1, 2, 3]), 12);
  });

  it('reports the delta-method standard error sd(w) / (sqrt(S) mean(w))', () => {
    const w = [1, 2, 3, 4];
    const acc = new LogMeanExp();
    acc.add(w.map(Math.log));
    const mean = 2.5;
    const sd = Math.sqrt(w.reduce((s, v) => s + (v - mean) ** 2, 0) / 3);
    expect(acc.standardError()).toBeCloseTo(sd / (2 * mean), 12);
  });

  it('is -Infinity for zero weights, NaN for a NaN log-weight, and has no error from one weight', () => {
    const zero = new LogMeanExp();
    zero.add([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(zero.value()).toBe(Number.NEGATIVE_INFINITY);
    const nan = new LogMeanExp();
    nan.add([0, Number.NaN, 1]);
    expect(nan.value()).toBeNaN();
    const one = new LogMeanExp();
    one.add([0.3]);
    expect(one.value()).toBeCloseTo(0.3, 12);
    expect(one.standardError()).toBeNaN();
  });
});
