import { BUILT_IN_TYPES, ConfigError, create, createRegistry } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { RationalQuadraticCoupling } from './coupling/rq-coupling.js';
import './index.js';
import { plugins } from './plugins.js';

describe('the package plugins', () => {
  it('are the rows core names @diffeo/bijectors for, so a missing import says what to import', () => {
    const ours = plugins.map((p) => `${p.kind}:${p.type}`).sort();
    const listed = Object.entries(BUILT_IN_TYPES)
      .filter(([, pkg]) => pkg === '@diffeo/bijectors')
      .map(([key]) => key)
      .sort();
    expect(listed).toEqual(ours);
    expect(() => createRegistry().create({ kind: 'bijector', type: 'rq-coupling' })).toThrow(
      /is registered by @diffeo\/bijectors: import '@diffeo\/bijectors'/,
    );
  });

  it('have typed specs: the config is checked by the compiler and the result typed', () => {
    const before = tf.memory().numTensors;
    const layer = create({ kind: 'bijector', type: 'rq-coupling', config: { dim: 2, numBins: 4 } });
    // compile-time: `layer` is a RationalQuadraticCoupling, no cast
    expect(layer.numBins).toBe(4);
    expect(layer).toBeInstanceOf(RationalQuadraticCoupling);
    layer.dispose();
    // defect 2 of issue 11: a misspelt key used to build 8 bins silently
    expect(() => create({ kind: 'bijector', type: 'rq-coupling', config: { dim: 2, numBin: 4 } })).toThrow(
      ConfigError,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
