import type { ModeName } from '../protocol.js';
import { densityMode } from './density/page.js';
import { mixturesMode } from './mixtures/page.js';
import type { ModeEntry } from './mode.js';

/** Every mode of the page, in the order of its menu. A new mode adds one line. */
export const MODES: { [M in ModeName]: ModeEntry } = {
  density: { label: 'Density estimation', create: densityMode },
  mixtures: { label: 'Mixture of flows', create: mixturesMode },
};
