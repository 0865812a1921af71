import {
  ConfigError,
  createRegistry,
  definePlugin,
  type JsonObject,
  load,
  type Registry,
  RegistryError,
  ShapeError,
  save,
} from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BaseBijector, rowsOf } from '../base.js';
import { ActNorm } from '../elementwise/act-norm.js';
import { Affine } from '../elementwise/affine.js';
import { BatchNorm } from '../elementwise/batch-norm.js';
import { LeakyReLU } from '../elementwise/leaky-relu.js';
import { PReLU } from '../elementwise/prelu.js';
import { LULinear } from '../linear/lu-linear.js';
import { Permutation } from '../linear/permutation.js';
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

/** A conditional test bijector: x = u + context W, log-det 0. */
class ContextShift extends BaseBijector {
  readonly type = 'test-context-shift';
  readonly w: tf.Variable;
  constructor(config: { dim: number; contextDim: number }) {
    super(config.dim, config.contextDim);
    this.w = this.store.add('w', tf.randomUniform([config.contextDim, config.dim], -1, 1, 'float32', 1));
  }
  protected _forward(u: tf.Tensor2D, c: tf.Tensor2D | undefined) {
    return { y: tf.add(u, tf.matMul(c!, this.w)) as tf.Tensor2D, logDet: rowsOf(u, tf.scalar(0)) };
  }
  protected _inverse(x: tf.Tensor2D, c: tf.Tensor2D | undefined) {
    return { y: tf.sub(x, tf.matMul(c!, this.w)) as tf.Tensor2D, logDet: rowsOf(x, tf.scalar(0)) };
  }
  getConfig(): JsonObject {
    return { dim: this.dim, contextDim: this.contextDim };
  }
}

const contextShiftPlugin = definePlugin({
  kind: 'bijector',
  type: 'test-context-shift',
  schema: z.object({ dim: z.number().int().positive(), contextDim: z.number().int().positive() }),
  create: (config) => new ContextShift(config),
});

function fullRegistry(): Registry {
  const registry = createRegistry();
  for (const p of [...plugins, contextShiftPlugin]) registry.register(p);
  return registry;
}

/** A chain of most layers of this folder, perturbed away from the identity. */
function bigChain(dim: number): Chain {
  const chain = new Chain([
    new ActNorm({ dim }),
    new LULinear({ dim, permutation: 'random', seed: 2 }),
    new PReLU({ dim, perDimension: true, initialSlope: 0.5 }),
    new Permutation({ dim, permutation: 'random', seed: 3 }),
    new BatchNorm({ dim }),
    new LeakyReLU({ dim, slope: 0.3 }),
    new LULinear({ dim, permutation: 'reverse' }),
    new Affine({ dim }),
  ]);
  perturb(chain, 0.4, 17);
  return chain;
}

