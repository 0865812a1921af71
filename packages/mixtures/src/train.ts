import {
  Adam,
  type AdamOptions,
  assertBatch,
  ConfigError,
  type EpochInfo,
  type FitHistory,
  type FitOptions,
  fit,
  type Rng,
  ShapeError,
  type StepInfo,
  toRng,
  WeightSnapshot,
} from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import type { MixtureOfFlows } from './mixture.js';
import { parseTemperatureSchedule, type TemperatureSchedule } from './temperature.js';

/** Options of {@link trainMixture}: `fit`'s, plus the posterior's temperature schedule. */
export interface TrainMixtureOptions extends FitOptions {
  /** The temperature schedule (default: 5 to 1 over the first half of training); `false` keeps T. */
  temperature?: TemperatureSchedule | false;
}

function positive(name: string, value: number | undefined, integer: boolean, allowZero = false): void {
  if (value === undefined) return;
  const ok = allowZero ? value >= 0 : value > 0;
  if (!ok || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    const what = `${allowZero ? 'non-negative' : 'positive'} ${integer ? 'integer' : 'number'}`;
    throw new ConfigError(`${name}: expected a ${what}, got ${value}`);
  }
}

/**
 * Trains a mixture without labels by maximising the ELBO (eq. 31) with `fit` from @diffeo/core,
 * while the posterior's softmax temperature follows its exponential schedule (updated every step,
 * by fractional epoch) and, for an `'estimated'` prior, p(z) is re-estimated after every epoch.
 * The temperature ends at the schedule's `final` value.
 *
 * @example
 * ```ts
 * await trainMixture(mixture, x, { epochs: 400, batchSize: 512, learningRate: 1e-3, seed: 0,
 *   temperature: { initial: 5, final: 1 } });
 * ```
 */
export async function trainMixture(
  model: MixtureOfFlows,
  x: tf.Tensor2D,
  options: TrainMixtureOptions = {},
): Promise<FitHistory> {
  const xs = assertBatch('trainMixture: x', x, model.dim);
  const { temperature, onStep, onEpoch, ...fitOptions } = options;
  const n = xs.shape[0];
  const batchSize = Math.min(options.batchSize ?? 128, Math.max(n, 1));
  const stepsPerEpoch = Math.max(1, Math.ceil(n / batchSize));
  const totalEpochs = options.steps !== undefined ? options.steps / stepsPerEpoch : (options.epochs ?? 1);
  const schedule = temperature === false ? undefined : parseTemperatureSchedule(temperature, totalEpochs);
  const setT = (epoch: number) => {
    if (schedule === undefined) return;
    const progress = Math.min(epoch / schedule.decayEpochs, 1);
    model.setTemperature(schedule.initial * (schedule.final / schedule.initial) ** progress);
  };
  setT(0);
  try {
    return await fit(model, xs, {
      ...fitOptions,
      onStep: async (info: StepInfo) => {
        setT(info.step / stepsPerEpoch);
        await onStep?.(info);
      },
      onEpoch: async (info: EpochInfo) => {
        if (model.prior === 'estimated') model.reestimatePrior(xs);
        await onEpoch?.(info);
      },
    });
  } finally {
    if (schedule !== undefined) model.setTemperature(schedule.final);
  }
}

/** Labelled and unlabelled rows for {@link trainSemiSupervised}. */
export interface SemiSupervisedData {
  labelled: { x: tf.Tensor2D; labels: ArrayLike<number> };
  unlabelled: tf.Tensor2D;
}

