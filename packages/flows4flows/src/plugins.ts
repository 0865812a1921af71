import { defaultRegistry, type Plugin, type Registry } from '@diffeo/core';
import { flowForFlowPlugin } from './flow-for-flow.js';

/** Every plugin of this package. */
export const plugins: Plugin[] = [flowForFlowPlugin];

/** Registers this package's model in `registry` (the default registry when omitted). */
export function registerFlows4Flows(registry: Registry = defaultRegistry): void {
  for (const plugin of plugins) registry.register(plugin);
}
