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

/**
 * Registers this package's bijectors in `registry` (the default registry when omitted).
 *
 * @example
 * ```ts
 * import { registerBijectors } from '@diffeo/bijectors';
 * import { createRegistry } from '@diffeo/core';
 *
 * const registry = createRegistry(); // a registry of your own, without the default one's plugins
 * registerBijectors(registry);
 * const layer = registry.create({ kind: 'bijector', type: 'act-norm', config: { dim: 2 } });
 * ```
 */
export function registerBijectors(registry: Registry = defaultRegistry): void {
  for (const plugin of plugins) registry.register(plugin);
}

import type {
  MaskedAffineAutoregressive,
  MaskedAffineAutoregressiveConfig,
} from './autoregressive/masked-affine.js';
import type {
  MaskedRationalQuadraticAutoregressive,
  MaskedRationalQuadraticAutoregressiveConfig,
} from './autoregressive/masked-rq.js';
import type { Chain, ChainConfig } from './compose/chain.js';
import type { Inverse, InverseConfig } from './compose/inverse.js';
import type { RBlock, RBlockConfig } from './compose/r-block.js';
import type { AffineCoupling, AffineCouplingConfig } from './coupling/affine-coupling.js';
import type { RationalQuadraticCoupling, RQCouplingConfig } from './coupling/rq-coupling.js';
import type { ActNorm, ActNormConfig } from './elementwise/act-norm.js';
import type { Affine } from './elementwise/affine.js';
import type { BatchNorm, BatchNormConfig } from './elementwise/batch-norm.js';
import type { LeakyReLU, LeakyReLUConfig } from './elementwise/leaky-relu.js';
import type { Logit, LogitConfig } from './elementwise/logit.js';
import type { PReLU, PReLUConfig } from './elementwise/prelu.js';
import type { Sigmoid, SigmoidConfig } from './elementwise/sigmoid.js';
import type { Tanh, TanhConfig } from './elementwise/tanh.js';
import type { LULinear, LULinearConfig } from './linear/lu-linear.js';
import type { Permutation, PermutationConfig } from './linear/permutation.js';

// Typed specs: `create({ kind: 'bijector', type: 'rq-coupling', config })` checks the config's
// type and returns a RationalQuadraticCoupling.
declare module '@diffeo/core' {
  interface PluginTypes {
    'bijector:affine': { config: { dim: number }; result: Affine };
    'bijector:act-norm': { config: ActNormConfig; result: ActNorm };
    'bijector:batch-norm': { config: BatchNormConfig; result: BatchNorm };
    'bijector:leaky-relu': { config: LeakyReLUConfig; result: LeakyReLU };
    'bijector:logit': { config: LogitConfig; result: Logit };
    'bijector:prelu': { config: PReLUConfig; result: PReLU };
    'bijector:sigmoid': { config: SigmoidConfig; result: Sigmoid };
    'bijector:tanh': { config: TanhConfig; result: Tanh };
    'bijector:lu-linear': { config: LULinearConfig; result: LULinear };
    'bijector:permutation': { config: PermutationConfig; result: Permutation };
    'bijector:affine-coupling': { config: AffineCouplingConfig; result: AffineCoupling };
    'bijector:rq-coupling': { config: RQCouplingConfig; result: RationalQuadraticCoupling };
    'bijector:masked-affine-autoregressive': {
      config: MaskedAffineAutoregressiveConfig;
      result: MaskedAffineAutoregressive;
    };
    'bijector:masked-rq-autoregressive': {
      config: MaskedRationalQuadraticAutoregressiveConfig;
      result: MaskedRationalQuadraticAutoregressive;
    };
    'bijector:chain': { config: ChainConfig; result: Chain };
    'bijector:inverse': { config: InverseConfig; result: Inverse };
    'bijector:r-block': { config: RBlockConfig; result: RBlock };
  }
}
