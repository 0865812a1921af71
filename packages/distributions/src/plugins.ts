import { defaultRegistry, type Plugin, type Registry } from '@diffeo/core';
import type { z } from 'zod';
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

/**
 * Registers this package's distributions in `registry` (the default registry when omitted).
 *
 * @example
 * ```ts
 * import { registerBijectors } from '@diffeo/bijectors';
 * import { createRegistry } from '@diffeo/core';
 * import { nsf, registerDistributions } from '@diffeo/distributions';
 *
 * const registry = createRegistry(); // a registry of your own, without the default one's plugins
 * registerBijectors(registry); // flows are built from bijectors
 * registerDistributions(registry);
 * const flow = nsf({ dim: 2, seed: 0 }, registry);
 * ```
 */
export function registerDistributions(registry: Registry = defaultRegistry): void {
  for (const plugin of plugins) registry.register(plugin);
}

import type { BoxUniform } from './box-uniform.js';
import type { ConditionalDiagonalNormal } from './conditional-normal.js';
import type { Flow } from './flow.js';
import type { DiagonalNormal, StandardNormal } from './normal.js';

// Typed specs: `create({ kind: 'distribution', type: 'flow', config })` returns a Flow.
declare module '@diffeo/core' {
  interface PluginTypes {
    'distribution:standard-normal': {
      config: ConstructorParameters<typeof StandardNormal>[0];
      result: StandardNormal;
    };
    'distribution:diagonal-normal': {
      config: ConstructorParameters<typeof DiagonalNormal>[0];
      result: DiagonalNormal;
    };
    'distribution:conditional-diagonal-normal': {
      config: ConstructorParameters<typeof ConditionalDiagonalNormal>[0];
      result: ConditionalDiagonalNormal;
    };
    'distribution:box-uniform': { config: ConstructorParameters<typeof BoxUniform>[0]; result: BoxUniform };
    'distribution:flow': { config: z.input<typeof flowPlugin.schema>; result: Flow };
  }
}
