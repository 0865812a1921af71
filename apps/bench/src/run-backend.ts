import type { BackendInfo } from '@diffeo/core';
import * as tf from '@tensorflow/tfjs-core';
import { type Platform, type ProgressEvent, runWorkloads } from './harness.js';
import { selectArchs } from './models.js';
import { settingsFor } from './settings.js';
import type { BackendReport, BackendResult, BenchBackend, RuntimeInfo } from './types.js';
import { selectWorkloads } from './workloads/index.js';

/** What the CLI asks one runner (a Node child process or a Chromium page) to do. JSON only. */
export interface RunRequest {
  backend: BenchBackend;
  quick: boolean;
  repeats?: number;
  ttqSteps?: number;
  ttqSeeds?: number;
  /** wasm and browser-wasm: XNNPACK's threads (`useBackend`'s `threads`). */
  threads?: number;
  workloads?: string[];
  archs?: string[];
  /** Only this part of the workload (`Workload.parts`): a side-by-side run's item. */
  part?: string;
}

/** The plan of a request: one label per progress tick, so the CLI can size its progress bar. */
export function planOf(request: RunRequest): string[] {
  const settings = settingsFor(request.quick, request);
  const archs = selectArchs(request.archs);
  return selectWorkloads(request.workloads).flatMap((w) =>
    w.plan(settings, archs, request.part).map((l) => `${w.name}: ${l}`),
  );
}

/** The backend report from what `useBackend` returned and tfjs's flags. */
export function reportOf(info: BackendInfo): BackendReport {
  const report: BackendReport = { name: info.name, prod: tf.env().getBool('PROD') };
  if (info.wasm !== undefined) report.wasm = { ...info.wasm };
  if (info.webgl !== undefined) report.webgl = { ...info.webgl };
  return report;
}

/**
 * Runs a request on the backend the caller already selected: the code both runners share.
 */
export async function runBackend(
  request: RunRequest,
  context: {
    platform: Platform;
    runtime: RuntimeInfo;
    reported: BackendReport;
    onProgress?: (event: ProgressEvent) => void | Promise<void>;
  },
): Promise<BackendResult> {
  const start = performance.now();
  const workloads = await runWorkloads(selectWorkloads(request.workloads), {
    backend: request.backend,
    settings: settingsFor(request.quick, request),
    archs: selectArchs(request.archs),
    ...(request.part === undefined ? {} : { part: request.part }),
    platform: context.platform,
    ...(context.onProgress === undefined ? {} : { onProgress: context.onProgress }),
  });
  return {
    backend: request.backend,
    runtime: context.runtime,
    reported: context.reported,
    workloads,
    wallS: (performance.now() - start) / 1000,
  };
}
