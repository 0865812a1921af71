import { ConfigError, createRng, ShapeError } from '@diffeo/core';
import { AffineMask } from '@diffeo/core/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { MADE, type MADEConfig } from './made.js';

/** Makes every weight of `made` a non-trivial random value, so that no dependency hides behind a zero. */
function randomize(made: MADE, seed: number): void {
  const rng = createRng(seed);
  for (const { variable } of made.namedVariables()) {
    const noise = tf.tensor(rng.normalArray(variable.size), variable.shape);
    variable.assign(tf.mul(noise, 0.5));
    noise.dispose();
  }
}

/**
 * |d output_o / d input_j| summed over a batch, as a [outputs, inputs] table, by autodiff: one
 * gradient per output column.
 */
function dependence(made: MADE, x: tf.Tensor2D, context?: tf.Tensor2D): number[][] {
  const outputs = made.dim * made.outputMultiplier;
  const table: number[][] = [];
  for (let o = 0; o < outputs; o++) {
    const a = tf.tidy(() => {
      const g = tf.grad((v: tf.Tensor) =>
        tf.sum(tf.slice(made.apply(v as tf.Tensor2D, context), [0, o], [-1, 1])),
      )(x);
      return tf.sum(tf.abs(g), 0);
    });
    table.push(Array.from(a.dataSync()));
    a.dispose();
  }
  return table;
}

const cases: [string, Partial<MADEConfig>][] = [
  ['residual, sequential degrees, context', { useResidualBlocks: true, contextDim: 2 }],
  ['feed-forward, random degrees', { useResidualBlocks: false, hiddenDegrees: 'random', seed: 5 }],
  ['residual, random degrees, no context', { useResidualBlocks: true, hiddenDegrees: 'random', seed: 2 }],
  ['residual, sorted degrees, context', { useResidualBlocks: true, hiddenDegrees: 'sorted', contextDim: 1 }],
  ['feed-forward, sequential, context, no blocks', { useResidualBlocks: false, numBlocks: 0, contextDim: 1 }],
];

