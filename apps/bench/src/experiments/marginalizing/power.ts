import { GaussianPower } from '@diffeo/datasets';
import { lines, panels } from '@diffeo/plots';
import * as tf from '@tensorflow/tfjs-core';
import type { Experiment, ExperimentTable } from '../types.js';
import {
  evaluate,
  fmt,
  meanSd,
  pm,
  rowsOf,
  seedsOf,
  type TrainSetting,
  trainMarginalizing,
} from './shared.js';

/** Thesis Table 2: best of 10 models, training-set log-likelihood, S = 200. Keyed `psi,D`, B = 0..4. */
export const THESIS_POWER: Record<string, number[]> = {
  '1,2': [-2.5, -2.51, -2.51, -2.5, -2.51],
  '1,3': [-3.77, -3.74, -3.75, -3.75, -3.75],
  '1,4': [-4.98, -5.02, -4.98, -4.99, -5.0],
  '2,2': [-0.05, -0.16, 0.15, 0.24, 0.21],
  '2,3': [-0.7, -0.24, -0.09, -0.04, -0.03],
  '2,4': [-0.73, -0.97, -0.49, -0.41, -0.1],
  '3,2': [0.25, 0.72, 1.44, 1.65, 2.35],
  '3,3': [-0.92, 0.03, 1.47, 2.22, 1.01],
  '3,4': [-1.48, -1.1, -0.66, -0.26, 0.74],
};

export interface PowerSetting {
  dims: number[];
  psis: number[];
  auxDims: number[];
  seeds: number[];
  trainSize: number;
  testSize: number;
  samples: number;
  train: TrainSetting;
}

export const POWER_SETTINGS: { quick: PowerSetting; full: PowerSetting } = {
  quick: {
    dims: [2],
    psis: [1, 2],
    auxDims: [0, 2],
    seeds: [0],
    trainSize: 1024,
    testSize: 1024,
    samples: 50,
    train: {
      steps: 150,
      batchSize: 256,
      learningRate: 3e-3,
      numBlocks: 2,
      hiddenFeatures: 32,
      hiddenLayers: 2,
      trainSamples: 1,
      objective: 'joint',
    },
  },
  full: {
    dims: [2, 3, 4],
    psis: [1, 2, 3],
    auxDims: [0, 1, 2, 3, 4],
    seeds: [0, 1],
    trainSize: 2048,
    testSize: 1024,
    samples: 200,
    train: {
      steps: 250,
      batchSize: 256,
      learningRate: 3e-3,
      numBlocks: 2,
      hiddenFeatures: 32,
      hiddenLayers: 2,
      trainSamples: 1,
      objective: 'joint',
    },
  },
};

export interface PowerRun {
  dim: number;
  psi: number;
  auxDims: number;
  seed: number;
  train: number;
  test: number;
  testDataError: number;
  testMonteCarloError: number;
  /** Exact mean log-density of the held-out rows under the data's own law. */
  testTruth: number;
  trainTruth: number;
  stopReason: string;
  seconds: number;
}

/**
 * Thesis Table 2 (Gaussian power data x = u^ψ): held-out and training-set marginal
 * log-likelihoods for every D, ψ and B, beside the exact expected log-density and the thesis's
 * best-of-10 training-set numbers.
 */
export const marginalizingPower: Experiment = {
  name: 'marginalizing-power',
  package: '@diffeo/marginalizing',
  reproduces: 'de Boer 2020, Marginalizing Flows, Table 2 and Figures 3 and 5 (Gaussian power data)',
  description:
    'Marginalizing flows (thesis R-block flow) on x = u^ψ, u ~ N(0, I_D): held-out log-likelihood (S importance samples) against B, next to the exact expected log-density and the thesis.',
  settings: {
    quick:
      'D = 2, ψ in {1, 2}, B in {0, 2}, 1 seed, 1024 train / 1024 test rows, 150 steps, 2 R-blocks of 32 units, S = 50',
    full: 'D in {2, 3, 4}, ψ in {1, 2, 3}, B in {0..4}, seeds 0 and 1, 2048 train / 1024 test rows, 250 steps of 256 (cosine, lr 3e-3), 2 R-blocks of 32 units, S = 200 (train-set numbers on the first 512 training rows)',
  },
  async run({ quick, seeds: given, progress }) {
    const s = quick ? POWER_SETTINGS.quick : POWER_SETTINGS.full;
    const seeds = seedsOf(given, quick, s.seeds);
    progress.plan(s.dims.length * s.psis.length * s.auxDims.length * seeds.length);
    const runs: PowerRun[] = [];
    for (const psi of s.psis) {
      for (const dim of s.dims) {
        const data = new GaussianPower({ dim, psi });
        for (const seed of seeds) {
          const trainArrays = data.sample(s.trainSize, { seed: 100 + seed });
          const testArrays = data.sample(s.testSize, { seed: 200 + seed });
          const mean = (v: Float64Array) => v.reduce((a, b) => a + b, 0) / v.length;
          const trainTruth = mean(data.logProb(trainArrays));
          const testTruth = mean(data.logProb(testArrays));
          const train = rowsOf(trainArrays);
          const test = rowsOf(testArrays);
          for (const auxDims of s.auxDims) {
            progress.tick(`ψ=${psi} D=${dim} B=${auxDims} seed ${seed}`);
            const { model, history, seconds } = await trainMarginalizing(train, auxDims, seed, s.train);
            const onTest = evaluate(model, test, s.samples, 300 + seed);
            const trainHead = tf.slice(
              train,
              [0, 0],
              [Math.min(s.testSize / 2, s.trainSize), -1],
            ) as tf.Tensor2D;
            const onTrain = evaluate(model, trainHead, s.samples, 400 + seed);
            trainHead.dispose();
            runs.push({
              dim,
              psi,
              auxDims,
              seed,
              train: onTrain.mean,
              test: onTest.mean,
              testDataError: onTest.dataError,
              testMonteCarloError: onTest.monteCarloError,
              testTruth,
              trainTruth,
              stopReason: history.stopReason,
              seconds,
            });
            progress.log(
              `  held-out ${fmt(onTest.mean, 3)} (truth ${fmt(testTruth, 3)}), train ${fmt(onTrain.mean, 3)}, ${history.stopReason}, ${fmt(seconds, 1)} s`,
            );
            model.dispose();
          }
          tf.dispose([train, test]);
        }
      }
    }
    return powerReport(s, seeds, runs);
  },
};

