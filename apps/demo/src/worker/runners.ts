import { DensityRunner } from '../modes/density/runner.js';
import { MixtureRunner } from '../modes/mixtures/runner.js';
import type { Job, ModeName } from '../protocol.js';
import type { Post, Runner } from './runner.js';

/** The worker side of every mode: how to make its runner. A new mode adds one line. */
export const RUNNERS: { [M in ModeName]: (post: Post) => Runner<Extract<Job, { mode: M }>> } = {
  density: (post) => new DensityRunner(post),
  mixtures: (post) => new MixtureRunner(post),
};
