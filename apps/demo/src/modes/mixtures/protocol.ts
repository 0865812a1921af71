import type { DataChoice, Extent, Grid, PresetName, TrainingSettings } from '../../protocol.js';

/** The prior p(z) of a mixture (the package's `PriorKind`). */
export type MixturePrior = 'uniform' | 'learned' | 'estimated';

/** Points a person labelled with a component, for semi-supervised training. */
export interface LabelledPoints {
  /** Full rows of the data (every column). */
  x: number[][];
  /** The component of each row, in [0, K). */
  labels: number[];
  /** Epochs on the labelled points alone before the interleaved ones. */
  pretrainEpochs: number;
}

export interface MixtureJob extends TrainingSettings {
  mode: 'mixtures';
  data: DataChoice;
  /** K. */
  components: number;
  /** Each component's flow: a ready-made architecture and its size. */
  component: { preset: PresetName; numTransforms: number; hiddenFeatures: number };
  /** Hidden units of the posterior network q(z|x) (one hidden layer). */
  posteriorHidden: number;
  prior: MixturePrior;
  /** The posterior's softmax temperature, decayed from `initial` to `final` over half the run. */
  temperature: { initial: number; final: number };
  /** Steps between two snapshots. */
  snapshotEvery: number;
  /**
   * With labelled points, training is semi-supervised (the package's schedule) and continues the
   * current model, at its temperature, when it has K components on data of this width; `steps`
   * sets about how many optimizer steps the interleaved epochs take.
   */
  labelled?: LabelledPoints;
}

/** Clustering scores of the held-out rows against the data set's labels. */
export interface ClusterScores {
  accuracy: number;
  ari: number;
  nmi: number;
  rows: number;
  classes: number;
}

export type MixtureMessage =
  | {
      type: 'mixture-data';
      /** At most a few thousand rows, every column: what the page plots and labels. */
      points: number[][];
      dim: number;
      rows: number;
      /** The box every plot of this data covers (first two columns). */
      extent: Extent;
    }
  | {
      type: 'mixture-snapshot';
      step: number;
      /** K of the model. */
      components: number;
      /** Negative ELBO of the last step (NaN before training). */
      trainLoss: number;
      /** Held-out mean NLL under the exact mixture density. */
      validationLoss: number;
      temperature: number;
      /** argmax q(z|x) on a grid over the extent (2-D data only). */
      regions?: Grid;
      samples: number[][];
      /** The component that drew each sample. */
      sampleComponents: number[];
      /** argmax q(z|x) of each plotted data row. */
      clusters: number[];
      /** When the data set has labels. */
      scores?: ClusterScores;
      /** argmax q(z|x) of each labelled point of the job, when it had some. */
      labelledPredictions?: number[];
    };
