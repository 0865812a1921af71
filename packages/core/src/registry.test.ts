import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, RegistryError } from './errors.js';
import { createRegistry, definePlugin, type Registry } from './registry.js';

declare module './registry.js' {
  interface PluginTypes {
    'bijector:test-affine': {
      config: { dim: number; scale?: number };
      result: { made: string; dim: number };
    };
  }
}

const affine = definePlugin({
  kind: 'bijector',
  type: 'test-affine',
  schema: z.object({ dim: z.number().int().positive(), scale: z.number().default(1) }),
  create: (config) => ({ made: 'affine', ...config }),
});

const chain = definePlugin({
  kind: 'bijector',
  type: 'test-chain',
  schema: z.object({
    parts: z.array(z.object({ kind: z.literal('bijector'), type: z.string(), config: z.any() })),
  }),
  create: (config, { registry }) => config.parts.map((p) => registry.create(p)),
});

describe('registry', () => {
  it('creates from a spec with validated config and defaults filled', () => {
    const r = createRegistry();
    r.register(affine);
    expect(r.create({ kind: 'bijector', type: 'test-affine', config: { dim: 3 } })).toEqual({
      made: 'affine',
      dim: 3,
      scale: 1,
    });
    expect(r.has('bijector', 'test-affine')).toBe(true);
    expect(r.has('distribution', 'test-affine')).toBe(false);
  });

  it('builds children through ctx.registry', () => {
    const r = createRegistry();
    r.register(affine);
    r.register(chain);
    const parts = r.create<unknown[]>({
      kind: 'bijector',
      type: 'test-chain',
      config: { parts: [{ kind: 'bijector', type: 'test-affine', config: { dim: 2, scale: 3 } }] },
    });
    expect(parts).toEqual([{ made: 'affine', dim: 2, scale: 3 }]);
  });

  it('names the failing field of an invalid config', () => {
    const r = createRegistry();
    r.register(affine);
    const bad = () => r.create({ kind: 'bijector', type: 'test-affine', config: { dim: 'two' } });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/bijector 'test-affine' config\.dim: .*expected number, received string/);
    expect(() => r.create({ kind: 'bijector', type: 'test-affine', config: { dim: -1 } })).toThrow(
      /config\.dim/,
    );
  });

  it('rejects unknown types and duplicate registrations with RegistryError', () => {
    const r = createRegistry();
    r.register(affine);
    r.register(affine); // the same plugin again is a no-op
    expect(() => r.register({ ...affine })).toThrow(RegistryError);
    expect(() => r.register({ ...affine })).toThrow(/'test-affine' is registered already/);
    expect(() => r.create({ kind: 'bijector', type: 'nope', config: {} })).toThrow(RegistryError);
    expect(() => r.create({ kind: 'bijector', type: 'nope', config: {} })).toThrow(/registered: test-affine/);
  });

  it('validates the spec itself', () => {
    const r = createRegistry();
    expect(() => r.create({ kind: 'banana' as 'bijector', type: 'x' })).toThrow(/spec\.kind/);
  });

  it('lists plugins by kind, sorted, including the parent registry', () => {
    const parent = createRegistry();
    parent.register(chain);
    const child = createRegistry(parent);
    child.register(affine);
    expect(child.list('bijector').map((p) => p.type)).toEqual(['test-affine', 'test-chain']);
    expect(child.list('dataset')).toEqual([]);
    expect(parent.has('bijector', 'test-affine')).toBe(false);
    expect(() => child.register({ ...chain })).toThrow(RegistryError);
  });

  it('rejects a misspelt option of a strict schema, naming the nearest valid one', () => {
    const r = createRegistry();
    r.register(
      definePlugin({ ...affine, schema: z.strictObject({ dim: z.number(), scale: z.number().default(1) }) }),
    );
    expect(() => r.create({ kind: 'bijector', type: 'test-affine', config: { dim: 2, scal: 2 } })).toThrow(
      "bijector 'test-affine' config.scal: unknown option 'scal' (did you mean 'scale'?)",
    );
    expect(() => r.create({ kind: 'bijector', type: 'test-affine', confg: {} } as never)).toThrow(
      /spec\.confg: unknown option 'confg' \(did you mean 'config'\?\)/,
    );
  });

  it('says which package registers a built-in type that is missing', () => {
    const r = createRegistry();
    expect(() => r.create({ kind: 'distribution', type: 'flow' })).toThrow(
      "unknown distribution type 'flow' (registered: none); 'flow' is registered by @diffeo/distributions: import '@diffeo/distributions' for its side effect (a type-only import registers nothing)",
    );
    expect(() => r.create({ kind: 'bijector', type: 'my-own' })).toThrow(/registered: none\)$/);
  });

  it('types a spec of a plugin listed in PluginTypes and stays generic otherwise', () => {
    const r: Registry = createRegistry();
    r.register(affine);
    const made = r.create({ kind: 'bijector', type: 'test-affine', config: { dim: 2 } });
    // compile-time: `made` is typed by PluginTypes, so `.made` needs no cast
    expect(made.made).toBe('affine');
    expect(() => r.create({ kind: 'bijector', type: 'test-affine', config: { dim: 'two' } })).toThrow(
      ConfigError,
    );
    const other = r.create<{ n: number }>({ kind: 'bijector', type: 'test-affine', config: { dim: 1 } });
    expect(other).toMatchObject({ dim: 1 });
  });
});
