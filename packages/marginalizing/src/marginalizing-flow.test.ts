import {
  ConfigError,
  createRegistry,
  createRng,
  defaultRegistry,
  fit,
  load,
  NonFiniteError,
  randomNormal,
  ShapeError,
  save,
} from '@diffeo/core';
import type { Flow } from '@diffeo/distributions';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { rBlockFlowSpec } from './architecture.js';
import { MarginalizingFlow } from './marginalizing-flow.js';
import './index.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

const rows = (n: number, dim: number, seed: number) => randomNormal([n, dim], createRng(seed)) as tf.Tensor2D;

/** Moves every weight off its (identity) initialisation, so that p(x, ε) is not N(x) N(ε). */
function perturb(model: MarginalizingFlow, seed: number, scale = 0.3): void {
  const rng = createRng(seed);
  for (const { variable } of model.namedVariables()) {
    if (!variable.trainable) continue;
    tf.tidy(() => variable.assign(tf.mul(randomNormal(variable.shape, rng), scale)));
  }
}

const small = { numBlocks: 2, hiddenFeatures: 16, hiddenLayers: 1 };

describe('MarginalizingFlow', () => {
  it('with B = 0 is the plain flow, to the bit (log-likelihood and loss)', () => {
    const flow = defaultRegistry.create<Flow>(rBlockFlowSpec({ dim: 3, ...small, seed: 4 }));
    const model = new MarginalizingFlow({ dim: 3, auxDims: 0, flow });
    perturb(model, 1);
    const x = rows(50, 3, 2);
    const expected = tf.tidy(() => flow.logProb(x).dataSync());
    const estimate = model.estimateLogProb(x, { samples: 7, chunkSize: 16, seed: 0 });
    expect(Array.from(estimate.logProb)).toEqual(Array.from(expected));
    expect(Array.from(estimate.standardError)).toEqual(new Array(50).fill(0));
    expect(estimate.samples).toBe(1);
    const loss = tf.tidy(() => model.loss({ x }).dataSync()[0]!);
    const nll = tf.tidy(() => tf.neg(tf.mean(flow.logProb(x))).dataSync()[0]!);
    expect(loss).toBe(nll);
    tf.dispose(x);
    model.dispose();
  });

  it('gives the exact N(x) when the flow is the identity, for any S (all weights equal)', () => {
    const model = new MarginalizingFlow({ dim: 2, auxDims: 3, architecture: small, seed: 0 });
    const x = rows(20, 2, 3);
    const values = x.dataSync();
    const estimate = model.estimateLogProb(x, { samples: 13, seed: 5 });
    for (let i = 0; i < 20; i++) {
      const truth = -0.5 * (values[2 * i]! ** 2 + values[2 * i + 1]! ** 2) - 2 * HALF_LOG_2PI;
      expect(estimate.logProb[i]).toBeCloseTo(truth, 4);
      expect(estimate.standardError[i]).toBeLessThan(1e-5);
    }
    tf.dispose(x);
    model.dispose();
  });

  it('gives the same numbers chunked and unchunked for the same ε', () => {
    const model = new MarginalizingFlow({ dim: 2, auxDims: 2, architecture: small, seed: 1 });
    perturb(model, 2);
    const x = rows(30, 2, 4);
    const whole = model.estimateLogProb(x, { samples: 40, seed: 9, chunkSize: 100_000 });
    for (const chunkSize of [100, 40, 7]) {
      const chunked = model.estimateLogProb(x, { samples: 40, seed: 9, chunkSize });
      for (let i = 0; i < 30; i++) {
        expect(chunked.logProb[i]).toBeCloseTo(whole.logProb[i]!, 5);
        expect(chunked.standardError[i]).toBeCloseTo(whole.standardError[i]!, 5);
      }
    }
    // Another seed, other ε: a different estimate.
    const other = model.estimateLogProb(x, { samples: 40, seed: 10 });
    expect(other.logProb[0]).not.toBeCloseTo(whole.logProb[0]!, 5);
    tf.dispose(x);
    model.dispose();
  });

  it('has a standard error that shrinks like 1/sqrt(S) and matches the spread over seeds', () => {
    const model = new MarginalizingFlow({ dim: 2, auxDims: 2, architecture: small, seed: 2 });
    // Light-tailed importance weights: far from the identity (scale 0.3 and up) the weights become
    // heavy-tailed, and no sample-variance error estimate is reliable at small S.
    perturb(model, 3, 0.1);
    const x = rows(40, 2, 5);
    const meanError = (samples: number) => {
      const e = model.estimateLogProb(x, { samples, seed: samples });
      return e.standardError.reduce((s, v) => s + v, 0) / e.standardError.length;
    };
    const [e25, e100, e400] = [meanError(25), meanError(100), meanError(400)];
    expect(e25).toBeGreaterThan(0.02); // the weights do vary
    // sqrt(4) = 2 per step; the error estimate itself is noisy at S = 25.
    expect(e25 / e100).toBeGreaterThan(1.6);
    expect(e25 / e100).toBeLessThan(2.5);
    expect(e100 / e400).toBeGreaterThan(1.6);
    expect(e100 / e400).toBeLessThan(2.5);
    // The reported error is the real one: the spread of estimates over 24 independent ε draws.
    const draws = Array.from({ length: 24 }, (_, s) =>
      model.estimateLogProb(x, { samples: 100, seed: 100 + s }),
    );
    let ratio = 0;
    for (let i = 0; i < 40; i++) {
      const v = draws.map((d) => d.logProb[i]!);
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
      ratio += sd / draws[0]!.standardError[i]! / 40;
    }
    expect(ratio).toBeGreaterThan(0.7);
    expect(ratio).toBeLessThan(1.4);
    tf.dispose(x);
    model.dispose();
  });

  it('the importance-weighted loss is a tighter bound than the joint one', () => {
    const joint = new MarginalizingFlow({
      dim: 2,
      auxDims: 2,
      architecture: small,
      trainSamples: 32,
      seed: 3,
    });
    const iw = new MarginalizingFlow({
      dim: 2,
      auxDims: 2,
      architecture: small,
      trainSamples: 32,
      objective: 'importance',
      seed: 3,
    });
    perturb(joint, 4, 0.4);
    perturb(iw, 4, 0.4);
    const x = rows(200, 2, 6);
    const lossOf = (m: MarginalizingFlow) => tf.tidy(() => m.loss({ x }).dataSync()[0]!);
    const [lj, li] = [lossOf(joint), lossOf(iw)];
    const marginal = -iw.estimateLogProb(x, { samples: 500, seed: 1 }).mean;
    expect(li).toBeLessThan(lj - 0.01);
    expect(li).toBeGreaterThan(marginal - 0.02);
    tf.dispose(x);
    joint.dispose();
    iw.dispose();
  });

  it('trains with both objectives through fit, leaving no tensor behind', async () => {
    for (const objective of ['joint', 'importance'] as const) {
      const model = new MarginalizingFlow({
        dim: 2,
        auxDims: 1,
        architecture: small,
        objective,
        trainSamples: 4,
        seed: 5,
      });
      const x = tf.tidy(() => tf.square(rows(64, 2, 7)) as tf.Tensor2D);
      const before = tf.memory().numTensors;
      const history = await fit(model, x, { steps: 3, batchSize: 32, learningRate: 1e-3, seed: 0 });
      expect(history.stopReason).toBe('completed');
      expect(history.stepLosses.every(Number.isFinite)).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(x);
      model.dispose();
    }
  });

  it('samples D columns, or D + B on request, seeded', () => {
    const model = new MarginalizingFlow({ dim: 2, auxDims: 3, architecture: small, seed: 6 });
    perturb(model, 5);
    const before = tf.memory().numTensors;
    const a = model.sample(10, { seed: 1 });
    const b = model.sample(10, { seed: 1 });
    const full = model.sample(10, { seed: 1, auxiliary: true });
    expect(a.shape).toEqual([10, 2]);
    expect(full.shape).toEqual([10, 5]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    const fullValues = full.dataSync();
    expect(Array.from(a.dataSync())).toEqual(
      Array.from({ length: 20 }, (_, k) => fullValues[Math.floor(k / 2) * 5 + (k % 2)]),
    );
    tf.dispose([a, b, full]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('leaves no tensor behind in estimateLogProb, logProb and loss', () => {
    const model = new MarginalizingFlow({ dim: 2, auxDims: 2, architecture: small, seed: 7 });
    const x = rows(25, 2, 8);
    const before = tf.memory().numTensors;
    model.estimateLogProb(x, { samples: 9, chunkSize: 20, seed: 0 });
    const lp = model.logProb(x, { samples: 9, seed: 0 });
    expect(lp.shape).toEqual([25]);
    const loss = model.loss({ x });
    tf.dispose([lp, loss]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    model.dispose();
  });

  it('saves and loads as a model plugin, and its config round-trips', async () => {
    const model = new MarginalizingFlow({ dim: 2, auxDims: 2, architecture: small, seed: 8 });
    perturb(model, 6);
    let stored: tf.io.ModelArtifacts | undefined;
    await save(
      model,
      tf.io.withSaveHandler(async (artifacts) => {
        stored = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const registry = createRegistry(defaultRegistry);
    const loaded = await load<MarginalizingFlow>(tf.io.fromMemory(stored!), registry);
    expect(loaded).toBeInstanceOf(MarginalizingFlow);
    expect(loaded.getConfig()).toEqual(model.getConfig());
    const x = rows(10, 2, 9);
    expect(Array.from(loaded.estimateLogProb(x, { samples: 5, seed: 1 }).logProb)).toEqual(
      Array.from(model.estimateLogProb(x, { samples: 5, seed: 1 }).logProb),
    );
    const rebuilt = defaultRegistry.create<MarginalizingFlow>({
      kind: 'model',
      type: 'marginalizing-flow',
      config: model.getConfig(),
    });
    expect(rebuilt.getConfig()).toEqual(model.getConfig());
    tf.dispose(x);
    [model, loaded, rebuilt].forEach((m) => {
      m.dispose();
    });
  });

  it('fails with typed errors on bad D, B, flows, S, shapes and data', () => {
    expect(() => new MarginalizingFlow({ dim: 0, auxDims: 1 })).toThrow(ConfigError);
    expect(() => new MarginalizingFlow({ dim: 2, auxDims: -1 })).toThrow(/auxDims/);
    expect(() => new MarginalizingFlow({ dim: 2, auxDims: 1.5 })).toThrow(ConfigError);
    expect(() => new MarginalizingFlow({ dim: 1, auxDims: 0 })).toThrow(/dim: expected an integer >= 2/);
    expect(() => new MarginalizingFlow({ dim: 2, auxDims: 1, trainsamples: 3 } as never)).toThrow(
      ConfigError,
    );
    const flow = defaultRegistry.create<Flow>(rBlockFlowSpec({ dim: 3, ...small }));
    expect(() => new MarginalizingFlow({ dim: 2, auxDims: 2, flow })).toThrow(
      /flow.dim: expected dim \+ auxDims = 2 \+ 2 = 4, got 3/,
    );
    expect(() => new MarginalizingFlow({ dim: 2, auxDims: 1, flow, architecture: small })).toThrow(
      ConfigError,
    );
    flow.dispose();
    const model = new MarginalizingFlow({ dim: 2, auxDims: 1, architecture: small });
    const good = rows(4, 2, 0);
    const wide = rows(4, 3, 0);
    const nan = tf.tensor2d([0, 1, Number.NaN, 2], [2, 2]);
    const empty = tf.zeros([0, 2]) as tf.Tensor2D;
    expect(() => model.estimateLogProb(wide)).toThrow(ShapeError);
    expect(() => model.estimateLogProb(wide)).toThrow(/expected shape \[batch, 2\], got \[4, 3\]/);
    expect(() => model.estimateLogProb(nan)).toThrow(NonFiniteError);
    expect(() => model.estimateLogProb(empty)).toThrow(ShapeError);
    expect(() => model.estimateLogProb(good, { samples: 0 })).toThrow(
      /samples: expected a positive integer, got 0/,
    );
    expect(() => model.estimateLogProb(good, { chunkSize: 2.5 })).toThrow(ConfigError);
    expect(() => model.loss({ x: wide })).toThrow(ShapeError);
    expect(() => model.sample(0)).toThrow(ConfigError);
    tf.dispose([good, wide, nan, empty]);
    model.dispose();
  });
});
