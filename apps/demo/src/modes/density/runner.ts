import { fit } from '@diffeo/core';
import { Flow } from '@diffeo/distributions';
import * as tf from '@tensorflow/tfjs-core';
import { buildModel } from '../../worker/build-model.js';
import { checkWidth, DataRunner } from '../../worker/data-runner.js';
import { densityGrid, extentOf, meanLoss } from '../../worker/evaluate.js';
import type { JobControl } from '../../worker/job-control.js';
import { type LoadedData, loadData, rowsOf } from '../../worker/load-data.js';
import type { DensityJob } from './protocol.js';

const SAMPLES = 800;
const PLOTTED_ROWS = 2000;

/**
 * Density mode in the worker: a flow trained with `fit` on one data set. Progress goes out every
 * few steps and a snapshot (losses, samples and, in 2-D, the density on a grid) every
 * `snapshotEvery` steps and at the end.
 */
export class DensityRunner extends DataRunner<DensityJob, Flow> {
  protected readonly loads = { mode: 'density', model: 'a flow', type: Flow };
  private seed = 0;

  protected async useData(job: DensityJob): Promise<LoadedData> {
    const data = await loadData(job.data, job.seed);
    this.data = data;
    this.seed = job.seed;
    this.post({ type: 'data', points: rowsOf(data.all, PLOTTED_ROWS), dim: data.all.dim, rows: data.all.n });
    return data;
  }

  validationLoss(): number {
    const { model, data } = this.trained();
    return meanLoss(model, data.validation);
  }

  private snapshot(step: number, trainLoss: number): void {
    const { model: flow, data } = this;
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
    const flow = buildModel(job.model, train.dim, job.seed);
    await this.trainOnRows(
      flow,
      train,
      job,
      control,
      (step, loss) => this.snapshot(step, loss),
      (x, options) => fit(flow, x, options),
    );
  }

  protected checkFits(model: Flow, data: LoadedData): void {
    checkWidth(model, data);
  }

  protected showLoaded(): void {
    this.snapshot(0, Number.NaN);
  }
}
