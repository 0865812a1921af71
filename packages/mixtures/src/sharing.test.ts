import { Affine, AffineCoupling, Chain, Permutation } from '@diffeo/bijectors';
import {
  type Bijector,
  ConfigError,
  createRegistry,
  type Distribution,
  fromArtifacts,
  specOf,
  toArtifacts,
  toRng,
} from '@diffeo/core';
import { DiagonalNormal, realNVP } from '@diffeo/distributions';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { mixtureElbo } from './elbo.js';
import { MixtureOfFlows } from './mixture.js';
import { registerMixtures } from './plugins.js';
import { trainMixture } from './train.js';

const owned: { dispose(): void }[] = [];
afterEach(() => {
  for (const o of owned.splice(0)) o.dispose();
});

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

/** Nudges every variable away from its initial value (identity-initialised layers included). */
function perturb(module: { namedVariables(): { variable: tf.Variable }[] }, seed: number): void {
  for (const [i, { variable }] of module.namedVariables().entries()) {
    tf.tidy(() =>
      variable.assign(tf.add(variable, tf.randomNormal(variable.shape, 0, 0.2, 'float32', seed + i))),
    );
  }
}

/** A trunk of two affine coupling layers with a permutation between them. */
function couplingTrunk(seed: number): Chain {
  return new Chain([
    new AffineCoupling({ dim: 2, conditioner: { type: 'mlp', hiddenFeatures: 8, numHiddenLayers: 1 }, seed }),
    new Permutation({ dim: 2, permutation: 'reverse' }),
    new AffineCoupling({
      dim: 2,
      conditioner: { type: 'mlp', hiddenFeatures: 8, numHiddenLayers: 1 },
      seed: seed + 1,
    }),
  ]);
}

/** K realNVP heads after a shared coupling trunk, weights moved off their initial values. */
function sharedMixture(k: number, seed = 0): MixtureOfFlows {
  const m = new MixtureOfFlows({
    components: Array.from({ length: k }, (_, c) =>
      realNVP({ dim: 2, numTransforms: 2, hiddenFeatures: 8, numBlocks: 1, seed: seed + 10 * c }),
    ),
    trunk: couplingTrunk(seed + 100),
    posterior: { hiddenFeatures: 8, seed },
    prior: 'learned',
  });
  owned.push(m);
  perturb(m, seed + 1000);
  return m;
}

const x = () =>
  tf.tensor2d([
    [0, 0],
    [1.5, -0.5],
    [-2, 1],
    [0.3, 2.2],
    [-0.7, -1.1],
  ]);

