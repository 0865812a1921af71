import { defaultRegistry, type Plugin, type Registry } from '@diffeo/core';
import { autoregressivePlugins } from './autoregressive/index.js';
import { composePlugins } from './compose/index.js';
import { couplingPlugins } from './coupling/index.js';
import { elementwisePlugins } from './elementwise/index.js';
import { linearPlugins } from './linear/index.js';

/** Every bijector plugin of this package. */
export const plugins: Plugin[] = [
  ...elementwisePlugins,
  ...linearPlugins,
  ...couplingPlugins,
  ...autoregressivePlugins,
  ...composePlugins,
];

/** Registers this package's bijectors in `registry` (the default registry when omitted). */
export function registerBijectors(registry: Registry = defaultRegistry): void {
  for (const plugin of plugins) registry.register(plugin);
}
