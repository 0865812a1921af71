import { defaultRegistry, type Plugin, type Registry } from '@diffeo/core';
import { conditionalPlugin } from './conditional/conditional.js';
import { digitsPlugin } from './digits/digits.js';
import { checkerboardPlugin } from './planar/checkerboard.js';
import { concentricRingsPlugin } from './planar/concentric-rings.js';
import { fourCirclesPlugin } from './planar/four-circles.js';
import { halfMoonsPlugin } from './planar/half-moons.js';
import { pinwheelPlugin } from './planar/pinwheel.js';
import { ringPlugin } from './planar/ring.js';
import { spiralsPlugin } from './planar/spirals.js';
import { eightStarPlugin, starPlugin } from './planar/star.js';
import { twoCirclesPlugin } from './planar/two-circles.js';
import { gaussianPowerPlugin } from './power/gaussian-power.js';

/** Every dataset plugin of this package. */
export const plugins: Plugin[] = [
  checkerboardPlugin,
  fourCirclesPlugin,
  concentricRingsPlugin,
  ringPlugin,
  spiralsPlugin,
  starPlugin,
  eightStarPlugin,
  conditionalPlugin,
  gaussianPowerPlugin,
  halfMoonsPlugin,
  pinwheelPlugin,
  twoCirclesPlugin,
  digitsPlugin,
];

/**
 * Registers this package's data sets in `registry` (the default registry when omitted).
 *
 * @example
 * ```ts
 * import { createRegistry } from '@diffeo/core';
 * import { registerDatasets } from '@diffeo/datasets';
 *
 * const registry = createRegistry(); // a registry of your own, without the default one's plugins
 * registerDatasets(registry);
 * registry.list('dataset').map((p) => p.type); // ['checkerboard', 'concentric-rings', 'conditional', ...]
 * ```
 */
export function registerDatasets(registry: Registry = defaultRegistry): void {
  for (const plugin of plugins) registry.register(plugin);
}

import type { ConditionalDataset } from './conditional/conditional.js';
import type { Digits } from './digits/digits.js';
import type { Checkerboard } from './planar/checkerboard.js';
import type { ConcentricRings } from './planar/concentric-rings.js';
import type { FourCircles } from './planar/four-circles.js';
import type { HalfMoons } from './planar/half-moons.js';
import type { Pinwheel } from './planar/pinwheel.js';
import type { Ring } from './planar/ring.js';
import type { Spirals } from './planar/spirals.js';
import type { EightStar, Star } from './planar/star.js';
import type { TwoCircles } from './planar/two-circles.js';
import type { GaussianPower } from './power/gaussian-power.js';

// Typed specs: `create({ kind: 'dataset', type: 'ring', config })` returns a Ring.
declare module '@diffeo/core' {
  interface PluginTypes {
    'dataset:checkerboard': { config: ConstructorParameters<typeof Checkerboard>[0]; result: Checkerboard };
    'dataset:concentric-rings': {
      config: ConstructorParameters<typeof ConcentricRings>[0];
      result: ConcentricRings;
    };
    'dataset:four-circles': { config: ConstructorParameters<typeof FourCircles>[0]; result: FourCircles };
    'dataset:half-moons': { config: ConstructorParameters<typeof HalfMoons>[0]; result: HalfMoons };
    'dataset:pinwheel': { config: ConstructorParameters<typeof Pinwheel>[0]; result: Pinwheel };
    'dataset:ring': { config: ConstructorParameters<typeof Ring>[0]; result: Ring };
    'dataset:spirals': { config: ConstructorParameters<typeof Spirals>[0]; result: Spirals };
    'dataset:star': { config: ConstructorParameters<typeof Star>[0]; result: Star };
    'dataset:eight-star': { config: ConstructorParameters<typeof EightStar>[0]; result: EightStar };
    'dataset:two-circles': { config: ConstructorParameters<typeof TwoCircles>[0]; result: TwoCircles };
    'dataset:gaussian-power': {
      config: ConstructorParameters<typeof GaussianPower>[0];
      result: GaussianPower;
    };
    'dataset:conditional': {
      config: ConstructorParameters<typeof ConditionalDataset>[0];
      result: ConditionalDataset;
    };
    'dataset:digits': { config: ConstructorParameters<typeof Digits>[0]; result: Digits };
  }
}
