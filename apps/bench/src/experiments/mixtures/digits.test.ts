import { describe, expect, it } from 'vitest';
import { runExperiment } from '../run.js';
import { mixturesDigits } from './digits.js';

const silent = { plan: () => {}, tick: () => {}, log: () => {} };

describe('mixtures-digits (quick)', () => {
  it('clusters the 8x8 digits 0-4 well above chance, with a finite held-out likelihood', async () => {
    const report = await runExperiment(mixturesDigits, {
      quick: true,
      backend: 'wasm',
      progress: silent,
      write: () => {},
    });
    type Run = { accuracy: number; nmi: number; bitsPerDim: number; contingency: number[][] };
    const [run] = (report.data as { perSeed: Run[] }).perSeed;
    expect(report.tensorsLeft).toBe(0);
    // Random clusters of 5 balanced classes give an NMI near 0.
    expect(run!.nmi).toBeGreaterThan(0.4);
    expect(run!.accuracy).toBeGreaterThan(0.4);
    expect(Number.isFinite(run!.bitsPerDim)).toBe(true);
    for (const row of run!.contingency) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });
});
