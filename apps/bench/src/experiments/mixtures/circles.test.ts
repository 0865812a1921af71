import { describe, expect, it } from 'vitest';
import { runExperiment } from '../run.js';
import { mixturesCircles } from './circles.js';

const silent = { plan: () => {}, tick: () => {}, log: () => {} };

describe('mixtures-circles (quick)', () => {
  it('separates the circles with 32 labels, which unsupervised training does not', async () => {
    const report = await runExperiment(mixturesCircles, {
      quick: true,
      backend: 'wasm',
      progress: silent,
      write: () => {},
    });
    type Run = { unsupervised: { accuracy: number }; semiSupervised: { accuracy: number } };
    const [run] = (report.data as { perSeed: Run[] }).perSeed;
    expect(report.tensorsLeft).toBe(0);
    expect(run!.semiSupervised.accuracy).toBeGreaterThan(0.85);
    expect(run!.unsupervised.accuracy).toBeLessThan(0.7);
  });
});
