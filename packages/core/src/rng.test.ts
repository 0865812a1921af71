import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { createRng, toRng } from './rng.js';

describe('createRng', () => {
  it('gives the same stream for the same seed and another for another seed', () => {
    const a = createRng(7).uniformArray(5);
    expect(createRng(7).uniformArray(5)).toEqual(a);
    expect(createRng(8).uniformArray(5)).not.toEqual(a);
  });

  it('draws uniforms and normals with the right moments', () => {
    const rng = createRng(1);
    const n = 200_000;
    const u = rng.uniformArray(n);
    const z = rng.normalArray(n);
    const mean = (xs: Float32Array) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = (xs: Float32Array) => {
      const m = mean(xs);
      return xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
    };
    // Standard errors: uniform mean 6.5e-4, normal mean 2.2e-3, normal variance 3.2e-3.
    expect(mean(u)).toBeCloseTo(0.5, 2);
    expect(variance(u)).toBeCloseTo(1 / 12, 3);
    expect(Math.abs(mean(z))).toBeLessThan(0.01);
    expect(Math.abs(variance(z) - 1)).toBeLessThan(0.015);
    expect(u.reduce((m, x) => Math.min(m, x), 1)).toBeGreaterThanOrEqual(0);
    expect(u.reduce((m, x) => Math.max(m, x), 0)).toBeLessThan(1);
  });

  it('permutes every index exactly once', () => {
    const p = createRng(3).permutation(1000);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...p]).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('forks deterministic, distinct streams', () => {
    const a = createRng(5);
    const b = createRng(5);
    expect(a.fork().uniformArray(3)).toEqual(b.fork().uniformArray(3));
    expect(a.fork().uniformArray(3)).not.toEqual(a.uniformArray(3));
  });

  it('rejects a non-integer seed', () => {
    expect(() => createRng(1.5)).toThrow(ConfigError);
  });
});

describe('toRng', () => {
  it('turns a non-negative integer into the stream of createRng and passes an Rng through', () => {
    expect(toRng(42).uniformArray(4)).toEqual(createRng(42).uniformArray(4));
    const rng = createRng(3);
    expect(toRng(rng)).toBe(rng);
  });

  it('refuses every other value with a ConfigError naming the argument', () => {
    const bad: unknown[] = [
      1.5,
      -1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '42',
      null,
      {},
      { uniform: () => 0 },
    ];
    for (const value of bad) {
      expect(() => toRng(value as number, 'sample: seed')).toThrow(ConfigError);
    }
    expect(() => toRng('42' as unknown as number, 'sample: seed')).toThrow(
      "sample: seed: expected a non-negative integer or an Rng from createRng, got the string '42'",
    );
    expect(() => toRng(1.5)).toThrow(
      'seed: expected a non-negative integer or an Rng from createRng, got 1.5',
    );
  });
});
