import * as tf from '@tensorflow/tfjs-core';
import type { Batch, Trainable } from '../contracts.js';
import { ConfigError, NonFiniteError, ShapeError } from '../errors.js';
import { type Rng, toRng } from '../rng.js';
import { assertBatch } from '../validate.js';
import { Adam, type AdamOptions } from './adam.js';
import { checkFitOptions } from './fit-options.js';
import { learningRateAt, type Schedule } from './schedule.js';
import { WeightSnapshot } from './snapshot.js';

/** Training data: rows `[n, dim]`, with context rows `[n, contextDim]` for conditional models. */
export type FitData = tf.Tensor2D | Batch;

export interface StepInfo {
  /** 1-based step number over the whole run. */
  step: number;
  /** 0-based epoch. */
  epoch: number;
  loss: number;
  learningRate: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

export interface EpochInfo {
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  /** Validation loss (mean over rows) when a validation set was given. */
  valLoss?: number;
  /** Whether this epoch's validation loss is the best so far. */
  improved?: boolean;
}

export type StopReason = 'completed' | 'early-stopping' | 'non-finite' | 'aborted';

export interface FitHistory {
  epochs: EpochInfo[];
  /** Loss of every step, in order. */
  stepLosses: number[];
  steps: number;
  stopReason: StopReason;
  /** Best validation loss and its epoch, when a validation set was given. */
  best?: { epoch: number; valLoss: number };
  /** Whether the final weights are the best validation weights (restored at the end). */
  restoredBest: boolean;
  /**
   * Set when the guard stopped training (a non-finite loss or gradient, or a divergence); the
   * weights are those of the last step that passed it.
   */
  nonFinite?: { step: number; epoch: number; message: string };
}

export interface FitOptions {
  /** Passes over the data (default 1). Ignored when `steps` is given. */
  epochs?: number;
  /** Total optimizer steps; epochs are as many as needed. */
  steps?: number;
  batchSize?: number;
  learningRate?: number;
  schedule?: Schedule;
  /** Final learning rate of the cosine schedule (default 0, at most `learningRate`). */
  minLearningRate?: number;
  adam?: AdamOptions;
  /** Rescales the gradient when its global norm exceeds this. */
  clipNorm?: number;
  /** Shuffle rows every epoch (default true). */
  shuffle?: boolean;
  /** Shuffling: a non-negative integer or an `Rng` (default: the global source). */
  seed?: number | Rng;
  /** Held-out data, evaluated after every epoch (in evaluation mode). */
  validation?: FitData;
  /** Stop after this many epochs without a better validation loss. */
  patience?: number;
  /** Restore the weights of the best validation epoch at the end (default true with validation). */
  restoreBest?: boolean;
  /** Rows per validation batch (default 4096). */
  validationBatchSize?: number;
  signal?: AbortSignal;
  onStep?: (info: StepInfo) => void | Promise<void>;
  onEpoch?: (info: EpochInfo) => void | Promise<void>;
  /**
   * What the guard does when it trips: `'stop'` (default) returns the history with
   * `stopReason: 'non-finite'`; `'throw'` throws a `NonFiniteError` with the same message. In both
   * cases the weights of the last step that passed the guard are restored first.
   */
  onNonFinite?: 'stop' | 'throw';
  /**
   * A step's loss counts as a divergence, and trips the guard like a NaN, when it exceeds the
   * lowest step loss so far by more than `divergence * max(1, |lowest|)` (default 10: a jump by an
   * order of magnitude). `false` turns this check off, leaving only the finiteness check.
   */
  divergence?: number | false;
}

function asBatch(name: string, data: FitData): Batch {
  const batch = data instanceof tf.Tensor ? { x: data } : data;
  const x = assertBatch(`${name}.x`, batch.x);
  if (x.shape[0] === 0)
    throw new ShapeError(`${name}.x: expected at least one row, got shape [0, ${x.shape[1]}]`);
  if (batch.context !== undefined) {
    const c = assertBatch(`${name}.context`, batch.context);
    if (c.shape[0] !== x.shape[0]) {
      throw new ShapeError(
        `${name}.context: expected ${x.shape[0]} rows (one per data row), got ${c.shape[0]}`,
      );
    }
  }
  return batch;
}

/**
 * Checks every row before the first step, so a NaN in the data is named by its row in the data
 * (not in a shuffled batch) and no step is taken on a model that the data would then break.
 */
async function assertFiniteRows(name: string, t: tf.Tensor2D): Promise<void> {
  const values = await t.data();
  const cols = t.shape[1];
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      throw new NonFiniteError(
        `${name}: expected finite values, got ${values[i]} at row ${Math.floor(i / cols)}, column ${i % cols}`,
      );
    }
  }
}

