import * as tf from '@tensorflow/tfjs-core';
import { DATA_SEEDS, tensorOf } from '../data.js';
import { type Arch, buildTrainedLike, parameterCount } from '../models.js';
import type { Figure } from '../types.js';
import type { Workload } from '../workload.js';
import { rate } from './figures.js';

/** Splits `n` rows into chunks of at most `chunk` rows. */
export function chunkSizes(n: number, chunk: number): number[] {
  const sizes: number[] = [];
  for (let start = 0; start < n; start += chunk) sizes.push(Math.min(chunk, n - start));
  return sizes;
}

/** The logProb throughput figure of `points` points, from seconds per pass over them. */
export function logProbFigure(arch: Arch, points: number, secondsPerPass: number[]): Figure {
  return rate(
    `log-prob/${arch.id}/points-per-s`,
    `${arch.label} logProb`,
    'points/s',
    points,
    secondsPerPass,
  );
}

/** logProb throughput per architecture, over points of its data in chunks, each read back. */
export const logProbWorkload: Workload = {
  name: 'log-prob',
  description: "logProb of points of each architecture's data in chunks, every chunk read back to the host",
  perArch: true,
  plan: (_settings, archs) => archs.map((a) => a.id),
  async run(ctx) {
    const { logProbPoints: n, chunk } = ctx.settings;
    const figures = [];
    const parameters: Record<string, number> = {};
    for (const arch of ctx.archs) {
      await ctx.step(arch.id);
      const data = tensorOf(arch.data(n, DATA_SEEDS.logProb));
      const chunks = chunkSizes(n, chunk).map(
        (size, i) => tf.slice(data, [i * chunk, 0], [size, -1]) as tf.Tensor2D,
      );
      data.dispose();
      const model = buildTrainedLike(arch, 0);
      try {
        parameters[arch.id] = parameterCount(model);
        const times = await ctx.time(async () => {
          for (const x of chunks) {
            const lp = model.logProb(x);
            await lp.data();
            lp.dispose();
          }
        }, ctx.settings.passes);
        figures.push(logProbFigure(arch, n, times));
      } finally {
        model.dispose();
        tf.dispose(chunks);
      }
    }
    return { figures, details: { points: n, chunk, parameters } };
  },
};
