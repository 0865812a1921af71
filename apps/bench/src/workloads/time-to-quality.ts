import { fit } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { CHECKERBOARD_IDEAL_NLL, DATA_SEEDS, tensorOf } from '../data.js';
import { ARCHS, type Arch, type BenchModel, parameterCount } from '../models.js';
import type { Settings } from '../settings.js';
import { median } from '../stats.js';
import type { Figure } from '../types.js';
import type { Workload } from '../workload.js';
import { single } from './figures.js';
import { chunkSizes } from './log-prob.js';

const ticks = (settings: Settings) => (settings.quick ? 2 : 10);

/**
 * Mean negative log-likelihood of `x` under `model`, in chunks, and its standard error as an
 * estimate of the model's expected NLL (the per-point standard deviation over sqrt(n)): how far
 * a held-out set of this size alone moves the figure.
 */
export async function heldOutNll(
  model: Pick<BenchModel, 'logProb'>,
  x: tf.Tensor2D,
  chunk: number,
): Promise<{ nll: number; standardError: number }> {
  const n = x.shape[0];
  let total = 0;
  let squares = 0;
  let start = 0;
  for (const size of chunkSizes(n, chunk)) {
    const sums = tf.tidy(() => {
      const lp = model.logProb(tf.slice(x, [start, 0], [size, -1]) as tf.Tensor2D);
      return tf.stack([tf.sum(lp), tf.sum(tf.square(lp))]);
    });
    const [sum, sumOfSquares] = await sums.data();
    total += sum!;
    squares += sumOfSquares!;
    sums.dispose();
    start += size;
  }
  const mean = total / n;
  const variance = n > 1 ? Math.max(0, (squares - n * mean * mean) / (n - 1)) : 0;
  return { nll: -mean, standardError: Math.sqrt(variance / n) };
}

/** One training of the NSF preset with `seed` and its held-out NLL. */
export interface Training {
  seed: number;
  nll: number;
  standardError: number;
  wallS: number;
  steps: number;
  /** Ours: `fit`'s stop reason; the peer trains all the steps. */
  stopReason?: string;
  firstTrainLoss: number;
  finalTrainLoss: number;
}

/** The part of time-to-quality that trains with `seed` alone. */
const seedPart = (seed: number) => `seed ${seed}`;

/** The seeds to train: every one of the settings', or the one `part` names. */
export function trainingSeeds(settings: Settings, part?: string): number[] {
  const all = Array.from({ length: settings.timeToQuality.seeds }, (_, seed) => seed);
  if (part === undefined) return all;
  const seed = all.find((s) => seedPart(s) === part);
  if (seed === undefined) {
    throw new Error(`time-to-quality: expected a part among ${all.map(seedPart).join(', ')}, got '${part}'`);
  }
  return [seed];
}

/** The architecture time-to-quality trains (on the checkerboard, its data). */
export const timeToQualityArch = (): Arch => ARCHS.find((a) => a.id === 'nsf')!;

/**
 * The figures of the trainings: the NLL is their mean (beside its standard deviation over the
 * seeds and the test set's standard error of one NLL), the wall time and steps/s their medians.
 */
export function timeToQualityFigures(trainings: readonly Training[]): Figure[] {
  const nlls = trainings.map((t) => t.nll);
  const nll = nlls.reduce((sum, v) => sum + v, 0) / nlls.length;
  const seedSd =
    nlls.length > 1 ? Math.sqrt(nlls.reduce((sum, v) => sum + (v - nll) ** 2, 0) / (nlls.length - 1)) : 0;
  return [
    single(
      'time-to-quality/nsf/nll',
      `NSF preset held-out NLL, mean of ${trainings.length} seeds`,
      'nats',
      nll,
      'lower',
    ),
    single(
      'time-to-quality/nsf/nll-seed-sd',
      'its standard deviation over the seeds',
      'nats',
      seedSd,
      'lower',
    ),
    single(
      'time-to-quality/nsf/nll-standard-error',
      'standard error of one held-out NLL (test set)',
      'nats',
      median(trainings.map((t) => t.standardError)),
      'lower',
    ),
    single(
      'time-to-quality/nsf/nll-gap',
      'NLL above the ideal ln 32',
      'nats',
      nll - CHECKERBOARD_IDEAL_NLL,
      'lower',
    ),
    single(
      'time-to-quality/nsf/train-wall-s',
      'NSF preset training wall time (median)',
      's',
      median(trainings.map((t) => t.wallS)),
      'lower',
    ),
    single(
      'time-to-quality/nsf/steps-per-s',
      'NSF preset training steps/s',
      'steps/s',
      median(trainings.map((t) => t.steps / t.wallS)),
      'higher',
    ),
  ];
}

