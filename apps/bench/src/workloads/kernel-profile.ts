import * as tf from '@tensorflow/tfjs-core';
import { DATA_SEEDS, tensorOf } from '../data.js';
import { buildTrainedLike } from '../models.js';
import { median } from '../stats.js';
import type { Figure } from '../types.js';
import type { Workload, WorkloadContext } from '../workload.js';
import { single } from './figures.js';
import { isOpScope, isProductKernel, type ProductFlops, type ProfiledKernel, productFlops } from './flops.js';
import { withTrainStep } from './train-step.js';

/** Time and count per kernel name, largest time first. */
export interface KernelRow {
  kernel: string;
  count: number;
  ms: number;
}

/** Groups profiled kernels by name. */
export function groupKernels(kernels: readonly { name: string; kernelTimeMs: number }[]): KernelRow[] {
  const rows = new Map<string, KernelRow>();
  for (const k of kernels) {
    const row = rows.get(k.name) ?? { kernel: k.name, count: 0, ms: 0 };
    row.count += 1;
    row.ms += Number.isFinite(k.kernelTimeMs) ? k.kernelTimeMs : 0;
    rows.set(k.name, row);
  }
  return [...rows.values()].sort((a, b) => b.ms - a.ms || b.count - a.count);
}

function timerUsable(): boolean {
  const backend = tf.backend() as unknown as { timerAvailable?: () => boolean };
  return backend.timerAvailable?.() ?? false;
}

/** What one profiled case (a training step, or a logProb pass) gave. */
export interface ProfileCase {
  /** Kernels of one call. */
  count: number;
  /** The median wall time of the call unprofiled, ms. */
  wallMs: number;
  /** The per-kernel table of the profile whose kernel total is the median one. */
  rows: KernelRow[];
  /** Its matrix-product FLOPs (the same in every profile: the shapes do not change). */
  flops: ProductFlops;
}

const totalMs = (rows: readonly KernelRow[], pick: (r: KernelRow) => boolean = () => true) =>
  rows.filter(pick).reduce((s, r) => s + r.ms, 0);

/** A kernel of a profiled call: its name, shapes and time. */
export type TimedKernel = ProfiledKernel & { kernelTimeMs: number };

/** The kernels `call` runs, from one `tf.profile` of it (the scopes of custom-gradient ops left out). */
export async function profileKernels(call: () => Promise<void>): Promise<TimedKernel[]> {
  const checkFlag = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
  try {
    // The check reads every kernel's output back while profiling: not what a call costs.
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
    const profile = await tf.profile(call);
    // An op scope's time is that of the kernels inside it, which are listed too.
    return profile.kernels
      .filter((k) => !isOpScope(k.name))
      .map((k) => ({ ...(k as ProfiledKernel), kernelTimeMs: Number(k.kernelTimeMs) }));
  } finally {
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', checkFlag);
  }
}

/**
 * `call` profiled `times` times: the per-kernel table of the profile whose kernel total is the
 * median one, with its kernel count and product FLOPs (`after` runs after each profile).
 */
export async function medianProfile(
  call: () => Promise<void>,
  times: number,
  after: () => void = () => {},
): Promise<Omit<ProfileCase, 'wallMs'>> {
  const profiles: KernelRow[][] = [];
  let count = 0;
  let flops: ProductFlops | undefined;
  for (let i = 0; i < times; i++) {
    const kernels = await profileKernels(call);
    count = kernels.length;
    flops = productFlops(kernels);
    profiles.push(groupKernels(kernels));
    after();
  }
  const byTotal = [...profiles].sort((a, b) => totalMs(a) - totalMs(b));
  return { count, rows: byTotal[byTotal.length >> 1]!, flops: flops! };
}

/** The time inside the product kernels of a per-kernel table, ms. */
export const productMsOf = (rows: readonly KernelRow[]): number =>
  totalMs(rows, (r) => isProductKernel(r.kernel));

/** Times `call` unprofiled, then profiles it `settings.profiles` times. */
async function profileCall(ctx: WorkloadContext, call: () => Promise<void>): Promise<ProfileCase> {
  const wallMs = median(await ctx.time(call)) * 1000;
  return { wallMs, ...(await medianProfile(call, ctx.settings.profiles, () => ctx.checkpoint())) };
}

