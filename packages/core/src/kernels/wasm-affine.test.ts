import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { maxRelativeError } from '../test-utils/relative-error.js';
import { affineOp } from './ops.js';

const rng = createRng(13);

type Case = {
  m: number;
  k: number;
  n: number;
  relu: boolean;
  x: Float32Array;
  w: Float32Array;
  b: Float32Array;
  up: Float32Array;
};

function makeCase(m: number, k: number, n: number, relu: boolean): Case {
  const normal = (size: number, scale = 1) => Float32Array.from(rng.normalArray(size), (v) => v * scale);
  const x = normal(m * k);
  // Zero crossings of the ReLU: rows of x at zero give exactly b, itself zero in some columns.
  for (let r = 0; r < m; r += 4) x.fill(0, r * k, (r + 1) * k);
  const b = normal(n);
  for (let j = 0; j < n; j += 3) b[j] = 0;
  return { m, k, n, relu, x, w: normal(k * n, 1 / Math.sqrt(k)), b, up: normal(m * n) };
}

/** The layer's value and the gradients of sum(layer * up) with respect to x, w and b. */
function valueAndGrads(
  c: Case,
  layer: (x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor) => tf.Tensor,
): Float32Array[] {
  return tf.tidy(() => {
    const inputs = [tf.tensor2d(c.x, [c.m, c.k]), tf.tensor2d(c.w, [c.k, c.n]), tf.tensor1d(c.b)];
    const up = tf.tensor2d(c.up, [c.m, c.n]);
    const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(layer(x as tf.Tensor2D, w, b), up));
    const grads = tf.grads(f as (...ts: tf.Tensor[]) => tf.Tensor)(inputs);
    const [x, w, b] = inputs as [tf.Tensor2D, tf.Tensor, tf.Tensor];
    return [layer(x, w, b), ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

const viaOp = (relu: boolean) => (x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor) =>
  affineOp(x, w, b, relu ? 'relu' : undefined);
const opByOp = (relu: boolean) => (x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor) => {
  const y = tf.add(tf.matMul(x, w as tf.Tensor2D), b);
  return relu ? tf.relu(y) : y;
};

// Shapes of the flows' first and last layers (2 inputs, 46 outputs) and of the wide ones.
const cases = [
  makeCase(1, 2, 16, true),
  makeCase(33, 2, 128, false),
  makeCase(130, 128, 46, false),
  makeCase(64, 64, 64, true),
  makeCase(7, 46, 5, true),
];
const cpuReference: Float32Array[][] = [];

beforeAll(async () => {
  await tf.setBackend('cpu');
  for (const c of cases) cpuReference.push(valueAndGrads(c, opByOp(c.relu)));
  await tf.setBackend('wasm');
});

describe('the dense layer while gradients are recorded (DiffeoAffineTrain, DiffeoAffineGrad)', () => {
  it('gives the value and gradients of the separate ops on cpu, ReLU zero crossings included', () => {
    expect(tf.getBackend()).toBe('wasm');
    cases.forEach((c, i) => {
      const got = valueAndGrads(c, viaOp(c.relu));
      ['value', 'x', 'w', 'b'].forEach((name, j) => {
        expect(got[j]!.length).toBe(cpuReference[i]![j]!.length);
        expect(maxRelativeError(got[j]!, cpuReference[i]![j]!), `${c.m}x${c.k}x${c.n} ${name}`).toBeLessThan(
          1e-5,
        );
      });
    });
  });

  it('is one kernel forward and one backward, and leaks nothing', async () => {
    const c = cases[3]!;
    const x = tf.tensor2d(c.x, [c.m, c.k]);
    const w = tf.variable(tf.tensor2d(c.w, [c.k, c.n]));
    const b = tf.variable(tf.tensor1d(c.b));
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(affineOp(x, w, b, 'relu')), [w, b]);
      tf.dispose([value, ...Object.values(grads)]);
    });
    expect(tf.memory().numTensors).toBe(before);
    const names = profile.kernels.map((k) => k.name);
    expect(names.filter((n) => n.startsWith('DiffeoAffine'))).toEqual([
      'DiffeoAffineTrain',
      'DiffeoAffineGrad',
    ]);
    expect(names.filter((n) => ['BatchMatMul', '_FusedMatMul', 'Relu', 'Step', 'Add'].includes(n))).toEqual(
      [],
    );
    tf.dispose([x, w, b]);
  });
});
