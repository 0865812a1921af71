import type { DataChoice, Grid, ModelChoice, TrainingSettings } from '../../protocol.js';

export interface DensityJob extends TrainingSettings {
  mode: 'density';
  data: DataChoice;
  model: ModelChoice;
  /** Steps between two snapshots (samples, density, validation). */
  snapshotEvery: number;
}

export type DensityMessage =
  | { type: 'data'; points: number[][]; dim: number; rows: number }
  | {
      type: 'snapshot';
      step: number;
      trainLoss: number;
      validationLoss: number;
      samples: number[][];
      density?: Grid;
    };
