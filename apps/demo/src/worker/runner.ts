import type { Module } from '@diffeo/core';
import type { FromWorker, Job, ModeRequest } from '../protocol.js';
import type { JobControl } from './job-control.js';

/** How a runner talks to the page. */
export type Post = (message: FromWorker) => void;

/**
 * The worker side of one mode: trains its job, holds the model it trained or loaded, and says how
 * good that model is on held-out data (the number the page shows after a save and after a load).
 */
export interface Runner<J extends Job = Job> {
  train(job: J, control: JobControl): Promise<void>;
  /** The model trained or loaded last; undefined before either. */
  readonly model: Module | undefined;
  /** Mean negative log-likelihood of the model on the held-out rows of the current data, in nats. */
  validationLoss(): number;
  /** Picks, from the page's current job, which of its models a save takes (modes holding several). */
  select?(job: J): void;
  /** Takes a loaded model (any saved module: the runner checks it is its kind), evaluated on the data of `job`; throws (and disposes it) when it does not fit. */
  adopt(model: Module, job: J): Promise<void>;
  /** Answers a request of the mode's controls (modes whose controls send none leave it out). */
  request?(request: ModeRequest): Promise<void>;
  dispose(): void;
}
