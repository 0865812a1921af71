import { DIGITS_LEVELS, DIGITS_PIXELS, Digits, selectRows } from '@diffeo/datasets';
import { imageGrid, lines, panels } from '@diffeo/plots';
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

/** Thesis Table 4 (log-likelihood, best of 10, S = 100), B = 0, 1, 2, 4, 8, 16, for reference. */
export const THESIS_IMAGES: Record<string, number[]> = {
  MNIST: [126.27, 145.32, 137.66, 119.85, 129.4, 128.28],
  'K-MNIST': [33.26, 33.63, 28.07, 27.93, 28.82, 35.09],
  'F-MNIST': [132.82, 141.58, 132.22, 132.62, 131.13, 138.14],
  'CIFAR-10': [8422.63, 8513.6, 8505.94, 8502.32, 8571.83, 8635.47],
};

interface DigitsSetting {
  auxDims: number[];
  seeds: number[];
  testSize: number;
  samples: number;
  train: TrainSetting;
}

export const DIGITS_SETTINGS: { quick: DigitsSetting; full: DigitsSetting } = {
  quick: {
    auxDims: [0, 2],
    seeds: [0],
    testSize: 297,
    samples: 20,
    train: {
      steps: 100,
      batchSize: 32,
      learningRate: 1e-3,
      clipNorm: 0.6,
      numBlocks: 2,
      hiddenFeatures: 32,
      hiddenLayers: 2,
      trainSamples: 1,
      objective: 'joint',
    },
  },
  full: {
    auxDims: [0, 1, 2, 4, 8, 16],
    seeds: [0, 1],
    testSize: 297,
    samples: 100,
    train: {
      steps: 600,
      batchSize: 32,
      learningRate: 1e-3,
      clipNorm: 0.6,
      numBlocks: 3,
      hiddenFeatures: 64,
      hiddenLayers: 2,
      trainSamples: 1,
      objective: 'joint',
    },
  },
};

/** Nats per dimension and bits per dimension of the 17-level pixels, from log p(x) on [0, 1)^64. */
export function perDimension(logProb: number): { nats: number; bits: number } {
  // x = y / 17 with y the dequantized pixel in [0, 17): log p(y) = log p(x) - 64 log 17.
  const nats = -(logProb - DIGITS_PIXELS * Math.log(DIGITS_LEVELS)) / DIGITS_PIXELS;
  return { nats, bits: nats / Math.LN2 };
}

interface DigitsRun {
  auxDims: number;
  seed: number;
  test: number;
  testDataError: number;
  testMonteCarloError: number;
  train: number;
  testBits: number;
  trainBits: number;
  stopReason: string;
  seconds: number;
}

/**
 * The thesis's image experiment (Table 4) on the shipped UCI 8x8 digits in place of MNIST and
 * CIFAR-10: held-out nats and bits per dimension of the dequantized pixels against B.
 */
