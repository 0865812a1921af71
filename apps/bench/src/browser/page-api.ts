import type { ProgressEvent } from '../harness.js';
import type { RunRequest } from '../run-backend.js';
import type { BackendResult } from '../types.js';

/** What the bench page puts on `window`, and what Playwright exposes to it. */
export interface BenchPageApi {
  run(request: RunRequest): Promise<BackendResult>;
}

declare global {
  interface Window {
    diffeoBench: BenchPageApi;
    benchProgress?: (event: ProgressEvent) => Promise<void>;
  }
}
