import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { installKernels } from './kernel-map.js';

const rng = createRng(5);

/** Runs `f` on cpu and on wasm over the same values: [cpu's values, wasm's values] per output. */
async function onBoth(f: () => tf.Tensor[]): Promise<[number[][], number[][]]> {
  const runOn = async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(f).map((t) => {
      const values = Array.from(t.dataSync());
      t.dispose();
      return values;
    });
  };
  const cpu = await runOn('cpu');
  const wasm = await runOn('wasm');
  return [cpu, wasm];
}

describe('Concat and SplitV on wasm (row copies on the heap)', () => {
  it('are installed with the other kernels', () => {
    expect(installKernels('wasm')).toBe(true);
  });

  it('concatenate along every axis exactly as cpu does, float32 and int32, empty parts included', async () => {
    const cases: [number[][], number][] = [
      [
        [
          [100, 64, 1],
          [100, 64, 1],
        ],
        2,
      ],
      [
        [
          [7, 3, 8],
          [7, 3, 8],
          [7, 3, 7],
        ],
        2,
      ],
      [
        [
          [5, 9],
          [5, 4],
        ],
        1,
      ],
      [
        [
          [5, 9],
          [3, 9],
          [0, 9],
        ],
        0,
      ],
      [
        [
          [2, 3, 4],
          [2, 5, 4],
        ],
        1,
      ],
      [
        [
          [4, 0],
          [4, 6],
          [4, 1],
        ],
        1,
      ],
    ];
    for (const [shapes, axis] of cases) {
      const values = shapes.map((s) => rng.normalArray(s.reduce((p, d) => p * d, 1)));
      for (const dtype of ['float32', 'int32'] as const) {
        const [cpu, wasm] = await onBoth(() => [
          tf.concat(
            shapes.map((s, i) =>
              tf.tensor(
                values[i]!.map((v) => (dtype === 'int32' ? Math.round(v * 100) : v)),
                s,
                dtype,
              ),
            ),
            axis,
          ),
        ]);
        expect(wasm, `${JSON.stringify(shapes)} axis ${axis} ${dtype}`).toEqual(cpu);
      }
    }
  });

  it('split into parts along the last axis as cpu does, and their gradient is the concatenation', async () => {
    const values = rng.normalArray(6 * 5 * 23);
    const upstream = [8, 8, 7].map((k) => rng.normalArray(6 * 5 * k));
    const [cpu, wasm] = await onBoth(() => {
      const x = tf.tensor3d(values, [6, 5, 23]);
      const parts = tf.split(x, [8, 8, 7], 2);
      const grad = tf.grad((t: tf.Tensor) =>
        tf.sum(
          tf.stack(
            tf
              .split(t, [8, 8, 7], 2)
              .map((p, i) => tf.sum(tf.mul(p, tf.tensor3d(upstream[i]!, [6, 5, p.shape[2]!])))),
          ),
        ),
      )(x);
      return [...parts, grad];
    });
    expect(wasm).toEqual(cpu);
    // The gradient is the upstream values back in place, exactly.
    const placed = Array.from({ length: 6 * 5 * 23 }, (_, i) => {
      const row = Math.floor(i / 23);
      const col = i % 23;
      const part = col < 8 ? 0 : col < 16 ? 1 : 2;
      const width = part === 2 ? 7 : 8;
      return Math.fround(upstream[part]![row * width + (col - 8 * part)]!);
    });
    expect(wasm[3]).toEqual(placed);
  });

  it('leaves no tensor behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([10, 4, 2]);
    const before = tf.memory();
    tf.tidy(() => {
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.split(t, 2, 2)[0]!, 3)))(x);
    });
    const after = tf.memory();
    expect([after.numTensors, after.numBytes]).toEqual([before.numTensors, before.numBytes]);
    x.dispose();
  });
});
