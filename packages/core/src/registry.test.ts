import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, RegistryError } from './errors.js';
import { createRegistry, definePlugin } from './registry.js';

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
});
