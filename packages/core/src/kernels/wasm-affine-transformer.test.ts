import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { createRng } from '../rng.js';
import { maxRelativeError } from '../test-utils/relative-error.js';
import { affineTransformerOp } from './ops.js';
import type { AffineTransformerAttrs } from './wasm-affine-transformer.js';

const rng = createRng(5);

/** The transformer op by op, as `@diffeo/bijectors`'s `affine()` runs it where no kernel is registered. */
function opByOp(x: tf.Tensor2D, params: tf.Tensor2D, a: AffineTransformerAttrs): [tf.Tensor, tf.Tensor] {
  const [sPart, tPart] = tf.split(tf.reshape(params, [x.shape[0], x.shape[1], 2]), 2, 2);
  const s = tf.reshape(sPart!, x.shape);
  const t = tf.reshape(tPart!, x.shape);
  const l = tf.mul(tf.tanh(tf.div(s, a.logScaleBound)), a.logScaleBound);
  if (a.inverse) return [tf.add(tf.mul(x, tf.exp(l)), t), l];
  return [tf.mul(tf.sub(x, t), tf.exp(tf.neg(l))), tf.neg(l)];
}

function fused(x: tf.Tensor2D, params: tf.Tensor2D, a: AffineTransformerAttrs): [tf.Tensor, tf.Tensor] {
  const out = affineTransformerOp(x, params, a);
  if (out === undefined) throw new Error('affineTransformerOp did not run the kernel');
  return out;
}

type Transformer = typeof opByOp;
interface Case {
  rows: number;
  dim: number;
  x: Float32Array;
  params: Float32Array;
  /** The weights of y and logDet in the loss whose gradients are compared. */
  wy: Float32Array;
  wl: Float32Array;
}

/** y, logDet and the gradients of sum(wy * y + wl * logDet) with respect to x and params. */
function valueAndGrads(c: Case, a: AffineTransformerAttrs, run: Transformer): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor2d(c.x, [c.rows, c.dim]);
    const params = tf.tensor2d(c.params, [c.rows, 2 * c.dim]);
    const wy = tf.tensor2d(c.wy, [c.rows, c.dim]);
    const wl = tf.tensor2d(c.wl, [c.rows, c.dim]);
    const loss = (xs: tf.Tensor, ps: tf.Tensor) => {
      const [y, logDet] = run(xs as tf.Tensor2D, ps as tf.Tensor2D, a);
      return tf.add(tf.sum(tf.mul(y, wy)), tf.sum(tf.mul(logDet, wl)));
    };
    const [gx, gp] = tf.grads(loss)([x, params]);
    return [...run(x, params, a), gx!, gp!].map((t) => t.dataSync() as Float32Array);
  });
}

function makeCase(rows: number, dim: number, spread: number): Case {
  const normal = (n: number, scale = 1) => Float32Array.from(rng.normalArray(n), (v) => v * scale);
  return {
    rows,
    dim,
    x: normal(rows * dim, 2),
    params: normal(rows * dim * 2, spread),
    wy: normal(rows * dim),
    wl: normal(rows * dim),
  };
}

// Element counts off the four lanes, parameters around zero and far into tanh's saturation.
const cases = [makeCase(1, 1, 1), makeCase(7, 3, 1), makeCase(33, 64, 0.3), makeCase(16, 5, 8)];
// Bounds: the default, a tight one, and one whose e^l overflows float32 (as the ops' does).
const attrSets: AffineTransformerAttrs[] = [false, true].flatMap((inverse) =>
  [3, 0.5, 120].map((logScaleBound) => ({ inverse, logScaleBound })),
);
const cpuReference = new Map<string, Float32Array[]>();
const keyOf = (i: number, a: AffineTransformerAttrs) => `${i} ${JSON.stringify(a)}`;

beforeAll(async () => {
  await tf.setBackend('cpu');
  cases.forEach((c, i) => {
    for (const a of attrSets) cpuReference.set(keyOf(i, a), valueAndGrads(c, a, opByOp));
  });
  await tf.setBackend('wasm');
});