describe('MixtureOfFlows with a shared trunk: densities', () => {
  it('an affine trunk over Gaussian heads gives the Gaussian mixture written by hand', () => {
    const trunk = new Affine({ dim: 2 });
    trunk.logScale.assign(tf.tensor1d([Math.log(2), Math.log(0.5)]));
    trunk.shift.assign(tf.tensor1d([1, -1]));
    const m = new MixtureOfFlows({
      components: [
        new DiagonalNormal({ dim: 2, mean: [0, 0], logScale: [0, 0] }),
        new DiagonalNormal({ dim: 2, mean: [1, 2], logScale: [Math.log(0.5), 0] }),
      ],
      trunk,
    });
    owned.push(m);
    // x = s h + b with h ~ N(mean, scale): x ~ N(s mean + b, s scale).
    const logNormal = (p: number[], mean: number[], scale: number[]) =>
      p.reduce((acc, v, i) => {
        const z = (v - mean[i]!) / scale[i]!;
        return acc - 0.5 * z * z - Math.log(scale[i]!) - 0.5 * Math.log(2 * Math.PI);
      }, 0);
    const xs = x();
    const rows = xs.arraySync();
    const logp = m.logProb(xs).arraySync();
    const resp = m.responsibilities(xs).arraySync();
    rows.forEach((p, i) => {
      const a = Math.log(0.5) + logNormal(p, [1, -1], [2, 0.5]);
      const b = Math.log(0.5) + logNormal(p, [3, 0], [1, 0.5]);
      const total = Math.log(Math.exp(a) + Math.exp(b));
      expect(logp[i]).toBeCloseTo(total, 4);
      expect(resp[i]![1]).toBeCloseTo(Math.exp(b - total), 5);
    });
    xs.dispose();
  });

  it('log p(x|z=k) is the trunk then head k composed by hand; logProb, ELBO and p(z|x) go through it', () => {
    const m = sharedMixture(3);
    const xs = x();
    const trunk = m.trunk!;
    const got = m.componentLogProbs(xs);
    const [byHand, logp, resp] = tf.tidy(() => {
      const { y, logDet } = trunk.inverse(xs);
      const perComponent = tf.stack(
        m.components.map((c) => tf.add(c.logProb(y), logDet)),
        1,
      );
      const joint = tf.add(perComponent, m.logPrior());
      return [perComponent, tf.logSumExp(joint, 1), tf.softmax(joint)];
    });
    expect(maxAbsDiff(got, byHand)).toBeLessThan(1e-5);
    expect(maxAbsDiff(m.logProb(xs), logp)).toBeLessThan(1e-5);
    expect(maxAbsDiff(m.responsibilities(xs), resp)).toBeLessThan(1e-5);
    // The trunk is not the identity: its log-det moves every component's density.
    const headsOnly = tf.tidy(() =>
      tf.stack(
        m.components.map((c) => c.logProb(xs)),
        1,
      ),
    );
    expect(maxAbsDiff(got, headsOnly)).toBeGreaterThan(1e-2);
    // The ELBO under the exact posterior equals the log-likelihood; under the network it is below.
    const [exactElbo, netElbo] = tf.tidy(() => [
      mixtureElbo(got, m.logPrior(), tf.log(resp) as tf.Tensor2D),
      tf.sub(m.elbo(xs), logp),
    ]);
    expect(maxAbsDiff(exactElbo, logp)).toBeLessThan(1e-4);
    expect(tf.max(netElbo).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([xs, got, byHand, logp, resp, headsOnly, exactElbo, netElbo]);
  });

  it('sampling draws a head sample and maps it through the trunk: the trunk inverts it exactly', () => {
    const m = sharedMixture(2, 7);
    for (const k of [0, 1]) {
      const { x: xs, components } = m.sample(300, { seed: 4, component: k });
      expect(Array.from(components)).toEqual(new Array(300).fill(k));
      const heads = m.components[k]!.sample(300, { seed: toRng(4) });
      const [forward, back] = tf.tidy(() => [m.trunk!.forward(heads).y, m.trunk!.inverse(xs).y]);
      expect(maxAbsDiff(forward, xs)).toBeLessThan(1e-5);
      expect(maxAbsDiff(back, heads)).toBeLessThan(1e-4);
      tf.dispose([xs, heads, forward, back]);
    }
    const mixed = m.sample(500, { seed: 9 });
    const finite = tf.tidy(() => tf.all(tf.isFinite(m.logProb(mixed.x))).dataSync()[0]);
    expect(finite).toBe(1);
    mixed.x.dispose();
  });
});

describe('MixtureOfFlows with a shared trunk: weights', () => {
  it('the trunk is one set of variables: shared + K heads + posterior, each variable once', () => {
    const m = sharedMixture(4);
    const named = m.namedVariables();
    const trainable = named.filter((v) => v.variable.trainable);
    const count = (vs: { namedVariables(): { variable: tf.Variable }[] }) =>
      vs.namedVariables().filter((v) => v.variable.trainable).length;
    const heads = m.components.reduce((s, c) => s + count(c), 0);
    expect(trainable.length).toBe(count(m.trunk!) + heads + count(m.network) + 1);
    expect(named.filter((v) => v.name.startsWith('trunk.')).length).toBe(m.trunk!.namedVariables().length);
    expect(new Set(named.map((v) => v.variable)).size).toBe(named.length);
    expect(new Set(named.map((v) => v.name)).size).toBe(named.length);
  });

  it("every component's density sends gradient into the trunk, and training moves the trunk", async () => {
    const m = sharedMixture(3, 2);
    const xs = x();
    const trunkVars = m.trunk!.namedVariables().map((v) => v.variable);
    for (let k = 0; k < 3; k++) {
      const { value, grads } = tf.variableGrads(
        () => tf.neg(tf.mean(tf.slice(m.componentLogProbs(xs), [0, k], [-1, 1]))) as tf.Scalar,
        trunkVars,
      );
      const norm = tf.tidy(
        () => tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))).dataSync()[0]!,
      );
      expect(norm).toBeGreaterThan(1e-8);
      tf.dispose([value, ...Object.values(grads)]);
    }
    const data = tf.tidy(
      () => tf.add(tf.mul(tf.randomNormal([128, 2], 0, 1, 'float32', 3), 0.5), 1) as tf.Tensor2D,
    );
    const before = trunkVars.map((v) => tf.clone(v));
    const tensors = tf.memory().numTensors;
    const history = await trainMixture(m, data, { epochs: 5, batchSize: 32, learningRate: 1e-2, seed: 0 });
    expect(tf.memory().numTensors).toBe(tensors);
    const moved = Math.max(...trunkVars.map((v, i) => maxAbsDiff(v, before[i]!)));
    expect(moved).toBeGreaterThan(1e-3);
    expect(history.epochs[4]!.loss).toBeLessThan(history.epochs[0]!.loss);
    tf.dispose([xs, data, ...before]);
  });
});

