import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NamedVariable } from '../contracts.js';
import { createRng } from '../rng.js';
import { maxRelativeError } from '../test-utils/relative-error.js';
import { fit } from '../train/fit.js';
import { residualBlockOp } from './ops.js';
import { RESIDUAL_BLOCK_KERNEL, type ResidualBlockAttrs } from './wasm-residual.js';

const rng = createRng(11);

type Names = 'h' | 'w1' | 'b1' | 'w2' | 'b2';
const NAMES: Names[] = ['h', 'w1', 'b1', 'w2', 'b2'];
type Case = { m: number; width: number; values: Record<Names, Float32Array>; upstream: Float32Array };

/** The block op by op (ReLU, product, add, ReLU, product, add, add), as models run it without the kernel. */
function opByOp(t: Record<Names, tf.Tensor>): tf.Tensor {
  const hidden = tf.relu(tf.add(tf.matMul(tf.relu(t.h) as tf.Tensor2D, t.w1 as tf.Tensor2D), t.b1));
  return tf.add(t.h, tf.add(tf.matMul(hidden as tf.Tensor2D, t.w2 as tf.Tensor2D), t.b2));
}

/** The value and the gradients of sum(block(inputs) * upstream) with respect to every input. */
function valueAndGrads(c: Case, block: (t: Record<Names, tf.Tensor>) => tf.Tensor): Float32Array[] {
  return tf.tidy(() => {
    const { m, width } = c;
    const shapes: Record<Names, number[]> = {
      h: [m, width],
      w1: [width, width],
      b1: [width],
      w2: [width, width],
      b2: [width],
    };
    const inputs = NAMES.map((n) => tf.tensor(c.values[n], shapes[n]));
    const upstream = tf.tensor2d(c.upstream, [m, width]);
    const asRecord = (ts: tf.Tensor[]) =>
      Object.fromEntries(NAMES.map((n, i) => [n, ts[i]!])) as Record<Names, tf.Tensor>;
    const f = (...ts: tf.Tensor[]) => tf.sum(tf.mul(block(asRecord(ts)), upstream));
    const grads = tf.grads(f)(inputs);
    const value = block(asRecord(inputs));
    return [value, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

function fused(t: Record<Names, tf.Tensor>): tf.Tensor {
  const out = residualBlockOp(t.h, () => ({ w1: t.w1, b1: t.b1, w2: t.w2, b2: t.b2 }));
  if (out === undefined) throw new Error('residualBlockOp did not run the fused kernel');
  return out;
}

function makeCase(m: number, width: number): Case {
  const normal = (n: number, scale = 1) => Float32Array.from(rng.normalArray(n), (v) => v * scale);
  const h = normal(m * width);
  // Zero crossings: exact zeros in h, and rows of h at or below zero whose hidden pre-activation is
  // then b1 alone, exactly zero where b1 is.
  for (let i = 0; i < h.length; i += 7) h[i] = 0;
  for (let r = 0; r < m; r += 5)
    for (let j = 0; j < width; j++) h[r * width + j] = -Math.abs(h[r * width + j]!);
  const b1 = normal(width);
  for (let j = 0; j < width; j += 3) b1[j] = 0;
  return {
    m,
    width,
    values: {
      h,
      w1: normal(width * width, 1 / Math.sqrt(width)),
      b1,
      w2: normal(width * width, 1 / Math.sqrt(width)),
      b2: normal(width),
    },
    upstream: normal(m * width),
  };
}

// Widths on and off the 16-column panels, batches below and across the 32-row tiles, odd ones.
const cases = [makeCase(1, 16), makeCase(7, 46), makeCase(40, 128), makeCase(77, 33), makeCase(130, 64)];
const cpuReference: Float32Array[][] = [];

beforeAll(async () => {
  await tf.setBackend('cpu');
  for (const c of cases) cpuReference.push(valueAndGrads(c, opByOp));
  await tf.setBackend('wasm');
});

describe('the residual block while gradients are recorded (DiffeoResidualBlock, DiffeoResidualBlockGrad)', () => {
  it('gives the value and gradients of the op-by-op block on cpu, zero crossings included', () => {
    expect(tf.getBackend()).toBe('wasm');
    cases.forEach((c, i) => {
      const got = valueAndGrads(c, fused);
      const want = cpuReference[i]!;
      ['value', ...NAMES].forEach((name, j) => {
        expect(got[j]!.length).toBe(want[j]!.length);
        expect(maxRelativeError(got[j]!, want[j]!), `${c.m}x${c.width} ${name}`).toBeLessThan(1e-5);
      });
    });
  });

  it('gives the numbers of the same ops on wasm, but for rounding', () => {
    // The products and sums are the same kernels; the fused forward starts the sums from the bias
    // where the ops add it after the product, which moves the hidden layer by a rounding.
    for (const c of cases) {
      const got = valueAndGrads(c, fused);
      const want = valueAndGrads(c, opByOp);
      got.forEach((g, j) => {
        expect(maxRelativeError(g, want[j]!), `${c.m}x${c.width} ${j}`).toBeLessThan(1e-6);
      });
    }
  });

  it('is one kernel forward and one backward, and leaks nothing', () => {
    const c = cases[2]!;
    const shapes: Record<Names, number[]> = {
      h: [c.m, c.width],
      w1: [c.width, c.width],
      b1: [c.width],
      w2: [c.width, c.width],
      b2: [c.width],
    };
    const ts = NAMES.map((n) => tf.variable(tf.tensor(c.values[n], shapes[n])));
    const record = Object.fromEntries(NAMES.map((n, i) => [n, ts[i]!])) as unknown as Record<
      Names,
      tf.Tensor
    >;
    tf.dispose(tf.variableGrads(() => tf.sum(fused(record))).grads); // warm up
    const before = tf.memory();
    const { value, grads } = tf.variableGrads(() => tf.sum(fused(record)));
    expect(Object.keys(grads).sort()).toEqual(ts.map((t) => t.name).sort());
    tf.dispose([value, ...Object.values(grads)]);
    // The hidden layer the tape saved is gone with it: no tensor, no buffer, no byte left.
    const after = tf.memory();
    expect([after.numTensors, after.numDataBuffers, after.numBytes]).toEqual([
      before.numTensors,
      before.numDataBuffers,
      before.numBytes,
    ]);
    tf.dispose(ts);
  });

  it('falls back to the separate kernels forward for a weight with an infinity, without leaks', () => {
    const c = makeCase(20, 24);
    c.values.w2[3 * 24 + 5] = Number.POSITIVE_INFINITY;
    const before = tf.memory().numTensors;
    const got = valueAndGrads(c, fused);
    const want = valueAndGrads(c, opByOp);
    expect(tf.memory().numTensors).toBe(before);
    const nanMask = (a: Float32Array) => Array.from(a, Number.isNaN);
    expect(got[0]!.some(Number.isNaN) || got[0]!.some((v) => !Number.isFinite(v))).toBe(true);
    got.forEach((g, j) => {
      expect(nanMask(g), `${j}`).toEqual(nanMask(want[j]!));
    });
  });

  it('keeps the hidden layer as a second output only when asked, the same floats either way', () => {
    for (const infinite of [false, true]) {
      const c = makeCase(37, 40);
      // An infinity in w2 sends the block to the separate kernels; the hidden layer stays finite.
      if (infinite) c.values.w2[7] = Number.POSITIVE_INFINITY;
      tf.tidy(() => {
        const [h, w1, b1, w2, b2] = NAMES.map((n) =>
          tf.tensor(
            c.values[n],
            n === 'h' ? [c.m, c.width] : n.startsWith('w') ? [c.width, c.width] : [c.width],
          ),
        ) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D];
        const inputs = { h, w1, b1, w2, b2 };
        const kept: ResidualBlockAttrs = { keepHidden: true };
        const one = tf.engine().runKernel(RESIDUAL_BLOCK_KERNEL, inputs) as tf.Tensor;
        const [out, u] = tf
          .engine()
          .runKernel(RESIDUAL_BLOCK_KERNEL, inputs, kept as tf.NamedAttrMap) as tf.Tensor[];
        expect(one.shape).toEqual([c.m, c.width]);
        expect(Array.from(out!.dataSync())).toEqual(Array.from(one.dataSync()));
        const hidden = tf.relu(tf.add(tf.matMul(tf.relu(h), w1), b1));
        expect(u!.shape).toEqual([c.m, c.width]);
        expect(
          maxRelativeError(u!.dataSync() as Float32Array, hidden.dataSync() as Float32Array),
        ).toBeLessThan(1e-6);
        // ReLU's zeros are exact zeros in both.
        const zeros = (t: tf.Tensor) => Array.from(t.dataSync(), (v) => v === 0);
        expect(zeros(u!)).toEqual(zeros(hidden));
      });
    }
  });

  it('trains through fit without leaks', async () => {
    const c = cases[3]!;
    const store = NAMES.filter((n) => n !== 'h').map((n) =>
      tf.variable(
        tf.tensor(c.values[n], n.startsWith('w') ? [c.width, c.width] : [c.width]),
        true,
        `rg_${n}`,
      ),
    ) as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
    const [w1, b1, w2, b2] = store;
    const model = {
      namedVariables: (): NamedVariable[] => store.map((variable) => ({ name: variable.name, variable })),
      loss: ({ x }: { x: tf.Tensor }) =>
        tf.tidy(() => tf.mean(tf.square(residualBlockOp(x, () => ({ w1, b1, w2, b2 }))!)) as tf.Scalar),
    };
    const x = tf.tensor2d(c.values.h, [c.m, c.width]);
    const initial = (await model.loss({ x }).data())[0]!;
    await fit(model, x, { steps: 1, batchSize: 32, seed: 1 }); // warm up
    const before = tf.memory();
    const history = await fit(model, x, { steps: 20, batchSize: 32, learningRate: 1e-2, seed: 1 });
    const after = tf.memory();
    expect(history.stopReason).toBe('completed');
    expect([after.numTensors, after.numDataBuffers]).toEqual([before.numTensors, before.numDataBuffers]);
    expect((await model.loss({ x }).data())[0]!).toBeLessThan(initial);
    tf.dispose([x, ...store]);
  });

  it('runs as two kernels in a profile, the gradient reading the saved hidden layer', async () => {
    const c = cases[2]!;
    const h = tf.tensor2d(c.values.h, [c.m, c.width]);
    const vars = {
      w1: tf.variable(tf.tensor2d(c.values.w1, [c.width, c.width])),
      b1: tf.variable(tf.tensor1d(c.values.b1)),
      w2: tf.variable(tf.tensor2d(c.values.w2, [c.width, c.width])),
      b2: tf.variable(tf.tensor1d(c.values.b2)),
    };
    const profile = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(fused({ h, ...vars })));
      tf.dispose([value, ...Object.values(grads)]);
    });
    tf.dispose([h, ...Object.values(vars)]);
    const names = profile.kernels.map((k) => k.name);
    expect(names.filter((n) => n.startsWith('DiffeoResidualBlock'))).toEqual([
      'DiffeoResidualBlock',
      'DiffeoResidualBlockGrad',
    ]);
    expect(names.filter((n) => ['BatchMatMul', '_FusedMatMul', 'Relu', 'Step'].includes(n))).toEqual([]);
    const grad = profile.kernels.find((k) => k.name === 'DiffeoResidualBlockGrad')!;
    const [m, width] = [c.m, c.width];
    expect(grad.inputShapes).toEqual([
      [m, width],
      [m, width],
      [width, width],
      [width, width],
      [m, width],
    ]);
    // The tape saves the block's h, w1, w2 and u and the sum's input: one Identity (a shared
    // reference) each, and no zeros built for an output without a gradient: the one Fill is the
    // ones of the sum's gradient (core's, see sum-gradient.ts).
    expect(names.filter((n) => n === 'Identity')).toHaveLength(5);
    expect(names.filter((n) => n === 'Fill' || n === 'ZerosLike')).toEqual(['Fill']);
  });
});
