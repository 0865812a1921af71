import type { Catalog, FromWorker, Job, ModeRequest } from '../protocol.js';

/** What the page hands a mode when it builds its panel. */
export interface ModeContext {
  catalog: Catalog;
  /** Training steps from the URL (`?steps=N`), overriding the mode's own default. */
  steps?: number;
  /** Sends a request to this mode's runner in the worker (its answer comes back through `onMessage`). */
  send(request: ModeRequest): void;
  /**
   * Starts the job `job()` describes as the Train button does (its error, if it throws, shown like
   * the Train button's), for a mode's own buttons (e.g. "Train with labels").
   */
  start(job: () => Promise<Job>): Promise<void>;
}

/**
 * The page side of one mode: its panel (data, model and training controls, and plots), the job its
 * controls describe, and how it draws the worker's messages.
 */
export interface Mode {
  element: HTMLElement;
  /** The job the controls describe; throws with a message for the page when a control is invalid. */
  job(): Promise<Job>;
  /** Every message from the worker, the shared ones (progress, state) included. */
  onMessage(message: FromWorker): Promise<void>;
}

export interface ModeEntry {
  label: string;
  create(context: ModeContext): Mode;
}
