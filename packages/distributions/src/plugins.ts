import { defaultRegistry, type Plugin, type Registry } from '@diffeo/core';
import { boxUniformPlugin } from './box-uniform.js';
import { conditionalDiagonalNormalPlugin } from './conditional-normal.js';
import { flowPlugin } from './flow.js';
import { diagonalNormalPlugin, standardNormalPlugin } from './normal.js';

/** Every distribution plugin of this package. */
export const plugins: Plugin[] = [
  standardNormalPlugin,
  diagonalNormalPlugin,
  conditionalDiagonalNormalPlugin,
  boxUniformPlugin,
  flowPlugin,
];

/** Registers this package's distributions in `registry` (the default registry when omitted). */
export function registerDistributions(registry: Registry = defaultRegistry): void {
  for (const plugin of plugins) registry.register(plugin);
}
