import { affineCouplingPlugin } from './affine-coupling.js';
import { rqCouplingPlugin } from './rq-coupling.js';

export {
  AffineCoupling,
  type AffineCouplingConfig,
  affineCouplingConfigSchema,
  affineCouplingPlugin,
} from './affine-coupling.js';
export { Coupling, type CouplingOptions, couplingFields } from './coupling.js';
export { type MaskSpec, MaskSplitter, maskSchema, resolveMask } from './mask.js';
export {
  RationalQuadraticCoupling,
  type RQCouplingConfig,
  rqCouplingConfigSchema,
  rqCouplingPlugin,
} from './rq-coupling.js';

/** The coupling layers' plugins: 'affine-coupling' and 'rq-coupling'. */
export const couplingPlugins = [affineCouplingPlugin, rqCouplingPlugin];
