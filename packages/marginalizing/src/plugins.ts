import { defaultRegistry, type Plugin, type Registry } from '@diffeo/core';
import { marginalizingFlowPlugin } from './marginalizing-flow.js';

/** Every plugin of this package. */
export const plugins: Plugin[] = [marginalizingFlowPlugin];

/** Registers this package's models in `registry` (the default registry when omitted). */
export function registerMarginalizing(registry: Registry = defaultRegistry): void {
  for (const plugin of plugins) registry.register(plugin);
}
