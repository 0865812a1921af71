import { defaultRegistry, type Plugin, type Registry } from '@diffeo/core';
import { flowForFlowPlugin } from './flow-for-flow.js';

/** Every plugin of this package. */
export const plugins: Plugin[] = [flowForFlowPlugin];

/**
 * Registers this package's model in `registry` (the default registry when omitted).
 *
 * @example
 * ```ts
 * import { registerBijectors } from '@diffeo/bijectors';
 * import { createRegistry, load } from '@diffeo/core';
 * import { registerDistributions } from '@diffeo/distributions';
 * import { type FlowForFlow, registerFlows4Flows } from '@diffeo/flows4flows';
 *
 * const registry = createRegistry(); // a registry of your own, without the default one's plugins
 * registerBijectors(registry); // the map and the bases are built from these
 * registerDistributions(registry);
 * registerFlows4Flows(registry);
 * const f4f = await load<FlowForFlow>('file://./models/f4f', registry);
 * ```
 */
export function registerFlows4Flows(registry: Registry = defaultRegistry): void {
  for (const plugin of plugins) registry.register(plugin);
}
