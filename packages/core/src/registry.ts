import { z } from 'zod';
import { parseConfig } from './config.js';
import type { PluginKind } from './contracts.js';
import { RegistryError } from './errors.js';

/** What a plugin's `create` receives besides its config: the registry to build children with. */
export interface PluginContext {
  registry: Registry;
}

/**
 * A named factory plus the schema of its config. `create` receives the config after the schema
 * has validated it (and filled defaults).
 */
export interface Plugin<T = unknown, S extends z.ZodType = z.ZodType> {
  kind: PluginKind;
  type: string;
  schema: S;
  /** One line for menus and docs. */
  description?: string;
  create(config: z.output<S>, ctx: PluginContext): T;
}

/**
 * Defines a plugin with its config type inferred from the schema.
 *
 * @example
 * ```ts
 * const plugin = definePlugin({
 *   kind: 'bijector',
 *   type: 'my-shift',
 *   schema: z.object({ dim: z.number().int().positive() }),
 *   create: (config) => new MyShift(config), // config: { dim: number }
 * });
 * register(plugin);
 * ```
 */
export function definePlugin<S extends z.ZodType, T>(plugin: Plugin<T, S>): Plugin<T, S> {
  return plugin;
}

const specSchema = z.strictObject({
  kind: z.enum(['bijector', 'distribution', 'model', 'dataset']),
  type: z.string().min(1),
  config: z.record(z.string(), z.unknown()).default({}),
});

/**
 * The config and result types of plugins, keyed `'kind:type'`, for typed specs: each Diffeo
 * package adds its built-in plugins by declaration merging, and a user can add theirs the same way.
 *
 * @example
 * ```ts
 * declare module '@diffeo/core' {
 *   interface PluginTypes {
 *     'bijector:my-shift': { config: { dim: number; shift?: number }; result: MyShift };
 *   }
 * }
 * const b = create({ kind: 'bijector', type: 'my-shift', config: { dim: 2 } }); // b: MyShift
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging
export interface PluginTypes {}

/** A spec of a plugin listed in {@link PluginTypes}, with its config typed. */
export type KnownSpec = {
  [K in keyof PluginTypes & string]: K extends `${infer Kind extends PluginKind}:${infer Type}`
    ? {
        kind: Kind;
        type: Type;
        config?: PluginTypes[K] extends { config: infer C } ? C : Record<string, unknown>;
      }
    : never;
}[keyof PluginTypes & string];

/** What `create(spec)` returns for a spec of a plugin listed in {@link PluginTypes}. */
export type CreatedBy<S> = S extends { kind: infer Kind extends string; type: infer Type extends string }
  ? `${Kind}:${Type}` extends keyof PluginTypes
    ? PluginTypes[`${Kind}:${Type}`] extends { result: infer R }
      ? R
      : unknown
    : unknown
  : unknown;

/** Any spec: the untyped form `create` takes for plugins outside {@link PluginTypes}. */
export interface AnySpec {
  kind: PluginKind;
  type: string;
  config?: Record<string, unknown>;
}

/** Builds an object from a spec: typed for the plugins in {@link PluginTypes}, generic otherwise. */
export interface CreateFunction {
  <const S extends KnownSpec>(spec: S): CreatedBy<S>;
  <T = unknown>(spec: AnySpec): T;
}

/** A set of plugins, keyed by kind and type. */
export interface Registry {
  /** Adds a plugin. Registering the same plugin object again is a no-op; another one under a taken type is a `RegistryError`. */
  register(plugin: Plugin<unknown, z.ZodType>): void;
  /**
   * Validates `spec.config` against the plugin's schema and builds the object. The result is typed
   * for the plugins in {@link PluginTypes} (every built-in one); `create<T>(spec)` otherwise.
   */
  create: CreateFunction;
  /** Validates a config and returns it with defaults filled, without building anything. */
  parseConfig(kind: PluginKind, type: string, config: unknown): Record<string, unknown>;
  has(kind: PluginKind, type: string): boolean;
  get(kind: PluginKind, type: string): Plugin<unknown, z.ZodType>;
  /** The plugins of one kind (or all), sorted by type. */
  list(kind?: PluginKind): Plugin<unknown, z.ZodType>[];
}