describe('MADE', () => {
  for (const [name, extra] of cases) {
    it(`is autoregressive by autodiff (${name})`, () => {
      const made = new MADE({ dim: 4, hiddenFeatures: 12, outputMultiplier: 3, ...extra });
      randomize(made, 3);
      const rng = createRng(9);
      const x = tf.tensor2d(rng.normalArray(16 * 4), [16, 4]);
      const context =
        made.contextDim > 0
          ? tf.tensor2d(rng.normalArray(16 * made.contextDim), [16, made.contextDim])
          : undefined;
      const before = tf.memory().numTensors;
      const table = dependence(made, x, context);
      expect(tf.memory().numTensors).toBe(before);
      let allowedNonZero = 0;
      for (let o = 0; o < table.length; o++) {
        // Output o belongs to input i = floor(o / multiplier), which has degree i + 1.
        const i = Math.floor(o / made.outputMultiplier);
        for (let j = 0; j < 4; j++) {
          if (j >= i) expect(table[o]![j]).toBe(0);
          else if (table[o]![j]! > 1e-6) allowedNonZero++;
        }
      }
      // The allowed dependencies are there (not a vacuous pass): most of the 3 * (0+1+2+3) pairs.
      expect(allowedNonZero).toBeGreaterThanOrEqual(made.hiddenDegrees === 'random' ? 6 : 18);
      if (context !== undefined) {
        // Every output depends on the context.
        const g = tf.tidy(() =>
          tf.sum(tf.abs(tf.grad((c: tf.Tensor) => tf.sum(made.apply(x, c as tf.Tensor2D)))(context)), 0),
        );
        expect(Math.min(...Array.from(g.dataSync()))).toBeGreaterThan(0);
        g.dispose();
      }
      tf.dispose([x, context]);
      made.dispose();
    });
  }

  it("with 'sorted' degrees is the 'sequential' network with its hidden units reordered (D = 7)", () => {
    const config = { dim: 7, hiddenFeatures: 20, outputMultiplier: 2, numBlocks: 1 };
    const sequential = new MADE(config);
    const sorted = new MADE({ ...config, hiddenDegrees: 'sorted' });
    randomize(sequential, 6);
    const h = sequential.degrees.hidden[0]!;
    // order[j]: the sequential unit that sorted unit j is (a stable sort keeps equal degrees in order).
    const order = Array.from(h.keys()).sort((a, b) => h[a]! - h[b]! || a - b);
    expect(Array.from(sorted.degrees.hidden[0]!)).toEqual(order.map((j) => h[j]!));
    const H = config.hiddenFeatures;
    const permute = (name: string, t: tf.Tensor): tf.Tensor => {
      const idx = tf.tensor1d(order, 'int32');
      const out = tf.tidy(() => {
        if (name.endsWith('bias')) return name.startsWith('final') ? tf.clone(t) : tf.gather(t, idx);
        let w = t;
        if (w.shape[0] === H) w = tf.gather(w, idx, 0); // rows: hidden inputs
        if (!name.startsWith('final')) w = tf.gather(w, idx, 1); // columns: hidden outputs
        return w;
      });
      idx.dispose();
      return out;
    };
    const from = new Map(sequential.namedVariables().map((v) => [v.name, v.variable]));
    for (const { name, variable } of sorted.namedVariables()) {
      const value = permute(name, from.get(name)!);
      variable.assign(value);
      value.dispose();
    }
    const x = tf.tensor2d(createRng(2).normalArray(9 * 7), [9, 7]);
    const [a, b] = [sequential.apply(x), sorted.apply(x)];
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(a)).dataSync()[0]).toBeGreaterThan(0.1);
    tf.dispose([x, a, b]);
    sequential.dispose();
    sorted.dispose();
  });

  it("with 'sorted' degrees leaves the masked kernels fewer multiply-adds (D = 64, hidden 200)", () => {
    const work = (hiddenDegrees: 'sequential' | 'sorted') => {
      const made = new MADE({
        dim: 64,
        hiddenFeatures: 200,
        outputMultiplier: 2,
        numBlocks: 1,
        hiddenDegrees,
      });
      const { input, hidden, output } = made.degrees;
      made.dispose();
      const h = hidden[0]!;
      const layers: [Int32Array, Int32Array, boolean][] = [
        [input, h, false],
        [h, h, false],
        [h, output, true],
      ];
      return layers.map(([from, to, strict]) => {
        const values = Array.from(from).flatMap((d) =>
          Array.from(to, (e) => ((strict ? e > d : e >= d) ? 1 : 0)),
        );
        const mask = new AffineMask(values, from.length, to.length);
        const { forward } = mask.multiplyAdds;
        mask.dispose();
        return forward;
      });
    };
    const [sequential, sorted] = [work('sequential'), work('sorted')];
    // Input and hidden layers: about 11% less (the sequential degrees wrap around inside blocks of 8).
    for (const i of [0, 1]) expect(sorted[i]!).toBeLessThan(0.92 * sequential[i]!);
    expect(sorted[2]!).toBeLessThanOrEqual(sequential[2]!);
  });

  it('gives masked-out weights exactly no gradient, whatever their values (D = 6)', () => {
    const made = new MADE({ dim: 6, hiddenFeatures: 21, outputMultiplier: 3, numBlocks: 1 });
    randomize(made, 4);
    const { input, hidden, output } = made.degrees;
    const h = hidden[0]!;
    const masks: Record<string, [Int32Array, Int32Array, boolean]> = {
      'initial.weight': [input, h, false],
      'blocks.0.linear0.weight': [h, h, false],
      'blocks.0.linear1.weight': [h, h, false],
      'final.weight': [h, output, true],
    };
    const x = tf.tensor2d(createRng(1).normalArray(10 * 6), [10, 6]);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(made.apply(x))));
    let masked = 0;
    for (const [name, [from, to, strict]] of Object.entries(masks)) {
      const g = grads[made.namedVariables().find((v) => v.name === name)!.variable.name]!.dataSync();
      from.forEach((d, i) => {
        to.forEach((e, j) => {
          if (strict ? e > d : e >= d) return;
          masked++;
          expect(Math.abs(g[i * to.length + j]!), `${name}[${i}, ${j}]`).toBe(0);
        });
      });
    }
    expect(masked).toBeGreaterThan(100);
    tf.dispose([x, value, grads]);
    made.dispose();
  });

  it('is autoregressive on 2-D data, where the hidden masks are all ones and not multiplied', () => {
    const made = new MADE({ dim: 2, hiddenFeatures: 8, outputMultiplier: 2 });
    randomize(made, 4);
    const x = tf.tensor2d(createRng(10).normalArray(16 * 2), [16, 2]);
    const table = dependence(made, x);
    // Outputs 0-1 (dimension 0) see no input; outputs 2-3 see x0 and not x1.
    expect(table.map((row) => row.map((v) => v > 1e-6))).toEqual([
      [false, false],
      [false, false],
      [true, false],
      [true, false],
    ]);
    expect(table[0]).toEqual([0, 0]);
    expect(table[2]![1]).toBe(0);
    x.dispose();
    made.dispose();
  });

  it('gives the same outputs outside gradient recording (one kernel per residual block on wasm) as inside', () => {
    for (const config of [
      { dim: 2, hiddenFeatures: 40, outputMultiplier: 3 },
      { dim: 3, hiddenFeatures: 32, outputMultiplier: 2, numBlocks: 3 },
    ]) {
      const made = new MADE(config);
      randomize(made, 6);
      const x = tf.tensor2d(createRng(12).normalArray(37 * config.dim), [37, config.dim]);
      const outside = made.apply(x);
      // Under a gradient every block is its separate products, adds and ReLUs.
      const { value: inside, grad } = tf.valueAndGrad((v: tf.Tensor) => made.apply(v as tf.Tensor2D))(
        x,
        tf.onesLike(outside),
      );
      const a = outside.dataSync();
      const b = inside.dataSync();
      let worst = 0;
      for (let i = 0; i < a.length; i++)
        worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
      // The fused and separate forms add the bias before or after the sums: float32 rounding only.
      expect(worst, `${config.dim}-D`).toBeLessThan(1e-4);
      tf.dispose([x, outside, inside, grad]);
      made.dispose();
    }
  });

  it('lays out degrees as nflows and starts a zero output layer at zero', () => {
    const made = new MADE({ dim: 3, hiddenFeatures: 5, outputMultiplier: 2, zeroInitOutput: true });
    expect(Array.from(made.degrees.input)).toEqual([1, 2, 3]);
    expect(Array.from(made.degrees.hidden[0]!)).toEqual([1, 2, 1, 2, 1]);
    expect(Array.from(made.degrees.output)).toEqual([1, 1, 2, 2, 3, 3]);
    const x = tf.randomNormal([4, 3]) as tf.Tensor2D;
    const out = made.apply(x);
    expect(out.shape).toEqual([4, 6]);
    expect(Array.from(out.dataSync()).every((v) => v === 0)).toBe(true);
    expect(made.namedVariables().map((v) => v.name)).toEqual([
      'initial.weight',
      'initial.bias',
      'blocks.0.linear0.weight',
      'blocks.0.linear0.bias',
      'blocks.0.linear1.weight',
      'blocks.0.linear1.bias',
      'blocks.1.linear0.weight',
      'blocks.1.linear0.bias',
      'blocks.1.linear1.weight',
      'blocks.1.linear1.bias',
      'final.weight',
      'final.bias',
    ]);
    tf.dispose([x, out]);
    made.dispose();
  });

  it('is deterministic in its seed and checks its inputs', () => {
    const a = new MADE({
      dim: 3,
      hiddenFeatures: 8,
      outputMultiplier: 2,
      seed: 4,
      hiddenDegrees: 'random',
    });
    const b = new MADE({
      dim: 3,
      hiddenFeatures: 8,
      outputMultiplier: 2,
      seed: 4,
      hiddenDegrees: 'random',
    });
    const c = new MADE({
      dim: 3,
      hiddenFeatures: 8,
      outputMultiplier: 2,
      seed: 5,
      hiddenDegrees: 'random',
    });
    const values = (m: MADE) => m.namedVariables().flatMap((v) => Array.from(v.variable.dataSync()));
    expect(values(a)).toEqual(values(b));
    expect(values(a)).not.toEqual(values(c));
    expect(Array.from(a.degrees.hidden[0]!)).toEqual(Array.from(b.degrees.hidden[0]!));
    const x = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => a.apply(tf.zeros([2, 4]) as tf.Tensor2D)).toThrow(ShapeError);
    expect(() => a.apply(x, x)).toThrow(/context: expected none/);
    expect(() => new MADE({ dim: 0, hiddenFeatures: 8, outputMultiplier: 2 })).toThrow(ConfigError);
    const withContext = new MADE({ dim: 3, hiddenFeatures: 8, outputMultiplier: 2, contextDim: 2 });
    expect(() => withContext.apply(x)).toThrow(/context: expected \[batch, 2\], got none/);
    expect(() => withContext.apply(x, tf.zeros([3, 2]) as tf.Tensor2D)).toThrow(ShapeError);
    for (const m of [a, b, c, withContext]) m.dispose();
    x.dispose();
  });
});
