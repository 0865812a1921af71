import { chainPlugin } from './chain.js';
import { inversePlugin } from './inverse.js';
import { rBlockPlugin } from './r-block.js';

export { Chain, type ChainConfig, chainPlugin } from './chain.js';
export { Inverse, type InverseConfig, inversePlugin } from './inverse.js';
export { RBlock, type RBlockConfig, type RBlockPart, rBlockConfigSchema, rBlockPlugin } from './r-block.js';

/** The composition plugins. */
export const composePlugins = [chainPlugin, inversePlugin, rBlockPlugin];
