import { useBackend } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { marginalizingDigits, perDimension } from './digits.js';

const silent = { plan: () => {}, tick: () => {}, log: () => {} };

// Training runs on wasm, as the experiment command does: the cpu backend is a fallback, 10-15x slower.
beforeAll(async () => {
  await useBackend('wasm');
});

describe('perDimension', () => {
  it('turns log p on [0, 1)^64 into bits per 17-level pixel', () => {
    // The uniform density on [0, 1)^64 has log p = 0, i.e. log2(17) bits per pixel.
    expect(perDimension(0).bits).toBeCloseTo(Math.log2(17), 12);
    expect(perDimension(64).nats).toBeCloseTo(Math.log(17) - 1, 12);
  });
});

interface Run {
  auxDims: number;
  testBits: number;
  stopReason: string;
}

describe('marginalizing-digits (quick)', () => {
  it('beats the uniform density on held-out digits by a wide margin, with and without B', async () => {
    const before = tf.memory().numTensors;
    const result = await marginalizingDigits.run({ quick: true, progress: silent });
    expect(tf.memory().numTensors).toBe(before);
    const runs = (result.data as unknown as { runs: Run[] }).runs;
    expect(runs.map((r) => r.auxDims)).toEqual([0, 2]);
    for (const r of runs) {
      expect(r.stopReason).toBe('completed');
      // Uniform: 4.09 bits/dim. 100 steps reach ~3.2 on wasm.
      expect(r.testBits).toBeLessThan(3.6);
      expect(r.testBits).toBeGreaterThan(1);
    }
  });
});
