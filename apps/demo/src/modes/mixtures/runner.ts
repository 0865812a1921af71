import type { DataArrays } from '@diffeo/datasets';
import type { Flow } from '@diffeo/distributions';
import {
  adjustedRandIndex,
  clusteringAccuracy,
  MixtureOfFlows,
  normalizedMutualInformation,
  trainMixture,
  trainSemiSupervised,
} from '@diffeo/mixtures';
import * as tf from '@tensorflow/tfjs-core';
import type { Extent } from '../../protocol.js';
import { buildModel } from '../../worker/build-model.js';
import { checkWidth, DataRunner } from '../../worker/data-runner.js';
import { extentOf, gridPoints, meanLoss, xTensor } from '../../worker/evaluate.js';
import { postFinished } from '../../worker/fit-events.js';
import type { JobControl } from '../../worker/job-control.js';
import { type LoadedData, loadData, rowsOf } from '../../worker/load-data.js';
import { clustersOf, mixtureSamples } from './evaluate.js';
import type { ClusterScores, LabelledPoints, MixtureJob } from './protocol.js';

const SAMPLES = 800;
const PLOTTED_ROWS = 1500;
const GRID = 50;
/**
 * Training rows in the unlabelled epochs of semi-supervised training: with all of them, one
 * labelled step (a few clicked points) would face dozens of unlabelled ones and the labels would
 * hardly count; with these, one faces four (batch 256).
 */
const UNLABELLED_ROWS = 1024;

const tensorOf = (rows: number[][], dim: number) => tf.tensor2d(rows.flat(), [rows.length, dim]);

/**
 * Mixture mode in the worker: a variational mixture of K flows (@diffeo/mixtures) trained on one
 * data set by the package's trainers, without labels (`trainMixture`, the ELBO) or with the points
 * a person labelled (`trainSemiSupervised`). Snapshots carry what Figure 6 of the paper shows
 * (the posterior's argmax on a grid, samples by component) and the clusters of the plotted rows.
 */
export class MixtureRunner extends DataRunner<MixtureJob, MixtureOfFlows> {
  protected readonly loads = { mode: 'mixture', model: 'a mixture of flows', type: MixtureOfFlows };
  private plotted: number[][] = [];
  private extent: Extent = [0, 1, 0, 1];
  private seed = 0;
  /** Rows per evaluation: the training batch's size (see `evaluate.ts`). */
  private chunk = 256;

  protected async useData(job: MixtureJob): Promise<LoadedData> {
    const data = await loadData(job.data, job.seed);
    if (data.all.dim < 2) {
      throw new Error(`mixture mode: expected data of at least 2 columns, got ${data.all.dim}`);
    }
    this.data = data;
    this.seed = job.seed;
    this.chunk = Math.max(1, Math.min(job.batchSize, data.train.n));
    this.extent = extentOf(data.all);
    this.plotted = rowsOf(data.train, PLOTTED_ROWS);
    this.post({
      type: 'mixture-data',
      points: this.plotted,
      dim: data.all.dim,
      rows: data.all.n,
      extent: this.extent,
    });
    return data;
  }

  private build(job: MixtureJob, dim: number): MixtureOfFlows {
    const { preset, numTransforms, hiddenFeatures } = job.component;
    const components: Flow[] = [];
    try {
      for (let k = 0; k < job.components; k++) {
        const options = { numTransforms, hiddenFeatures, numBlocks: 1 };
        components.push(buildModel({ kind: 'preset', preset, options }, dim, 100 * job.seed + 10 * k));
      }
      return new MixtureOfFlows({
        components,
        posterior: { hiddenFeatures: job.posteriorHidden, numHiddenLayers: 1, seed: job.seed },
        prior: job.prior,
        temperature: job.temperature.final,
      });
    } catch (e) {
      for (const c of components) c.dispose();
      throw e;
    }
  }

  validationLoss(): number {
    const { model, data } = this.trained();
    return meanLoss(model, data.validation);
  }

  private scores(validation: DataArrays): ClusterScores | undefined {
    const mixture = this.model!;
    if (validation.labels === undefined || validation.n === 0) return undefined;
    const x = xTensor(validation);
    const clusters = clustersOf(mixture, x, this.chunk);
    x.dispose();
    const labels = validation.labels;
    return {
      accuracy: clusteringAccuracy(labels, clusters).accuracy,
      ari: adjustedRandIndex(labels, clusters),
      nmi: normalizedMutualInformation(labels, clusters),
      rows: validation.n,
      classes: new Set(labels).size,
    };
  }

