import { ConfigError, createRegistry, fromArtifacts, ShapeError, toArtifacts } from '@diffeo/core';
import { DiagonalNormal, realNVP } from '@diffeo/distributions';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { mixtureElbo } from './elbo.js';
import { MixtureOfFlows } from './mixture.js';
import { registerMixtures } from './plugins.js';

const owned: { dispose(): void }[] = [];
afterEach(() => {
  for (const o of owned.splice(0)) o.dispose();
});

/** Two diagonal Gaussians with known parameters: the mixture density can be written by hand. */
function gaussianMixture(prior: 'uniform' | 'learned' | 'estimated' = 'uniform'): MixtureOfFlows {
  const m = new MixtureOfFlows({
    components: [
      new DiagonalNormal({ dim: 2, mean: [-1, 0], logScale: [0, 0] }),
      new DiagonalNormal({ dim: 2, mean: [2, 1], logScale: [Math.log(0.5), 0] }),
    ],
    posterior: { hiddenFeatures: 8, seed: 3 },
    prior,
  });
  owned.push(m);
  return m;
}

function logNormal(x: number[], mean: number[], scale: number[]): number {
  return x.reduce((s, v, i) => {
    const z = (v - mean[i]!) / scale[i]!;
    return s - 0.5 * z * z - Math.log(scale[i]!) - 0.5 * Math.log(2 * Math.PI);
  }, 0);
}

const points = [
  [0, 0],
  [2, 1],
  [-3, 0.5],
  [1, -1],
];

describe('MixtureOfFlows densities', () => {
  it('logProb is the exact mixture density log Σ p(z) p(x|z), and responsibilities are p(z|x)', () => {
    const m = gaussianMixture();
    const x = tf.tensor2d(points);
    const logp = m.logProb(x).arraySync();
    const resp = m.responsibilities(x).arraySync();
    points.forEach((p, i) => {
      const a = Math.log(0.5) + logNormal(p, [-1, 0], [1, 1]);
      const b = Math.log(0.5) + logNormal(p, [2, 1], [0.5, 1]);
      const total = Math.log(Math.exp(a) + Math.exp(b));
      expect(logp[i]).toBeCloseTo(total, 4);
      expect(resp[i]![0]).toBeCloseTo(Math.exp(a - total), 5);
      expect(resp[i]![1]).toBeCloseTo(Math.exp(b - total), 5);
    });
    x.dispose();
  });

  it('the ELBO equals the exact log-likelihood when q is the exact posterior, and is below it otherwise', () => {
    const m = gaussianMixture();
    const x = tf.tensor2d(points);
    const [logp, exactElbo, netElbo] = tf.tidy(() => {
      const logPxz = m.componentLogProbs(x);
      const logPz = m.logPrior();
      const logExactQ = tf.log(m.responsibilities(x)) as tf.Tensor2D;
      return [m.logProb(x), mixtureElbo(logPxz, logPz, logExactQ), m.elbo(x)].map(
        (t) => t.arraySync() as number[],
      );
    });
    for (let i = 0; i < points.length; i++) {
      expect(exactElbo![i]).toBeCloseTo(logp![i]!, 4);
      // The network's q is not the posterior: a strict gap (its KL divergence).
      expect(netElbo![i]).toBeLessThan(logp![i]! - 1e-4);
    }
    x.dispose();
  });

  it('the posterior divides the logits by the temperature', () => {
    const m = gaussianMixture();
    const x = tf.tensor2d(points);
    const logits = m.network.apply(x);
    m.setTemperature(4);
    const q = m.posterior(x);
    const expected = tf.softmax(tf.div(logits, 4));
    expect(q.arraySync()).toEqual(expect.anything());
    const diff = tf.max(tf.abs(tf.sub(q, expected))).dataSync()[0]!;
    expect(diff).toBeLessThan(1e-6);
    expect(m.predict(x).arraySync()).toEqual(tf.argMax(logits, 1).arraySync() as number[]);
    tf.dispose([x, logits, q, expected]);
  });

  it('supervisedLoss is -mean(log p(x|y) + log p(y) + log q(y|x))', () => {
    const m = gaussianMixture();
    const x = tf.tensor2d(points);
    const labels = [0, 1, 0, 1];
    const loss = m.supervisedLoss(x, labels).dataSync()[0]!;
    const logPxz = m.componentLogProbs(x).arraySync();
    const logQ = m.logPosterior(x).arraySync();
    const expected = -labels.reduce((s, y, i) => s + logPxz[i]![y]! + Math.log(0.5) + logQ[i]![y]!, 0) / 4;
    expect(loss).toBeCloseTo(expected, 4);
    x.dispose();
  });

  it('a learned or estimated prior starts uniform; re-estimation sets p(z) to the mean of q(z|x)', () => {
    const m = gaussianMixture('estimated');
    const x = tf.tensor2d(points);
    expect(Array.from(tf.exp(m.logPrior()).dataSync())).toEqual([0.5, 0.5].map((v) => expect.closeTo(v, 6)));
    const meanQ = tf.mean(m.posterior(x), 0).arraySync() as number[];
    m.reestimatePrior(x, 3);
    const prior = Array.from(tf.exp(m.logPrior()).dataSync());
    for (const [k, v] of meanQ.entries()) expect(prior[k]).toBeCloseTo(v, 5);
    expect(() => gaussianMixture('uniform').reestimatePrior(x)).toThrow(ConfigError);
    const learned = gaussianMixture('learned');
    expect(learned.namedVariables().find((v) => v.name === 'prior.logits')?.variable.trainable).toBe(true);
    x.dispose();
  });
});