describe('Chain', () => {
  it('composes in generative order: forward runs a, b, c; inverse runs c, b, a; log-dets add up', () => {
    const a = new LULinear({ dim: 3 });
    const b = new PReLU({ dim: 3, initialSlope: 0.3 });
    const c = new Affine({ dim: 3 });
    perturb(a, 0.5, 1);
    c.logScale.assign(tf.tensor1d([0.2, -0.4, 1]));
    c.shift.assign(tf.tensor1d([1, 2, 3]));
    const chain = new Chain([a, b, c]);
    const u = tailRows(16, 3, 10, 4);
    const x = tailRows(16, 3, 10, 5);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const f = chain.forward(u);
      const fa = a.forward(u);
      const fb = b.forward(fa.y);
      const fc = c.forward(fb.y);
      expect(take(f.y)).toEqual(take(fc.y));
      const sum = take(tf.add(tf.add(fa.logDet, fb.logDet), fc.logDet));
      take(f.logDet).forEach((v, i) => {
        expect(v).toBeCloseTo(sum[i]!, 5);
      });
      const inv = chain.inverse(x);
      const ic = c.inverse(x);
      const ib = b.inverse(ic.y);
      const ia = a.inverse(ib.y);
      expect(take(inv.y)).toEqual(take(ia.y));
      const isum = take(tf.add(tf.add(ia.logDet, ib.logDet), ic.logDet));
      take(inv.logDet).forEach((v, i) => {
        expect(v).toBeCloseTo(isum[i]!, 5);
      });
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([u, x]);
    chain.dispose();
  });

  it('passes the property checks for a chain of ActNorm, LULinear, PReLU, Permutation, BatchNorm, LeakyReLU, Affine', () => {
    const chain = bigChain(4);
    const u = tailRows(48, 4, 30, 6);
    assertBijective(chain, u);
    assertNoLeaks(chain, u);
    assertTypedErrors(chain);
    tf.dispose(u);
    chain.dispose();
  });

  it('prefixes its children variables by position, propagates setTraining, and disposes its children', () => {
    const before = tf.memory().numTensors;
    const inner = new Chain([new Affine({ dim: 2 }), new LULinear({ dim: 2, bias: false })]);
    const norm = new ActNorm({ dim: 2 });
    const chain = new Chain([norm, inner]);
    expect(chain.namedVariables().map((v) => v.name)).toEqual([
      '0.logScale',
      '0.shift',
      '0.initialized',
      '1.0.logScale',
      '1.0.shift',
      '1.1.lower',
      '1.1.upper',
      '1.1.logDiag',
    ]);
    chain.setTraining(true);
    const x = tf.tensor2d([
      [1, 10],
      [3, 20],
      [5, 60],
    ]);
    tf.dispose(Object.values(chain.inverse(x)));
    expect(norm.initialized).toBe(true);
    x.dispose();
    chain.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('validates its children: equal dims, agreeing contexts, distinct objects, at least one', () => {
    const a = new Affine({ dim: 2 });
    expect(() => new Chain([a, new Affine({ dim: 3 })])).toThrow(ConfigError);
    expect(() => new Chain([a, new Affine({ dim: 3 })])).toThrow('chain.bijectors[1].dim: expected 2');
    expect(() => new Chain([a, a])).toThrow('chain.bijectors[1]: the same object as bijectors[0]');
    expect(() => new Chain([])).toThrow(ConfigError);
    const c2 = new ContextShift({ dim: 2, contextDim: 2 });
    const c3 = new ContextShift({ dim: 2, contextDim: 3 });
    expect(() => new Chain([c2, a, c3])).toThrow('chain.bijectors[2].contextDim: expected 0 or 2');
    const registry = fullRegistry();
    const spec = (bijectors: unknown[]) => ({
      kind: 'bijector' as const,
      type: 'chain',
      config: { bijectors },
    });
    expect(() => registry.create(spec([]))).toThrow(ConfigError);
    expect(() =>
      registry.create(
        spec([
          { kind: 'bijector', type: 'affine', config: { dim: 2 } },
          { kind: 'model', type: 'x' },
        ]),
      ),
    ).toThrow("chain.bijectors[1].kind: expected 'bijector', got 'model'");
    expect(() => registry.create(spec([{ kind: 'bijector', type: 'no-such-thing' }]))).toThrow(RegistryError);
    expect(() => registry.create(spec([{ kind: 'bijector', type: 'no-such-thing' }]))).toThrow(
      "chain.bijectors[0]: unknown bijector type 'no-such-thing'",
    );
    // A failure in a later child disposes the ones already built.
    const before = tf.memory().numTensors;
    expect(() =>
      registry.create(
        spec([
          { kind: 'bijector', type: 'lu-linear', config: { dim: 2 } },
          { kind: 'bijector', type: 'prelu', config: { dim: 0 } },
        ]),
      ),
    ).toThrow("chain.bijectors[1]: bijector 'prelu' config.dim");
    expect(tf.memory().numTensors).toBe(before);
    for (const b of [a, c2, c3]) b.dispose();
  });

  it('passes the context to its conditional children only, and checks it', () => {
    const shift = new ContextShift({ dim: 2, contextDim: 3 });
    const affine = new Affine({ dim: 2 });
    affine.logScale.assign(tf.tensor1d([0.5, -0.5]));
    const chain = new Chain([affine, shift]);
    expect(chain.contextDim).toBe(3);
    const u = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const context = tf.tensor2d([
      [1, 0, 0],
      [0, 1, -1],
    ]);
    const { y } = chain.forward(u, context);
    const want = shift.forward(affine.forward(u).y, context).y;
    expect(take(y)).toEqual(take(want));
    const back = chain.inverse(chain.forward(u, context).y, context).y;
    take(back).forEach((v, i) => {
      expect(v).toBeCloseTo(u.dataSync()[i]!, 5);
    });
    expect(() => chain.forward(u)).toThrow(ShapeError);
    expect(() => chain.forward(u)).toThrow(
      'chain.forward: context: expected a context of shape [2, 3], got none',
    );
    const wrong = tf.zeros([2, 2]) as tf.Tensor2D;
    expect(() => chain.inverse(u, wrong)).toThrow(ShapeError);
    assertConfigRoundTrip(chain, [contextShiftPlugin]);
    tf.dispose([u, context, wrong]);
    chain.dispose();
  });

  it('round-trips its config as nested specs through a fresh registry, a user plugin included', () => {
    const chain = new Chain([new ContextShift({ dim: 2, contextDim: 1 }), new Permutation({ dim: 2 })]);
    expect(chain.getConfig()).toEqual({
      bijectors: [
        { kind: 'bijector', type: 'test-context-shift', config: { dim: 2, contextDim: 1 } },
        { kind: 'bijector', type: 'permutation', config: { dim: 2, permutation: 'reverse', seed: 0 } },
      ],
    });
    assertConfigRoundTrip(chain, [contextShiftPlugin]);
    chain.dispose();
    const big = bigChain(3);
    assertConfigRoundTrip(big);
    big.dispose();
  });

  it('saves and loads with identical outputs, running statistics and initialisation included', async () => {
    const chain = bigChain(3);
    // Train-mode calls initialise the ActNorm and move the BatchNorm's running averages.
    chain.setTraining(true);
    for (let i = 0; i < 3; i++) {
      const x = tailRows(64, 3, 6, 20 + i);
      tf.dispose([x, ...Object.values(chain.inverse(x))]);
    }
    chain.setTraining(false);
    let stored: tf.io.ModelArtifacts | undefined;
    await save(
      chain,
      tf.io.withSaveHandler(async (artifacts) => {
        stored = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await load<Chain>(tf.io.fromMemory(stored!), fullRegistry());
    expect(loaded).toBeInstanceOf(Chain);
    expect(loaded.namedVariables().map((v) => v.name)).toEqual(chain.namedVariables().map((v) => v.name));
    const u = tailRows(32, 3, 20, 30);
    for (const method of ['forward', 'inverse'] as const) {
      const a = chain[method](u);
      const b = loaded[method](u);
      expect(take(b.y)).toEqual(take(a.y));
      expect(take(b.logDet)).toEqual(take(a.logDet));
    }
    // The loaded ActNorm does not initialise again when training resumes.
    loaded.setTraining(true);
    const norm = loaded.bijectors[0] as ActNorm;
    const shift = Array.from(norm.shift.dataSync());
    const x = tailRows(64, 3, 6, 40);
    tf.dispose([x, ...Object.values(loaded.inverse(x))]);
    expect(Array.from(norm.shift.dataSync())).toEqual(shift);
    u.dispose();
    chain.dispose();
    loaded.dispose();
  });
});
