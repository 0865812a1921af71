/**
 * @diffeo/bijectors: invertible maps with log-determinants. Importing the package registers
 * every bijector in the default registry.
 *
 * @packageDocumentation
 */
import { registerBijectors } from './plugins.js';

export { BaseBijector, rowsOf, zeroLogDet } from './base.js';
export { Affine, affinePlugin } from './elementwise/index.js';
export { plugins, registerBijectors } from './plugins.js';
export { type BijectorReport, checkBijector, logAbsDet } from './testing/check-bijector.js';

registerBijectors();
