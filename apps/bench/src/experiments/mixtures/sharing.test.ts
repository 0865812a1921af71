import { describe, expect, it } from 'vitest';
import { runExperiment } from '../run.js';
import { mixturesSharing, type SharingRun } from './sharing.js';

const silent = { plan: () => {}, tick: () => {}, log: () => {} };

describe('mixtures-sharing (quick)', () => {
  it('trains independent and shared-trunk mixtures on both data sets, with the weights each design implies', async () => {
    const report = await runExperiment(mixturesSharing, {
      quick: true,
      backend: 'wasm',
      progress: silent,
      write: () => {},
    });
    expect(report.tensorsLeft).toBe(0);
    const runs = (report.data as unknown as { runs: SharingRun[] }).runs;
    expect(runs).toHaveLength(6);
    const run = (dataset: SharingRun['dataset'], variant: SharingRun['variant']) =>
      runs.find((r) => r.dataset === dataset && r.variant === variant)!;
    for (const dataset of ['pinwheel', 'digits'] as const) {
      const independent = run(dataset, 'independent');
      // K + K (B - 1) blocks: the same weights; a trunk of half the blocks: fewer.
      expect(run(dataset, 'shared-params').parameters).toBe(independent.parameters);
      expect(run(dataset, 'shared-depth').parameters).toBeLessThan(independent.parameters);
      for (const r of runs.filter((x) => x.dataset === dataset))
        expect(Number.isFinite(r.testLogProb)).toBe(true);
    }
    // Seed-fixed quick run: pinwheel accuracy 0.51 / 0.64 / 0.46 (chance about 0.2), every model
    // finds several wings; the shared trunk of the same depth clusters best here.
    for (const variant of ['independent', 'shared-depth', 'shared-params'] as const)
      expect(run('pinwheel', variant).nmi).toBeGreaterThan(0.4);
    expect(run('pinwheel', 'shared-depth').accuracy).toBeGreaterThan(0.55);
    // Digits: 3.30 / 3.44 / 3.20 bits per dimension; the deeper shared model has the best likelihood.
    expect(run('digits', 'shared-params').bitsPerDim!).toBeLessThan(run('digits', 'independent').bitsPerDim!);
  });
});
