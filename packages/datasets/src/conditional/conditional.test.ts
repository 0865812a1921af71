import { ConfigError, createRegistry } from '@diffeo/core';
import { describe, expect, it } from 'vitest';
import '../index.js';
import { FOUR_CIRCLE_CENTRES, FourCircles } from '../planar/four-circles.js';
import { registerDatasets } from '../plugins.js';
import { mean, points, radii, std } from '../test-utils/stats.js';
import { ConditionalDataset } from './conditional.js';

describe('ConditionalDataset', () => {
  it('rotates by a uniform angle in [0, 45] degrees, condition angle/45, shrunk by 1/√2', () => {
    const n = 20_000;
    const rotated = new ConditionalDataset({ base: 'four-circles', transform: 'rotate' });
    expect(rotated.contextDim).toBe(1);
    expect(rotated.numClasses).toBe(4);
    const data = rotated.sample(n, { seed: 1 });
    expect(data.contextDim).toBe(1);
    expect(data.context!.length).toBe(n);
    const c = Array.from(data.context!);
    expect(Math.min(...c)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...c)).toBeLessThanOrEqual(1);
    expect(Math.abs(mean(c) - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(std(c) - Math.sqrt(1 / 12))).toBeLessThan(0.01);
    // Undo each point's rotation: the circles are back at their centres, radius 2, shrunk by 1/√2.
    for (let k = 0; k < 4; k++) {
      const back: [number, number][] = [];
      for (let r = 0; r < n; r++) {
        if (data.labels![r] !== k) continue;
        const a = (-data.context![r]! * 45 * Math.PI) / 180;
        const [x, y] = [data.x[2 * r]! * Math.SQRT2, data.x[2 * r + 1]! * Math.SQRT2];
        back.push([Math.cos(a) * x - Math.sin(a) * y, Math.sin(a) * x + Math.cos(a) * y]);
      }
      const [cx, cy] = FOUR_CIRCLE_CENTRES[k]!;
      expect(Math.abs(mean(back.map((p) => p[0])) - cx)).toBeLessThan(0.1);
      expect(Math.abs(mean(back.map((p) => p[1])) - cy)).toBeLessThan(0.1);
      expect(Math.abs(mean(radii(back, cx, cy)) - 2)).toBeLessThan(0.01);
    }
  });

  it('at fixed conditions moves the same base points: condition 0 is the base / √2, 1/2 turns it by 22.5°', () => {
    const base = new FourCircles();
    const at = (condition: number, fitBox = true) =>
      new ConditionalDataset({ base: 'four-circles', transform: 'rotate', condition, fitBox }).sample(500, {
        seed: 7,
      });
    const zero = at(0, false);
    const half = at(0.5);
    const baseData = base.sample(500, { seed: 7 });
    expect(Array.from(zero.context!).every((v) => v === 0)).toBe(true);
    expect(Array.from(half.context!).every((v) => v === 0.5)).toBe(true);
    expect(zero.labels).toEqual(half.labels);
    const a = (22.5 * Math.PI) / 180;
    for (let r = 0; r < 500; r++) {
      const [x, y] = [zero.x[2 * r]!, zero.x[2 * r + 1]!];
      expect(half.x[2 * r]!).toBeCloseTo(Math.SQRT1_2 * (Math.cos(a) * x - Math.sin(a) * y), 5);
      expect(half.x[2 * r + 1]!).toBeCloseTo(Math.SQRT1_2 * (Math.sin(a) * x + Math.cos(a) * y), 5);
    }
    // The base points come from their own stream of the seed: not the base's sample(500, 7).
    expect(zero.x).not.toEqual(baseData.x);
  });

  it('scales radially by s = 0.5 + 0.5 √U per point, condition s; fixed s scales the same points', () => {
    const n = 20_000;
    const scaled = new ConditionalDataset({ base: 'ring', transform: 'scale' });
    const data = scaled.sample(n, { seed: 2 });
    const s = Array.from(data.context!);
    expect(Math.min(...s)).toBeGreaterThanOrEqual(0.5);
    expect(Math.max(...s)).toBeLessThanOrEqual(1);
    // E s = 0.5 + 0.5 · 2/3; P(s <= 0.75) = P(√U <= 0.5) = 1/4.
    expect(Math.abs(mean(s) - (0.5 + 1 / 3))).toBeLessThan(0.005);
    expect(Math.abs(s.filter((v) => v <= 0.75).length / n - 0.25)).toBeLessThan(0.015);
    // The ring's radius divided by the condition is the base radius 2.25.
    const ratio = radii(points(data)).map((r, i) => r / s[i]!);
    expect(Math.abs(mean(ratio) - (2.25 + 0.3375 ** 2 / 4.5))).toBeLessThan(0.01);

    const full = new ConditionalDataset({ base: 'ring', transform: 'scale', condition: 1 }).sample(300, {
      seed: 9,
    });
    const small = new ConditionalDataset({ base: 'ring', transform: 'scale', condition: 0.6 }).sample(300, {
      seed: 9,
    });
    for (let i = 0; i < 600; i++) expect(small.x[i]!).toBeCloseTo(0.6 * full.x[i]!, 5);
    expect(full.labels).toBeUndefined();
  });

  it('wraps any registered 2-D base with its own config and round-trips its config', () => {
    const spec = {
      base: 'star',
      baseConfig: { bars: 3 },
      transform: 'rotate',
      maxAngle: 90,
      condition: 0.25,
    } as const;
    const d = new ConditionalDataset(spec);
    expect(d.numClasses).toBe(3);
    expect(d.getConfig()).toEqual({ ...spec, baseConfig: { bars: 3, noise: 0.1 }, fitBox: true });
    const registry = createRegistry();
    registerDatasets(registry);
    const again = registry.create<ConditionalDataset>({
      kind: 'dataset',
      type: 'conditional',
      config: d.getConfig(),
    });
    expect(again.sample(100, { seed: 3 })).toEqual(d.sample(100, { seed: 3 }));
  });

  it('rejects bad configs with a ConfigError naming the field', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ base: 'four-circles', transform: 'shear' }, /transform/],
      [{ base: 'four-circles', transform: 'rotate', condition: 1.5 }, /config\.condition/],
      [
        { base: 'four-circles', transform: 'scale', condition: 0.2 },
        /config\.condition: expected a scale in \[minScale, 1\]/,
      ],
      [{ base: 'four-circles', transform: 'scale', fitBox: false }, /fitBox/],
      [{ base: 'no-such-set', transform: 'rotate' }, /config\.base: unknown data set 'no-such-set'/],
      [
        { base: 'gaussian-power', baseConfig: { dim: 3 }, transform: 'rotate' },
        /config\.base: expected a 2-D/,
      ],
      [{ base: 'conditional', transform: 'rotate' }, /config\.base: expected an unconditional/],
      [{ base: 'ring', baseConfig: { radius: -1 }, transform: 'rotate' }, /'ring' config\.radius/],
    ];
    for (const [config, message] of bad) {
      expect(() => new ConditionalDataset(config as never)).toThrow(ConfigError);
      expect(() => new ConditionalDataset(config as never)).toThrow(message);
    }
  });
});
