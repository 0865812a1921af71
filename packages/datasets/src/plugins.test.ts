import {
  BUILT_IN_TYPES,
  ConfigError,
  create as createFromDefault,
  createRegistry,
  createRng,
  list,
  ShapeError,
} from '@diffeo/core';
import { describe, expect, it } from 'vitest';
import './index.js';
import { plugins, registerDatasets } from './plugins.js';
import type { Dataset } from './types.js';

/** Configs for types that need one; every other type is built from `{}`. */
const minimal: Record<string, Record<string, unknown>> = {
  conditional: { base: 'four-circles', transform: 'rotate' },
};

/** One bad config per type and the field its error must name. */
const bad: Record<string, [Record<string, unknown>, RegExp]> = {
  checkerboard: [{ size: 8 }, /config\.size: unknown option 'size' \(it takes no options\)/],
  'four-circles': [{ radius: 0 }, /config\.radius/],
  'concentric-rings': [{ radii: [1, -2] }, /config\.radii\.1/],
  ring: [{ noise: -0.1 }, /config\.noise/],
  spirals: [{ noise: 'high' }, /config\.noise/],
  star: [{ bars: 2.5 }, /config\.bars/],
  'eight-star': [{ bars: 8 }, /config\.bars: unknown option 'bars' \(expected one of noise\)/],
  conditional: [{ base: 'ring', transform: 'rotate', maxAngle: 400 }, /config\.maxAngle/],
  'gaussian-power': [{ psi: 0.5 }, /config\.psi/],
  'half-moons': [{ noise: -1 }, /config\.noise/],
  pinwheel: [{ wings: 0 }, /config\.wings/],
  'two-circles': [{ factor: 1.5 }, /config\.factor/],
  digits: [{ dequantize: 'yes' }, /config\.dequantize/],
};

const types = plugins.map((p) => p.type).sort();

function build(type: string, config: Record<string, unknown> = minimal[type] ?? {}): Dataset {
  return createFromDefault<Dataset>({ kind: 'dataset', type, config });
}

describe('dataset plugins', () => {
  it('registers every data set of the papers in the default registry on import', () => {
    expect(list('dataset').map((p) => p.type)).toEqual(types);
    expect(types).toEqual([
      'checkerboard',
      'concentric-rings',
      'conditional',
      'digits',
      'eight-star',
      'four-circles',
      'gaussian-power',
      'half-moons',
      'pinwheel',
      'ring',
      'spirals',
      'star',
      'two-circles',
    ]);
    const registry = createRegistry();
    registerDatasets(registry);
    registerDatasets(registry);
    expect(registry.list('dataset').length).toBe(types.length);
  });

  it.each(types)('%s: shapes, labels and context agree with the data set; same seed same rows', (type) => {
    const ds = build(type);
    expect(ds.kind).toBe('dataset');
    expect(ds.type).toBe(type);
    const n = 300;
    const a = ds.sample(n, { seed: 1 });
    expect([a.n, a.dim, a.x.length]).toEqual([n, ds.dim, n * ds.dim]);
    expect(a.x).toBeInstanceOf(Float32Array);
    expect(a.x.every((v) => Number.isFinite(v))).toBe(true);
    if (ds.numClasses > 0) {
      expect(a.labels).toBeInstanceOf(Int32Array);
      expect(a.labels!.length).toBe(n);
      expect(a.labels!.every((l) => l >= 0 && l < ds.numClasses)).toBe(true);
    } else {
      expect(a.labels).toBeUndefined();
    }
    if (ds.contextDim > 0) {
      expect(a.contextDim).toBe(ds.contextDim);
      expect(a.context!.length).toBe(n * ds.contextDim);
    } else {
      expect(a.context).toBeUndefined();
    }
    expect(ds.sample(n, { seed: 1 })).toEqual(a);
    expect(ds.sample(n, { seed: createRng(1) })).toEqual(a);
    expect(ds.sample(n, { seed: 2 }).x).not.toEqual(a.x);
    // The config round-trips through the registry: an equal data set.
    const again = build(type, ds.getConfig());
    expect(again.getConfig()).toEqual(ds.getConfig());
    expect(JSON.parse(JSON.stringify(ds.getConfig()))).toEqual(ds.getConfig());
    expect(again.sample(50, { seed: 3 })).toEqual(ds.sample(50, { seed: 3 }));
  });

  it.each(types)('%s: the schema rejects a bad config with a ConfigError naming the field', (type) => {
    const [config, message] = bad[type]!;
    const full = { ...(minimal[type] ?? {}), ...config };
    expect(() => build(type, full)).toThrow(ConfigError);
    expect(() => build(type, full)).toThrow(new RegExp(`dataset '${type}' config`));
    expect(() => build(type, full)).toThrow(message);
    expect(() => build(type, { ...(minimal[type] ?? {}), notAField: 1 })).toThrow(
      new RegExp(`dataset '${type}' config\\.notAField: unknown option 'notAField'`),
    );
  });

  it('rejects bad sample arguments', () => {
    const ds = build('ring');
    expect(() => ds.sample(0, { seed: 1 })).toThrow(ShapeError);
    expect(() => ds.sample(2.5, { seed: 1 })).toThrow(
      /ring\.sample: n: expected a positive integer, got 2.5/,
    );
    expect(() => ds.sample(10, { seed: 1.5 })).toThrow(ConfigError);
    expect(() => ds.sample(10, { seed: 1.5 })).toThrow(/ring\.sample options\.seed: /);
    expect(() => ds.sample(10, { seed: -1 })).toThrow(/ring\.sample options\.seed: /);
    expect(() => ds.sample(10, { seed: '42' } as never)).toThrow(/ring\.sample options\.seed: /);
    expect(() => ds.sample(10, {} as never)).toThrow(/ring\.sample options\.seed: /);
    expect(() => ds.sample(10, { rng: 1 } as never)).toThrow(
      /unknown option 'rng' \(did you mean 'seed'\?\)/,
    );
    expect(() => ds.sample(10, 42 as never)).toThrow(/expected sample\(n, \{ seed \}\)/);
    expect(() => ds.sample(10, createRng(1) as never)).toThrow(/expected sample\(n, \{ seed \}\)/);
  });

  it('are the rows core names @diffeo/datasets for, and their specs are typed', () => {
    const ours = plugins.map((p) => `${p.kind}:${p.type}`).sort();
    const listed = Object.entries(BUILT_IN_TYPES)
      .filter(([, pkg]) => pkg === '@diffeo/datasets')
      .map(([key]) => key)
      .sort();
    expect(listed).toEqual(ours);
    // compile-time: a Ring, with its config typed, without a cast
    const ring = createFromDefault({ kind: 'dataset', type: 'ring', config: { noise: 0.1 } });
    expect(ring.getConfig()).toEqual({ radius: 2.25, noise: 0.1 });
    expect(ring.sample(3, { seed: 0 }).n).toBe(3);
  });
});