describe('MixtureOfFlows sampling', () => {
  it('draws components from the prior, is reproducible by seed, and samples one component on request', () => {
    const m = gaussianMixture();
    const a = m.sample(2000, { seed: 5 });
    const b = m.sample(2000, { seed: 5 });
    expect(Array.from(a.components)).toEqual(Array.from(b.components));
    expect(tf.max(tf.abs(tf.sub(a.x, b.x))).dataSync()[0]).toBe(0);
    const ones = a.components.reduce((s, c) => s + c, 0);
    expect(ones / 2000).toBeGreaterThan(0.45);
    expect(ones / 2000).toBeLessThan(0.55);
    // The rows of component 1 have its mean (2, 1).
    const xs = a.x.arraySync();
    const mean1 = [0, 1].map(
      (j) => xs.filter((_, i) => a.components[i] === 1).reduce((s, r) => s + r[j]!, 0) / ones,
    );
    expect(mean1[0]).toBeCloseTo(2, 1);
    expect(mean1[1]).toBeCloseTo(1, 1);
    const only = m.sample(50, { seed: 1, component: 0 });
    expect(Array.from(only.components)).toEqual(new Array(50).fill(0));
    expect(() => m.sample(5, { component: 2 })).toThrow(/component: expected an integer in \[0, 2\), got 2/);
    tf.dispose([a.x, b.x, only.x]);
  });
});

