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

/** Registers this package's data sets in `registry` (the default registry when omitted). */
export function registerDatasets(registry: Registry = defaultRegistry): void {
  for (const plugin of plugins) registry.register(plugin);
}
