import type { ProgressEvent } from '../harness.js';
import type { BackendResult } from '../types.js';

/** What a runner (Node child process or Chromium page) tells the CLI. */
export type RunnerMessage =
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'result'; result: BackendResult }
  | { type: 'error'; message: string };
