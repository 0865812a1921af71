import type { FitHistory, FitOptions } from '@diffeo/core';
import type { TrainingSettings } from '../protocol.js';
import type { JobControl } from './job-control.js';
import type { Post } from './runner.js';

/**
 * `fit`'s options that every mode's training shares: stop and pause through `control`, a progress
 * message every five steps, and `onSnapshot` every `snapshotEvery` steps (before the last one).
 */
export function fitEvents(
  post: Post,
  control: JobControl,
  steps: number,
  snapshot?: { every: number; take(step: number, loss: number): void | Promise<void> },
): Pick<FitOptions, 'signal' | 'onStep'> {
  return {
    signal: control.abort.signal,
    onStep: async ({ step, loss }) => {
      if (step % 5 === 0 || step === steps) post({ type: 'progress', step, steps, loss });
      if (snapshot !== undefined && step % snapshot.every === 0 && step < steps)
        await snapshot.take(step, loss);
      if (await control.checkpoint()) post({ type: 'state', state: 'training' });
    },
  };
}

/** `fit`'s settings from the job: `steps` steps (the job's by default) on a cosine schedule. */
export function jobSettings(
  job: TrainingSettings,
  steps = job.steps,
): Pick<FitOptions, 'steps' | 'batchSize' | 'learningRate' | 'schedule' | 'seed'> {
  return {
    steps,
    batchSize: job.batchSize,
    learningRate: job.learningRate,
    schedule: 'cosine',
    seed: job.seed,
  };
}

/** Where a run of several trainings is: a `post` whose progress counts over the whole run and names the phase. */
export function phasePost(post: Post, at: { phase: string; offset: number; total: number }): Post {
  return (m) =>
    post(m.type === 'progress' ? { ...m, step: at.offset + m.step, steps: at.total, phase: at.phase } : m);
}

/** How a training loop ended: `fit`'s history, or a loop of a method package with the same fields. */
export type Finished = Pick<FitHistory, 'steps' | 'stopReason'> & {
  nonFinite?: { step: number; message: string };
};

/** Tells the page how a training ended: completed, stopped, or a non-finite loss and what was restored. */
export function postFinished(post: Post, history: Finished, what = `${history.steps} steps`): void {
  const detail =
    history.stopReason === 'non-finite'
      ? `the loss became non-finite at step ${history.nonFinite?.step}; the last finite weights were restored (${history.nonFinite?.message})`
      : `${what}, ${history.stopReason}`;
  post({ type: 'state', state: history.stopReason === 'aborted' ? 'stopped' : 'done', detail });
}

/** The options a `fit`-like loop takes from the job, with the shared events. */
export type JobFitOptions = Pick<
  FitOptions,
  'steps' | 'batchSize' | 'learningRate' | 'schedule' | 'seed' | 'signal' | 'onStep'
>;

/**
 * Runs a `fit`-like loop (`fit`, or a method package's trainer) on the job's settings with a cosine
 * schedule: a snapshot at step 0, every `snapshotEvery` steps and at the end, progress and
 * pause/stop through `control`, and the end state posted to the page.
 */
export async function trainWithSnapshots<H extends Finished & { stepLosses: number[] }>(
  post: Post,
  control: JobControl,
  job: TrainingSettings & { snapshotEvery: number },
  snapshot: (step: number, loss: number) => void,
  train: (options: JobFitOptions) => Promise<H>,
): Promise<H> {
  post({ type: 'state', state: 'training' });
  snapshot(0, Number.NaN);
  const history = await train({
    ...jobSettings(job),
    ...fitEvents(post, control, job.steps, { every: job.snapshotEvery, take: snapshot }),
  });
  snapshot(history.steps, history.stepLosses.at(-1) ?? Number.NaN);
  postFinished(post, history);
  return history;
}
