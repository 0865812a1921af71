import { maskedAffineAutoregressivePlugin } from './masked-affine.js';
import { maskedRationalQuadraticAutoregressivePlugin } from './masked-rq.js';

export {
  AutoregressiveBijector,
  type AutoregressiveConfig,
  type AutoregressiveDirection,
  autoregressiveConfigFields,
} from './autoregressive-base.js';
export { type HiddenDegrees, MADE, type MadeConfig } from './made.js';
export {
  type AffineScale,
  MaskedAffineAutoregressive,
  type MaskedAffineAutoregressiveConfig,
  maskedAffineAutoregressivePlugin,
} from './masked-affine.js';
export {
  MaskedRationalQuadraticAutoregressive,
  type MaskedRationalQuadraticAutoregressiveConfig,
  maskedRationalQuadraticAutoregressivePlugin,
} from './masked-rq.js';

/** The autoregressive bijector plugins: 'masked-affine-autoregressive', 'masked-rq-autoregressive'. */
export const autoregressivePlugins = [
  maskedAffineAutoregressivePlugin,
  maskedRationalQuadraticAutoregressivePlugin,
];
