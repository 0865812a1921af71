import { DensityRunner } from '../modes/density/runner.js';
import { F4FRunner } from '../modes/flows4flows/runner.js';
import { MarginalizingRunner } from '../modes/marginalizing/runner.js';
import { MixtureRunner } from '../modes/mixtures/runner.js';
import type { Job, ModeName } from '../protocol.js';
import type { Post, Runner } from './runner.js';

/** The worker side of every mode: how to make its runner. A new mode adds one line. */
export const RUNNERS: { [M in ModeName]: (post: Post) => Runner<Extract<Job, { mode: M }>> } = {
  density: (post) => new DensityRunner(post),
  marginalizing: (post) => new MarginalizingRunner(post),
  flows4flows: (post) => new F4FRunner(post),
  mixtures: (post) => new MixtureRunner(post),
};
