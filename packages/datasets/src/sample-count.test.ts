import { ShapeError } from '@diffeo/core';
import { describe, expect, it } from 'vitest';
import { Ring } from './planar/ring.js';

describe('sample counts that cannot be allocated', () => {
  it('are refused with a ShapeError before any allocation', () => {
    const ring = new Ring();
    expect(() => ring.sample(2 ** 31, { seed: 0 })).toThrow(ShapeError);
    expect(() => ring.sample(2 ** 31, { seed: 0 })).toThrow(
      'ring.sample: n: expected at most 134217728 rows of 2 values (268435456 values, 1 GiB) per call, got 2147483648; draw them in chunks',
    );
    expect(() => ring.sample(Number.MAX_SAFE_INTEGER, { seed: 0 })).toThrow(ShapeError);
    expect(() => ring.sample(0, { seed: 0 })).toThrow('ring.sample: n: expected a positive integer, got 0');
    expect(ring.sample(3, { seed: 0 }).n).toBe(3);
  });
});
