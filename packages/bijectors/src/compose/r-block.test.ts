import { ConfigError, createRegistry, NonFiniteError, ShapeError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { AffineCoupling } from '../coupling/affine-coupling.js';
import { perturbOutput, testInputs } from '../coupling/test-utils/helpers.js';
import type { ActNorm } from '../elementwise/act-norm.js';
import { Permutation } from '../linear/permutation.js';
import { registerBijectors } from '../plugins.js';
import { checkBijector } from '../testing/index.js';
import { Chain } from './chain.js';
import { RBlock, type RBlockConfig, rBlockPlugin } from './r-block.js';

/** Rows with column means 2, -1, 0.5, ... and standard deviations 3, 0.5, 1, ... */
function data(n: number, dim: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const means = Array.from({ length: dim }, (_, j) => [2, -1, 0.5][j % 3]!);
    const stds = Array.from({ length: dim }, (_, j) => [3, 0.5, 1][j % 3]!);
    return tf.add(tf.mul(tf.randomNormal([n, dim], 0, 1, 'float32', seed), stds), means) as tf.Tensor2D;
  });
}

function couplings(block: RBlock): AffineCoupling[] {
  return [block.parts.get('coupling1'), block.parts.get('coupling2')] as AffineCoupling[];
}

/** Moves every coupling off the identity and gives the actnorms non-trivial values. */
function perturb(block: RBlock, seed: number): void {
  couplings(block).forEach((c, i) => {
    perturbOutput(c.conditioner, seed + i, 0.3);
  });
  for (const name of ['actNormIn', 'actNormOut'] as const) {
    const norm = block.parts.get(name) as ActNorm | undefined;
    if (norm === undefined) continue;
    tf.tidy(() => {
      norm.logScale.assign(tf.linspace(-0.5, 0.7, block.dim));
      norm.shift.assign(tf.linspace(1, -1, block.dim));
    });
  }
}

