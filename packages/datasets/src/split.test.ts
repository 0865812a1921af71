import { ConfigError, ShapeError } from '@diffeo/core';
import { describe, expect, it } from 'vitest';
import { selectRows, splitData } from './split.js';
import type { DataArrays } from './types.js';

/** Rows whose values identify them: x = (i, -i), label i % 3, context 10 i. */
function numbered(n: number): DataArrays {
  const x = new Float32Array(2 * n);
  const labels = new Int32Array(n);
  const context = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = -i;
    labels[i] = i % 3;
    context[i] = 10 * i;
  }
  return { x, n, dim: 2, labels, context, contextDim: 1 };
}

const ids = (d: DataArrays) => Array.from({ length: d.n }, (_, i) => d.x[2 * i]!);

describe('splitData', () => {
  it('splits into disjoint parts of the rounded sizes that cover the data, rows kept whole', () => {
    const data = numbered(1001);
    const { train, validation, test } = splitData(data, { train: 0.8, validation: 0.1, test: 0.1, seed: 3 });
    expect([train.n, validation.n, test.n]).toEqual([801, 100, 100]);
    const all = [...ids(train), ...ids(validation), ...ids(test)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 1001 }, (_, i) => i));
    for (const part of [train, validation, test]) {
      for (let i = 0; i < part.n; i++) {
        const id = part.x[2 * i]!;
        expect(part.x[2 * i + 1]).toBe(-id);
        expect(part.labels![i]).toBe(id % 3);
        expect(part.context![i]).toBe(10 * id);
      }
      expect(part.contextDim).toBe(1);
    }
    // Shuffled, not the first rows in order.
    expect(ids(train).slice(0, 10)).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('is deterministic per seed, and a zero fraction gives an empty part', () => {
    const data = numbered(200);
    const a = splitData(data, { train: 0.5, validation: 0.25, test: 0.25, seed: 1 });
    expect(splitData(data, { train: 0.5, validation: 0.25, test: 0.25, seed: 1 })).toEqual(a);
    expect(ids(splitData(data, { train: 0.5, validation: 0.25, test: 0.25, seed: 2 }).train)).not.toEqual(
      ids(a.train),
    );
    const noTest = splitData(data, { train: 0.9, validation: 0.1, test: 0, seed: 1 });
    expect([noTest.train.n, noTest.validation.n, noTest.test.n]).toEqual([180, 20, 0]);
    expect(noTest.test.x.length).toBe(0);
  });

  it('rejects bad options and data with typed errors naming the field', () => {
    const data = numbered(10);
    expect(() => splitData(data, { train: 0.8, validation: 0.1, test: 0.2, seed: 0 })).toThrow(ConfigError);
    expect(() => splitData(data, { train: 0.8, validation: 0.1, test: 0.2, seed: 0 })).toThrow(
      /splitData options\.train: train \+ validation \+ test: expected 1, got 0.8 \+ 0.1 \+ 0.2/,
    );
    expect(() => splitData(data, { train: 1.2, validation: -0.2, test: 0, seed: 0 })).toThrow(
      /options\.validation/,
    );
    expect(() => splitData(data, { train: 0.8, validation: 0.1, test: 0.1 } as never)).toThrow(
      /options\.seed/,
    );
    expect(() => splitData(numbered(2), { train: 0.2, validation: 0.4, test: 0.4, seed: 0 })).toThrow(
      ShapeError,
    );
    expect(() =>
      splitData({ x: new Float32Array(3), n: 2, dim: 2 }, { train: 1, validation: 0, test: 0, seed: 0 }),
    ).toThrow(/splitData: data\.x: expected a Float32Array of n \* dim = 4 values, got a Float32Array of 3/);
    expect(() => selectRows(data, [0, 10])).toThrow(
      /selectRows: indices\[1\]: expected a row in \[0, 10\), got 10/,
    );
  });
});