/** The tables, figure and findings of a set of runs (also used to merge runs made in separate processes). */
export function powerReport(s: PowerSetting, seeds: number[], runs: PowerRun[]) {
  const pick = (psi: number, dim: number, auxDims: number) =>
    runs.filter((r) => r.psi === psi && r.dim === dim && r.auxDims === auxDims);
  const bHeader = s.auxDims.map((b) => `B = ${b}`);
  const heldOut: ExperimentTable = {
    title: `Held-out log-likelihood (nats, mean ± sd over ${seeds.length} seed${seeds.length > 1 ? 's' : ''}, S = ${s.samples}) and the exact E log p(x)`,
    header: ['ψ', 'D', ...bHeader, 'exact E log p'],
    rows: [],
    notes: [
      `Mean over ${s.testSize} held-out rows per model; the data's own sampling error of such a mean (sd/sqrt(n)) is given in the JSON (testDataError), and so is the Monte Carlo error of the estimate (testMonteCarloError).`,
      'exact E log p: the expected log-density of the data (@diffeo/datasets GaussianPower.expectedLogProb), the best any model can do on average.',
    ],
  };
  const trainTable: ExperimentTable = {
    title: `Training-set log-likelihood, best of ${seeds.length} seed${seeds.length > 1 ? 's' : ''} (the thesis's protocol), beside the thesis (best of 10)`,
    header: ['ψ', 'D', ...s.auxDims.map((b) => `B = ${b} (thesis)`)],
    rows: [],
    notes: [
      'Thesis numbers: de Boer 2020, Table 2 (best of 10 models, training data, S = 200). Training-set numbers reward overfitting; the held-out table is the honest comparison.',
    ],
  };
  const findings: string[] = [];
  const figures = [];
  for (const psi of s.psis) {
    const series = [];
    for (const dim of s.dims) {
      const truth = new GaussianPower({ dim, psi }).expectedLogProb();
      const means = s.auxDims.map((b) => meanSd(pick(psi, dim, b).map((r) => r.test)).mean);
      heldOut.rows.push([
        String(psi),
        String(dim),
        ...s.auxDims.map((b) => pm(pick(psi, dim, b).map((r) => r.test))),
        fmt(truth, 2),
      ]);
      trainTable.rows.push([
        String(psi),
        String(dim),
        ...s.auxDims.map((b) => {
          const best = Math.max(...pick(psi, dim, b).map((r) => r.train));
          const thesis = THESIS_POWER[`${psi},${dim}`]?.[b];
          return `${fmt(best)} (${thesis === undefined ? '-' : fmt(thesis)})`;
        }),
      ]);
      series.push({ name: `D = ${dim}`, x: s.auxDims, y: means });
      series.push({ name: `D = ${dim} exact`, x: s.auxDims, y: s.auxDims.map(() => truth) });
      const b0 = means[0]!;
      const bestIndex = means.indexOf(Math.max(...means));
      const gap = truth - b0;
      findings.push(
        `ψ = ${psi}, D = ${dim}: held-out ${fmt(b0, 3)} at B = 0, best ${fmt(means[bestIndex]!, 3)} at B = ${s.auxDims[bestIndex]} (${means[bestIndex]! - b0 >= 0 ? '+' : ''}${fmt(means[bestIndex]! - b0, 3)} nats); the exact E log p is ${fmt(truth, 3)} (B = 0 is ${fmt(gap, 3)} below it).`,
      );
    }
    figures.push(lines({ series, title: `ψ = ${psi}`, xTitle: 'B', yTitle: 'held-out log-likelihood' }));
  }
  return {
    tables: [heldOut, trainTable],
    figures: [
      {
        name: 'marginalizing-power',
        figure: panels(figures, { title: 'Held-out log-likelihood against B' }),
      },
    ],
    data: { setting: { ...s, train: { ...s.train } }, seeds, runs: runs.map((r) => ({ ...r })) },
    findings,
  };
}
