import { registerBijectors } from '@diffeo/bijectors';
import { defaultRegistry, type Plugin, type Registry } from '@diffeo/core';
import { registerDistributions } from '@diffeo/distributions';
import { mixtureOfFlowsPlugin } from './mixture.js';

/** Every plugin of this package. */
export const plugins: Plugin[] = [mixtureOfFlowsPlugin];

/**
 * Registers this package's model in `registry` (the default registry when omitted), with the
 * distributions (and bijectors) its components are built from.
 *
 * @example
 * ```ts
 * import { createRegistry, load } from '@diffeo/core';
 * import { type MixtureOfFlows, registerMixtures } from '@diffeo/mixtures';
 *
 * const registry = createRegistry(); // a registry of your own, without the default one's plugins
 * registerMixtures(registry); // with the bijectors and distributions its components are built from
 * const model = await load<MixtureOfFlows>('file://./models/mixture', registry);
 * ```
 */
export function registerMixtures(registry: Registry = defaultRegistry): void {
  registerBijectors(registry);
  registerDistributions(registry);
  for (const plugin of plugins) registry.register(plugin);
}