describe('RBlock', () => {
  it.each([
    [{}, ['act-norm', 'permutation', 'affine-coupling', 'permutation', 'affine-coupling', 'act-norm']],
    [{ last: true }, ['affine-coupling', 'permutation', 'affine-coupling', 'act-norm']],
    [
      { leadingActNorm: false },
      ['act-norm', 'permutation', 'affine-coupling', 'permutation', 'affine-coupling'],
    ],
    [{ leadingActNorm: false, last: true }, ['affine-coupling', 'permutation', 'affine-coupling']],
  ] as [Partial<RBlockConfig>, string[]][])(
    '%o holds the thesis layers in generative order',
    (extra, types) => {
      const block = new RBlock({ dim: 5, ...extra });
      expect(block.chain.bijectors.map((b) => b.type)).toEqual(types);
      // From the data side: coupling, reverse permutation, coupling, and (unless last) a random one.
      const perms = block.chain.bijectors.filter((b): b is Permutation => b instanceof Permutation);
      expect(perms.at(-1)!.indices).toEqual([4, 3, 2, 1, 0]);
      if (extra.last !== true) expect(perms[0]!.indices).not.toEqual([4, 3, 2, 1, 0]);
      // Every dimension is transformed by one of the two couplings: coupling1 transforms the higher
      // half of the data-side columns, coupling2 the higher half after the reversal.
      const [c1, c2] = couplings(block);
      const touched = new Set([
        ...c1!.mask.flatMap((m, j) => (m === 1 ? [j] : [])),
        ...c2!.mask.flatMap((m, j) => (m === 1 ? [4 - j] : [])),
      ]);
      expect([...touched].sort()).toEqual([0, 1, 2, 3, 4]);
      block.dispose();
    },
  );

  it('at initialisation is the reverse permutation (last block) with log-det exactly 0', () => {
    const block = new RBlock({ dim: 4, contextDim: 2, last: true, seed: 3 });
    const u = testInputs(16, 4, 1);
    const c = tf.randomNormal([16, 2], 0, 1, 'float32', 2) as tf.Tensor2D;
    const { y, logDet } = block.forward(u, c);
    const reversed = tf.reverse(u, 1);
    expect(Array.from(y.dataSync())).toEqual(Array.from(reversed.dataSync()));
    expect(Array.from(logDet.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([u, c, y, logDet, reversed]);
    block.dispose();
  });

  it.each([
    ['unconditional, MLP', { dim: 4 }],
    [
      'conditional, residual conditioner, odd dim',
      { dim: 5, contextDim: 2, conditioner: { type: 'residual' as const, hiddenFeatures: 16, numBlocks: 1 } },
    ],
    ['last block', { dim: 3, last: true, leadingActNorm: false }],
  ] as [string, RBlockConfig][])('%s: inverts and has the right log-det', (_, config) => {
    const block = new RBlock({ ...config, seed: 7 });
    perturb(block, 11);
    const u = testInputs(40, block.dim, 5);
    const c =
      block.contextDim > 0
        ? (tf.randomNormal([40, block.contextDim], 0, 1, 'float32', 1) as tf.Tensor2D)
        : undefined;
    const before = tf.memory().numTensors;
    const report = checkBijector(block, u, c);
    expect(tf.memory().numTensors).toBe(before);
    expect(report.finite).toBe(true);
    // The inputs reach |u| = 10.5, which the perturbed block maps as far as |y| = 2,612 (exp(s),
    // s ~ 5.5), where float32's spacing is 2.4e-4: the round trip keeps u to ~2e-5 relative (measured
    // 4.8e-5 on cpu, 2.0e-4 on wasm, whose fused conditioner kernel rounds the bias in differently).
    expect(report.inverseError).toBeLessThan(5e-4);
    expect(report.logDetError).toBeLessThan(1e-3);
    expect(report.cancelError).toBeLessThan(1e-4);
    const { y, logDet } = block.forward(u, c);
    expect(Math.max(...Array.from(logDet.dataSync()).map(Math.abs))).toBeGreaterThan(0.1);
    tf.dispose([u, c!, y, logDet].filter(Boolean));
    block.dispose();
  });

  it('initialises its actnorms on the first training batch: that batch comes out standardised', () => {
    const block = new RBlock({ dim: 3, identityInit: false, seed: 2 });
    const x = data(1024, 3, 4);
    block.setTraining(true);
    const { y: u, logDet } = block.inverse(x);
    block.setTraining(false);
    // The trailing actnorm is the last layer on the way to the latent: u is standardised.
    const { mean, variance } = tf.moments(u, 0);
    for (const m of mean.dataSync()) expect(Math.abs(m)).toBeLessThan(1e-4);
    for (const v of variance.dataSync()) expect(Math.abs(v - 1)).toBeLessThan(1e-3);
    // The leading one standardised the data: its shift is the data mean.
    const xMean = tf.mean(x, 0);
    const actNormIn = block.parts.get('actNormIn') as ActNorm;
    const shift = actNormIn.shift.dataSync();
    xMean.dataSync().forEach((m, j) => {
      expect(Math.abs(shift[j]! - m)).toBeLessThan(1e-5);
    });
    expect(actNormIn.initialized).toBe(true);
    expect((block.parts.get('actNormOut') as ActNorm).initialized).toBe(true);
    // Still a bijection with the right log-det after the initialisation.
    const report = checkBijector(block, testInputs(16, 3, 3));
    expect(report.inverseError).toBeLessThan(1e-4);
    expect(report.logDetError).toBeLessThan(1e-3);
    tf.dispose([x, u, logDet, mean, variance, xMean]);
    block.dispose();
  });

  it('names its variables by part and leaks nothing per gradient step', () => {
    const block = new RBlock({
      dim: 4,
      contextDim: 1,
      conditioner: { type: 'mlp', hiddenFeatures: 8, numHiddenLayers: 1 },
      seed: 4,
    });
    expect(block.namedVariables().map((v) => v.name)).toEqual([
      'actNormIn.logScale',
      'actNormIn.shift',
      'actNormIn.initialized',
      'coupling1.conditioner.hidden.0.weight',
      'coupling1.conditioner.hidden.0.bias',
      'coupling1.conditioner.output.weight',
      'coupling1.conditioner.output.bias',
      'coupling2.conditioner.hidden.0.weight',
      'coupling2.conditioner.hidden.0.bias',
      'coupling2.conditioner.output.weight',
      'coupling2.conditioner.output.bias',
      'actNormOut.logScale',
      'actNormOut.shift',
      'actNormOut.initialized',
    ]);
    const x = data(32, 4, 1);
    const c = tf.randomNormal([32, 1], 0, 1, 'float32', 2) as tf.Tensor2D;
    const variables = block
      .namedVariables()
      .filter((v) => v.variable.trainable)
      .map((v) => v.variable);
    block.setTraining(true);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 2; step++) {
      const { value, grads } = tf.variableGrads(() => {
        const { y, logDet } = block.inverse(x, c);
        return tf.sub(tf.mean(tf.sum(tf.square(y), 1)), tf.mean(logDet)) as tf.Scalar;
      }, variables);
      expect(Object.keys(grads)).toHaveLength(variables.length);
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, c]);
    block.dispose();
  });

  it('rejects wrong dimensions, a missing context, NaN and bad configs with typed errors', () => {
    const block = new RBlock({ dim: 3, contextDim: 2 });
    const x = tf.zeros([4, 3]) as tf.Tensor2D;
    expect(() => block.forward(tf.zeros([4, 2]) as tf.Tensor2D, tf.zeros([4, 2]) as tf.Tensor2D)).toThrow(
      ShapeError,
    );
    expect(() => block.inverse(x)).toThrow(/r-block.inverse: context: expected a context/);
    expect(() => block.inverse(x, tf.zeros([4, 1]) as tf.Tensor2D)).toThrow(ShapeError);
    expect(() => block.inverse(tf.tensor2d([[1, Number.NaN, 0]]), tf.zeros([1, 2]) as tf.Tensor2D)).toThrow(
      NonFiniteError,
    );
    expect(() => new RBlock({ dim: 1 })).toThrow(ConfigError);
    expect(() => new RBlock({ dim: 3, conditioner: { type: 'mlp', hiddenFeatures: 0 } })).toThrow(
      /conditioner.hiddenFeatures/,
    );
    tf.dispose(x);
    block.dispose();
  });

  it('round-trips its config through a fresh registry: same permutation, same weights', () => {
    const registry = createRegistry();
    registry.register(rBlockPlugin);
    const block = new RBlock({
      dim: 6,
      contextDim: 1,
      conditioner: { type: 'residual', hiddenFeatures: 8, numBlocks: 1, activation: 'tanh' },
      logScaleBound: 2,
      identityInit: false,
      seed: 99,
    });
    const config = block.getConfig();
    expect(config).toEqual({
      dim: 6,
      contextDim: 1,
      conditioner: { type: 'residual', hiddenFeatures: 8, numBlocks: 1, activation: 'tanh' },
      logScaleBound: 2,
      identityInit: false,
      leadingActNorm: true,
      last: false,
      seed: 99,
    });
    const copy = registry.create<RBlock>({
      kind: 'bijector',
      type: 'r-block',
      config: JSON.parse(JSON.stringify(config)),
    });
    expect(copy.getConfig()).toEqual(config);
    expect((copy.parts.get('shuffle') as Permutation).indices).toEqual(
      (block.parts.get('shuffle') as Permutation).indices,
    );
    const u = testInputs(8, 6, 2);
    const c = tf.ones([8, 1]) as tf.Tensor2D;
    const a = block.forward(u, c);
    const b = copy.forward(u, c);
    expect(Array.from(b.y.dataSync())).toEqual(Array.from(a.y.dataSync()));
    expect(Array.from(b.logDet.dataSync())).toEqual(Array.from(a.logDet.dataSync()));
    // A different seed gives a different block.
    const other = new RBlock({ ...block.getConfig(), seed: 100 } as RBlockConfig);
    const d = other.forward(u, c);
    expect(Array.from(d.y.dataSync())).not.toEqual(Array.from(a.y.dataSync()));
    tf.dispose([u, c, a.y, a.logDet, b.y, b.logDet, d.y, d.logDet]);
    for (const m of [block, copy, other]) m.dispose();
  });

  it('stacks as the thesis does: a chain of blocks inverts, and the package registers it', () => {
    const body = new Chain([
      new RBlock({ dim: 4, leadingActNorm: false, last: true, seed: 3 }),
      new RBlock({ dim: 4, leadingActNorm: false, seed: 2 }),
      new RBlock({ dim: 4, seed: 1 }),
    ]);
    for (const block of body.bijectors) perturb(block as RBlock, 5);
    expect(body.bijectors.map((b) => (b as RBlock).chain.bijectors.length)).toEqual([3, 5, 6]);
    // Inputs within ±6: through 14 float32 layers, rows at ±10 round-trip to ~1e-4 only.
    const u = testInputs(24, 4, 8, 1, 2, 4);
    const report = checkBijector(body, u);
    expect(report.inverseError).toBeLessThan(1e-4);
    expect(report.logDetError).toBeLessThan(1e-3);
    expect(report.cancelError).toBeLessThan(1e-4);
    const registry = createRegistry();
    registerBijectors(registry);
    for (const type of ['r-block', 'affine-coupling', 'rq-coupling'])
      expect(registry.has('bijector', type)).toBe(true);
    const spec = { kind: 'bijector' as const, type: 'chain', config: body.getConfig() };
    const copy = registry.create<Chain>(JSON.parse(JSON.stringify(spec)));
    expect(copy.bijectors.map((b) => b.type)).toEqual(['r-block', 'r-block', 'r-block']);
    tf.dispose(u);
    body.dispose();
    copy.dispose();
  });
});