/** The figures of one profiled case; the kernel times only when the backend has a kernel timer. */
export function profileFigures(prefix: string, what: string, c: ProfileCase, timed: boolean): Figure[] {
  const gflop = c.flops.flops / 1e9;
  const figures = [
    single(`${prefix}/kernels`, `kernels per call, ${what}`, 'kernels', c.count, 'lower'),
    single(`${prefix}/step-ms`, `wall time (unprofiled), ${what}`, 'ms', c.wallMs, 'lower'),
    single(
      `${prefix}/us-per-kernel`,
      `wall time per kernel, ${what}`,
      'us',
      (c.wallMs * 1000) / c.count,
      'lower',
    ),
    single(`${prefix}/product-gflop`, `matrix-product arithmetic, ${what}`, 'GFLOP', gflop, 'none'),
    single(
      `${prefix}/wall-gflops`,
      `product FLOPs / wall time, ${what}`,
      'GFLOP/s',
      gflop / (c.wallMs / 1000),
      'higher',
    ),
  ];
  if (!timed) return figures;
  const kernelMs = totalMs(c.rows);
  const productMs = productMsOf(c.rows);
  figures.push(
    single(`${prefix}/kernel-ms`, `time inside kernels, ${what}`, 'ms', kernelMs, 'lower'),
    single(
      `${prefix}/in-kernels-share`,
      `kernel time / wall time, ${what}`,
      'share',
      kernelMs / c.wallMs,
      'none',
    ),
    single(
      `${prefix}/matmul-share`,
      `matrix-product share of kernel time, ${what}`,
      'share',
      kernelMs > 0 ? productMs / kernelMs : 0,
      'none',
    ),
  );
  if (productMs > 0) {
    figures.push(
      single(
        `${prefix}/product-gflops`,
        `product FLOPs / product-kernel time, ${what}`,
        'GFLOP/s',
        gflop / (productMs / 1000),
        'higher',
      ),
    );
  }
  return figures;
}

/**
 * Where a training step's and a logProb pass's time goes: every kernel of one call (forward,
 * backward, Adam; or one logProb chunk) recorded with `tf.profile`, against the median wall time
 * of the same call unprofiled. Gives the kernels per call, the share of the wall time inside
 * kernels (the rest is dispatch, the tape, JS glue), the share of kernel time in matrix products,
 * and the products' arithmetic (2mnk per product, from the profiled shapes: `flops.ts`) with the
 * rate it ran at over the product kernels' time and over the wall time, which the report holds
 * against `op-overhead`'s product rate. The kernel times are those of the median of
 * `settings.profiles` profiles. On webgl they come from GPU timer queries (on SwiftShader the "GPU"
 * is other CPU threads, so kernel time can exceed the wall time); without timer queries only the
 * counts, FLOPs and the wall time are reported.
 */
export const kernelProfileWorkload: Workload = {
  name: 'kernel-profile',
  description:
    'Kernels per training step and logProb chunk, share of wall time inside kernels, matrix-product FLOPs and their rate',
  perArch: true,
  plan: (settings, archs) =>
    archs.flatMap((a) => [...settings.trainBatches.map((b) => `${a.id} batch ${b}`), `${a.id} logProb`]),
  async run(ctx) {
    const figures: Figure[] = [];
    const tables: Record<string, KernelRow[]> = {};
    const flops: Record<string, ProductFlops> = {};
    const timed = timerUsable();
    const record = (key: string, what: string, c: ProfileCase) => {
      tables[key] = c.rows;
      flops[key] = c.flops;
      figures.push(...profileFigures(`kernel-profile/${key}`, what, c, timed));
    };
    for (const arch of ctx.archs) {
      for (const batchSize of ctx.settings.trainBatches) {
        await ctx.step(`${arch.id} batch ${batchSize}`);
        const c = await withTrainStep(arch, batchSize, (step) => profileCall(ctx, step));
        record(`${arch.id}/b${batchSize}`, `${arch.label} train step, batch ${batchSize}`, c);
      }
      await ctx.step(`${arch.id} logProb`);
      const points = ctx.settings.chunk;
      const x = tensorOf(arch.data(points, DATA_SEEDS.logProb));
      const model = buildTrainedLike(arch, 0);
      try {
        const c = await profileCall(ctx, async () => {
          const lp = model.logProb(x);
          await lp.data();
          lp.dispose();
        });
        record(`${arch.id}/log-prob`, `${arch.label} logProb of ${points} points`, c);
      } finally {
        model.dispose();
        x.dispose();
      }
    }
    const withoutFormula = [...new Set(Object.values(flops).flatMap((f) => f.withoutFormula))];
    return {
      figures,
      details: {
        kernelTimer: timed,
        logProbPoints: ctx.settings.chunk,
        topKernels: tables,
        productFlops: flops,
        ...(withoutFormula.length === 0 ? {} : { productKernelsWithoutFormula: withoutFormula }),
      },
    };
  },
};
