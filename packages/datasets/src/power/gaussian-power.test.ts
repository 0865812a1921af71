import { NonFiniteError, ShapeError } from '@diffeo/core';
import { describe, expect, it } from 'vitest';
import { mean, std } from '../test-utils/stats.js';
import { expectedLogDensity1d, GaussianPower } from './gaussian-power.js';

/** erf by its Maclaurin series: exact to double precision for the small arguments used here. */
function erfSmall(z: number): number {
  let term = z;
  let sum = z;
  for (let k = 1; k < 60; k++) {
    term *= (-z * z) / k;
    sum += term / (2 * k + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** Simpson weights for m (even) intervals of width h. */
function simpsonWeights(m: number, h: number): Float64Array {
  const w = new Float64Array(m + 1);
  for (let i = 0; i <= m; i++) w[i] = ((i === 0 || i === m ? 1 : i % 2 === 1 ? 4 : 2) * h) / 3;
  return w;
}

/**
 * A log-spaced grid of |x| from `eps` to `big`: x = e^s, dx = e^s ds, so a Simpson rule in s
 * integrates the density's x^(1/ψ - 1) spike at 0 and its slow tails accurately.
 */
function logGrid(eps: number, big: number, m: number) {
  const a = Math.log(eps);
  const h = (Math.log(big) - a) / m;
  const w = simpsonWeights(m, h);
  const x = new Float64Array(m + 1);
  for (let i = 0; i <= m; i++) {
    x[i] = Math.exp(a + i * h);
    w[i]! *= x[i]!;
  }
  return { x, w };
}

describe('GaussianPower', () => {
  it('samples x = u^ψ: for ψ = 3 the cube root is standard normal, for ψ = 2 P(x <= 1) = P(|u| <= 1)', () => {
    const cube = new GaussianPower({ dim: 2, psi: 3 }).sample(20_000, { seed: 1 });
    const roots = Array.from(cube.x, (v) => Math.sign(v) * Math.abs(v) ** (1 / 3));
    expect(Math.abs(mean(roots))).toBeLessThan(0.03);
    expect(Math.abs(std(roots) - 1)).toBeLessThan(0.02);
    const square = new GaussianPower({ dim: 3, psi: 2 }).sample(20_000, { seed: 2 });
    expect(square.dim).toBe(3);
    expect(Math.min(...square.x)).toBeGreaterThanOrEqual(0);
    const below = square.x.filter((v) => v <= 1).length / square.x.length;
    expect(Math.abs(below - 0.6826894921)).toBeLessThan(0.01);
  });

  it('has a log-density that integrates to 1 in 1-D, for odd and even ψ', () => {
    const eps = 1e-30;
    for (const psi of [1, 2, 3, 4, 5]) {
      const power = new GaussianPower({ dim: 1, psi });
      const big = 10 ** psi; // P(|u| > 10) is 1.5e-23
      const { x, w } = logGrid(eps, big, 8000);
      const pos = power.logProb(x);
      const neg = power.logProb(x.map((v) => -v));
      let total = 0;
      for (let i = 0; i < x.length; i++) total += w[i]! * (Math.exp(pos[i]!) + Math.exp(neg[i]!));
      // The mass with |x| < eps is P(|u| < eps^(1/ψ)), exactly.
      total += erfSmall(eps ** (1 / psi) / Math.SQRT2);
      expect(Math.abs(total - 1)).toBeLessThan(1e-7);
      if (psi % 2 === 0) expect(Array.from(neg).every((v) => v === Number.NEGATIVE_INFINITY)).toBe(true);
    }
  });

  it('has a log-density that integrates to 1 on a 2-D grid', () => {
    const eps = 1e-30;
    for (const psi of [2, 3]) {
      const power = new GaussianPower({ dim: 2, psi });
      const { x, w } = logGrid(eps, 10 ** psi, 400);
      const m = x.length;
      let total = 0;
      for (const [s1, s2] of [
        [1, 1],
        [1, -1],
        [-1, 1],
        [-1, -1],
      ] as const) {
        const grid = new Float64Array(2 * m * m);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < m; j++) {
            grid[2 * (i * m + j)] = s1 * x[i]!;
            grid[2 * (i * m + j) + 1] = s2 * x[j]!;
          }
        }
        const lp = power.logProb(grid);
        for (let i = 0; i < m; i++)
          for (let j = 0; j < m; j++) total += w[i]! * w[j]! * Math.exp(lp[i * m + j]!);
      }
      const near = erfSmall(eps ** (1 / psi) / Math.SQRT2);
      total += 1 - (1 - near) ** 2;
      expect(Math.abs(total - 1)).toBeLessThan(1e-6);
    }
  });

  it('has an exact expected log-density: the closed form matches quadrature, known entropies and samples', () => {
    // ψ = 1: a standard normal, -½ log(2πe); ψ = 2: minus the entropy of χ²(1),
    // ½ + log(2Γ(½)) + ½ digamma(½) with digamma(½) = -γ - 2 log 2.
    const gamma = 0.5772156649015329;
    expect(expectedLogDensity1d(1)).toBeCloseTo(-0.5 * Math.log(2 * Math.PI * Math.E), 12);
    expect(expectedLogDensity1d(2)).toBeCloseTo(
      -(0.5 + Math.log(2 * Math.sqrt(Math.PI)) + 0.5 * (-gamma - 2 * Math.LN2)),
      12,
    );
    for (const psi of [1, 2, 3, 4]) {
      const power = new GaussianPower({ dim: 1, psi });
      const { x, w } = logGrid(1e-60, 10 ** psi, 16_000);
      let integral = 0;
      for (const sign of [1, -1]) {
        const lp = power.logProb(x.map((v) => sign * v));
        for (let i = 0; i < x.length; i++)
          if (Number.isFinite(lp[i]!)) integral += w[i]! * Math.exp(lp[i]!) * lp[i]!;
      }
      expect(Math.abs(integral - expectedLogDensity1d(psi))).toBeLessThan(1e-6);
    }
    for (const [dim, psi] of [
      [2, 1],
      [3, 2],
      [2, 3],
      [4, 3],
    ] as const) {
      const power = new GaussianPower({ dim, psi });
      expect(power.expectedLogProb()).toBeCloseTo(dim * expectedLogDensity1d(psi), 12);
      const lp = power.logProb(power.sample(100_000, { seed: 3 }));
      const se = std(lp) / Math.sqrt(lp.length);
      expect(Math.abs(mean(lp) - power.expectedLogProb())).toBeLessThan(4 * se);
    }
  });

  it('rejects data of the wrong width', () => {
    const power = new GaussianPower({ dim: 3, psi: 3 });
    expect(() => power.logProb(new Float32Array(4))).toThrow(ShapeError);
    expect(() => power.logProb(new Float32Array(4))).toThrow(/multiple of dim 3, got 4/);
    expect(() => power.logProb({ x: new Float32Array(4), n: 2, dim: 2 })).toThrow(
      /data.dim: expected 3, got 2/,
    );
    expect(() => power.logProb([1, 2, 3, 4, Number.NaN, 6])).toThrow(NonFiniteError);
    expect(() => power.logProb([1, 2, 3, 4, Number.NaN, 6])).toThrow(/got NaN at row 1, column 1/);
  });
});
