import { Adam, createRng, fit, guarded, WeightSnapshot } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { DATA_SEEDS, tensorOf } from '../data.js';
import type { BenchModel } from '../models.js';
import type { Settings } from '../settings.js';
import type { Figure } from '../types.js';
import type { Workload } from '../workload.js';
import { rate } from './figures.js';

/** How one pass of `steps` training steps is taken. */
type Loop = (model: BenchModel, data: tf.Tensor2D, batchSize: number, steps: number) => Promise<void>;

/** The shuffled row indices of each of `steps` batches of `batchSize` rows out of `n`. */
function batchIndices(n: number, batchSize: number, steps: number): Int32Array[] {
  const order = createRng(DATA_SEEDS.trainBatch).permutation(n);
  return Array.from({ length: steps }, (_, i) =>
    order.subarray((i * batchSize) % n, ((i * batchSize) % n) + batchSize),
  );
}

function trainable(model: BenchModel): tf.Variable[] {
  return model
    .namedVariables()
    .filter((v) => v.variable.trainable)
    .map((v) => v.variable);
}

function gradientsOf(
  model: BenchModel,
  data: tf.Tensor2D,
  indices: Int32Array,
  vars: tf.Variable[],
  rowChecks: boolean,
) {
  const x = tf.tidy(() => tf.gather(data, tf.tensor1d(indices, 'int32')) as tf.Tensor2D);
  // Inside an outer `guarded` call the model's entry points skip their checks (they run at the
  // outermost call only), and this one has no inputs and a scalar result: nothing is read back.
  const loss = rowChecks ? () => model.loss({ x }) : () => guarded([], () => model.loss({ x }));
  const { value, grads } = tf.variableGrads(loss, vars);
  x.dispose();
  return { value, grads: vars.map((v) => grads[v.name]!) };
}

/** `fit` itself: its guard reads the loss and gradient norm back one step behind, asynchronously. */
const withFit: Loop = async (model, data, batchSize, steps) => {
  await fit(model, data, { steps, batchSize, learningRate: 1e-3, seed: 0 });
};

/**
 * The guard as `fit` took it before: the model's entry point reads its batch and per-row
 * log-densities back (`dataSync` in `guarded`), then the loss and gradient norm are read back and
 * checked before the update, and the weights are copied. Every step waits for the GPU.
 */
const readBackEachStep: Loop = async (model, data, batchSize, steps) => {
  const vars = trainable(model);
  const adam = new Adam(vars, { epsilon: 1e-8 });
  const lastFinite = new WeightSnapshot(model.namedVariables());
  try {
    for (const indices of batchIndices(data.shape[0], batchSize, steps)) {
      const { value, grads } = gradientsOf(model, data, indices, vars, true);
      const norm = tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))));
      const [loss, gradNorm] = [(await value.data())[0]!, (await norm.data())[0]!];
      tf.dispose([value, norm]);
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) throw new Error('non-finite step');
      lastFinite.take();
      adam.step(grads, 1e-3);
      tf.dispose(grads);
    }
  } finally {
    adam.dispose();
    lastFinite.dispose();
  }
};

/**
 * No guard at all: neither the model's row checks nor the loss are read back until the last step,
 * so the steps queue on the GPU back to back. The ceiling of a guard that does not wait.
 */
const unguarded: Loop = async (model, data, batchSize, steps) => {
  const vars = trainable(model);
  const adam = new Adam(vars, { epsilon: 1e-8 });
  try {
    let last: tf.Scalar | undefined;
    for (const indices of batchIndices(data.shape[0], batchSize, steps)) {
      const { value, grads } = gradientsOf(model, data, indices, vars, false);
      adam.step(grads, 1e-3);
      tf.dispose(grads);
      last?.dispose();
      last = value;
    }
    await last?.data();
    last?.dispose();
  } finally {
    adam.dispose();
  }
};

/** The three ways of taking steps, in the order they are measured. */
const LOOPS: readonly { id: string; label: string; loop: Loop }[] = [
  { id: 'fit', label: 'fit (guard read back one step behind)', loop: withFit },
  { id: 'read-back-each-step', label: 'guard read back every step (fit before)', loop: readBackEachStep },
  { id: 'unguarded', label: 'no guard, nothing read back', loop: unguarded },
];

/** The batch and the steps per timed pass (one epoch of the pass's data). */
export function fitOverlapSizes(settings: Settings): { batchSize: number; steps: number } {
  return { batchSize: settings.trainBatches[0], steps: settings.quick ? 4 : 32 };
}

/**
 * Training steps with and without a read-back per step: `fit` (its guard reads the loss and
 * gradient norm back asynchronously, one step behind), the same steps reading the guard's values
 * back every step as `fit` did before, and the same steps with no guard. On webgl a read-back
 * waits for the GPU to drain its queue, so the first and the last should be close and the middle
 * one slower; on cpu and wasm every op is done before it returns and the three should agree. The
 * three take turns, one timed pass each per round, so that a machine whose load drifts weighs on
 * all three alike.
 */
export const fitOverlapWorkload: Workload = {
  name: 'fit-overlap',
  description: 'Training steps/s: fit with its guard one step behind, a read-back every step, no guard',
  perArch: true,
  optIn: true,
  plan: (_settings, archs) => archs.map((a) => a.id),
  async run(ctx) {
    const { batchSize, steps } = fitOverlapSizes(ctx.settings);
    const figures: Figure[] = [];
    for (const arch of ctx.archs) {
      await ctx.step(arch.id);
      const data = tensorOf(arch.data(batchSize * steps, DATA_SEEDS.trainBatch));
      const models = LOOPS.map(() => arch.build(0));
      try {
        const pass = (i: number) => () => LOOPS[i]!.loop(models[i]!, data, batchSize, steps);
        const seconds: number[][] = LOOPS.map(() => []);
        for (let i = 0; i < LOOPS.length; i++) await pass(i)(); // compiles shaders, fills caches
        for (let round = 0; round < ctx.settings.repeats; round++) {
          for (let i = 0; i < LOOPS.length; i++) {
            seconds[i]!.push(...(await ctx.time(pass(i), { warmup: 0, warmupS: 0, repeats: 1 })));
          }
        }
        LOOPS.forEach(({ id, label }, i) => {
          figures.push(
            rate(
              `fit-overlap/${arch.id}/b${batchSize}/${id}/steps-per-s`,
              `${arch.label}, batch ${batchSize}: ${label}`,
              'steps/s',
              steps,
              seconds[i]!,
            ),
          );
        });
      } finally {
        for (const m of models) m.dispose();
        data.dispose();
      }
    }
    return { figures, details: { batchSize, stepsPerPass: steps } };
  },
};