describe('MixtureOfFlows with a shared trunk: config', () => {
  it('K = 1 with a trunk is a single flow: logProb is the component density', () => {
    const m = new MixtureOfFlows({
      components: [realNVP({ dim: 2, numTransforms: 1, hiddenFeatures: 8, numBlocks: 1, seed: 1 })],
      trunk: couplingTrunk(5),
    });
    owned.push(m);
    perturb(m, 50);
    const xs = x();
    const [logp, component] = [m.logProb(xs), m.componentLogProbs(xs)];
    expect(maxAbsDiff(logp, tf.squeeze(component, [1]))).toBeLessThan(1e-6);
    tf.dispose([xs, logp, component]);
  });

  it('rejects a trunk of another dim, a conditional trunk and a non-bijector with ConfigErrors', () => {
    const make = (trunk: Bijector) => {
      const components: Distribution[] = [new DiagonalNormal({ dim: 2 }), new DiagonalNormal({ dim: 2 })];
      owned.push(trunk, ...components);
      return () => new MixtureOfFlows({ components, trunk });
    };
    expect(make(new Affine({ dim: 3 }))).toThrow(ConfigError);
    expect(make(new Affine({ dim: 3 }))).toThrow(/trunk\.dim: expected 2 \(components\[0\]\.dim\), got 3/);
    expect(make(new AffineCoupling({ dim: 2, contextDim: 1 }))).toThrow(
      /trunk\.contextDim: expected 0 \(an unconditional trunk\), got 1/,
    );
    expect(make(new DiagonalNormal({ dim: 2 }) as unknown as Bijector)).toThrow(
      /trunk: expected a bijector, got kind 'distribution'/,
    );
    const registry = createRegistry();
    registerMixtures(registry);
    const component = { kind: 'distribution', type: 'diagonal-normal', config: { dim: 2 } };
    const before = tf.memory().numTensors;
    expect(() =>
      registry.create({
        kind: 'model',
        type: 'mixture-of-flows',
        config: { components: [component], trunk: { kind: 'bijector', type: 'affine', config: { dim: 3 } } },
      }),
    ).toThrow(/trunk\.dim: expected 2/);
    // The components and the trunk built before the error are disposed.
    expect(tf.memory().numTensors).toBe(before);
    expect(() =>
      registry.create({
        kind: 'model',
        type: 'mixture-of-flows',
        config: { components: [component], trunk: component },
      }),
    ).toThrow(ConfigError);
  });

  it('saves and loads with the trunk: same densities, posterior and config', async () => {
    const registry = createRegistry();
    registerMixtures(registry);
    const m = sharedMixture(3, 4);
    const xs = x();
    const loaded = fromArtifacts<MixtureOfFlows>(await toArtifacts(m), registry);
    owned.push(loaded);
    expect(loaded.trunk).toBeDefined();
    expect(loaded.getConfig()).toEqual(m.getConfig());
    expect(loaded.getConfig().trunk).toEqual(specOf(m.trunk!));
    for (const method of ['logProb', 'posterior', 'elbo', 'componentLogProbs'] as const) {
      const [a, b] = [m[method](xs), loaded[method](xs)];
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
      tf.dispose([a, b]);
    }
    const [a, b] = [m.sample(20, { seed: 3 }).x, loaded.sample(20, { seed: 3 }).x];
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    tf.dispose([a, b, xs]);
  });

  it('leaves no tensor behind in any public method', () => {
    const m = sharedMixture(2, 1);
    const xs = x();
    const before = tf.memory().numTensors;
    tf.dispose([
      m.logProb(xs),
      m.elbo(xs),
      m.posterior(xs),
      m.responsibilities(xs),
      m.componentLogProbs(xs),
      m.predict(xs, { exact: true }),
      m.loss({ x: xs }),
      m.supervisedLoss(xs, [0, 1, 1, 0, 1]),
      m.sample(10, { seed: 0 }).x,
      m.sample(10, { seed: 0, component: 1 }).x,
    ]);
    expect(tf.memory().numTensors).toBe(before);
    xs.dispose();
  });
});
