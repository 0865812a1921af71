import type { DataChoice, Extent, Grid, TrainingSettings } from '../../protocol.js';

export interface MarginalizingJob extends TrainingSettings {
  mode: 'marginalizing';
  data: DataChoice;
  /** The B values to compare: one marginalizing flow each, trained one after another in this order. */
  auxDims: number[];
  /** S: importance samples per held-out row. */
  importanceSamples: number;
  /**
   * The flow's shape and training objective as the form gives them (`numBlocks`, `hiddenFeatures`,
   * `hiddenLayers`, `objective`, `trainSamples`), checked by the model's own schema in the worker.
   */
  model: Record<string, unknown>;
  /** Steps between two sample snapshots of the flow in training. */
  snapshotEvery: number;
  /** The B whose model a save takes (when unset: the best). */
  saveB?: number;
}

/** The held-out log-likelihood estimate of one B's model. */
export interface AuxResult {
  auxDims: number;
  /** Mean of log p̂(x) over the held-out rows, in nats. */
  logLikelihood: number;
  /** Monte Carlo standard error of that mean (0 when B = 0: the flow's exact density). */
  monteCarloError: number;
  /** sd/sqrt(n) of the rows' log p̂(x): the mean's error as an estimate of E log p(x). */
  dataError: number;
  /** Every held-out row's log p̂(x), in order, for paired comparisons between B. */
  rows: number[];
  /** S (1 when B = 0). */
  samples: number;
  /** How its training ended ('loaded' for a loaded model), and after how many steps. */
  stopReason: string;
  steps: number;
  /** Draws of the model (the data columns only). */
  draws: number[][];
}

export type MarginalizingMessage =
  /** The data of the job: rows to plot, and the box the 2-D views cover. */
  | { type: 'marg-data'; points: number[][]; dim: number; rows: number; heldOutRows: number; extent?: Extent }
  /** The model of one B starts training; its steps count from `offset` in the progress messages. */
  | { type: 'marg-start'; auxDims: number; index: number; count: number; offset: number }
  /** Draws of the model of B in training, at `step` of its own run. */
  | { type: 'marg-samples'; auxDims: number; step: number; draws: number[][] }
  | { type: 'marg-result'; result: AuxResult }
  /** log p̂ of the best model on a grid over the data's box (2-D data), as estimated: may hold -Infinity. */
  | { type: 'marg-density'; auxDims: number; samples: number; grid: Grid };
