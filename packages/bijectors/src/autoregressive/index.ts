import { maskedAffineAutoregressivePlugin } from './masked-affine.js';
import { maskedRationalQuadraticAutoregressivePlugin } from './masked-rq.js';

export { type HiddenDegrees, hiddenDegreesSchema, MADE, type MADEConfig, madeConfigSchema } from './made.js';
export {
  MaskedAffineAutoregressive,
  type MaskedAffineAutoregressiveConfig,
  maskedAffineAutoregressiveConfigSchema,
  maskedAffineAutoregressivePlugin,
} from './masked-affine.js';
export {
  MaskedAutoregressive,
  type MaskedAutoregressiveOptions,
  maskedAutoregressiveFields,
} from './masked-autoregressive.js';
export {
  MaskedRationalQuadraticAutoregressive,
  type MaskedRationalQuadraticAutoregressiveConfig,
  maskedRationalQuadraticAutoregressiveConfigSchema,
  maskedRationalQuadraticAutoregressivePlugin,
} from './masked-rq.js';

/** The autoregressive bijector plugins: 'masked-affine-autoregressive', 'masked-rq-autoregressive'. */
export const autoregressivePlugins = [
  maskedAffineAutoregressivePlugin,
  maskedRationalQuadraticAutoregressivePlugin,
];