const trainingsOf = (details: Record<string, unknown> | undefined): Training[] =>
  (details?.trainings ?? []) as Training[];

/**
 * The NSF preset trained on the checkerboard with `fit` (Adam, cosine-annealed learning rate),
 * then its held-out NLL: the wall time to a given quality, to hold against the PyTorch peer. With
 * several seeds (the full run's 3) the NLL is their mean and the wall time their median; every
 * training's figures are in the details.
 */
export const timeToQualityWorkload: Workload = {
  name: 'time-to-quality',
  description: 'NSF preset trained on the checkerboard with fit(); held-out NLL and training wall time',
  perArch: false,
  parts: (settings) => trainingSeeds(settings).map(seedPart),
  combine(a, b) {
    const trainings = [...trainingsOf(a.details), ...trainingsOf(b.details)];
    return {
      figures: timeToQualityFigures(trainings),
      details: { ...a.details, ...b.details, stepsTaken: trainings[0]?.steps, trainings },
    };
  },
  plan: (settings, _archs, part) =>
    trainingSeeds(settings, part).flatMap((seed) => [
      ...Array.from(
        { length: ticks(settings) },
        (_, i) => `seed ${seed}: training ${i + 1}/${ticks(settings)}`,
      ),
      `seed ${seed}: held-out NLL`,
    ]),
  async run(ctx) {
    const s = ctx.settings.timeToQuality;
    const arch = timeToQualityArch();
    const every = Math.max(1, Math.ceil(s.steps / ticks(ctx.settings)));
    const train = tensorOf(arch.data(s.trainPoints, DATA_SEEDS.ttqTrain));
    const test = tensorOf(arch.data(s.testPoints, DATA_SEEDS.ttqTest));
    let parameters = 0;
    const trainings: Training[] = [];
    try {
      for (const seed of trainingSeeds(ctx.settings, ctx.part)) {
        const model = arch.build(seed);
        parameters = parameterCount(model);
        try {
          await ctx.step(`seed ${seed}: training 1/${ticks(ctx.settings)}`);
          const start = performance.now();
          const history = await fit(model, train, {
            steps: s.steps,
            batchSize: s.batchSize,
            learningRate: s.learningRate,
            schedule: 'cosine',
            seed,
            onStep: async ({ step }) => {
              ctx.checkpoint();
              if (step % every === 0 && step < s.steps)
                await ctx.step(`seed ${seed}: training ${step / every + 1}/${ticks(ctx.settings)}`);
            },
          });
          const wallS = (performance.now() - start) / 1000;
          await ctx.step(`seed ${seed}: held-out NLL`);
          const { nll, standardError } = await heldOutNll(model, test, ctx.settings.chunk);
          trainings.push({
            seed,
            nll,
            standardError,
            wallS,
            steps: history.steps,
            stopReason: history.stopReason,
            firstTrainLoss: history.stepLosses[0] ?? Number.NaN,
            finalTrainLoss: history.stepLosses.at(-1) ?? Number.NaN,
          });
        } finally {
          model.dispose();
        }
      }
    } finally {
      tf.dispose([train, test]);
    }
    return {
      figures: timeToQualityFigures(trainings),
      details: {
        ...s,
        stepsTaken: trainings[0]?.steps,
        parameters: { [arch.id]: parameters },
        idealNll: CHECKERBOARD_IDEAL_NLL,
        trainings,
      },
    };
  },
};
