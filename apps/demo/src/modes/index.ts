import type { ModeName } from '../protocol.js';
import { densityMode } from './density/page.js';
import { flows4flowsMode } from './flows4flows/page.js';
import { marginalizingMode } from './marginalizing/page.js';
import { mixturesMode } from './mixtures/page.js';
import type { ModeEntry } from './mode.js';

/** Every mode of the page, in the order of its menu. A new mode adds one line. */
export const MODES: { [M in ModeName]: ModeEntry } = {
  density: { label: 'Density estimation', create: densityMode },
  flows4flows: { label: 'Flows for flows', create: flows4flowsMode },
  marginalizing: { label: 'Marginalizing flows', create: marginalizingMode },
  mixtures: { label: 'Mixture of flows', create: mixturesMode },
};
