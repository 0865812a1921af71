import { f4fConditional } from './flows4flows/f4f-conditional.js';
import { f4fDifferent } from './flows4flows/f4f-different.js';
import { f4fIdentity } from './flows4flows/f4f-identity.js';
import { marginalizingDigits } from './marginalizing/digits.js';
import { marginalizingMoons } from './marginalizing/moons.js';
import { marginalizingPower } from './marginalizing/power.js';
import { mixturesCircles } from './mixtures/circles.js';
import { mixturesDigits } from './mixtures/digits.js';
import { mixturesMnist } from './mixtures/mnist.js';
import { mixturesPinwheel } from './mixtures/pinwheel.js';
import { mixturesSharing } from './mixtures/sharing.js';
import type { Experiment } from './types.js';

/**
 * Every experiment of the method packages, one entry each (add yours here). Names are
 * `<package>-<what>`: f4f-*, marginalizing-*, mixtures-*.
 */
export const EXPERIMENTS: readonly Experiment[] = [
  f4fIdentity,
  f4fDifferent,
  f4fConditional,
  marginalizingPower,
  marginalizingMoons,
  marginalizingDigits,
  mixturesPinwheel,
  mixturesCircles,
  mixturesDigits,
  mixturesMnist,
  mixturesSharing,
];

/** The experiment called `name`, or an error that lists them all. */
export function findExperiment(name: string, experiments: readonly Experiment[] = EXPERIMENTS): Experiment {
  const found = experiments.find((e) => e.name === name);
  if (found === undefined) {
    const names = experiments.map((e) => e.name).join(', ') || 'none yet';
    throw new Error(`unknown experiment '${name}': expected one of ${names}`);
  }
  return found;
}
