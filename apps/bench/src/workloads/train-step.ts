import { Adam } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { DATA_SEEDS, tensorOf } from '../data.js';
import { type Arch, type BenchModel, parameterCount } from '../models.js';
import type { Settings } from '../settings.js';
import type { Figure } from '../types.js';
import type { Workload } from '../workload.js';
import { rate } from './figures.js';

/**
 * One optimizer step, the way `fit` takes it: loss and gradients of every trainable variable
 * (`tf.variableGrads`), an Adam update, and the loss read back to the host. The read-back ends
 * the step, so queued GPU work is inside the timing. Returns a function that takes one step and
 * a function that frees the optimizer.
 */
export function trainStep(model: BenchModel, batch: tf.Tensor2D, learningRate = 1e-3) {
  const vars = model
    .namedVariables()
    .filter((v) => v.variable.trainable)
    .map((v) => v.variable);
  const adam = new Adam(vars, { epsilon: 1e-8 });
  const step = async () => {
    const { value, grads } = tf.variableGrads(() => model.loss({ x: batch }), vars);
    adam.step(
      vars.map((v) => grads[v.name]!),
      learningRate,
    );
    tf.dispose(grads);
    await value.data();
    value.dispose();
  };
  return { step, dispose: () => adam.dispose() };
}

/**
 * Runs `use` with a fresh model of `arch`, a batch of `batchSize` rows of its data and its training
 * step, and frees all three afterwards, whatever `use` does.
 */
export async function withTrainStep<T>(
  arch: Arch,
  batchSize: number,
  use: (step: () => Promise<void>, model: BenchModel) => Promise<T>,
): Promise<T> {
  const model = arch.build(0);
  const batch = tensorOf(arch.data(batchSize, DATA_SEEDS.trainBatch));
  const { step, dispose } = trainStep(model, batch);
  try {
    return await use(step, model);
  } finally {
    dispose();
    batch.dispose();
    model.dispose();
  }
}

/** The figures of one architecture's training step at one batch, from seconds per step. */
export function trainStepFigures(arch: Arch, batchSize: number, secondsPerStep: number[]): Figure[] {
  const what = `${arch.label} train step, batch ${batchSize}`;
  const prefix = `train-step/${arch.id}/b${batchSize}`;
  return [
    rate(`${prefix}/steps-per-s`, what, 'steps/s', 1, secondsPerStep),
    rate(`${prefix}/samples-per-s`, what, 'samples/s', batchSize, secondsPerStep),
  ];
}

/** The progress labels of one architecture's training steps (the peer announces the same). */
export const trainStepPlan = (settings: Settings, arch: Arch): string[] =>
  settings.trainBatches.map((b) => `${arch.id} batch ${b}`);

/** Training-step throughput per architecture at the small and the large batch. */
export const trainStepWorkload: Workload = {
  name: 'train-step',
  description:
    "One Adam step (loss, gradients, update, loss read back) on batches of each architecture's data",
  perArch: true,
  plan: (settings, archs) => archs.flatMap((a) => trainStepPlan(settings, a)),
  async run(ctx) {
    const figures: Figure[] = [];
    const params: Record<string, number> = {};
    for (const arch of ctx.archs) {
      for (const batchSize of ctx.settings.trainBatches) {
        await ctx.step(`${arch.id} batch ${batchSize}`);
        await withTrainStep(arch, batchSize, async (step, model) => {
          params[arch.id] = parameterCount(model);
          figures.push(...trainStepFigures(arch, batchSize, await ctx.time(step)));
        });
      }
    }
    return { figures, details: { parameters: params, batches: ctx.settings.trainBatches } };
  },
};
