import { useBackend } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { f4fConditional } from './f4f-conditional.js';

const silent = { plan: () => {}, tick: () => {}, log: () => {} };

describe('f4f-conditional (quick)', () => {
  it('maps the 0° four circles to 15°: fewer out-of-distribution points than leaving them in place or sampling the conditional base', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const result = await f4fConditional.run({ quick: true, progress: silent });
    const { ood } = result.data as { ood: Record<string, number[]> };
    console.log(result.findings.join('\n'));
    expect(ood['f4f:15']![0]).toBeLessThan(ood['identity:15']![0]! / 2);
    expect(ood['f4f:15']![0]).toBeLessThan(ood['base samples:15']![0]!);
    expect(ood['true data:15']![0]).toBeLessThan(0.03);
    expect(tf.memory().numTensors).toBe(before);
    expect(result.figures).toHaveLength(3);
  }, 600_000);
});
