import { AffineCoupling, Chain, type MaskedAutoregressive, Permutation } from '@diffeo/bijectors';
import { ConfigError, create, load, NonFiniteError, ShapeError, type Spec, save, specOf } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { flowsForFlowsNSF, maf, mafSpec, nsf, nsfSpec, realNVP } from './architectures.js';
import { Flow } from './flow.js';
import { StandardNormal } from './normal.js';

function perturb(flow: Flow, seed: number): void {
  // Move every weight off its (identity) initialisation so the checks below mean something.
  flow.namedVariables().forEach(({ variable }, i) => {
    if (!variable.trainable) return;
    variable.assign(tf.add(variable, tf.randomNormal(variable.shape, 0, 0.1, 'float32', seed + i)));
  });
}

const x = () =>
  tf.tensor2d([
    [0.3, -1.2],
    [2.5, 0.1],
    [-5, 4.5],
    [0, 0],
  ]);

describe('Flow', () => {
  it('log-density = base log-density of the latent + inverse log-det', () => {
    const bijector = new Chain([new AffineCoupling({ dim: 2, seed: 1 }), new Permutation({ dim: 2 })]);
    const flow = new Flow(new StandardNormal({ dim: 2 }), bijector);
    perturb(flow, 1);
    const data = x();
    const { y: u, logDet } = bijector.inverse(data);
    const expected = tf.add(new StandardNormal({ dim: 2 }).logProb(u), logDet);
    const got = flow.logProb(data);
    expect(Array.from(got.dataSync())).toEqual(Array.from(expected.dataSync()));
    const latent = flow.transformToLatent(data);
    expect(Array.from(latent.dataSync())).toEqual(Array.from(u.dataSync()));
    tf.dispose([data, u, logDet, expected, got, latent]);
    flow.dispose();
  });

  it('rejects mismatched parts with ConfigError', () => {
    expect(() => new Flow(new StandardNormal({ dim: 3 }), new Permutation({ dim: 2 }))).toThrow(ConfigError);
    expect(
      () =>
        new Flow(new StandardNormal({ dim: 2 }), new AffineCoupling({ dim: 2, contextDim: 3 }), {
          contextDim: 1,
        }),
    ).toThrow(/bijector.contextDim: expected 0 or 1/);
  });

  const architectures = {
    realNVP: () => realNVP({ dim: 2, numTransforms: 3, hiddenFeatures: 16, seed: 2 }),
    maf: () => maf({ dim: 2, numTransforms: 3, hiddenFeatures: 16, seed: 2 }),
    'nsf autoregressive': () => nsf({ dim: 2, numTransforms: 2, hiddenFeatures: 16, seed: 2 }),
    'nsf coupling': () => nsf({ dim: 2, kind: 'coupling', numTransforms: 2, hiddenFeatures: 16, seed: 2 }),
    'flows-for-flows preset': () => flowsForFlowsNSF({ dim: 2, seed: 2 }),
  };

  for (const [name, build] of Object.entries(architectures)) {
    describe(name, () => {
      it('samples with log-densities that logProb agrees with, without leaks', () => {
        const flow = build();
        perturb(flow, 3);
        flow.logProb(x()).dispose(); // warm up
        const before = tf.memory().numTensors;
        const { x: s, logProb } = flow.sampleAndLogProb(64, { seed: 4 });
        const again = flow.logProb(s);
        const [diff, finite] = tf.tidy(() => [
          tf.max(tf.abs(tf.sub(logProb, again))).dataSync()[0]!,
          tf.all(tf.isFinite(again)).dataSync()[0],
        ]);
        expect(diff).toBeLessThan(1e-3);
        expect(finite).toBe(1);
        tf.dispose([s, logProb, again]);
        expect(tf.memory().numTensors).toBe(before);
        flow.dispose();
      });

      it('saves and loads with identical log-densities', async () => {
        const flow = build();
        perturb(flow, 5);
        let stored: tf.io.ModelArtifacts | undefined;
        await save(
          flow,
          tf.io.withSaveHandler(async (a) => {
            stored = a;
            return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
          }),
        );
        const loaded = await load<Flow>(tf.io.fromMemory(stored!));
        const data = x();
        expect(Array.from(loaded.logProb(data).dataSync())).toEqual(
          Array.from(flow.logProb(data).dataSync()),
        );
        expect(loaded.namedVariables().map((v) => v.name)).toEqual(flow.namedVariables().map((v) => v.name));
        data.dispose();
        flow.dispose();
        loaded.dispose();
      });
    });
  }

  it('rejects bad input with typed errors', () => {
    const flow = realNVP({ dim: 2, numTransforms: 2, hiddenFeatures: 8 });
    expect(() => flow.logProb(tf.zeros([3, 3]) as tf.Tensor2D)).toThrow(ShapeError);
    expect(() => flow.logProb(tf.tensor2d([[Number.NaN, 1]]))).toThrow(NonFiniteError);
    expect(() => flow.logProb(tf.zeros([2, 2]) as tf.Tensor2D, tf.zeros([2, 1]) as tf.Tensor2D)).toThrow(
      /unconditional/,
    );
    expect(() => flow.sample(-1)).toThrow(ShapeError);
    expect(() => flow.sample(2, { rng: 3 } as never)).toThrow(
      "flow.sample options.rng: unknown option 'rng' (did you mean 'seed'?)",
    );
    expect(() => flow.sample(2, undefined, 42 as never)).toThrow(/expected sample\(n, \{ context, seed \}\)/);
    expect(() => flow.sampleAndLogProb(2, tf.zeros([1, 1]) as never)).toThrow(ConfigError);
    flow.dispose();
  });

  it('passes hiddenDegrees to every MADE of maf and nsf, and leaves it out of a spec that does not name it', () => {
    type LayerSpec = { type: string; config: { hiddenDegrees?: string } };
    const layersOf = (spec: Spec) =>
      (spec.config as { bijector: { config: { bijectors: LayerSpec[] } } }).bijector.config.bijectors.filter(
        (b) => b.type !== 'permutation',
      );
    const options = { dim: 12, numTransforms: 2, hiddenFeatures: 30 };
    for (const [spec, build] of [
      [mafSpec, maf],
      [nsfSpec, nsf],
    ] as const) {
      expect(
        layersOf(spec({ ...options, hiddenDegrees: 'sorted' })).map((l) => l.config.hiddenDegrees),
      ).toEqual(['sorted', 'sorted']);
      expect(layersOf(spec(options)).every((l) => !('hiddenDegrees' in l.config))).toBe(true);
      // Built as asked: the first MADE's hidden degrees are nflows's sequential ones, ascending.
      const flow = build({ ...options, hiddenDegrees: 'sorted' });
      const first = (flow.bijector as Chain).bijectors[0] as MaskedAutoregressive;
      const sequential = Array.from({ length: 30 }, (_, j) => (j % 11) + 1);
      expect(Array.from(first.made.degrees.hidden[0]!)).toEqual([...sequential].sort((p, q) => p - q));
      flow.dispose();
    }
  });

  it("checks the builders' options and names the right one for a misspelt or renamed option", () => {
    const before = tf.memory().numTensors;
    expect(() => nsf({ dim: 2, numLayer: 2 } as never)).toThrow(
      "nsf options.numLayer: unknown option 'numLayer' (did you mean 'numTransforms'?)",
    );
    expect(() => nsf({ dim: 2, hiddenFeature: 8 } as never)).toThrow(/did you mean 'hiddenFeatures'\?/);
    expect(() => nsf({ dim: 2, kind: 'couplng' } as never)).toThrow(/nsf options\.kind: /);
    expect(() => realNVP({ dim: 2, numLayers: 2 } as never)).toThrow(
      "realNVP options.numLayers: unknown option 'numLayers' (did you mean 'numTransforms'?)",
    );
    expect(() => maf({ dim: 2, seed: 1.5 })).toThrow(/maf options\.seed/);
    expect(() => flowsForFlowsNSF({ dim: 2, numBins: 4 } as never)).toThrow(
      /flowsForFlowsNSF options\.numBins: unknown option/,
    );
    expect(() => nsf({ dim: 2, contextDim: 1, embedding: { features: 4 } } as never)).toThrow(
      /embedding\.features: unknown option 'features' \(did you mean 'outFeatures'\?\)/,
    );
    expect(() => nsf({ dim: 2, kind: 'coupling', hiddenDegrees: 'sorted' })).toThrow(
      /hiddenDegrees is an option of kind 'autoregressive'/,
    );
    expect(() => maf({ dim: 2, hiddenDegrees: 'ordered' } as never)).toThrow(/maf options\.hiddenDegrees/);
    const base = new StandardNormal({ dim: 2 });
    const layer = new AffineCoupling({ dim: 2 });
    expect(() => new Flow(base, layer, { contextDim: 1, embeding: { outFeatures: 2 } } as never)).toThrow(
      "flow options.embeding: unknown option 'embeding' (did you mean 'embedding'?)",
    );
    base.dispose();
    layer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('conditional Flow', () => {
  it('routes the (embedded) context to the conditional layers and broadcasts a sampling context', () => {
    const flow = nsf({
      dim: 2,
      contextDim: 3,
      numTransforms: 2,
      hiddenFeatures: 16,
      embedding: { outFeatures: 4, hiddenFeatures: 8 },
      seed: 1,
    });
    perturb(flow, 9);
    const c = tf.tensor2d([[0.1, 0.5, -1]]);
    const s = flow.sample(10, { context: c, seed: 1 });
    expect(s.shape).toEqual([10, 2]);
    const manyC = tf.tile(c, [10, 1]) as tf.Tensor2D;
    const lp = flow.logProb(s, manyC);
    const other = flow.logProb(s, tf.tile(tf.tensor2d([[2, -1, 0]]), [10, 1]) as tf.Tensor2D);
    // the context changes the density
    expect(tf.max(tf.abs(tf.sub(lp, other))).dataSync()[0]).toBeGreaterThan(1e-3);
    expect(() => flow.logProb(s)).toThrow(/expected a context of shape \[10, 3\], got none/);
    expect(() => flow.logProb(s, tf.zeros([10, 2]) as tf.Tensor2D)).toThrow(/expected shape \[batch, 3\]/);
    expect(() => flow.sample(5, { context: tf.zeros([2, 3]) as tf.Tensor2D })).toThrow(
      /expected 1 or 5 rows/,
    );
    expect(flow.namedVariables().some((v) => v.name.startsWith('embedding.'))).toBe(true);
    tf.dispose([c, s, manyC, lp, other]);
    flow.dispose();
  });

  it('round-trips its config through the registry to an identical flow', () => {
    const flow = maf({ dim: 2, contextDim: 1, numTransforms: 2, hiddenFeatures: 8, seed: 3 });
    const again = create<Flow>(specOf(flow));
    expect(again.getConfig()).toEqual(flow.getConfig());
    const shapes = (f: Flow) => f.namedVariables().map((v) => [v.name, v.variable.shape]);
    expect(shapes(again)).toEqual(shapes(flow));
    const data = x();
    const c = tf.tensor2d([[0.2], [0.4], [0.6], [0.8]]);
    // same config, same seeds: the same initial weights
    expect(Array.from(again.logProb(data, c).dataSync())).toEqual(
      Array.from(flow.logProb(data, c).dataSync()),
    );
    tf.dispose([data, c]);
    flow.dispose();
    again.dispose();
  });
});
