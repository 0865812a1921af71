import { z } from 'zod';
import type { PluginKind } from './contracts.js';
import { ConfigError, RegistryError } from './errors.js';

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

const specSchema = z.object({
  kind: z.enum(['bijector', 'distribution', 'model', 'dataset']),
  type: z.string().min(1),
  config: z.record(z.string(), z.unknown()).default({}),
});

/** A set of plugins, keyed by kind and type. */
export interface Registry {
  /** Adds a plugin. Registering the same plugin object again is a no-op; another one under a taken type is a `RegistryError`. */
  register(plugin: Plugin<unknown, z.ZodType>): void;
  /** Validates `spec.config` against the plugin's schema and builds the object. */
  create<T = unknown>(spec: { kind: PluginKind; type: string; config?: Record<string, unknown> }): T;
  /** Validates a config and returns it with defaults filled, without building anything. */
  parseConfig(kind: PluginKind, type: string, config: unknown): Record<string, unknown>;
  has(kind: PluginKind, type: string): boolean;
  get(kind: PluginKind, type: string): Plugin<unknown, z.ZodType>;
  /** The plugins of one kind (or all), sorted by type. */
  list(kind?: PluginKind): Plugin<unknown, z.ZodType>[];
}

/** Turns zod issues into one message that names each failing field. */
export function describeIssues(where: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length > 0 ? `.${issue.path.map(String).join('.')}` : '';
      return `${where}${path}: ${issue.message}`;
    })
    .join('; ');
}

/**
 * Creates a registry. With a `parent`, lookups that miss fall through to it, so a user can extend
 * the default registry without changing it.
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
      throw new RegistryError(`unknown ${kind} type '${type}' (registered: ${known || 'none'})`);
    },
    list(kind) {
      const own = [...plugins.values()].filter((p) => kind === undefined || p.kind === kind);
      const inherited = parent?.list(kind).filter((p) => !plugins.has(key(p.kind, p.type))) ?? [];
      return [...own, ...inherited].sort((a, b) => a.type.localeCompare(b.type));
    },
    parseConfig(kind, type, config) {
      const plugin = registry.get(kind, type);
      const parsed = plugin.schema.safeParse(config ?? {});
      if (!parsed.success) throw new ConfigError(describeIssues(`${kind} '${type}' config`, parsed.error));
      return parsed.data as Record<string, unknown>;
    },
    create<T>(spec: unknown): T {
      const parsedSpec = specSchema.safeParse(spec);
      if (!parsedSpec.success) throw new ConfigError(describeIssues('spec', parsedSpec.error));
      const { kind, type, config } = parsedSpec.data;
      const plugin = registry.get(kind, type);
      const valid = registry.parseConfig(kind, type, config);
      return plugin.create(valid, { registry }) as T;
    },
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
 * Builds an object from a spec through the default registry.
 *
 * @example
 * ```ts
 * const layer = create({ kind: 'bijector', type: 'rq-coupling', config: { dim: 2 } });
 * const board = create({ kind: 'dataset', type: 'checkerboard' });
 * ```
 */
export function create<T = unknown>(spec: {
  kind: PluginKind;
  type: string;
  config?: Record<string, unknown>;
}): T {
  return defaultRegistry.create<T>(spec);
}

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
export const specConfigSchema = z.object({
  kind: z.enum(['bijector', 'distribution', 'model', 'dataset']),
  type: z.string().min(1),
  config: z.record(z.string(), z.json()).default({}),
});
