import { fit } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { CHECKERBOARD_IDEAL_NLL, checkerboard } from '../data.js';
import { ARCHS, type BenchModel } from '../models.js';
import type { Settings } from '../settings.js';
import type { Workload } from '../workload.js';
import { single } from './figures.js';
import { chunkSizes } from './log-prob.js';

const parts = (settings: Settings) => (settings.quick ? 2 : 10);

/** Mean negative log-likelihood of `x` under `model`, in chunks. */
export async function heldOutNll(model: BenchModel, x: tf.Tensor2D, chunk: number): Promise<number> {
  const n = x.shape[0];
  let total = 0;
  let start = 0;
  for (const size of chunkSizes(n, chunk)) {
    const sum = tf.tidy(() => tf.sum(model.logProb(tf.slice(x, [start, 0], [size, -1]) as tf.Tensor2D)));
    total += (await sum.data())[0]!;
    sum.dispose();
    start += size;
  }
  return -total / n;
}

/**
 * The NSF preset trained on the checkerboard with `fit` (Adam, cosine-annealed learning rate),
 * then its held-out NLL: the wall time to a given quality, to hold against PyTorch + nflows.
 */
export const timeToQualityWorkload: Workload = {
  name: 'time-to-quality',
  description: 'NSF preset trained on the checkerboard with fit(); held-out NLL and training wall time',
  plan: (settings) => [
    ...Array.from({ length: parts(settings) }, (_, i) => `training ${i + 1}/${parts(settings)}`),
    'held-out NLL',
  ],
  async run(ctx) {
    const s = ctx.settings.timeToQuality;
    const arch = ARCHS.find((a) => a.id === 'nsf')!;
    const every = Math.max(1, Math.ceil(s.steps / parts(ctx.settings)));
    const train = checkerboard(s.trainPoints, 11);
    const test = checkerboard(s.testPoints, 12);
    const model = arch.build(0);
    try {
      await ctx.step(`training 1/${parts(ctx.settings)}`);
      const start = performance.now();
      const history = await fit(model, train, {
        steps: s.steps,
        batchSize: s.batchSize,
        learningRate: s.learningRate,
        schedule: 'cosine',
        seed: 0,
        onStep: async ({ step }) => {
          ctx.checkpoint();
          if (step % every === 0 && step < s.steps)
            await ctx.step(`training ${step / every + 1}/${parts(ctx.settings)}`);
        },
      });
      const wallS = (performance.now() - start) / 1000;
      await ctx.step('held-out NLL');
      const nll = await heldOutNll(model, test, ctx.settings.chunk);
      const finalLoss = history.stepLosses.at(-1) ?? Number.NaN;
      return {
        figures: [
          single('time-to-quality/nsf/nll', 'NSF preset held-out NLL', 'nats', nll, 'lower'),
          single(
            'time-to-quality/nsf/nll-gap',
            'NLL above the ideal ln 32',
            'nats',
            nll - CHECKERBOARD_IDEAL_NLL,
            'lower',
          ),
          single('time-to-quality/nsf/train-wall-s', 'NSF preset training wall time', 's', wallS, 'lower'),
          single(
            'time-to-quality/nsf/steps-per-s',
            'NSF preset steps/s inside fit()',
            'steps/s',
            history.steps / wallS,
            'higher',
          ),
        ],
        details: {
          ...s,
          stepsTaken: history.steps,
          stopReason: history.stopReason,
          finalTrainLoss: finalLoss,
          idealNll: CHECKERBOARD_IDEAL_NLL,
        },
      };
    } finally {
      model.dispose();
      tf.dispose([train, test]);
    }
  },
};
