import { ConfigError } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { take } from '../test-utils/take.js';
import {
  assertBijective,
  assertConfigRoundTrip,
  assertNoLeaks,
  assertTypedErrors,
  tailRows,
} from '../testing/index.js';
import { Permutation, resolvePermutation } from './permutation.js';

describe('Permutation', () => {
  it('moves column perm[i] to column i exactly, for reverse, seeded random and given orders', () => {
    const u = tailRows(16, 6, 1e4, 1);
    const rows = u.arraySync() as number[][];
    for (const permutation of ['reverse', 'random', [3, 0, 5, 1, 4, 2]] as const) {
      const p = new Permutation({ dim: 6, permutation: permutation as never, seed: 42 });
      const perm = p.indices;
      const { y, logDet } = p.forward(u);
      expect(y.arraySync()).toEqual(rows.map((r) => perm.map((j) => r[j])));
      expect(take(logDet)).toEqual(new Array(16).fill(0));
      expect(take(p.inverse(y).y)).toEqual(Array.from(u.dataSync()));
      assertBijective(p, u, { inverse: 1e-12, logDet: 1e-6, cancel: 1e-12 });
      assertNoLeaks(p, u);
      y.dispose();
      p.dispose();
    }
    tf.dispose(u);
  });

  it('has input gradients on every backend (no gather): the Jacobian is the permutation matrix', () => {
    const p = new Permutation({ dim: 3, permutation: [2, 0, 1] });
    const u = tf.tensor2d([[1, 2, 3]]);
    const g = tf.grad((v: tf.Tensor) => {
      const { y, logDet } = p.forward(v as tf.Tensor2D);
      logDet.dispose();
      return tf.sum(tf.mul(y, tf.tensor2d([[1, 10, 100]])));
    })(u);
    // y = [u2, u0, u1], so d(1 y0 + 10 y1 + 100 y2)/du = [10, 100, 1].
    expect(take(g)).toEqual([10, 100, 1]);
    tf.dispose(u);
    p.dispose();
  });

  it('draws the random order from the seed: the same seed gives the same order', () => {
    const a = resolvePermutation('random', 10, 7);
    expect(resolvePermutation('random', 10, 7)).toEqual(a);
    expect(resolvePermutation('random', 10, 8)).not.toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('rejects a given array that is not a permutation of 0..dim-1 with a ConfigError that names the problem', () => {
    expect(() => new Permutation({ dim: 3, permutation: [0, 1] })).toThrow(ConfigError);
    expect(() => new Permutation({ dim: 3, permutation: [0, 1] })).toThrow('expected 3 indices');
    expect(() => new Permutation({ dim: 3, permutation: [0, 1, 1] })).toThrow(
      'permutation[2]: index 1 appears twice',
    );
    expect(() => new Permutation({ dim: 3, permutation: [0, 1, 3] })).toThrow(
      'permutation[2]: expected an integer in 0..2, got 3',
    );
    expect(() => new Permutation({ dim: 3, permutation: [0, 1.5, 2] })).toThrow(ConfigError);
    expect(() => new Permutation({ dim: 3, permutation: 'sideways' as never })).toThrow(ConfigError);
  });

  it('rejects bad input with typed errors and round-trips its config', () => {
    for (const permutation of ['reverse', 'random', [1, 2, 0]] as const) {
      const p = new Permutation({ dim: 3, permutation: permutation as never, seed: 5 });
      assertTypedErrors(p);
      assertConfigRoundTrip(p);
      p.dispose();
    }
  });
});
