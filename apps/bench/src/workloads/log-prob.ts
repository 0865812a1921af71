import * as tf from '@tensorflow/tfjs-core';
import { checkerboard } from '../data.js';
import type { Workload } from '../workload.js';
import { rate } from './figures.js';

/** Splits `n` rows into chunks of at most `chunk` rows. */
export function chunkSizes(n: number, chunk: number): number[] {
  const sizes: number[] = [];
  for (let start = 0; start < n; start += chunk) sizes.push(Math.min(chunk, n - start));
  return sizes;
}

/** logProb throughput per architecture, over checkerboard points in chunks, each read back. */
export const logProbWorkload: Workload = {
  name: 'log-prob',
  description: 'logProb of checkerboard points in chunks, every chunk read back to the host',
  plan: (_settings, archs) => archs.map((a) => a.id),
  async run(ctx) {
    const { logProbPoints: n, chunk } = ctx.settings;
    const figures = [];
    const data = checkerboard(n, 3);
    const chunks = chunkSizes(n, chunk).map(
      (size, i) => tf.slice(data, [i * chunk, 0], [size, 2]) as tf.Tensor2D,
    );
    data.dispose();
    try {
      for (const arch of ctx.archs) {
        await ctx.step(arch.id);
        const model = arch.build(0);
        try {
          const times = await ctx.time(async () => {
            for (const x of chunks) {
              const lp = model.logProb(x);
              await lp.data();
              lp.dispose();
            }
          }, ctx.settings.passes);
          figures.push(
            rate(`log-prob/${arch.id}/points-per-s`, `${arch.label} logProb`, 'points/s', n, times),
          );
        } finally {
          model.dispose();
        }
      }
    } finally {
      tf.dispose(chunks);
    }
    return { figures, details: { points: n, chunk } };
  },
};