export const marginalizingDigits: Experiment = {
  name: 'marginalizing-digits',
  package: '@diffeo/marginalizing',
  reproduces:
    'de Boer 2020, Marginalizing Flows, Table 4 and Figures 7, 8 and 11 (images; 8x8 digits for MNIST)',
  description:
    'Marginalizing flows on the UCI 8x8 digits (64 dimensions, uniformly dequantized, scaled to [0, 1)): held-out bits per dimension against B in {0, 1, 2, 4, 8, 16}, and samples.',
  settings: {
    quick:
      'B in {0, 2}, 1 seed, 1500 train / 297 test images, 100 steps of 32 (clip 0.6), 2 R-blocks of 32 units, S = 20',
    full: 'B in {0, 1, 2, 4, 8, 16}, seeds 0 and 1, 1500 train / 297 test images, 600 steps of 32 (cosine, lr 1e-3, clip 0.6), 3 R-blocks of 64 units, S = 100',
  },
  async run({ quick, seeds: given, progress }) {
    const s = quick ? DIGITS_SETTINGS.quick : DIGITS_SETTINGS.full;
    const seeds = seedsOf(given, quick, s.seeds);
    const digits = new Digits();
    progress.plan(s.auxDims.length * seeds.length);
    const runs: DigitsRun[] = [];
    const sampleRows: number[][] = [];
    let realRow: number[][] = [];
    for (const seed of seeds) {
      const all = digits.sample(digits.size, { seed: 100 + seed });
      const trainSize = digits.size - s.testSize;
      const trainIdx = Int32Array.from({ length: trainSize }, (_, i) => i);
      const testIdx = Int32Array.from({ length: s.testSize }, (_, i) => trainSize + i);
      const trainArrays = selectRows(all, trainIdx);
      const testArrays = selectRows(all, testIdx);
      if (seed === seeds[0]) {
        realRow = Array.from({ length: 10 }, (_, i) =>
          Array.from(testArrays.x.subarray(i * 64, (i + 1) * 64)),
        );
      }
      const train = rowsOf(trainArrays);
      const test = rowsOf(testArrays);
      for (const auxDims of s.auxDims) {
        progress.tick(`B=${auxDims} seed ${seed}`);
        const { model, history, seconds } = await trainMarginalizing(train, auxDims, seed, s.train);
        const onTest = evaluate(model, test, s.samples, 300 + seed);
        const trainHead = tf.slice(train, [0, 0], [s.testSize, -1]) as tf.Tensor2D;
        const onTrain = evaluate(model, trainHead, s.samples, 400 + seed);
        trainHead.dispose();
        runs.push({
          auxDims,
          seed,
          test: onTest.mean,
          testDataError: onTest.dataError,
          testMonteCarloError: onTest.monteCarloError,
          train: onTrain.mean,
          testBits: perDimension(onTest.mean).bits,
          trainBits: perDimension(onTrain.mean).bits,
          stopReason: history.stopReason,
          seconds,
        });
        if (seed === seeds[0]) {
          const generated = model.sample(10, { seed: 500 });
          const values = generated.dataSync();
          generated.dispose();
          for (let i = 0; i < 10; i++) {
            sampleRows.push(
              Array.from(values.subarray(i * 64, (i + 1) * 64), (v) => Math.min(1, Math.max(0, v))),
            );
          }
        }
        progress.log(
          `  held-out ${fmt(onTest.mean, 2)} nats (${fmt(perDimension(onTest.mean).bits, 3)} bits/dim), train ${fmt(onTrain.mean, 2)}, ${history.stopReason}, ${fmt(seconds, 1)} s`,
        );
        model.dispose();
      }
      tf.dispose([train, test]);
    }
    const pick = (b: number) => runs.filter((r) => r.auxDims === b);
    const table: ExperimentTable = {
      title: `8x8 digits: held-out log-likelihood, mean ± sd over ${seeds.length} seed${seeds.length > 1 ? 's' : ''}, S = ${s.samples}`,
      header: [
        'B',
        'log p(x) (nats, x in [0,1)^64)',
        'nats/dim (17 levels)',
        'bits/dim (17 levels)',
        'train bits/dim (best)',
        'thesis MNIST',
      ],
      rows: s.auxDims.map((b) => {
        const thesisIndex = [0, 1, 2, 4, 8, 16].indexOf(b);
        return [
          String(b),
          pm(
            pick(b).map((r) => r.test),
            2,
          ),
          pm(
            pick(b).map((r) => perDimension(r.test).nats),
            3,
          ),
          pm(
            pick(b).map((r) => r.testBits),
            3,
          ),
          fmt(Math.min(...pick(b).map((r) => r.trainBits)), 3),
          thesisIndex < 0 ? '-' : fmt(THESIS_IMAGES.MNIST![thesisIndex]!, 2),
        ];
      }),
      notes: [
        `${s.testSize} held-out images per seed (a seeded split of the 1797), dequantized with uniform noise: log p of the 17-level pixels is at least the reported log-density, so bits/dim is an upper bound; the uniform density scores log2(17) = ${fmt(Math.log2(DIGITS_LEVELS), 3)} bits/dim.`,
        'Train bits/dim: the first 297 training images, best seed. Thesis column: its MNIST log-likelihood (784 dimensions, other scaling), not comparable in value, only in its trend over B.',
      ],
    };
    const b0 = meanSd(pick(s.auxDims[0]!).map((r) => r.testBits)).mean;
    const findings = s.auxDims.slice(1).map((b) => {
      const m = meanSd(pick(b).map((r) => r.testBits)).mean;
      return `B = ${b}: held-out ${fmt(m, 3)} bits/dim against ${fmt(b0, 3)} at B = ${s.auxDims[0]} (${m - b0 <= 0 ? '' : '+'}${fmt(m - b0, 3)}; lower is better).`;
    });
    return {
      tables: [table],
      figures: [
        {
          name: 'marginalizing-digits-samples',
          figure: imageGrid({
            images: [...sampleRows, ...realRow],
            width: 8,
            height: 8,
            columns: 10,
            title: `Samples, one row per B (${s.auxDims.join(', ')}); last row: held-out data`,
          }),
        },
        {
          name: 'marginalizing-digits-bits',
          figure: panels([
            lines({
              series: [
                {
                  name: 'held-out',
                  x: s.auxDims,
                  y: s.auxDims.map((b) => meanSd(pick(b).map((r) => r.testBits)).mean),
                },
                {
                  name: 'train',
                  x: s.auxDims,
                  y: s.auxDims.map((b) => meanSd(pick(b).map((r) => r.trainBits)).mean),
                },
              ],
              xTitle: 'B',
              yTitle: 'bits/dim',
            }),
          ]),
        },
      ],
      data: { setting: { ...s, train: { ...s.train } }, seeds, runs: runs.map((r) => ({ ...r })) },
      findings,
    };
  },
};