/**
 * Which package registers each built-in type, so that an unknown-type error can say what to
 * import (a type-only import, or none, registers nothing). Each package's tests check its rows.
 */
export const BUILT_IN_TYPES: Readonly<Record<string, string>> = {
  'bijector:affine': '@diffeo/bijectors',
  'bijector:act-norm': '@diffeo/bijectors',
  'bijector:batch-norm': '@diffeo/bijectors',
  'bijector:leaky-relu': '@diffeo/bijectors',
  'bijector:logit': '@diffeo/bijectors',
  'bijector:prelu': '@diffeo/bijectors',
  'bijector:sigmoid': '@diffeo/bijectors',
  'bijector:tanh': '@diffeo/bijectors',
  'bijector:lu-linear': '@diffeo/bijectors',
  'bijector:permutation': '@diffeo/bijectors',
  'bijector:affine-coupling': '@diffeo/bijectors',
  'bijector:rq-coupling': '@diffeo/bijectors',
  'bijector:masked-affine-autoregressive': '@diffeo/bijectors',
  'bijector:masked-rq-autoregressive': '@diffeo/bijectors',
  'bijector:chain': '@diffeo/bijectors',
  'bijector:inverse': '@diffeo/bijectors',
  'bijector:r-block': '@diffeo/bijectors',
  'distribution:standard-normal': '@diffeo/distributions',
  'distribution:diagonal-normal': '@diffeo/distributions',
  'distribution:conditional-diagonal-normal': '@diffeo/distributions',
  'distribution:box-uniform': '@diffeo/distributions',
  'distribution:flow': '@diffeo/distributions',
  'dataset:checkerboard': '@diffeo/datasets',
  'dataset:four-circles': '@diffeo/datasets',
  'dataset:concentric-rings': '@diffeo/datasets',
  'dataset:ring': '@diffeo/datasets',
  'dataset:spirals': '@diffeo/datasets',
  'dataset:star': '@diffeo/datasets',
  'dataset:eight-star': '@diffeo/datasets',
  'dataset:conditional': '@diffeo/datasets',
  'dataset:gaussian-power': '@diffeo/datasets',
  'dataset:half-moons': '@diffeo/datasets',
  'dataset:pinwheel': '@diffeo/datasets',
  'dataset:two-circles': '@diffeo/datasets',
  'dataset:digits': '@diffeo/datasets',
};

/**
 * Creates a registry. With a `parent`, lookups that miss fall through to it, so a user can extend
 * the default registry without changing it.
 *
 * @example
 * ```ts
 * import { Affine } from '@diffeo/bijectors';
 * import { createRegistry, defaultRegistry, definePlugin } from '@diffeo/core';
 * import { z } from 'zod';
 *
 * const registry = createRegistry(defaultRegistry); // lookups that miss fall through to the built-in plugins
 * registry.register(
 *   definePlugin({
 *     kind: 'bijector',
 *     type: 'my-affine',
 *     schema: z.strictObject({ dim: z.number().int().positive() }),
 *     create: (config) => new Affine(config),
 *   }),
 * );
 * const layer = registry.create<Affine>({ kind: 'bijector', type: 'my-affine', config: { dim: 2 } });
 * defaultRegistry.has('bijector', 'my-affine'); // false: the default registry is unchanged
 * ```
 */
