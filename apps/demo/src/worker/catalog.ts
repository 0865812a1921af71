import { list, type PluginKind } from '@diffeo/core';
import { z } from 'zod';
import type { Catalog, CatalogEntry } from '../protocol.js';

function entries(kind: PluginKind): CatalogEntry[] {
  return list(kind).map((plugin) => ({
    type: plugin.type,
    description: plugin.description ?? '',
    // The input side of the schema: what a person types, with the defaults filled in by parsing.
    schema: z.toJSONSchema(plugin.schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
  }));
}

/** Every data set and bijector in the registry of this worker: built-in ones and any a user registered. */
export function catalog(): Catalog {
  return { datasets: entries('dataset'), bijectors: entries('bijector') };
}
