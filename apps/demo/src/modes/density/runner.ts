import { fit, type Module } from '@diffeo/core';
import { Flow } from '@diffeo/distributions';
import * as tf from '@tensorflow/tfjs-core';
import { buildModel } from '../../worker/build-model.js';
import { densityGrid, extentOf, meanLoss, xTensor } from '../../worker/evaluate.js';
import { trainWithSnapshots } from '../../worker/fit-events.js';
import type { JobControl } from '../../worker/job-control.js';
import { type LoadedData, loadData, rowsOf } from '../../worker/load-data.js';
import type { Post, Runner } from '../../worker/runner.js';
import type { DensityJob } from './protocol.js';

const SAMPLES = 800;
const PLOTTED_ROWS = 2000;

/**
 * Density mode in the worker: a flow trained with `fit` on one data set. Progress goes out every
 * few steps and a snapshot (losses, samples and, in 2-D, the density on a grid) every
 * `snapshotEvery` steps and at the end.
 */
export class DensityRunner implements Runner<DensityJob> {
  private flow: Flow | undefined;
  private data: LoadedData | undefined;
  private seed = 0;

  constructor(private readonly post: Post) {}

  get model(): Module | undefined {
    return this.flow;
  }

  private async useData(job: DensityJob): Promise<LoadedData> {
    const data = await loadData(job.data, job.seed);
    this.data = data;
    this.seed = job.seed;
    this.post({ type: 'data', points: rowsOf(data.all, PLOTTED_ROWS), dim: data.all.dim, rows: data.all.n });
    return data;
  }

  private replaceModel(flow: Flow | undefined): void {
    this.flow?.dispose();
    this.flow = flow;
  }

  validationLoss(): number {
    if (this.flow === undefined || this.data === undefined) throw new Error('train or load a model first');
    return meanLoss(this.flow, this.data.validation);
  }

  private snapshot(step: number, trainLoss: number): void {
    const { flow, data } = this;
    if (flow === undefined || data === undefined) return;
    const samples = tf.tidy(() => flow.sample(SAMPLES, { seed: this.seed + step }).arraySync());
    this.post({
      type: 'snapshot',
      step,
      trainLoss,
      validationLoss: this.validationLoss(),
      samples,
      ...(data.all.dim === 2 ? { density: densityGrid(flow, extentOf(data.all)) } : {}),
    });
  }

  async train(job: DensityJob, control: JobControl): Promise<void> {
    const { train } = await this.useData(job);
    this.replaceModel(buildModel(job.model, train.dim, job.seed));
    const flow = this.flow!;
    const trainX = xTensor(train);
    try {
      await trainWithSnapshots(
        this.post,
        control,
        job,
        (step, loss) => this.snapshot(step, loss),
        (options) => fit(flow, trainX, options),
      );
    } finally {
      trainX.dispose();
    }
  }

  async adopt(model: Module, job: DensityJob): Promise<void> {
    if (!(model instanceof Flow)) {
      model.dispose();
      throw new Error(`load: density mode takes a flow, got a '${model.type}' ${model.kind}`);
    }
    const { all } = await this.useData(job);
    if (model.dim !== all.dim) {
      model.dispose();
      throw new Error(`load: the model is ${model.dim}-D, the data ${all.dim}-D`);
    }
    this.replaceModel(model);
    this.snapshot(0, Number.NaN);
  }

  dispose(): void {
    this.replaceModel(undefined);
  }
}
