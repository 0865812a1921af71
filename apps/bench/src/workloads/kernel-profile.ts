import * as tf from '@tensorflow/tfjs-core';
import { median } from '../stats.js';
import type { Figure } from '../types.js';
import type { Workload } from '../workload.js';
import { single } from './figures.js';
import { withTrainStep } from './train-step.js';

/** Kernels whose time counts as matrix products. */
export const MATMUL_KERNELS = new Set(['BatchMatMul', '_FusedMatMul', 'MatMul']);

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

/**
 * Where a training step's time goes: every kernel of one step (forward, backward, Adam) recorded
 * with `tf.profile`, against the median wall time of the same step unprofiled. Gives the number of
 * kernels per step, the share of the wall time spent inside kernels (the rest is dispatch, the
 * tape, JS glue) and the share of kernel time in matrix products. The kernel times are those
 * of the median of `settings.profiles` profiled steps. On webgl they come from GPU timer queries (on SwiftShader the
 * "GPU" is other CPU threads, so kernel time can exceed the wall time); without timer queries only
 * the counts and the wall time are reported.
 */
export const kernelProfileWorkload: Workload = {
  name: 'kernel-profile',
  description: 'Kernels per training step, share of wall time inside kernels, matmul share of kernel time',
  perArch: true,
  plan: (settings, archs) => archs.flatMap((a) => settings.trainBatches.map((b) => `${a.id} batch ${b}`)),
  async run(ctx) {
    const figures: Figure[] = [];
    const tables: Record<string, KernelRow[]> = {};
    const timed = timerUsable();
    const checkFlag = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
    for (const arch of ctx.archs) {
      for (const batchSize of ctx.settings.trainBatches) {
        await ctx.step(`${arch.id} batch ${batchSize}`);
        await withTrainStep(arch, batchSize, async (step) => {
          try {
            const wall = median(await ctx.time(step)) * 1000;
            // The check reads every kernel's output back while profiling: not what a step costs.
            tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
            const profiles: KernelRow[][] = [];
            let count = 0;
            for (let i = 0; i < ctx.settings.profiles; i++) {
              const profile = await tf.profile(step);
              count = profile.kernels.length;
              profiles.push(
                groupKernels(
                  profile.kernels.map((k) => ({ name: k.name, kernelTimeMs: Number(k.kernelTimeMs) })),
                ),
              );
              ctx.checkpoint();
            }
            tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', checkFlag);
            const total = (rows: KernelRow[], pick: (r: KernelRow) => boolean = () => true) =>
              rows.filter(pick).reduce((s, r) => s + r.ms, 0);
            // The profile whose kernel total is the median one stands for the step.
            const byTotal = [...profiles].sort((a, b) => total(a) - total(b));
            const rows = byTotal[byTotal.length >> 1]!;
            const key = `${arch.id}/b${batchSize}`;
            tables[key] = rows;
            const prefix = `kernel-profile/${key}`;
            const what = `${arch.label}, batch ${batchSize}`;
            figures.push(
              single(`${prefix}/kernels`, `kernels per step, ${what}`, 'kernels', count, 'lower'),
              single(`${prefix}/step-ms`, `step wall time (unprofiled), ${what}`, 'ms', wall, 'lower'),
              single(
                `${prefix}/us-per-kernel`,
                `step wall time per kernel, ${what}`,
                'us',
                (wall * 1000) / count,
                'lower',
              ),
            );
            if (timed) {
              const kernelMs = total(rows);
              const matmulMs = total(rows, (r) => MATMUL_KERNELS.has(r.kernel));
              figures.push(
                single(`${prefix}/kernel-ms`, `time inside kernels, ${what}`, 'ms', kernelMs, 'lower'),
                single(
                  `${prefix}/in-kernels-share`,
                  `kernel time / step wall time, ${what}`,
                  'share',
                  kernelMs / wall,
                  'none',
                ),
                single(
                  `${prefix}/matmul-share`,
                  `matmul share of kernel time, ${what}`,
                  'share',
                  kernelMs > 0 ? matmulMs / kernelMs : 0,
                  'none',
                ),
              );
            }
          } finally {
            tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', checkFlag);
          }
        });
      }
    }
    return { figures, details: { kernelTimer: timed, topKernels: tables } };
  },
};
