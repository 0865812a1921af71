import type { BackendInfo } from '@diffeo/core';
import type { io } from '@tensorflow/tfjs-core';
import type { DensityJob, DensityMessage } from './modes/density/protocol.js';
import type { F4FJob, F4FMessage, F4FRequest } from './modes/flows4flows/protocol.js';
import type { MarginalizingJob, MarginalizingMessage } from './modes/marginalizing/protocol.js';
import type { MixtureJob, MixtureMessage } from './modes/mixtures/protocol.js';

/**
 * The messages between the page and the training worker. Each mode adds its job and the messages
 * its views draw (in `modes/<mode>/protocol.ts`); the rest is shared by every mode.
 */

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

/** Where data comes from: a registered data set, or CSV text uploaded by the person. */
export type DataChoice =
  | { kind: 'dataset'; type: string; config: Record<string, unknown> }
  | { kind: 'csv'; text: string };

/** The flow to train: a ready-made architecture, or a stack of one registered bijector type. */
export type ModelChoice =
  | { kind: 'preset'; preset: PresetName; options: Record<string, unknown> }
  | { kind: 'stack'; bijector: string; config: Record<string, unknown>; layers: number };

export const PRESETS = ['nsf-coupling', 'nsf-autoregressive', 'maf', 'realnvp'] as const;
export type PresetName = (typeof PRESETS)[number];

/** A box [x0, x1, y0, y1] in the plane. */
export type Extent = [number, number, number, number];

/** Values of a function on a regular grid over an extent, rows from the bottom (`y0`) up. */
export interface Grid {
  values: number[];
  columns: number;
  rows: number;
  extent: Extent;
}

/** What every mode's job says about training. */
export interface TrainingSettings {
  steps: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

/** A job of any mode: its `mode` names the runner in the worker that does it. */
export type Job = DensityJob | MarginalizingJob | F4FJob | MixtureJob;
export type ModeName = Job['mode'];

/** What a mode's views draw: each mode's own messages. */
export type ModeMessage = DensityMessage | MarginalizingMessage | F4FMessage | MixtureMessage;

/** What a mode's controls ask of its runner without training again (e.g. redraw at another condition). */
export type ModeRequest = F4FRequest;

export type ToWorker =
  | { type: 'backend'; backend: DemoBackend; wasmPaths: Record<string, string> }
  | { type: 'start'; job: Job }
  /**
   * Saves the current model in the browser's IndexedDB, or hands its artifacts to the page to
   * download; `job` is what the mode's controls say now (a mode holding several models picks one).
   */
  | { type: 'save'; to: 'indexeddb' | 'download'; job?: Job }
  /** Loads a model from IndexedDB or from uploaded files (model.json and its weights), scored on the job's data. */
  | { type: 'load'; from: 'indexeddb' | File[]; job: Job }
  /** A request to the runner of `request.mode`, answered with that mode's own messages. */
  | { type: 'mode'; request: ModeRequest }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'backend'; info: BackendInfo; catalog: Catalog }
  | { type: 'progress'; step: number; steps: number; loss: number; phase?: string }
  | { type: 'artifacts'; artifacts: ModelArtifacts }
  /** Where the model went or came from, and its validation NLL there (the same number after a round trip). */
  | { type: 'model'; event: 'saved' | 'loaded'; where: string; validationLoss: number }
  | { type: 'state'; state: 'training' | 'paused' | 'stopped' | 'done'; detail?: string }
  | { type: 'error'; name: string; message: string }
  | ModeMessage;