async function assertFiniteBatch(name: string, batch: Batch): Promise<void> {
  await assertFiniteRows(`${name}.x`, batch.x);
  if (batch.context !== undefined) await assertFiniteRows(`${name}.context`, batch.context);
}

function slice(batch: Batch, indices: tf.Tensor1D): Batch {
  const x = tf.gather(batch.x, indices) as tf.Tensor2D;
  return batch.context === undefined
    ? { x }
    : { x, context: tf.gather(batch.context, indices) as tf.Tensor2D };
}

async function validationLoss(model: Trainable, data: Batch, batchSize: number): Promise<number> {
  const n = data.x.shape[0];
  let total = 0;
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const loss = tf.tidy(() => {
      const x = tf.slice(data.x, [start, 0], [size, -1]) as tf.Tensor2D;
      const context =
        data.context === undefined
          ? undefined
          : (tf.slice(data.context, [start, 0], [size, -1]) as tf.Tensor2D);
      return model.loss(context === undefined ? { x } : { x, context });
    });
    total += (await loss.data())[0]! * size;
    loss.dispose();
  }
  return total / n;
}

/**
 * When the function given to `tf.variableGrads` throws, tfjs 4.22 ends the tape but never
 * disposes the tensors its nodes saved for the backward pass, and the next tape replaces it: they
 * leak. Disposing them here keeps a failed step leak-free.
 */
function disposeAbandonedTape(): void {
  const state = (tf.engine() as unknown as { state: EngineTapeState }).state;
  if (state.gradientDepth !== 0 || state.activeTape == null) return;
  for (const node of state.activeTape) tf.dispose(node.saved ?? []);
  state.activeTape = null;
}