export function createRegistry(parent?: Registry): Registry {
  const plugins = new Map<string, Plugin<unknown, z.ZodType>>();
  const key = (kind: PluginKind, type: string) => `${kind}:${type}`;

  const registry: Registry = {
    register(plugin) {
      const k = key(plugin.kind, plugin.type);
      const existing = plugins.get(k);
      if (existing === plugin) return;
      if (existing !== undefined || (parent?.has(plugin.kind, plugin.type) ?? false)) {
        throw new RegistryError(`register: a ${plugin.kind} of type '${plugin.type}' is registered already`);
      }
      plugins.set(k, plugin);
    },
    has(kind, type) {
      return plugins.has(key(kind, type)) || (parent?.has(kind, type) ?? false);
    },
    get(kind, type) {
      const plugin = plugins.get(key(kind, type));
      if (plugin !== undefined) return plugin;
      if (parent?.has(kind, type)) return parent.get(kind, type);
      const known = registry
        .list(kind)
        .map((p) => p.type)
        .join(', ');
      const home = BUILT_IN_TYPES[`${kind}:${type}`];
      const hint =
        home === undefined
          ? ''
          : `; '${type}' is registered by ${home}: import '${home}' for its side effect (a type-only import registers nothing)`;
      throw new RegistryError(`unknown ${kind} type '${type}' (registered: ${known || 'none'})${hint}`);
    },
    list(kind) {
      const own = [...plugins.values()].filter((p) => kind === undefined || p.kind === kind);
      const inherited = parent?.list(kind).filter((p) => !plugins.has(key(p.kind, p.type))) ?? [];
      return [...own, ...inherited].sort((a, b) => a.type.localeCompare(b.type));
    },
    parseConfig(kind, type, config) {
      const plugin = registry.get(kind, type);
      return parseConfig(`${kind} '${type}' config`, plugin.schema, config) as Record<string, unknown>;
    },
    create: ((spec: unknown) => {
      const { kind, type, config } = parseConfig('spec', specSchema, spec);
      const plugin = registry.get(kind, type);
      const valid = registry.parseConfig(kind, type, config);
      return plugin.create(valid, { registry });
    }) as CreateFunction,
  };
  return registry;
}

/** The registry that every Diffeo package registers its plugins in when it is imported. */
export const defaultRegistry: Registry = createRegistry();

/**
 * Registers a plugin in the default registry.
 *
 * @example
 * ```ts
 * register(definePlugin({ kind: 'bijector', type: 'my-shift', schema, create: (c) => new MyShift(c) }));
 * create({ kind: 'bijector', type: 'my-shift', config: { dim: 2 } });
 * ```
 */
export function register(plugin: Plugin<unknown, z.ZodType>): void {
  defaultRegistry.register(plugin);
}

/**
 * Builds an object from a spec through the default registry; typed for the built-in plugins.
 *
 * @example
 * ```ts
 * import { create } from '@diffeo/core';
 * import '@diffeo/bijectors';
 * import '@diffeo/datasets';
 * const layer = create({ kind: 'bijector', type: 'rq-coupling', config: { dim: 2, numBins: 4 } });
 * const board = create({ kind: 'dataset', type: 'checkerboard' });
 * ```
 */
export const create: CreateFunction = ((spec: AnySpec) => defaultRegistry.create(spec)) as CreateFunction;

/**
 * Lists the plugins of the default registry.
 *
 * @example
 * ```ts
 * list('dataset').map((p) => p.type); // ['checkerboard', 'concentric-rings', ...]
 * ```
 */
export function list(kind?: PluginKind): Plugin<unknown, z.ZodType>[] {
  return defaultRegistry.list(kind);
}

/**
 * Whether the default registry has a plugin.
 *
 * @example
 * ```ts
 * has('distribution', 'flow'); // true once @diffeo/distributions is imported
 * ```
 */
export function has(kind: PluginKind, type: string): boolean {
  return defaultRegistry.has(kind, type);
}

/** The schema of a nested spec, for plugins whose configs hold children (a chain's bijectors). */
export const specConfigSchema = z.strictObject({
  kind: z.enum(['bijector', 'distribution', 'model', 'dataset']),
  type: z.string().min(1),
  config: z.record(z.string(), z.json()).default({}),
});