describe('the affine transformer kernel (DiffeoAffineTransformer, DiffeoAffineTransformerGrad)', () => {
  it('gives the values and gradients of the op-by-op transformer on cpu, both directions', () => {
    expect(tf.getBackend()).toBe('wasm');
    cases.forEach((c, i) => {
      for (const a of attrSets) {
        const got = valueAndGrads(c, a, fused);
        const want = cpuReference.get(keyOf(i, a))!;
        ['y', 'logDet', 'dx', 'dParams'].forEach((name, j) => {
          expect(got[j]!.length).toBe(want[j]!.length);
          expect(
            maxRelativeError(got[j]!, want[j]!),
            `${c.rows}x${c.dim} ${name} ${JSON.stringify(a)}`,
          ).toBeLessThan(2e-6);
        });
      }
    });
  });

  it('matches the float64 closed form within a few float32 roundings, and lets NaN through', () => {
    const s = [0, 1e-6, -1e-4, 0.3, -0.62, 0.63, -2.5, 40, -40, Number.NaN, 0.7, 1e-30];
    const t = [0.5, -1, 2, 0, 0.25, 1, 1, 1, -3, 0, Number.NaN, 0];
    const xs = [1, -2, 0.5, 3, -0.75, 2, 1, 2, 1.5, 1, 1, 1];
    const x = tf.tensor2d(xs, [1, xs.length]);
    const params = tf.tensor2d(
      s.flatMap((v, i) => [v, t[i]!]),
      [1, 2 * xs.length],
    );
    for (const a of attrSets) {
      const [y, logDet] = fused(x, params, a);
      const [ys, ls] = [y.dataSync(), logDet.dataSync()];
      xs.forEach((xv, i) => {
        const l = a.logScaleBound * Math.tanh(s[i]! / a.logScaleBound);
        const wantY = a.inverse ? xv * Math.exp(l) + t[i]! : (xv - t[i]!) * Math.exp(-l);
        const wantL = a.inverse ? l : -l;
        if (Number.isNaN(wantY)) expect(ys[i], `y ${i} ${JSON.stringify(a)}`).toBeNaN();
        // e^l carries l's own float32 rounding (|l| 2^-24) on top: exp's condition number is |l|.
        else
          expect(Math.abs(ys[i]! - wantY), `y ${i} ${JSON.stringify(a)}`).toBeLessThanOrEqual(
            Math.abs(wantY) * (1e-6 + Math.abs(l) * 2 ** -23),
          );
        if (Number.isNaN(wantL)) expect(ls[i]).toBeNaN();
        else
          expect(Math.abs(ls[i]! - wantL), `logDet ${i} ${JSON.stringify(a)}`).toBeLessThanOrEqual(
            Math.abs(wantL) * 1e-6,
          );
      });
      tf.dispose([y, logDet]);
    }
    tf.dispose([x, params]);
  });

  it('refuses parameters that are not two per element with a ShapeError', () => {
    const x = tf.zeros([4, 3]) as tf.Tensor2D;
    const shapes: [number, number][] = [
      [4, 3],
      [4, 7],
      [3, 6],
    ];
    for (const shape of shapes) {
      const params = tf.zeros(shape) as tf.Tensor2D;
      expect(() => affineTransformerOp(x, params, attrSets[0]!), JSON.stringify(shape)).toThrow(ShapeError);
      params.dispose();
    }
    x.dispose();
  });

  it('is one kernel forward and one backward, and leaks nothing', async () => {
    const c = cases[2]!;
    const a = attrSets[0]!;
    const x = tf.variable(tf.tensor2d(c.x, [c.rows, c.dim]));
    const params = tf.variable(tf.tensor2d(c.params, [c.rows, 2 * c.dim]));
    const loss = () => {
      const [y, logDet] = fused(x, params, a);
      return tf.add(tf.sum(y), tf.sum(logDet)) as tf.Scalar;
    };
    tf.dispose(tf.variableGrads(loss).grads); // warm up
    const before = tf.memory();
    const profile = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(loss);
      tf.dispose([value, ...Object.values(grads)]);
    });
    const names = profile.kernels.map((k) => k.name);
    expect(names.filter((n) => n.startsWith('DiffeoAffineTransformer'))).toEqual([
      'DiffeoAffineTransformer',
      'DiffeoAffineTransformerGrad',
    ]);
    const after = tf.memory();
    expect([after.numTensors, after.numDataBuffers, after.numBytes]).toEqual([
      before.numTensors,
      before.numDataBuffers,
      before.numBytes,
    ]);
    tf.dispose([x, params]);
  });
});
