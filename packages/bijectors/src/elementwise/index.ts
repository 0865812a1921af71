import { affinePlugin } from './affine.js';

export { Affine, affinePlugin } from './affine.js';

export const elementwisePlugins = [affinePlugin];
