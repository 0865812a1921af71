import type { Module } from '@diffeo/core';
import type { DataArrays } from '@diffeo/datasets';
import type * as tf from '@tensorflow/tfjs-core';
import type { Job, TrainingSettings } from '../protocol.js';
import { xTensor } from './evaluate.js';
import { type Finished, type JobFitOptions, trainWithSnapshots } from './fit-events.js';
import type { JobControl } from './job-control.js';
import type { LoadedData } from './load-data.js';
import type { Post, Runner } from './runner.js';

/** What a mode's runner loads: its model's class, and how a refused load names the mode and the model. */
export interface Loads<M extends Module> {
  mode: string;
  model: string;
  type: abstract new (...args: never[]) => M;
}

/**
 * What every mode's runner shares: the data of the last job, the model trained or loaded last, and
 * a load's checks (disposing a refused model). A mode adds how it loads and shows its data, trains,
 * scores and shows its model. It holds one model; a mode holding several overrides `model` and
 * `replaceModel`.
 */
export abstract class DataRunner<J extends Job, M extends Module, D = LoadedData> implements Runner<J> {
  private current: M | undefined;
  /** The data of the last job; undefined before the first. */
  protected data: D | undefined;

  constructor(protected readonly post: Post) {}

  protected abstract readonly loads: Loads<M>;
  /** Loads the job's data into `data` and shows it on the page. */
  protected abstract useData(job: J): Promise<D>;
  /** Throws when a loaded model does not fit the job's data. */
  protected abstract checkFits(model: M, data: D): void;
  /** Shows the model just loaded, scored on the data. */
  protected abstract showLoaded(): void;
  abstract train(job: J, control: JobControl): Promise<void>;
  abstract validationLoss(): number;

  get model(): M | undefined {
    return this.current;
  }

  protected replaceModel(model: M | undefined): void {
    this.current?.dispose();
    this.current = model;
  }

  /** The model and the data it is scored on; throws before a training or a load. */
  protected trained(): { model: M; data: D } {
    const { model, data } = this;
    if (model === undefined || data === undefined) throw new Error('train or load a model first');
    return { model, data };
  }

  /**
   * Makes `model` the runner's and trains it on the rows of `rows` with `loop` (`fit`, or a method
   * package's trainer) as `trainWithSnapshots` does.
   */
  protected async trainOnRows(
    model: M,
    rows: DataArrays,
    job: TrainingSettings & { snapshotEvery: number },
    control: JobControl,
    snapshot: (step: number, loss: number) => void,
    loop: (x: tf.Tensor2D, options: JobFitOptions) => Promise<Finished & { stepLosses: number[] }>,
  ): Promise<void> {
    this.replaceModel(model);
    const x = xTensor(rows);
    try {
      await trainWithSnapshots(this.post, control, job, snapshot, (options) => loop(x, options));
    } finally {
      x.dispose();
    }
  }

  async adopt(model: Module, job: J): Promise<void> {
    const { mode, model: what, type } = this.loads;
    if (!(model instanceof type)) {
      model.dispose();
      throw new Error(`load: ${mode} mode takes ${what}, got a '${model.type}' ${model.kind}`);
    }
    try {
      this.checkFits(model, await this.useData(job));
    } catch (e) {
      model.dispose();
      throw e;
    }
    this.replaceModel(model);
    this.showLoaded();
  }

  dispose(): void {
    this.replaceModel(undefined);
  }
}

/** Throws when a loaded model's width is not the data's. */
export function checkWidth(model: { dim: number }, data: LoadedData): void {
  if (model.dim !== data.all.dim) {
    throw new Error(`load: the model is ${model.dim}-D, the data ${data.all.dim}-D`);
  }
}
