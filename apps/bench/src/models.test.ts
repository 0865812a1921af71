import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { tensorOf } from './data.js';
import { ARCHS, type BenchModel, buildTrainedLike, TRAINED_LIKE_LIMIT } from './models.js';

const matrices = (model: BenchModel) =>
  model
    .namedVariables()
    .filter((v) => v.variable.rank === 2)
    .map((v) => ({ name: v.name, values: v.variable.dataSync() as Float32Array }));

describe('buildTrainedLike', () => {
  it.each(ARCHS.map((a) => [a.id, a] as const))(
    '%s: gives every all-zero weight matrix small values and leaves the others as built',
    (_, arch) => {
      const before = tf.memory().numTensors;
      const fresh = arch.build(0);
      const trained = buildTrainedLike(arch, 0);
      const again = buildTrainedLike(arch, 0);
      const freshMatrices = matrices(fresh);
      const trainedMatrices = matrices(trained);
      // What it is for: a fresh flow's last layers are zero, which Diffeo's products skip.
      const zero = freshMatrices.filter((m) => m.values.every((v) => v === 0));
      expect(zero.length).toBeGreaterThan(0);
      trainedMatrices.forEach((m, i) => {
        const was = freshMatrices[i]!;
        expect(m.name).toBe(was.name);
        if (was.values.every((v) => v === 0)) {
          expect(m.values.every((v) => Math.abs(v) <= TRAINED_LIKE_LIMIT)).toBe(true);
          // Nonzero almost everywhere, and not one value repeated.
          expect(m.values.filter((v) => v === 0).length).toBeLessThan(m.values.length / 100);
          expect(new Set(m.values).size).toBeGreaterThan(m.values.length / 2);
        } else {
          expect(m.values).toEqual(was.values);
        }
      });
      // Seeded: the same model twice.
      matrices(again).forEach((m, i) => {
        expect(m.values).toEqual(trainedMatrices[i]!.values);
      });
      // Still a flow near its identity start: finite log-densities close to the fresh model's.
      const x = tensorOf(arch.data(256, 1));
      const [a, b] = [fresh.logProb(x), trained.logProb(x)];
      const gap = tf.tidy(() => tf.mean(tf.abs(tf.sub(a, b))).dataSync()[0]!);
      expect(Array.from(b.dataSync()).every(Number.isFinite)).toBe(true);
      expect(gap).toBeGreaterThan(0);
      expect(gap).toBeLessThan(0.5);
      tf.dispose([x, a, b]);
      for (const m of [fresh, trained, again]) m.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});
