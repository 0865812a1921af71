import { useBackend } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { distanceToMoons, marginalizingMoons, offMoonFraction } from './moons.js';

const silent = { plan: () => {}, tick: () => {}, log: () => {} };

// Training runs on wasm, as the experiment command does: the cpu backend is a fallback, 10-15x slower.
beforeAll(async () => {
  await useBackend('wasm');
});

describe('offMoonFraction', () => {
  it('measures the distance to the two noise-free arcs', () => {
    expect(distanceToMoons(0, 1)).toBeCloseTo(0, 12); // top of the upper moon
    expect(distanceToMoons(1, -0.5)).toBeCloseTo(0, 12); // bottom of the lower moon
    expect(distanceToMoons(0.5, 0.25)).toBeCloseTo(1 - Math.sqrt(0.3125), 12); // between the moons
    expect(offMoonFraction([0, 1, 1, -0.5, 0.5, 0.25, 3, 3], 0.1)).toBe(0.5);
  });
});

interface Run {
  auxDims: number;
  test: number;
  offMoon: number;
  stopReason: string;
}

describe('marginalizing-moons (quick)', () => {
  it('beats the best Gaussian on held-out data and measures the samples off the moons', async () => {
    const before = tf.memory().numTensors;
    const result = await marginalizingMoons.run({ quick: true, progress: silent });
    expect(tf.memory().numTensors).toBe(before);
    const data = result.data as unknown as { runs: Run[]; gaussianBaseline: number[]; dataOffMoon: number };
    expect(data.runs.map((r) => r.auxDims)).toEqual([0, 2]);
    // The data: ~0.3% of 2-D Gaussian noise lies beyond 3 sd of the arcs.
    expect(data.dataOffMoon).toBeLessThan(0.01);
    for (const r of data.runs) {
      expect(r.stopReason).toBe('completed');
      expect(r.test).toBeGreaterThan(data.gaussianBaseline[0]! + 0.15);
      expect(r.offMoon).toBeGreaterThan(data.dataOffMoon);
      expect(r.offMoon).toBeLessThan(0.5);
    }
    expect(result.figures.map((f) => f.name)).toEqual([
      'marginalizing-moons-samples',
      'marginalizing-moons-curves',
    ]);
  });
});
