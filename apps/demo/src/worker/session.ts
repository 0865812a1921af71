import { load, save, toArtifacts } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Job, ModeName, ModeRequest } from '../protocol.js';
import type { JobControl } from './job-control.js';
import type { Post, Runner } from './runner.js';
import { RUNNERS } from './runners.js';

const INDEXEDDB = 'indexeddb://diffeo-demo';

/**
 * One person's working state in the worker: a runner per mode used so far, and the mode whose model
 * a save takes (the one that trained or loaded last).
 */
export class Session {
  private readonly runners = new Map<ModeName, Runner>();
  private current: Runner | undefined;

  constructor(private readonly post: Post) {}

  private runner(mode: ModeName): Runner {
    let runner = this.runners.get(mode);
    if (runner === undefined) {
      runner = RUNNERS[mode](this.post) as Runner;
      this.runners.set(mode, runner);
    }
    return runner;
  }

  async train(job: Job, control: JobControl): Promise<void> {
    this.current = this.runner(job.mode);
    await this.current.train(job, control);
  }

  async save(to: 'indexeddb' | 'download', job?: Job): Promise<void> {
    const runner = this.current;
    if (job !== undefined && this.runners.get(job.mode) === runner) runner?.select?.(job);
    const model = runner?.model;
    if (runner === undefined || model === undefined) throw new Error('save: train or load a model first');
    if (to === 'download') {
      this.post({ type: 'artifacts', artifacts: await toArtifacts(model) });
      return;
    }
    await save(model, INDEXEDDB);
    this.post({ type: 'model', event: 'saved', where: INDEXEDDB, validationLoss: runner.validationLoss() });
  }

  /** Loads a saved model into the runner of `job`'s mode and scores it on the job's data. */
  async load(from: 'indexeddb' | File[], job: Job): Promise<void> {
    const model = await load(from === 'indexeddb' ? INDEXEDDB : tf.io.browserFiles(from));
    const runner = this.runner(job.mode);
    await runner.adopt(model, job);
    this.current = runner;
    const where = from === 'indexeddb' ? INDEXEDDB : from.map((f) => f.name).join(' + ');
    this.post({ type: 'model', event: 'loaded', where, validationLoss: runner.validationLoss() });
  }

  /** Hands a request of a mode's controls to that mode's runner. */
  async request(request: ModeRequest): Promise<void> {
    await this.runner(request.mode).request?.(request);
  }

  dispose(): void {
    for (const runner of this.runners.values()) runner.dispose();
    this.runners.clear();
    this.current = undefined;
  }
}
