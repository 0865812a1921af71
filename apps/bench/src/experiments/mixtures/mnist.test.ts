import { describe, expect, it } from 'vitest';
import { runExperiment } from '../run.js';
import { mixturesMnist } from './mnist.js';

const silent = { plan: () => {}, tick: () => {}, log: () => {} };

describe('mixtures-mnist (quick)', () => {
  it('trains on real 784-pixel MNIST digits (the ELBO rises) and reports the table, likelihood and samples', async () => {
    const report = await runExperiment(mixturesMnist, {
      quick: true,
      backend: 'wasm',
      progress: silent,
      write: () => {},
    });
    type Run = {
      accuracy: number;
      bitsPerDim: number;
      contingency: number[][];
      trainLoss: [number, number];
    };
    const [run] = (report.data as { perSeed: Run[] }).perSeed;
    expect(report.tensorsLeft).toBe(0);
    expect(run!.contingency).toHaveLength(5);
    // Four short epochs of tiny models do not cluster 784-pixel digits (see the README): the test
    // checks that training on the real digits works, not the paper's accuracy.
    expect(run!.trainLoss[1]).toBeLessThan(run!.trainLoss[0] - 100);
    expect(run!.accuracy).toBeGreaterThanOrEqual(0.2);
    for (const row of run!.contingency) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(Number.isFinite(run!.bitsPerDim)).toBe(true);
  });
});
