import { useBackend } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { f4fIdentity } from './f4f-identity.js';

const silent = { plan: () => {}, tick: () => {}, log: () => {} };

describe('f4f-identity (quick)', () => {
  it('F4F + L1 moves four-circles points by < 0.05 on average while the base transfer moves them by > 0.3', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const result = await f4fIdentity.run({ quick: true, progress: silent });
    expect(tf.memory().numTensors).toBe(before);
    const r = (result.data as { results: Record<string, Record<string, number[]>> }).results['four-circles']!;
    console.log(result.findings.join('\n'));
    expect(r['f4f+l1:identity']![0]).toBeLessThan(0.05);
    expect(r.transfer![0]).toBeGreaterThan(0.3);
    expect(result.figures).toHaveLength(1);
  }, 600_000);
});
