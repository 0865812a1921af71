import { type Distribution, fit, load, save, toArtifacts } from '@diffeo/core';
import { type DataArrays, toTensors } from '@diffeo/datasets';
import type { Flow } from '@diffeo/distributions';
import * as tf from '@tensorflow/tfjs-core';
import { buildModel } from './build-model.js';
import type { JobControl } from './job-control.js';
import { loadData, rowsOf } from './load-data.js';
import type { DataChoice, DensityGrid, DensityJob, FromWorker } from './protocol.js';

const GRID = 64;
const SAMPLES = 800;
const PLOTTED_ROWS = 2000;
const INDEXEDDB = 'indexeddb://diffeo-demo';

/** The box the heatmap covers: the data's range with a margin, in the first two columns. */
function extentOf(data: DataArrays): [number, number, number, number] {
  const lo = [Infinity, Infinity];
  const hi = [-Infinity, -Infinity];
  for (let i = 0; i < data.n; i++) {
    for (let j = 0; j < 2; j++) {
      const v = data.x[i * data.dim + j]!;
      lo[j] = Math.min(lo[j]!, v);
      hi[j] = Math.max(hi[j]!, v);
    }
  }
  const pad = (j: number) => 0.1 * (hi[j]! - lo[j]! || 1);
  return [lo[0]! - pad(0), hi[0]! + pad(0), lo[1]! - pad(1), hi[1]! + pad(1)];
}

function densityGrid(model: Distribution, extent: [number, number, number, number]): DensityGrid {
  const [x0, x1, y0, y1] = extent;
  const points = new Float32Array(GRID * GRID * 2);
  for (let r = 0; r < GRID; r++) {
    for (let c = 0; c < GRID; c++) {
      points[2 * (r * GRID + c)] = x0 + ((c + 0.5) * (x1 - x0)) / GRID;
      points[2 * (r * GRID + c) + 1] = y0 + ((r + 0.5) * (y1 - y0)) / GRID;
    }
  }
  const values = tf.tidy(() => tf.exp(model.logProb(tf.tensor2d(points, [GRID * GRID, 2]))).dataSync());
  return {
    values: Array.from(values, (v) => (Number.isFinite(v) ? v : 0)),
    columns: GRID,
    rows: GRID,
    extent,
  };
}

/** Mean negative log-likelihood of `data` (nats per row). */
function meanLoss(model: Distribution, data: DataArrays): number {
  return tf.tidy(() => -tf.mean(model.logProb(toTensors(data).x)).dataSync()[0]!);
}

/**
 * One person's working state in the worker: the data in use and the flow trained or loaded on it.
 * Training goes through `fit`; progress goes out every few steps and a snapshot (losses, samples
 * and, in 2-D, the density on a grid) every `snapshotEvery` steps and at the end.
 */
export class Session {
  private model: Flow | undefined;
  private data: Awaited<ReturnType<typeof loadData>> | undefined;
  private seed = 0;

  constructor(private readonly post: (message: FromWorker) => void) {}

  private async useData(choice: DataChoice, seed: number): Promise<void> {
    this.data = await loadData(choice, seed);
    this.seed = seed;
    const { all } = this.data;
    this.post({ type: 'data', points: rowsOf(all, PLOTTED_ROWS), dim: all.dim, rows: all.n });
  }

  private replaceModel(model: Flow | undefined): void {
    this.model?.dispose();
    this.model = model;
  }

  private snapshot(step: number, trainLoss: number): void {
    const { model, data } = this;
    if (model === undefined || data === undefined) return;
    const samples = tf.tidy(() => model.sample(SAMPLES, { seed: this.seed + step }).arraySync());
    this.post({
      type: 'snapshot',
      step,
      trainLoss,
      validationLoss: meanLoss(model, data.validation),
      samples,
      ...(data.all.dim === 2 ? { density: densityGrid(model, extentOf(data.all)) } : {}),
    });
  }

  async train(job: DensityJob, control: JobControl): Promise<void> {
    await this.useData(job.data, job.seed);
    const { train } = this.data!;
    const model = buildModel(job.model, train.dim, job.seed);
    this.replaceModel(model);
    const trainX = toTensors(train).x;
    let lastLoss = Number.NaN;
    try {
      this.post({ type: 'state', state: 'training' });
      this.snapshot(0, lastLoss);
      const history = await fit(model, trainX, {
        steps: job.steps,
        batchSize: job.batchSize,
        learningRate: job.learningRate,
        schedule: 'cosine',
        seed: job.seed,
        signal: control.abort.signal,
        onStep: async ({ step, loss }) => {
          lastLoss = loss;
          if (step % 5 === 0 || step === job.steps)
            this.post({ type: 'progress', step, steps: job.steps, loss });
          if (step % job.snapshotEvery === 0 && step < job.steps) this.snapshot(step, loss);
          if (await control.checkpoint()) this.post({ type: 'state', state: 'training' });
        },
      });
      this.snapshot(history.steps, lastLoss);
      const detail =
        history.stopReason === 'non-finite'
          ? `the loss became non-finite at step ${history.nonFinite?.step}; the last finite weights were restored (${history.nonFinite?.message})`
          : `${history.steps} steps, ${history.stopReason}`;
      this.post({ type: 'state', state: history.stopReason === 'aborted' ? 'stopped' : 'done', detail });
    } finally {
      trainX.dispose();
    }
  }

  async save(to: 'indexeddb' | 'download'): Promise<void> {
    const { model, data } = this;
    if (model === undefined || data === undefined) throw new Error('save: train or load a model first');
    if (to === 'download') {
      this.post({ type: 'artifacts', artifacts: await toArtifacts(model) });
      return;
    }
    await save(model, INDEXEDDB);
    this.post({
      type: 'model',
      event: 'saved',
      where: INDEXEDDB,
      validationLoss: meanLoss(model, data.validation),
    });
  }

  async load(from: 'indexeddb' | File[], choice: DataChoice, seed: number): Promise<void> {
    const source = from === 'indexeddb' ? INDEXEDDB : tf.io.browserFiles(from);
    const model = await load<Flow>(source);
    await this.useData(choice, seed);
    if (model.dim !== this.data!.all.dim) {
      model.dispose();
      throw new Error(`load: the model is ${model.dim}-D, the data ${this.data!.all.dim}-D`);
    }
    this.replaceModel(model);
    const where = from === 'indexeddb' ? INDEXEDDB : from.map((f) => f.name).join(' + ');
    this.post({
      type: 'model',
      event: 'loaded',
      where,
      validationLoss: meanLoss(model, this.data!.validation),
    });
    this.snapshot(0, Number.NaN);
  }

  dispose(): void {
    this.replaceModel(undefined);
  }
}
