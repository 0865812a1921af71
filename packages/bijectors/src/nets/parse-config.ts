import { ConfigError, describeIssues } from '@diffeo/core';
import type { z } from 'zod';

/**
 * Validates a constructor's config against its schema (filling defaults), so a class built
 * directly gets the same checks and defaults as one built through the registry.
 */
export function parseConfig<S extends z.ZodType>(where: string, schema: S, config: unknown): z.output<S> {
  const parsed = schema.safeParse(config);
  if (!parsed.success) throw new ConfigError(describeIssues(`${where} config`, parsed.error));
  return parsed.data;
}