  private snapshot(step: number, trainLoss: number, labelled?: LabelledPoints): void {
    const { model: mixture, data } = this;
    if (mixture === undefined || data === undefined) return;
    const dim = data.all.dim;
    let regions: number[] | undefined;
    if (dim === 2) {
      const grid = gridPoints(this.extent, GRID);
      regions = clustersOf(mixture, grid, this.chunk);
      grid.dispose();
    }
    const { samples, components } = mixtureSamples(mixture, SAMPLES, this.chunk, this.seed + step);
    const plotted = tensorOf(this.plotted, dim);
    const clusters = clustersOf(mixture, plotted, this.chunk);
    plotted.dispose();
    let labelledPredictions: number[] | undefined;
    if (labelled !== undefined) {
      const x = tensorOf(labelled.x, dim);
      labelledPredictions = clustersOf(mixture, x, this.chunk);
      x.dispose();
    }
    const scores = this.scores(data.validation);
    this.post({
      type: 'mixture-snapshot',
      step,
      components: mixture.numComponents,
      trainLoss,
      validationLoss: this.validationLoss(),
      temperature: mixture.temperature,
      ...(regions === undefined
        ? {}
        : { regions: { values: regions, columns: GRID, rows: GRID, extent: this.extent } }),
      samples,
      sampleComponents: components,
      clusters,
      ...(scores === undefined ? {} : { scores }),
      ...(labelledPredictions === undefined ? {} : { labelledPredictions }),
    });
  }

  async train(job: MixtureJob, control: JobControl): Promise<void> {
    const { train } = await this.useData(job);
    if (job.labelled !== undefined) {
      await this.trainWithLabels(job, job.labelled, train, control);
      return;
    }
    const mixture = this.build(job, train.dim);
    await this.trainOnRows(
      mixture,
      train,
      job,
      control,
      (step, loss) => this.snapshot(step, loss),
      (x, options) => trainMixture(mixture, x, { ...options, temperature: job.temperature }),
    );
  }

  /**
   * Semi-supervised training on the labelled points and (at most `UNLABELLED_ROWS` of) the training
   * rows. It continues the current model when that one fits (K components, the data's width), else
   * starts a fresh one (only a fresh one follows the temperature schedule). `job.steps` sets the number of interleaved epochs (about that many
   * optimizer steps after the epochs on the labels alone).
   */
  private async trainWithLabels(
    job: MixtureJob,
    labelled: LabelledPoints,
    train: DataArrays,
    control: JobControl,
  ): Promise<void> {
    const dim = train.dim;
    if (labelled.x.some((row) => row.length !== dim)) {
      throw new Error(`labels: the labelled points have another width than the data (${dim}); label again`);
    }
    const current = this.model;
    const continuing =
      current !== undefined && current.numComponents === job.components && current.dim === dim;
    if (!continuing) this.replaceModel(this.build(job, dim));
    const mixture = this.model!;
    const rows = Math.min(train.n, UNLABELLED_ROWS);
    const batchSize = Math.min(job.batchSize, rows);
    const labelledSteps = Math.ceil(labelled.x.length / batchSize);
    const unlabelledSteps = Math.ceil(rows / batchSize);
    const epochs = Math.max(1, Math.round(job.steps / (labelledSteps + unlabelledSteps)));
    const total = labelled.pretrainEpochs * labelledSteps + epochs * (labelledSteps + unlabelledSteps);
    const xl = tensorOf(labelled.x, dim);
    const xu = tensorOf(rowsOf(train, rows), dim);
    let step = 0;
    let lastLoss = Number.NaN;
    try {
      this.post({ type: 'state', state: 'training' });
      this.snapshot(0, lastLoss, labelled);
      const history = await trainSemiSupervised(
        mixture,
        { labelled: { x: xl, labels: labelled.labels }, unlabelled: xu },
        {
          pretrainEpochs: labelled.pretrainEpochs,
          epochs,
          batchSize,
          learningRate: job.learningRate,
          seed: job.seed,
          // A trained posterior keeps its temperature: reheating it would undo the clusters.
          temperature: continuing ? false : job.temperature,
          signal: control.abort.signal,
          onEpoch: async (info) => {
            const before = step;
            step += info.phase === 'pretrain' ? labelledSteps : labelledSteps + unlabelledSteps;
            lastLoss = info.unsupervisedLoss ?? info.supervisedLoss;
            this.post({ type: 'progress', step, steps: total, loss: lastLoss });
            const every = job.snapshotEvery;
            if (Math.floor(step / every) > Math.floor(before / every) && step < total) {
              this.snapshot(step, lastLoss, labelled);
            }
            if (await control.checkpoint()) this.post({ type: 'state', state: 'training' });
          },
        },
      );
      this.snapshot(history.steps, lastLoss, labelled);
      const what =
        `${history.steps} steps with ${labelled.x.length} labelled points and ${rows} unlabelled ` +
        (continuing ? '(continuing the trained model)' : '(from a fresh model)');
      postFinished(this.post, history, what);
    } finally {
      tf.dispose([xl, xu]);
    }
  }

  protected checkFits(model: MixtureOfFlows, data: LoadedData): void {
    checkWidth(model, data);
  }

  protected showLoaded(): void {
    this.snapshot(0, Number.NaN);
  }
}