describe('MixtureOfFlows errors', () => {
  it('rejects K < 1, mismatched dims, conditional components and bad temperatures', () => {
    expect(() => new MixtureOfFlows({ components: [] })).toThrow(ConfigError);
    expect(() => new MixtureOfFlows({ components: [] })).toThrow(/K >= 1/);
    const a = new DiagonalNormal({ dim: 2 });
    const b = new DiagonalNormal({ dim: 3 });
    owned.push(a, b);
    expect(() => new MixtureOfFlows({ components: [a, b] })).toThrow(
      /components\[1\]\.dim: expected 2 \(components\[0\]\.dim\), got 3/,
    );
    expect(() => new MixtureOfFlows({ components: [a], temperature: 0 })).toThrow(
      /temperature: expected a finite temperature > 0, got 0/,
    );
    const m = gaussianMixture();
    for (const t of [-1, 0, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => m.setTemperature(t)).toThrow(ConfigError);
    expect(() => new MixtureOfFlows({ components: [a], posterior: { hiddenFeatures: 0 } })).toThrow(
      /posterior\.hiddenFeatures/,
    );
    expect(() => new MixtureOfFlows({ components: [a], prior: 'flat' as 'uniform' })).toThrow(
      /prior: expected/,
    );
  });

  it('rejects labels out of range, wrong shapes and non-finite data with typed errors', () => {
    const m = gaussianMixture();
    const x = tf.tensor2d(points);
    expect(() => m.supervisedLoss(x, [0, 1, 2, 0])).toThrow(
      /labels\[2\]: expected an integer in \[0, 2\), got 2/,
    );
    expect(() => m.supervisedLoss(x, [0, 1, -1, 0])).toThrow(ShapeError);
    expect(() => m.supervisedLoss(x, [0, 1])).toThrow(/expected 4 labels/);
    const wrong = tf.zeros([3, 3]) as tf.Tensor2D;
    expect(() => m.logProb(wrong)).toThrow(
      /mixture-of-flows.logProb: x: expected shape \[batch, 2\], got \[3, 3\]/,
    );
    const nan = tf.tensor2d([[0, Number.NaN]]);
    expect(() => m.posterior(nan)).toThrow(/expected finite values/);
    expect(() => m.loss({ x, context: x })).toThrow(ShapeError);
    tf.dispose([x, wrong, nan]);
  });

  it('the plugin refuses an empty component list with a ConfigError', () => {
    const registry = createRegistry();
    registerMixtures(registry);
    expect(() =>
      registry.create({ kind: 'model', type: 'mixture-of-flows', config: { components: [] } }),
    ).toThrow(ConfigError);
    expect(() =>
      registry.create({ kind: 'model', type: 'mixture-of-flows', config: { components: [] } }),
    ).toThrow(/components: expected at least one component/);
  });
});

describe('MixtureOfFlows as a plugin', () => {
  it('is built from a spec, and saves and loads with the same densities, posterior and temperature', async () => {
    const registry = createRegistry();
    registerMixtures(registry);
    const m = new MixtureOfFlows({
      components: [0, 1, 2].map((k) =>
        realNVP({ dim: 2, numTransforms: 2, hiddenFeatures: 8, numBlocks: 1, seed: 10 * k }),
      ),
      posterior: { hiddenFeatures: 8, seed: 1 },
      prior: 'learned',
      temperature: 2,
    });
    owned.push(m);
    // Move the weights away from their initial values so the load must restore them.
    for (const { variable } of m.namedVariables())
      variable.assign(tf.add(variable, tf.mul(tf.randomNormal(variable.shape, 0, 0.05, 'float32', 1), 1)));
    const x = tf.tensor2d(points);
    const artifacts = await toArtifacts(m);
    const loaded = fromArtifacts<MixtureOfFlows>(artifacts, registry);
    owned.push(loaded);
    expect(loaded.numComponents).toBe(3);
    expect(loaded.temperature).toBe(2);
    expect(loaded.prior).toBe('learned');
    for (const method of ['logProb', 'posterior', 'elbo'] as const) {
      const d = tf.max(tf.abs(tf.sub(m[method](x), loaded[method](x)))).dataSync()[0]!;
      expect(d).toBeLessThan(1e-5);
    }
    const rebuilt = registry.create<MixtureOfFlows>({
      kind: 'model',
      type: 'mixture-of-flows',
      config: m.getConfig(),
    });
    owned.push(rebuilt);
    expect(rebuilt.getConfig()).toEqual(m.getConfig());
    x.dispose();
  });
});

describe('MixtureOfFlows memory', () => {
  it('leaves no tensor behind in any public method', () => {
    const m = gaussianMixture('estimated');
    const x = tf.tensor2d(points);
    const before = tf.memory().numTensors;
    tf.dispose([
      m.logProb(x),
      m.elbo(x),
      m.posterior(x),
      m.logPosterior(x),
      m.responsibilities(x),
      m.componentLogProbs(x),
      m.predict(x),
      m.predict(x, { exact: true }),
      m.logPrior(),
      m.loss({ x }),
      m.supervisedLoss(x, [0, 1, 1, 0]),
      m.sample(10, { seed: 0 }).x,
    ]);
    m.reestimatePrior(x);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
