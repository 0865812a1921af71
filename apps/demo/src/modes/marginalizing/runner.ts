import { type FitHistory, fit } from '@diffeo/core';
import { type MarginalEstimate, MarginalizingFlow } from '@diffeo/marginalizing';
import * as tf from '@tensorflow/tfjs-core';
import type { Extent, Grid } from '../../protocol.js';
import { checkWidth, DataRunner } from '../../worker/data-runner.js';
import { extentOf, gridPoints, xTensor } from '../../worker/evaluate.js';
import { fitEvents, jobSettings, phasePost } from '../../worker/fit-events.js';
import type { JobControl } from '../../worker/job-control.js';
import { type LoadedData, loadData, rowsOf } from '../../worker/load-data.js';
import type { AuxResult, MarginalizingJob } from './protocol.js';

const DRAWS = 800;
const PLOTTED_ROWS = 2000;
/** The ε of every held-out estimate come from this seed: a model scores the same before a save and after its load. */
const HELD_OUT_SEED = 1;
const DRAW_SEED = 2;
/**
 * Heavy-tailed data (power data with ψ = 3) is viewed between these quantiles, when its whole range
 * is more than `HEAVY_TAILS` times as wide: else its few far rows would shrink the bulk to a dot.
 */
const EXTENT_TRIM = 0.025;
const HEAVY_TAILS = 3;
const GRID_SIZE = 48;
/** S of the density grid, at most (it has more points than the held-out set). */
const GRID_SAMPLES = 50;

interface Entry {
  model: MarginalizingFlow;
  stopReason: string;
  steps: number;
  /** The held-out estimate and the S it was made with. */
  estimate?: { samples: number; value: MarginalEstimate };
}

/**
 * Marginalizing mode in the worker: one marginalizing flow per B, trained with `fit` one after
 * another on the same data, each scored on the held-out rows by importance sampling with S samples
 * (seeded), its draws and, for the best B in 2-D, its estimated log-density on a grid.
 */
export class MarginalizingRunner extends DataRunner<MarginalizingJob, MarginalizingFlow> {
  protected readonly loads = {
    mode: 'marginalizing',
    model: 'a marginalizing flow',
    type: MarginalizingFlow,
  };
  private readonly entries = new Map<number, Entry>();
  private chosen: number | undefined;
  private extent: Extent | undefined;
  private samples = 100;

  /** The chosen B's model. */
  override get model(): MarginalizingFlow | undefined {
    return this.chosen === undefined ? undefined : this.entries.get(this.chosen)?.model;
  }

  /** Disposes every B's model; keeps `model` (a loaded one) as the only and chosen one. */
  protected override replaceModel(model: MarginalizingFlow | undefined): void {
    for (const entry of this.entries.values()) entry.model.dispose();
    this.entries.clear();
    this.chosen = model?.auxDims;
    if (model !== undefined) this.entries.set(model.auxDims, { model, stopReason: 'loaded', steps: 0 });
  }

  select(job: MarginalizingJob): void {
    this.samples = job.importanceSamples;
    if (job.saveB !== undefined && this.entries.has(job.saveB)) this.chosen = job.saveB;
  }

  validationLoss(): number {
    const entry = this.chosen === undefined ? undefined : this.entries.get(this.chosen);
    if (entry === undefined) throw new Error('train or load a model first');
    return -this.estimate(entry).mean;
  }

  private estimate(entry: Entry): MarginalEstimate {
    if (this.data === undefined) throw new Error('train or load a model first');
    if (entry.estimate?.samples !== this.samples) {
      const x = xTensor(this.data.validation);
      try {
        const value = entry.model.estimateLogProb(x, { samples: this.samples, seed: HELD_OUT_SEED });
        entry.estimate = { samples: this.samples, value };
      } finally {
        x.dispose();
      }
    }
    return entry.estimate.value;
  }

  protected async useData(job: MarginalizingJob): Promise<LoadedData> {
    const data = await loadData(job.data, job.seed);
    this.data = data;
    this.samples = job.importanceSamples;
    this.extent = data.all.dim >= 2 ? viewExtent(data) : undefined;
    this.post({
      type: 'marg-data',
      points: rowsOf(data.all, PLOTTED_ROWS),
      dim: data.all.dim,
      rows: data.all.n,
      heldOutRows: data.validation.n,
      ...(this.extent === undefined ? {} : { extent: this.extent }),
    });
    return data;
  }

  private draws(model: MarginalizingFlow): number[][] {
    return tf.tidy(() => model.sample(DRAWS, { seed: DRAW_SEED }).arraySync());
  }

  private postResult(entry: Entry): void {
    const estimate = this.estimate(entry);
    const result: AuxResult = {
      auxDims: entry.model.auxDims,
      logLikelihood: estimate.mean,
      monteCarloError: estimate.monteCarloError,
      dataError: estimate.dataError,
      rows: Array.from(estimate.logProb),
      samples: estimate.samples,
      stopReason: entry.stopReason,
      steps: entry.steps,
      draws: this.draws(entry.model),
    };
    this.post({ type: 'marg-result', result });
  }

