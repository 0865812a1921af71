import { useBackend } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { marginalizingPower } from './power.js';

const silent = { plan: () => {}, tick: () => {}, log: () => {} };

// Training runs on wasm, as the experiment command does: the cpu backend is a fallback, 10-15x slower.
beforeAll(async () => {
  await useBackend('wasm');
});

interface Run {
  psi: number;
  auxDims: number;
  test: number;
  testTruth: number;
  stopReason: string;
}

describe('marginalizing-power (quick)', () => {
  it('fits ψ = 1 to the truth and learns ψ = 2, with and without auxiliary dimensions', async () => {
    const before = tf.memory().numTensors;
    const result = await marginalizingPower.run({ quick: true, progress: silent });
    expect(tf.memory().numTensors).toBe(before);
    const runs = (result.data as unknown as { runs: Run[] }).runs;
    expect(runs).toHaveLength(4);
    for (const r of runs) {
      expect(r.stopReason).toBe('completed');
      // Held-out rows: no model beats their own exact log-density beyond sampling noise (~0.03 nats
      // for the difference of two densities on the same 1024 rows).
      expect(r.test).toBeLessThan(r.testTruth + 0.05);
      if (r.psi === 1) {
        // ψ = 1 is the flow's base: the model must stay within noise of the truth.
        expect(r.test).toBeGreaterThan(r.testTruth - 0.05);
      } else {
        // N(0, I) scores E log N(u²) = -4.84 on ψ = 2, D = 2 data; 150 steps get well past -3.
        expect(r.test).toBeGreaterThan(-3);
      }
    }
    expect(result.tables[0]!.rows).toHaveLength(2);
    expect(result.findings).toHaveLength(2);
  });
});
