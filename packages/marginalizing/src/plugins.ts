import { defaultRegistry, type Plugin, type Registry } from '@diffeo/core';
import { marginalizingFlowPlugin } from './marginalizing-flow.js';

/** Every plugin of this package. */
export const plugins: Plugin[] = [marginalizingFlowPlugin];

/**
 * Registers this package's models in `registry` (the default registry when omitted).
 *
 * @example
 * ```ts
 * import { registerBijectors } from '@diffeo/bijectors';
 * import { createRegistry, load } from '@diffeo/core';
 * import { registerDistributions } from '@diffeo/distributions';
 * import { type MarginalizingFlow, registerMarginalizing } from '@diffeo/marginalizing';
 *
 * const registry = createRegistry(); // a registry of your own, without the default one's plugins
 * registerBijectors(registry); // the inner flow is built from these
 * registerDistributions(registry);
 * registerMarginalizing(registry);
 * const model = await load<MarginalizingFlow>('file://./models/marginalizing', registry);
 * ```
 */
export function registerMarginalizing(registry: Registry = defaultRegistry): void {
  for (const plugin of plugins) registry.register(plugin);
}
