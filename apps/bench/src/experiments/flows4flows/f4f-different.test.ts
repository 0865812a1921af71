import { useBackend } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { f4fDifferent } from './f4f-different.js';

const silent = { plan: () => {}, tick: () => {}, log: () => {} };

describe('f4f-different (quick)', () => {
  it('maps four circles to the checkerboard: its density of the inputs is within 1 nat of the input base density, its images within 1 nat of the target data under the target base', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const result = await f4fDifferent.run({ quick: true, progress: silent });
    const r = (result.data as { results: Record<string, Record<string, number[]>> }).results[
      'four-circles->checkerboard'
    ]!;
    console.log(result.findings.join('\n'), JSON.stringify(r));
    // The F4F density of the inputs is a proper density learned by maximum likelihood: within 1 nat of the base's.
    expect(Math.abs(r['f4f data NLL']![0]! - r['transfer data NLL']![0]!)).toBeLessThan(1);
    // Its images land where the target base has mass: close to the target data's own NLL.
    expect(r['f4f image NLL']![0]!).toBeLessThan(r['target data NLL']![0]! + 1);
    expect(tf.memory().numTensors).toBe(before);
    expect(result.figures).toHaveLength(1);
  }, 600_000);
});
