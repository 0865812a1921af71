import type { DataChoice, TrainingSettings } from '../../protocol.js';

/** How a conditional data set moves its points: the `conditional` data set's transforms. */
export type ConditionTransform = 'rotate' | 'scale';

/**
 * The conditions of each transform (the `conditional` data set's defaults): an angle over 45° for
 * rotate, a scale for scale. The map's inputs sit at the first, its target is anywhere in the range.
 */
export const CONDITION_RANGE: Record<ConditionTransform, readonly [number, number]> = {
  rotate: [0, 1],
  scale: [0.5, 1],
};

/**
 * What the map goes between: two data sets (left to right), or one conditional data set at two
 * conditions (the `conditional` data set of `base`, from its lowest condition to a chosen one).
 */
export type F4FSetup =
  | { kind: 'two-sets'; left: DataChoice; right: DataChoice }
  | { kind: 'conditional'; base: string; transform: ConditionTransform };

/**
 * The flows' size: coupling spline flows, tiny (2 layers of 16 units, for slow backends) or small (4
 * layers of 32, trains in a minute on wasm), or the paper's (4 MADE spline layers of 2 x 128 units).
 */
export type F4FArchitecture = 'tiny' | 'small' | 'paper';

export interface F4FJob extends TrainingSettings {
  mode: 'flows4flows';
  setup: F4FSetup;
  architecture: F4FArchitecture;
  /** `steps` are each base flow's; these are the map's. */
  mapSteps: number;
  /** Weight of the L1 distance |f(x) - x| added to the map's negative log-likelihood (0: none). */
  l1Weight: number;
  /** The target condition of the plotted map (conditional setup). */
  condition: number;
}

/** Redraws the map at another target condition, without training. */
export type F4FRequest = { mode: 'flows4flows'; type: 'condition'; condition: number };

/** The map's view: inputs (colored by position), their images and the base transfer's, over the target data. */
export interface F4FMapView {
  type: 'f4f-map';
  /** Step of the map's training (0 after a load). */
  step: number;
  input: number[][];
  images: number[][];
  transfer: number[][];
  /** Rows of the target side (the right data, or the data at the target condition). */
  target: number[][];
  /** The conditions of the inputs and of the target (conditional setup). */
  conditions?: { input: number; target: number };
  /** Mean distance each input moves under the map and under the base transfer. */
  f4fTranslation: number;
  transferTranslation: number;
  /** Mean NLL of the held-out left rows under the flow for flows. */
  validationLoss: number;
}

export type F4FMessage =
  /** The rows the views plot, before any map: inputs and the target side. */
  | {
      type: 'f4f-data';
      input: number[][];
      target: number[][];
      dim: number;
      conditions?: { input: number; target: number };
    }
  /** The held-out loss of a phase at a step (base flows: their NLL; the map: the flow for flows'). */
  | { type: 'f4f-held-out'; phase: string; step: number; loss: number }
  | F4FMapView;
