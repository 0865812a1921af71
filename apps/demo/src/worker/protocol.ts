import type { BackendInfo } from '@diffeo/core';
import type { io } from '@tensorflow/tfjs-core';

type ModelArtifacts = io.ModelArtifacts;

/** The backends a person can pick in the page. */
export type DemoBackend = 'webgl' | 'wasm' | 'cpu';

/** A plugin as the page's menus and config forms see it: its JSON schema (zod's, as input). */
export interface CatalogEntry {
  type: string;
  description: string;
  schema: Record<string, unknown>;
}

/** What the registry in the worker holds: every data set and bijector, including a user's. */
export interface Catalog {
  datasets: CatalogEntry[];
  bijectors: CatalogEntry[];
}

/** The flow to train: a ready-made architecture, or a stack of one registered bijector type. */
export type ModelChoice =
  | { kind: 'preset'; preset: PresetName; options: Record<string, unknown> }
  | { kind: 'stack'; bijector: string; config: Record<string, unknown>; layers: number };

export const PRESETS = ['nsf-coupling', 'nsf-autoregressive', 'maf', 'realnvp'] as const;
export type PresetName = (typeof PRESETS)[number];

/** Where the data comes from: a registered data set, or CSV text uploaded by the person. */
export type DataChoice =
  | { kind: 'dataset'; type: string; config: Record<string, unknown> }
  | { kind: 'csv'; text: string };

export interface DensityJob {
  data: DataChoice;
  model: ModelChoice;
  steps: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Steps between two snapshots (samples, density, validation). */
  snapshotEvery: number;
}

export type ToWorker =
  | { type: 'backend'; backend: DemoBackend; wasmPaths: Record<string, string> }
  | { type: 'start'; job: DensityJob }
  /** Saves the trained model in the browser's IndexedDB, or hands its artifacts to the page to download. */
  | { type: 'save'; to: 'indexeddb' | 'download' }
  /** Loads a model from IndexedDB or from uploaded files (model.json and its weights), scored on `data`. */
  | { type: 'load'; from: 'indexeddb' | File[]; data: DataChoice; seed: number }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' };

/** A density on a regular grid over the data's range, for the heatmap. */
export interface DensityGrid {
  values: number[];
  columns: number;
  rows: number;
  extent: [number, number, number, number];
}

export type FromWorker =
  | { type: 'backend'; info: BackendInfo; catalog: Catalog }
  | { type: 'data'; points: number[][]; dim: number; rows: number }
  | { type: 'progress'; step: number; steps: number; loss: number }
  | {
      type: 'snapshot';
      step: number;
      trainLoss: number;
      validationLoss: number;
      samples: number[][];
      density?: DensityGrid;
    }
  | { type: 'artifacts'; artifacts: ModelArtifacts }
  /** Where the model went or came from, and its validation NLL there (the same number after a round trip). */
  | { type: 'model'; event: 'saved' | 'loaded'; where: string; validationLoss: number }
  | { type: 'state'; state: 'training' | 'paused' | 'stopped' | 'done'; detail?: string }
  | { type: 'error'; name: string; message: string };
