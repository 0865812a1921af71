import * as tf from '@tensorflow/tfjs-core';
import type { Batch, Trainable } from '../contracts.js';
import { ConfigError, NonFiniteError, ShapeError } from '../errors.js';
import { globalNormOp } from '../kernels/ops.js';
import { type Rng, toRng } from '../rng.js';
import { assertBatch, withoutEntryChecks } from '../validate.js';
import { Adam, type AdamOptions } from './adam.js';
import { checkFitOptions } from './fit-options.js';
import { StepGuard } from './guard.js';
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

/** A step's number, epoch and learning rate: what `onStep` and the guard's message report. */
interface StepRecord {
  step: number;
  epoch: number;
  learningRate: number;
}

/** A computed step: its gradients, and its loss and gradient norm on their way back to the host. */
interface QueuedStep extends StepRecord {
  grads: tf.Tensor[];
  norm: tf.Scalar;
  /** `[loss, gradNorm]`, one tensor so that one read brings both. */
  values: tf.Tensor1D;
  read: Promise<Float32Array>;
}

/**
 * Loss and gradients of one batch, and the asynchronous read of the loss and gradient norm. The
 * model's entry points skip their own checks (a synchronous read-back each): the data was checked
 * before the first step and the guard checks the loss.
 */
function computeStep(model: Trainable, batch: Batch, varList: tf.Variable[], step: StepRecord): QueuedStep {
  const { value, grads } = tf.variableGrads(() => withoutEntryChecks(() => model.loss(batch)), varList);
  const gradList = varList.map((v) => grads[v.name]!);
  const norm = globalNormOp(gradList);
  const values = tf.stack([value, norm]) as tf.Tensor1D;
  value.dispose();
  const read = values.data<'float32'>();
  // Awaited later; a rejection in between is not an unhandled one.
  read.catch(() => undefined);
  return { ...step, grads: gradList, norm, values, read };
}

/** The gradients rescaled to a global norm of at most `clip`, on the device (the norm is not read back yet). */
function clipped(grads: tf.Tensor[], norm: tf.Scalar, clip: number): tf.Tensor[] {
  return tf.tidy(() => {
    const scale = tf.minimum(1, tf.div(clip, norm));
    return grads.map((g) => tf.mul(g, scale));
  });
}

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

  const named = model.namedVariables();
  const trainable = named.filter((v) => v.variable.trainable);
  if (trainable.length === 0) throw new ConfigError('model: expected trainable variables, got none');
  const varList = trainable.map((v) => v.variable);
  const optimizer = new Adam(varList, options.adam);
  const guard = new StepGuard(named, options.divergence ?? 10);
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
  let epochLoss = 0;
  let epochSteps = 0;
  // The step just computed, and the step before it whose guard values are still on their way back.
  let current: QueuedStep | undefined;
  let queued: QueuedStep | undefined;

  /** The guard's verdict on a step: records it and returns true, or stops training. */
  const record = async (step: StepRecord, loss: number, gradNorm: number, thrown?: NonFiniteError) => {
    const what = guard.judge(loss, gradNorm, thrown);
    if (what !== undefined) {
      guard.restore();
      const message = `step ${step.step}: ${what}; training stopped and the last finite weights were restored`;
      history.nonFinite = { step: step.step, epoch: step.epoch, message };
      history.stopReason = 'non-finite';
      if (options.onNonFinite === 'throw') throw new NonFiniteError(`fit: ${message}`);
      return false;
    }
    history.steps = step.step;
    history.stepLosses.push(loss);
    epochLoss += loss;
    epochSteps += 1;
    await options.onStep?.({
      step: step.step,
      epoch: step.epoch,
      loss,
      learningRate: step.learningRate,
      gradNorm,
    });
    return true;
  };
  /** Waits for the queued step's guard values and records it. */
  const settle = async () => {
    if (queued === undefined) return true;
    const step = queued;
    queued = undefined;
    const [loss, gradNorm] = await step.read;
    step.values.dispose();
    return record(step, loss!, gradNorm!);
  };

  model.setTraining?.(true);
  try {
    let epoch = 0;
    let next = 1;
    while (next <= totalSteps && history.stopReason === 'completed') {
      const order = shuffle ? rng.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
      epochLoss = 0;
      epochSteps = 0;
      for (let start = 0; start < n && next <= totalSteps; start += batchSize) {
        if (options.signal?.aborted) {
          history.stopReason = 'aborted';
          break;
        }
        const step: StepRecord = {
          step: next,
          epoch,
          learningRate: learningRateAt(schedule, learningRate, next - 1, totalSteps, options.minLearningRate),
        };
        const indices = tf.tensor1d(order.subarray(start, Math.min(start + batchSize, n)), 'int32');
        const batch = slice(train, indices);
        indices.dispose();
        let thrown: NonFiniteError | undefined;
        try {
          current = computeStep(model, batch, varList, step);
        } catch (e) {
          // The data is checked finite above, so a NonFiniteError from inside the model is the
          // model's own divergence: the guard handles it like a NaN loss.
          disposeAbandonedTape();
          if (!(e instanceof NonFiniteError)) throw e;
          thrown = e;
        } finally {
          tf.dispose([batch.x, batch.context]);
        }
        // The previous step's values come back while this one runs: nothing waits for the device
        // at the step it is queued.
        if (!(await settle())) break;
        if (thrown !== undefined) {
          await record(step, Number.NaN, Number.NaN, thrown);
          break;
        }
        if (options.signal?.aborted) {
          history.stopReason = 'aborted';
          break;
        }
        const taken = current!;
        current = undefined;
        guard.hold();
        const clip = options.clipNorm;
        const grads = clip === undefined ? taken.grads : clipped(taken.grads, taken.norm, clip);
        optimizer.step(grads, step.learningRate);
        tf.dispose([...taken.grads, taken.norm, ...(grads === taken.grads ? [] : grads)]);
        queued = taken;
        next += 1;
        if (step.step % 20 === 0) await yieldToEventLoop();
      }
      await settle();
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
    if (current !== undefined) tf.dispose([...current.grads, current.norm, current.values]);
    if (queued !== undefined) {
      await queued.read.catch(() => undefined);
      queued.values.dispose();
    }
    optimizer.dispose();
    guard.dispose();
    best?.dispose();
  }
  return history;
}