  /** The B of the highest finite held-out estimate (the first of equals). */
  private best(): number | undefined {
    let best: number | undefined;
    let value = -Infinity;
    for (const [b, entry] of this.entries) {
      const mean = this.estimate(entry).mean;
      if (Number.isFinite(mean) && mean > value) {
        best = b;
        value = mean;
      }
    }
    return best;
  }

  /** log p̂ of the chosen model on a grid over the data's box. */
  private postDensity(): void {
    const entry = this.chosen === undefined ? undefined : this.entries.get(this.chosen);
    if (entry === undefined || this.extent === undefined || entry.model.dim !== 2) return;
    const samples = Math.min(this.samples, GRID_SAMPLES);
    const points = gridPoints(this.extent, GRID_SIZE);
    let logProb: Float64Array;
    try {
      logProb = entry.model.estimateLogProb(points, { samples, seed: HELD_OUT_SEED }).logProb;
    } finally {
      points.dispose();
    }
    const grid: Grid = {
      values: Array.from(logProb),
      columns: GRID_SIZE,
      rows: GRID_SIZE,
      extent: this.extent,
    };
    this.post({ type: 'marg-density', auxDims: entry.model.auxDims, samples, grid });
  }

  async train(job: MarginalizingJob, control: JobControl): Promise<void> {
    const { train } = await this.useData(job);
    this.replaceModel(undefined);
    const { objective, trainSamples, ...architecture } = job.model;
    const trainX = xTensor(train);
    const count = job.auxDims.length;
    const total = count * job.steps;
    const histories: [number, FitHistory][] = [];
    try {
      this.post({ type: 'state', state: 'training' });
      for (const [index, auxDims] of job.auxDims.entries()) {
        if (control.abort.signal.aborted) break;
        const model = new MarginalizingFlow({
          dim: train.dim,
          auxDims,
          architecture,
          ...(objective === undefined ? {} : { objective: objective as 'joint' | 'importance' }),
          ...(trainSamples === undefined ? {} : { trainSamples: trainSamples as number }),
          seed: 1000 * job.seed + auxDims,
        });
        const entry: Entry = { model, stopReason: 'training', steps: 0 };
        this.entries.set(auxDims, entry);
        const offset = index * job.steps;
        const phase = `B = ${auxDims} (${index + 1} of ${count})`;
        const post = phasePost(this.post, { phase, offset, total });
        this.post({ type: 'marg-start', auxDims, index, count, offset });
        this.post({ type: 'marg-samples', auxDims, step: 0, draws: this.draws(model) });
        const history = await fit(model, trainX, {
          ...jobSettings(job),
          ...fitEvents(post, control, job.steps, {
            every: job.snapshotEvery,
            take: (step) => this.post({ type: 'marg-samples', auxDims, step, draws: this.draws(model) }),
          }),
        });
        histories.push([auxDims, history]);
        entry.stopReason = history.stopReason;
        entry.steps = history.steps;
        this.postResult(entry);
        if (history.stopReason === 'aborted') break;
      }
      this.chosen = this.best() ?? job.auxDims.find((b) => this.entries.has(b));
      this.postDensity();
      const stopped = histories.some(([, h]) => h.stopReason === 'aborted') || histories.length < count;
      this.post({
        type: 'state',
        state: stopped ? 'stopped' : 'done',
        detail: summary(job, histories, this.chosen),
      });
    } finally {
      trainX.dispose();
    }
  }

  protected checkFits(model: MarginalizingFlow, data: LoadedData): void {
    checkWidth(model, data);
  }

  protected showLoaded(): void {
    this.postResult(this.entries.get(this.chosen!)!);
    this.postDensity();
  }
}

/** The box of the 2-D views: the data's range, or its trimmed range when the tails are heavy. */
function viewExtent(data: LoadedData): Extent {
  const full = extentOf(data.all);
  const trimmed = extentOf(data.all, 0.1, EXTENT_TRIM);
  const heavy = (i: number) => full[i + 1]! - full[i]! > HEAVY_TAILS * (trimmed[i + 1]! - trimmed[i]!);
  return heavy(0) || heavy(2) ? trimmed : full;
}

/** How the runs ended, in one line for the status: the steps, what did not complete, the best B. */
function summary(job: MarginalizingJob, histories: [number, FitHistory][], best: number | undefined): string {
  if (histories.length === 0) return 'stopped before the first model trained';
  const trained = histories.map(([b]) => b).join(', ');
  const notes = histories.flatMap(([b, h]) => {
    if (h.stopReason === 'non-finite') {
      return [
        `B = ${b}: the loss became non-finite at step ${h.nonFinite?.step}, the last finite weights were restored`,
      ];
    }
    if (h.stopReason === 'aborted') return [`B = ${b} stopped after ${h.steps}`];
    return h.stopReason === 'completed' ? [] : [`B = ${b}: ${h.stopReason} after ${h.steps} steps`];
  });
  const untrained = job.auxDims.slice(histories.length);
  if (untrained.length > 0) notes.push(`B = ${untrained.join(', ')} not trained`);
  const outcome = notes.length === 0 ? 'completed' : notes.join('; ');
  const bestNote = best === undefined ? '' : `; best held-out estimate: B = ${best}`;
  return `B = ${trained}: ${job.steps} steps each, ${outcome}${bestNote}`;
}
