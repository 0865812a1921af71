import { type Arch, buildTrainedLike, parameterCount } from '../models.js';
import type { Figure } from '../types.js';
import type { Workload } from '../workload.js';
import { rate } from './figures.js';
import { chunkSizes } from './log-prob.js';

/** The sampling throughput figure of `samples` samples, from seconds per pass. */
export function sampleFigure(arch: Arch, samples: number, secondsPerPass: number[]): Figure {
  return rate(
    `sample/${arch.id}/samples-per-s`,
    `${arch.label} sample`,
    'samples/s',
    samples,
    secondsPerPass,
  );
}

/** Sampling throughput per architecture, in chunks, every chunk read back to the host. */
export const sampleWorkload: Workload = {
  name: 'sample',
  description: 'sample() in chunks, every chunk read back to the host',
  perArch: true,
  plan: (_settings, archs) => archs.map((a) => a.id),
  async run(ctx) {
    const { samplePoints: n, chunk } = ctx.settings;
    const sizes = chunkSizes(n, chunk);
    const figures = [];
    const parameters: Record<string, number> = {};
    for (const arch of ctx.archs) {
      await ctx.step(arch.id);
      const model = buildTrainedLike(arch, 0);
      try {
        parameters[arch.id] = parameterCount(model);
        let seed = 0;
        const times = await ctx.time(async () => {
          for (const size of sizes) {
            const x = model.sample(size, { seed: seed++ });
            await x.data();
            x.dispose();
          }
        }, ctx.settings.passes);
        figures.push(sampleFigure(arch, n, times));
      } finally {
        model.dispose();
      }
    }
    return { figures, details: { samples: n, chunk, parameters } };
  },
};
