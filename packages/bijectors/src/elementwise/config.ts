import { ConfigError, describeIssues } from '@diffeo/core';
import type { z } from 'zod';

/**
 * Validates a constructor's config with the plugin's schema, so a bijector built in code (`new
 * PReLU({ dim: 2 })`) gets the same defaults and the same `ConfigError`s as one built from a spec.
 */
export function parseConfig<S extends z.ZodType>(schema: S, config: unknown, type: string): z.output<S> {
  const parsed = schema.safeParse(config ?? {});
  if (!parsed.success) throw new ConfigError(describeIssues(`bijector '${type}' config`, parsed.error));
  return parsed.data;
}
