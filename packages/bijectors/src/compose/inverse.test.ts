import { ConfigError, createRegistry } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ActNorm } from '../elementwise/act-norm.js';
import { Logit } from '../elementwise/logit.js';
import { PReLU } from '../elementwise/prelu.js';
import { Sigmoid } from '../elementwise/sigmoid.js';
import { LULinear } from '../linear/lu-linear.js';
import { plugins } from '../plugins.js';
import { take } from '../test-utils/take.js';
import {
  assertBijective,
  assertConfigRoundTrip,
  assertNoLeaks,
  assertTypedErrors,
  perturb,
  tailRows,
} from '../testing/index.js';
import { Chain } from './chain.js';
import { Inverse } from './inverse.js';

describe('Inverse', () => {
  it('swaps the directions: Inverse(Sigmoid) is the logit, with the same log-dets', () => {
    const inv = new Inverse(new Sigmoid({ dim: 2 }));
    const logit = new Logit({ dim: 2 });
    const u = tf.tensor2d([
      [0.5, 0.9],
      [1e-4, 0.3],
    ]);
    for (const [a, b] of [
      [inv.forward(u), logit.forward(u)],
      [inv.inverse(u), logit.inverse(u)],
    ] as const) {
      expect(take(a.y)).toEqual(take(b.y));
      expect(take(a.logDet)).toEqual(take(b.logDet));
    }
    tf.dispose(u);
    inv.dispose();
    logit.dispose();
  });

  it('passes the property checks around learned layers and a chain', () => {
    const lu = new LULinear({ dim: 4, permutation: 'random', seed: 1 });
    perturb(lu, 0.5, 2);
    const chain = new Chain([
      new PReLU({ dim: 4, perDimension: true }),
      new Inverse(new LULinear({ dim: 4 })),
    ]);
    perturb(chain, 0.5, 3);
    for (const inner of [lu, chain]) {
      const inv = new Inverse(inner);
      const u = tailRows(48, 4, 30, 4);
      assertBijective(inv, u);
      assertNoLeaks(inv, u);
      assertTypedErrors(inv);
      assertConfigRoundTrip(inv);
      tf.dispose(u);
      inv.dispose();
    }
  });

  it('prefixes the child variables, propagates setTraining (data-dependent init happens in its forward) and dispose', () => {
    const before = tf.memory().numTensors;
    const norm = new ActNorm({ dim: 2 });
    const inv = new Inverse(norm);
    expect(inv.namedVariables().map((v) => v.name)).toEqual([
      'bijector.logScale',
      'bijector.shift',
      'bijector.initialized',
    ]);
    inv.setTraining(true);
    const x = tf.tensor2d([
      [1, 2],
      [3, 8],
    ]);
    tf.dispose(Object.values(inv.inverse(x)));
    expect(norm.initialized).toBe(false);
    tf.dispose(Object.values(inv.forward(x)));
    expect(norm.initialized).toBe(true);
    x.dispose();
    inv.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('builds its child through the registry and rejects a non-bijector spec', () => {
    const registry = createRegistry();
    for (const p of plugins) registry.register(p);
    const inv = registry.create<Inverse>({
      kind: 'bijector',
      type: 'inverse',
      config: { bijector: { kind: 'bijector', type: 'prelu', config: { dim: 3 } } },
    });
    expect(inv.bijector).toBeInstanceOf(PReLU);
    expect(inv.getConfig()).toEqual({
      bijector: { kind: 'bijector', type: 'prelu', config: { dim: 3, initialSlope: 1, perDimension: false } },
    });
    expect(() =>
      registry.create({
        kind: 'bijector',
        type: 'inverse',
        config: { bijector: { kind: 'dataset', type: 'x' } },
      }),
    ).toThrow("inverse.bijector.kind: expected 'bijector', got 'dataset'");
    expect(() => registry.create({ kind: 'bijector', type: 'inverse', config: {} })).toThrow(ConfigError);
    inv.dispose();
  });
});
