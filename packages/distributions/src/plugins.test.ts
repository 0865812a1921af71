import { BUILT_IN_TYPES, create, createRegistry } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Flow } from './flow.js';
import './index.js';
import { plugins } from './plugins.js';

describe('the package plugins', () => {
  it('are the rows core names @diffeo/distributions for, so a missing import says what to import', () => {
    const ours = plugins.map((p) => `${p.kind}:${p.type}`).sort();
    const listed = Object.entries(BUILT_IN_TYPES)
      .filter(([, pkg]) => pkg === '@diffeo/distributions')
      .map(([key]) => key)
      .sort();
    expect(listed).toEqual(ours);
    expect(() => createRegistry().create({ kind: 'distribution', type: 'flow' })).toThrow(
      "unknown distribution type 'flow' (registered: none); 'flow' is registered by @diffeo/distributions: import '@diffeo/distributions' for its side effect (a type-only import registers nothing)",
    );
  });

  it('have typed specs: a flow built from a spec is a Flow without a cast', () => {
    const before = tf.memory().numTensors;
    const flow = create({
      kind: 'distribution',
      type: 'flow',
      config: {
        base: { kind: 'distribution', type: 'standard-normal', config: { dim: 2 } },
        bijector: { kind: 'bijector', type: 'affine-coupling', config: { dim: 2 } },
      },
    });
    expect(flow).toBeInstanceOf(Flow);
    const x = tf.zeros([3, 2]) as tf.Tensor2D;
    const logProb = flow.logProb(x);
    expect(logProb.shape).toEqual([3]);
    tf.dispose([x, logProb]);
    flow.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
