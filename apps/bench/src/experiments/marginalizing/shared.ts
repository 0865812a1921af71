import { type FitHistory, fit } from '@diffeo/core';
import type { DataArrays } from '@diffeo/datasets';
import { type MarginalEstimate, MarginalizingFlow } from '@diffeo/marginalizing';
import * as tf from '@tensorflow/tfjs-core';

/** How one marginalizing flow is built and trained in an experiment. */
export interface TrainSetting {
  steps: number;
  batchSize: number;
  learningRate: number;
  clipNorm?: number;
  /** R-blocks and conditioner width of the thesis's flow. */
  numBlocks: number;
  hiddenFeatures: number;
  hiddenLayers: number;
  /** ε per data row per step (the thesis: fresh ε every step, one per row). */
  trainSamples: number;
  objective: 'joint' | 'importance';
}

export interface Trained {
  model: MarginalizingFlow;
  history: FitHistory;
  seconds: number;
}

/** Builds the thesis's marginalizing flow on D + B dimensions and trains it with `fit`. */
export async function trainMarginalizing(
  x: tf.Tensor2D,
  auxDims: number,
  seed: number,
  setting: TrainSetting,
): Promise<Trained> {
  const model = new MarginalizingFlow({
    dim: x.shape[1],
    auxDims,
    architecture: {
      numBlocks: setting.numBlocks,
      hiddenFeatures: setting.hiddenFeatures,
      hiddenLayers: setting.hiddenLayers,
    },
    objective: setting.objective,
    trainSamples: setting.trainSamples,
    seed: 1000 * seed + auxDims,
  });
  const start = performance.now();
  const history = await fit(model, x, {
    steps: setting.steps,
    batchSize: setting.batchSize,
    learningRate: setting.learningRate,
    schedule: 'cosine',
    ...(setting.clipNorm === undefined ? {} : { clipNorm: setting.clipNorm }),
    adam: { epsilon: 1e-7 },
    seed,
  });
  return { model, history, seconds: (performance.now() - start) / 1000 };
}

/** The marginal log-likelihood of `x` with S importance samples (seeded). */
export function evaluate(
  model: MarginalizingFlow,
  x: tf.Tensor2D,
  samples: number,
  seed: number,
): MarginalEstimate {
  return model.estimateLogProb(x, { samples, seed });
}

export function meanSd(values: readonly number[]): { mean: number; sd: number } {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd };
}

export const fmt = (v: number, digits = 2): string => (Number.isFinite(v) ? v.toFixed(digits) : String(v));

/** "mean ± sd" over seeds (just the mean for one seed). */
export function pm(values: readonly number[], digits = 2): string {
  const { mean, sd } = meanSd(values);
  return values.length > 1 ? `${fmt(mean, digits)} ± ${fmt(sd, digits)}` : fmt(mean, digits);
}

/** The seeds to run: the caller's, else the setting's default. */
export const seedsOf = (seeds: number[] | undefined, quick: boolean, full: number[]): number[] =>
  seeds ?? (quick ? [0] : full);

/** The data rows as a `[n, dim]` tensor (labels, when there are some, stay out of the experiment). */
export const rowsOf = (data: DataArrays): tf.Tensor2D => tf.tensor2d(data.x, [data.n, data.dim]);
