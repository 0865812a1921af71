import { z } from 'zod';
import { ConfigError } from './errors.js';

/**
 * Old or common names of options and the names Diffeo uses for them, so that a key nobody would
 * misspell into the right one (`numLayers` for `numTransforms`) still gets the right suggestion.
 * An entry only suggests names the schema has.
 */
const RENAMED: Readonly<Record<string, readonly string[]>> = {
  numLayers: ['numTransforms', 'numHiddenLayers'],
  contextFeatures: ['contextDim'],
  features: ['dim', 'outFeatures'],
  rng: ['seed'],
  lr: ['learningRate'],
};

/** Edit distance between two names, case-insensitive (a wrong capital is one edit). */
function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[t.length]!;
}

/**
 * The valid name nearest to `key`, or undefined when none is close enough to be a likely typo.
 *
 * @example
 * ```ts
 * nearestName('numBin', ['dim', 'numBins']); // 'numBins'
 * nearestName('lr', ['steps', 'learningRate']); // 'learningRate'
 * ```
 */
export function nearestName(key: string, valid: readonly string[]): string | undefined {
  for (const [old, renamed] of Object.entries(RENAMED)) {
    if (distance(key, old) <= Math.floor(old.length / 4)) {
      const hit = renamed.find((name) => valid.includes(name));
      if (hit !== undefined) return hit;
    }
  }
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of valid) {
    const d = distance(key, name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(key.length / 3));
  return bestDistance <= limit ? best : undefined;
}

type AnySchema = z.core.$ZodType;

/** The object keys a schema accepts at `path` (through defaults, optionals, pipes, unions, arrays). */
function keysAt(schema: AnySchema, path: readonly PropertyKey[]): string[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return keysAt(def.innerType as AnySchema, path);
    case 'pipe':
      return keysAt(def.in as AnySchema, path);
    case 'lazy':
      return keysAt((def.getter as () => AnySchema)(), path);
    case 'union': {
      const keys = (def.options as AnySchema[]).flatMap((option) => keysAt(option, path));
      return [...new Set(keys)];
    }
    case 'array':
      return path.length > 0 ? keysAt(def.element as AnySchema, path.slice(1)) : [];
    case 'record':
      return path.length > 0 ? keysAt(def.valueType as AnySchema, path.slice(1)) : [];
    case 'object': {
      const shape = def.shape as Record<string, AnySchema>;
      if (path.length === 0) return Object.keys(shape);
      const child = shape[String(path[0])];
      return child === undefined ? [] : keysAt(child, path.slice(1));
    }
    default:
      return [];
  }
}

function describeIssue(where: string, schema: AnySchema, issue: z.core.$ZodIssue): string[] {
  const at = (path: readonly PropertyKey[]) => (path.length > 0 ? `.${path.map(String).join('.')}` : '');
  if (issue.code === 'unrecognized_keys') {
    const valid = keysAt(schema, issue.path);
    return issue.keys.map((key) => {
      const near = nearestName(key, valid);
      const hint =
        near !== undefined
          ? `did you mean '${near}'?`
          : valid.length > 0
            ? `expected one of ${valid.join(', ')}`
            : 'it takes no options';
      return `${where}${at([...issue.path, key])}: unknown option '${key}' (${hint})`;
    });
  }
  return [`${where}${at(issue.path)}: ${issue.message}`];
}

/**
 * Turns zod issues into one message that names each failing field; an unknown key is named with
 * the nearest valid one when the schema is given.
 *
 * @example
 * ```ts
 * import { describeIssues } from '@diffeo/core';
 * import { z } from 'zod';
 *
 * const schema = z.strictObject({ numBins: z.number().int().positive().default(8) });
 * const parsed = schema.safeParse({ numBin: 4 });
 * if (!parsed.success) describeIssues('options', parsed.error, schema);
 * // "options.numBin: unknown option 'numBin' (did you mean 'numBins'?)"
 * ```
 */
export function describeIssues(where: string, error: z.ZodError, schema?: z.core.$ZodType): string {
  return error.issues
    .flatMap((issue) =>
      schema === undefined
        ? [`${where}${issue.path.length > 0 ? `.${issue.path.map(String).join('.')}` : ''}: ${issue.message}`]
        : describeIssue(where, schema, issue),
    )
    .join('; ');
}

/**
 * Validates `config` against `schema` and returns it with the defaults filled; a failure is a
 * {@link ConfigError} that names every failing field under `where`, and for an unknown key (the
 * schemas are strict) the nearest valid one. The one way Diffeo parses a config: plugins, class
 * constructors, builders and option objects all call it, so a class built in code checks exactly
 * what `registry.create` checks, before any variable is made.
 *
 * @example
 * ```ts
 * const schema = z.strictObject({ dim: z.number().int().positive(), numBins: z.number().default(8) });
 * parseConfig("bijector 'rq-coupling' config", schema, { dim: 2 }); // { dim: 2, numBins: 8 }
 * parseConfig("bijector 'rq-coupling' config", schema, { dim: 2, numBin: 4 });
 * // ConfigError: bijector 'rq-coupling' config.numBin: unknown option 'numBin' (did you mean 'numBins'?)
 * ```
 */
export function parseConfig<S extends z.ZodType>(where: string, schema: S, config: unknown): z.output<S> {
  const parsed = schema.safeParse(config ?? {});
  if (!parsed.success) throw new ConfigError(describeIssues(where, parsed.error, schema));
  return parsed.data;
}

/**
 * A seed inside a config: a non-negative integer (configs are JSON, so an `Rng` cannot go there;
 * methods such as `sample` take either, through `toRng`).
 */
export const seedSchema = z.number().int().nonnegative();
