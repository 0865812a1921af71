// Shared pieces of the flows-for-flows experiments: data, the paper's training settings scaled
// down, the L1-only baseline, and color-coded figures.
import {
  type Batch,
  create,
  type Distribution,
  fit,
  type JsonObject,
  type NamedVariable,
  type Trainable,
} from '@diffeo/core';
import { type Dataset, toTensors } from '@diffeo/datasets';
import { type Flow, flowsForFlowsNSFSpec } from '@diffeo/distributions';
import {
  FlowForFlow,
  type FlowForFlowOptions,
  flowForFlowObjective,
  flowsForFlowsTransform,
  l1Distance,
  type PenaltyConfig,
  type TransformInit,
} from '@diffeo/flows4flows';
import { type Figure, panels, positionColors, scatter } from '@diffeo/plots';
import * as tf from '@tensorflow/tfjs-core';
import type { ExperimentProgress } from '../types.js';

/** The paper's 2-D data sets by their registry names, with the names its tables use. */
export const DATASET_NAMES: Record<string, string> = {
  ring: 'Ring',
  'concentric-rings': 'Concentric Rings',
  'four-circles': 'Four Circles',
  checkerboard: 'Checkerboard',
  spirals: 'Spirals',
  star: 'Star',
  'eight-star': 'Eight Star',
};

/** Rows of a data set as tensors (`context` for conditional sets); the caller disposes them. */
export function sampleTensors(
  type: string,
  n: number,
  seed: number,
  config: Record<string, unknown> = {},
): { x: tf.Tensor2D; context?: tf.Tensor2D } {
  const dataset = create<Dataset>({ kind: 'dataset', type, config });
  const { x, context, labels } = toTensors(dataset.sample(n, { seed }));
  labels?.dispose();
  return context === undefined ? { x } : { x, context };
}

/** How long each model trains: the paper's optimiser (Adam, cosine to 0, clip 5, batch 128), fewer steps. */
export interface TrainingBudget {
  baseSteps: number;
  baseLearningRate: number;
  f4fSteps: number;
  f4fLearningRate: number;
}

const fitOptions = (steps: number, learningRate: number, seed: number) => ({
  steps,
  batchSize: 128,
  learningRate,
  schedule: 'cosine' as const,
  clipNorm: 5,
  seed,
});

/**
 * The paper's NSF with nflows' random initialisation: two flows trained separately then start from
 * different maps, as the paper's do (Diffeo's preset starts at the identity).
 */
function randomInitNSF(contextDim: number, seed: number): Flow {
  const spec = flowsForFlowsNSFSpec({ dim: 2, contextDim, seed });
  const chain = spec.config.bijector as JsonObject;
  const layers = ((chain.config as JsonObject).bijectors as JsonObject[]).map((l) =>
    'identityInit' in (l.config as JsonObject)
      ? { ...l, config: { ...(l.config as JsonObject), identityInit: false } }
      : l,
  );
  return create<Flow>({
    ...spec,
    config: { ...spec.config, bijector: { ...chain, config: { bijectors: layers } } },
  });
}

/** The paper's NSF, trained on `data` by maximum likelihood. */
export async function trainBase(
  data: Batch,
  budget: TrainingBudget,
  seed: number,
  contextDim = 0,
): Promise<Flow> {
  const flow = randomInitNSF(contextDim, seed);
  await fit(flow, data, fitOptions(budget.baseSteps, budget.baseLearningRate, seed));
  return flow;
}

/**
 * Trains a fresh flow for flows between frozen bases (both directions, alternating), returns it.
 * The bases stay owned by the caller: the returned model must not be disposed whole.
 */
export async function trainFlowForFlow(
  options: Omit<FlowForFlowOptions, 'transform'> & { init: TransformInit; transformContextDim?: number },
  data: Batch,
  budget: TrainingBudget,
  seed: number,
  penalty?: PenaltyConfig,
): Promise<FlowForFlow> {
  const transform = flowsForFlowsTransform({
    dim: 2,
    contextDim: options.transformContextDim ?? 0,
    init: options.init,
    seed,
  });
  const model = new FlowForFlow({ ...options, transform, basesTrained: true });
  const objective = flowForFlowObjective(model, {
    direction: 'alternate',
    ...(penalty === undefined ? {} : { penalty }),
    totalSteps: budget.f4fSteps,
  });
  await fit(objective, data, fitOptions(budget.f4fSteps, budget.f4fLearningRate, seed));
  return model;
}

/** The paper's "L1 norm only" column: f trained on the L1 distance alone, no likelihood. */
export async function trainL1Only(
  x: tf.Tensor2D,
  budget: TrainingBudget,
  init: TransformInit,
  seed: number,
): Promise<FlowForFlow['transform']> {
  const transform = flowsForFlowsTransform({ dim: 2, init, seed });
  const trainable: Trainable = {
    namedVariables: (): NamedVariable[] => transform.namedVariables(),
    loss: (batch) => tf.tidy(() => tf.mean(l1Distance(batch.x, transform.forward(batch.x).y)) as tf.Scalar),
    setTraining: (t) => transform.setTraining?.(t),
  };
  await fit(trainable, x, fitOptions(budget.f4fSteps, budget.f4fLearningRate, seed));
  return transform;
}

/** Releases a flow for flows trained against bases the caller keeps. */
export function disposeTransform(model: FlowForFlow): void {
  model.transform.dispose();
}

export function rows(t: tf.Tensor2D): number[][] {
  return t.arraySync();
}

/**
 * Input points colored by position beside their images in the same colors; every k-th point, at
 * most `maxPoints` per panel, so the SVG stays small (the same rows in every panel).
 */
export function colorCoded(
  input: tf.Tensor2D,
  images: { title: string; y: tf.Tensor2D }[],
  title: string,
  domain: [number, number] = [-4.5, 4.5],
  maxPoints = 500,
): Figure {
  const stride = Math.max(1, Math.ceil(input.shape[0] / maxPoints));
  const thin = (t: tf.Tensor2D) => rows(t).filter((_, i) => i % stride === 0);
  const points = thin(input);
  const color = positionColors(points);
  const panel = (t: string, p: number[][]) =>
    scatter({
      points: p,
      color,
      title: t,
      xDomain: domain,
      yDomain: domain,
      size: 4,
      width: 200,
      height: 200,
    });
  return panels([panel('input', points), ...images.map((i) => panel(i.title, thin(i.y)))], { title });
}

/** Mean and spread over seeds, as printed in the tables. */
export function meanSd(values: number[], digits = 3): string {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length < 2) return m.toFixed(digits);
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1));
  return `${m.toFixed(digits)} ± ${sd.toFixed(digits)}`;
}

export type { Distribution, ExperimentProgress };