export interface SemiSupervisedOptions {
  /** Epochs on the labelled rows alone before the interleaved phase (the paper: 300). */
  pretrainEpochs?: number;
  /** Interleaved epochs, each a labelled epoch then an unlabelled one (the paper: 500). */
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  adam?: AdamOptions;
  /** Rescales the gradient when its global norm exceeds this. */
  clipNorm?: number;
  seed?: number | Rng;
  /** Temperature schedule over the interleaved epochs; `false` keeps T. */
  temperature?: TemperatureSchedule | false;
  onEpoch?: (info: SemiSupervisedEpoch) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface SemiSupervisedEpoch {
  phase: 'pretrain' | 'interleaved';
  /** 0-based within its phase. */
  epoch: number;
  /** Mean supervised loss over the epoch's labelled batches. */
  supervisedLoss: number;
  /** Mean negative ELBO over the unlabelled batches (interleaved epochs only). */
  unsupervisedLoss?: number;
  temperature: number;
}

export interface SemiSupervisedHistory {
  epochs: SemiSupervisedEpoch[];
  steps: number;
  stopReason: 'completed' | 'non-finite' | 'aborted';
  /** Set when a non-finite loss or gradient stopped training; the weights are the last finite ones. */
  nonFinite?: { step: number; message: string };
}

/**
 * Semi-supervised training with the paper's schedule (section 4.1.2): `pretrainEpochs` epochs on
 * the labelled rows alone (each row's own component by maximum likelihood, the posterior by
 * cross-entropy: {@link MixtureOfFlows.supervisedLoss}), then `epochs` interleaved epochs, each one
 * labelled epoch followed by one unlabelled epoch (the negative ELBO), with the temperature
 * schedule over the interleaved epochs.
 *
 * This is its own loop rather than `fit` because the paper alternates whole epochs of two data sets
 * with two losses while one Adam state carries across them, and `fit` trains one data set with one
 * loss per optimizer. It keeps `fit`'s guarantees: one Adam over the fixed variable list, optional
 * clipping, and the NaN guard (stop, restore the last finite weights, report).
 *
 * @example
 * ```ts
 * await trainSemiSupervised(mixture, { labelled: { x: xl, labels }, unlabelled: xu },
 *   { pretrainEpochs: 300, epochs: 500, batchSize: 128, learningRate: 1e-3, seed: 0 });
 * ```
 */
export async function trainSemiSupervised(
  model: MixtureOfFlows,
  data: SemiSupervisedData,
  options: SemiSupervisedOptions = {},
): Promise<SemiSupervisedHistory> {
  const where = 'trainSemiSupervised';
  const xl = assertBatch(`${where}: labelled.x`, data.labelled.x, model.dim);
  const xu = assertBatch(`${where}: unlabelled`, data.unlabelled, model.dim);
  const labels = Int32Array.from(data.labelled.labels, (v, i) => {
    if (!Number.isInteger(v) || v < 0 || v >= model.numComponents) {
      throw new ShapeError(
        `${where}: labelled.labels[${i}]: expected an integer in [0, ${model.numComponents}), got ${v}`,
      );
    }
    return v;
  });
  if (labels.length !== xl.shape[0]) {
    throw new ShapeError(
      `${where}: labelled.labels: expected ${xl.shape[0]} labels (one per row), got ${labels.length}`,
    );
  }
  if (xl.shape[0] === 0) throw new ShapeError(`${where}: labelled.x: expected at least one row, got 0`);
  if (xu.shape[0] === 0) throw new ShapeError(`${where}: unlabelled: expected at least one row, got 0`);
  const pretrainEpochs = options.pretrainEpochs ?? 0;
  const epochs = options.epochs ?? 1;
  positive('pretrainEpochs', pretrainEpochs, true, true);
  positive('epochs', epochs, true);
  positive('batchSize', options.batchSize, true);
  positive('learningRate', options.learningRate, false);
  positive('clipNorm', options.clipNorm, false);
  const batchSize = options.batchSize ?? 128;
  const learningRate = options.learningRate ?? 1e-3;
  const rng = toRng(options.seed);
  const schedule =
    options.temperature === false ? undefined : parseTemperatureSchedule(options.temperature, epochs);
  const finalT = schedule?.final ?? model.temperature;

  const named = model.namedVariables();
  const varList = named.filter((v) => v.variable.trainable).map((v) => v.variable);
  if (varList.length === 0) throw new ConfigError('model: expected trainable variables, got none');
  const optimizer = new Adam(varList, options.adam);
  const lastFinite = new WeightSnapshot(named);
  const history: SemiSupervisedHistory = { epochs: [], steps: 0, stopReason: 'completed' };

  // One optimizer step on `lossFn`; false when training must stop.
  const step = async (lossFn: () => tf.Scalar): Promise<number | undefined> => {
    if (options.signal?.aborted) {
      history.stopReason = 'aborted';
      return undefined;
    }
    const { value, grads } = tf.variableGrads(lossFn, varList);
    const gradList = varList.map((v) => grads[v.name]!);
    const normTensor = tf.tidy(() => tf.sqrt(tf.addN(gradList.map((g) => tf.sum(tf.square(g))))));
    const [lossValue, gradNorm] = [(await value.data())[0]!, (await normTensor.data())[0]!];
    tf.dispose([value, normTensor]);
    const stepNumber = history.steps + 1;
    if (!Number.isFinite(lossValue) || !Number.isFinite(gradNorm)) {
      tf.dispose(gradList);
      if (stepNumber > 1) lastFinite.restore();
      const what = Number.isFinite(lossValue) ? `gradient norm ${gradNorm}` : `loss ${lossValue}`;
      history.nonFinite = {
        step: stepNumber,
        message: `step ${stepNumber}: ${what}; training stopped and the last finite weights were restored`,
      };
      history.stopReason = 'non-finite';
      return undefined;
    }
    lastFinite.take();
    const clip = options.clipNorm;
    if (clip !== undefined && gradNorm > clip) {
      const scaled = tf.tidy(() => gradList.map((g) => tf.mul(g, clip / gradNorm)));
      optimizer.step(scaled, learningRate);
      tf.dispose(scaled);
    } else {
      optimizer.step(gradList, learningRate);
    }
    tf.dispose(gradList);
    history.steps = stepNumber;
    if (stepNumber % 20 === 0) await new Promise<void>((resolve) => setTimeout(resolve, 0));
    return lossValue;
  };

  // One epoch over `rows` rows in a seeded order; returns the mean loss or undefined on a stop.
  const epochOver = async (
    rows: number,
    lossOf: (indices: Int32Array) => () => tf.Scalar,
  ): Promise<number | undefined> => {
    const order = rng.permutation(rows);
    let total = 0;
    let count = 0;
    for (let start = 0; start < rows; start += batchSize) {
      const loss = await step(lossOf(order.subarray(start, Math.min(start + batchSize, rows))));
      if (loss === undefined) return undefined;
      total += loss;
      count += 1;
    }
    return total / count;
  };
  const supervisedEpoch = () =>
    epochOver(xl.shape[0], (indices) => {
      const batchLabels = Int32Array.from(indices, (i) => labels[i]!);
      return () =>
        tf.tidy(() => model.supervisedLoss(tf.gather(xl, tf.tensor1d(indices, 'int32')), batchLabels));
    });
  const unsupervisedEpoch = () =>
    epochOver(
      xu.shape[0],
      (indices) => () => tf.tidy(() => model.loss({ x: tf.gather(xu, tf.tensor1d(indices, 'int32')) })),
    );

  model.setTraining(true);
  try {
    model.setTemperature(finalT);
    for (let e = 0; e < pretrainEpochs; e++) {
      const supervisedLoss = await supervisedEpoch();
      if (supervisedLoss === undefined) return history;
      const info: SemiSupervisedEpoch = {
        phase: 'pretrain',
        epoch: e,
        supervisedLoss,
        temperature: model.temperature,
      };
      history.epochs.push(info);
      await options.onEpoch?.(info);
    }
    for (let e = 0; e < epochs; e++) {
      if (schedule !== undefined) {
        const progress = Math.min(e / schedule.decayEpochs, 1);
        model.setTemperature(schedule.initial * (schedule.final / schedule.initial) ** progress);
      }
      const supervisedLoss = await supervisedEpoch();
      if (supervisedLoss === undefined) return history;
      const unsupervisedLoss = await unsupervisedEpoch();
      if (unsupervisedLoss === undefined) return history;
      if (model.prior === 'estimated') model.reestimatePrior(xu);
      const info: SemiSupervisedEpoch = {
        phase: 'interleaved',
        epoch: e,
        supervisedLoss,
        unsupervisedLoss,
        temperature: model.temperature,
      };
      history.epochs.push(info);
      await options.onEpoch?.(info);
    }
    return history;
  } finally {
    model.setTraining(false);
    model.setTemperature(finalT);
    optimizer.dispose();
    lastFinite.dispose();
  }
}