interface EngineTapeState {
  gradientDepth: number;
  activeTape: { saved?: tf.Tensor[] }[] | null;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Trains `model` by minimising `model.loss(batch)` with Adam over shuffled mini-batches.
 *
 * - One optimizer per call, over the model's trainable variables in their fixed order.
 * - Learning rate constant or cosine-annealed over the run; optional gradient-norm clipping.
 * - With `validation`: the validation loss after every epoch, early stopping after `patience`
 *   epochs without improvement, and the best weights restored at the end.
 * - Guard: a non-finite loss or gradient, or a loss that jumps an order of magnitude above the
 *   lowest so far (`divergence`), stops training, restores the weights of the last step that
 *   passed, and is reported in `history.nonFinite` (or thrown, with `onNonFinite: 'throw'`).
 * - The data and the validation set are checked for non-finite values before the first step.
 * - Options are checked first; a misspelt one is a `ConfigError` naming the nearest valid one.
 * - `signal` cancels between steps; the history so far is returned with `stopReason: 'aborted'`.
 *
 * @example
 * ```ts
 * const history = await fit(flow, trainX, {
 *   steps: 2000, batchSize: 128, learningRate: 1e-3, schedule: 'cosine',
 *   validation: validX, patience: 5, seed: 1,
 *   onEpoch: ({ epoch, loss, valLoss }) => console.log(epoch, loss, valLoss),
 * });
 * ```
 */
export async function fit(model: Trainable, data: FitData, options: FitOptions = {}): Promise<FitHistory> {
  checkFitOptions(options);
  const train = asBatch('data', data);
  const validation = options.validation === undefined ? undefined : asBatch('validation', options.validation);
  await assertFiniteBatch('data', train);
  if (validation !== undefined) await assertFiniteBatch('validation', validation);

  const n = train.x.shape[0];
  const batchSize = Math.min(options.batchSize ?? 128, n);
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const totalSteps = options.steps ?? (options.epochs ?? 1) * stepsPerEpoch;
  const learningRate = options.learningRate ?? 1e-3;
  const schedule = options.schedule ?? 'constant';
  const rng = toRng(options.seed);
  const shuffle = options.shuffle ?? true;
  const restoreBest = options.restoreBest ?? validation !== undefined;
  const divergence = options.divergence ?? 10;

  const named = model.namedVariables();
  const trainable = named.filter((v) => v.variable.trainable);
  if (trainable.length === 0) throw new ConfigError('model: expected trainable variables, got none');
  const varList = trainable.map((v) => v.variable);
  const optimizer = new Adam(varList, options.adam);
  const lastFinite = new WeightSnapshot(named);
  const best = validation === undefined ? undefined : new WeightSnapshot(named);

  const history: FitHistory = {
    epochs: [],
    stepLosses: [],
    steps: 0,
    stopReason: 'completed',
    restoredBest: false,
  };
  let bestLoss = Number.POSITIVE_INFINITY;
  let sinceBest = 0;
  let lowestStepLoss = Number.POSITIVE_INFINITY;
  model.setTraining?.(true);
  try {
    let epoch = 0;
    while (history.steps < totalSteps && history.stopReason === 'completed') {
      const order = shuffle ? rng.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
      let epochLoss = 0;
      let epochSteps = 0;
      for (let start = 0; start < n && history.steps < totalSteps; start += batchSize) {
        if (options.signal?.aborted) {
          history.stopReason = 'aborted';
          break;
        }
        const lr = learningRateAt(schedule, learningRate, history.steps, totalSteps, options.minLearningRate);
        const indices = tf.tensor1d(order.subarray(start, Math.min(start + batchSize, n)), 'int32');
        const batch = slice(train, indices);
        indices.dispose();
        let value: tf.Scalar | undefined;
        let grads: tf.NamedTensorMap = {};
        // The data is checked finite above, so a NonFiniteError from inside the model (a NaN
        // log-density) is the model's own divergence: the guard below handles it like a NaN loss.
        let thrown: NonFiniteError | undefined;
        try {
          ({ value, grads } = tf.variableGrads(() => model.loss(batch), varList));
        } catch (e) {
          disposeAbandonedTape();
          if (!(e instanceof NonFiniteError)) throw e;
          thrown = e;
        } finally {
          tf.dispose([batch.x, batch.context]);
        }
        const gradList = thrown === undefined ? varList.map((v) => grads[v.name]!) : [];
        let lossValue = Number.NaN;
        let gradNorm = Number.NaN;
        if (value !== undefined) {
          const normTensor = tf.tidy(() => tf.sqrt(tf.addN(gradList.map((g) => tf.sum(tf.square(g))))));
          [lossValue, gradNorm] = [(await value.data())[0]!, (await normTensor.data())[0]!];
          tf.dispose([value, normTensor]);
        }
        const step = history.steps + 1;
        const diverged =
          divergence !== false &&
          Number.isFinite(lowestStepLoss) &&
          lossValue > lowestStepLoss + divergence * Math.max(1, Math.abs(lowestStepLoss));
        if (!Number.isFinite(lossValue) || !Number.isFinite(gradNorm) || diverged) {
          tf.dispose(gradList);
          if (step > 1) lastFinite.restore();
          const what = diverged
            ? `loss ${lossValue} diverged (the lowest so far was ${lowestStepLoss}; limit divergence ${divergence})`
            : thrown !== undefined
              ? `loss NaN (${thrown.message})`
              : Number.isFinite(lossValue)
                ? `gradient norm ${gradNorm}`
                : `loss ${lossValue}`;
          const message = `step ${step}: ${what}; training stopped and the last finite weights were restored`;
          history.nonFinite = { step, epoch, message };
          history.stopReason = 'non-finite';
          if (options.onNonFinite === 'throw') throw new NonFiniteError(`fit: ${message}`);
          break;
        }
        lowestStepLoss = Math.min(lowestStepLoss, lossValue);
        lastFinite.take();
        const clip = options.clipNorm;
        if (clip !== undefined && gradNorm > clip) {
          const scaled = tf.tidy(() => gradList.map((g) => tf.mul(g, clip / gradNorm)));
          optimizer.step(scaled, lr);
          tf.dispose(scaled);
        } else {
          optimizer.step(gradList, lr);
        }
        tf.dispose(gradList);
        history.steps = step;
        history.stepLosses.push(lossValue);
        epochLoss += lossValue;
        epochSteps += 1;
        await options.onStep?.({ step, epoch, loss: lossValue, learningRate: lr, gradNorm });
        if (step % 20 === 0) await yieldToEventLoop();
      }
      if (epochSteps === 0) break;
      const info: EpochInfo = { epoch, loss: epochLoss / epochSteps };
      if (validation !== undefined && history.stopReason === 'completed') {
        model.setTraining?.(false);
        info.valLoss = await validationLoss(model, validation, options.validationBatchSize ?? 4096);
        model.setTraining?.(true);
        info.improved = info.valLoss < bestLoss;
        if (info.improved) {
          bestLoss = info.valLoss;
          sinceBest = 0;
          best?.take();
          history.best = { epoch, valLoss: info.valLoss };
        } else if (options.patience !== undefined && ++sinceBest >= options.patience) {
          history.stopReason = 'early-stopping';
        }
      }
      history.epochs.push(info);
      await options.onEpoch?.(info);
      await yieldToEventLoop();
      epoch += 1;
    }
    if (
      restoreBest &&
      best !== undefined &&
      history.best !== undefined &&
      history.stopReason !== 'non-finite'
    ) {
      best.restore();
      history.restoredBest = true;
    }
  } finally {
    model.setTraining?.(false);
    optimizer.dispose();
    lastFinite.dispose();
    best?.dispose();
  }
  return history;
}
