import * as tf from '@tensorflow/tfjs-core';
import type { Arch } from './models.js';
import type { Settings } from './settings.js';
import type { BenchBackend, Runtime, TensorMemory, WorkloadMemory, WorkloadResult } from './types.js';
import type { Workload, WorkloadContext } from './workload.js';

/** What differs between Node and Chromium: clocks are the same, memory figures are not. */
export interface Platform {
  runtime: Runtime;
  /** Current process memory (Node: RSS; Chromium: used JS heap), or undefined when unknown. */
  processBytes(): number | undefined;
  /** Node: the RSS high-water mark of the process. */
  maxRssBytes?(): number;
}

/** A progress event: which backend, which workload, which item of its plan. */
export interface ProgressEvent {
  backend: BenchBackend;
  workload: string;
  label: string;
}

export interface HarnessOptions {
  backend: BenchBackend;
  settings: Settings;
  archs: readonly Arch[];
  /** Only this part of each workload (see `Workload.parts`). */
  part?: string;
  platform: Platform;
  onProgress?: (event: ProgressEvent) => void | Promise<void>;
}

const now = () => performance.now() / 1000;

// A macrotask, not a microtask: lets progress messages and the IPC channel flush.
const breathe = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function tensorMemory(): TensorMemory {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes, numDataBuffers: m.numDataBuffers };
}

function wasmHeapBytes(): number | undefined {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.byteLength;
}

function gpuBytes(): number | undefined {
  const m = tf.memory() as unknown as { numBytesInGPU?: number };
  return m.numBytesInGPU;
}

/** Times `fn` as {@link WorkloadContext.time} describes. */
export async function timeCalls(
  fn: () => Promise<void> | void,
  settings: Pick<Settings, 'warmup' | 'warmupS' | 'repeats' | 'minSampleS' | 'maxCallsPerSample'>,
  checkpoint: () => void = () => {},
): Promise<number[]> {
  let estimate = Number.POSITIVE_INFINITY;
  const warmupStart = now();
  for (let i = 0; i < settings.warmup || now() - warmupStart < settings.warmupS; i++) {
    const start = now();
    await fn();
    estimate = now() - start;
    checkpoint();
  }
  const calls =
    settings.minSampleS <= 0 || !Number.isFinite(estimate)
      ? 1
      : Math.min(
          settings.maxCallsPerSample,
          Math.max(1, Math.ceil(settings.minSampleS / Math.max(estimate, 1e-6))),
        );
  const perCall: number[] = [];
  for (let r = 0; r < settings.repeats; r++) {
    const start = now();
    for (let c = 0; c < calls; c++) await fn();
    perCall.push((now() - start) / calls);
    checkpoint();
    await breathe();
  }
  return perCall;
}

/**
 * Runs the workloads one after the other on the backend that is already selected, measuring
 * engine memory before and after each and the process's peak memory during it. A workload that
 * throws is reported with its error and the run goes on.
 */
export async function runWorkloads(
  workloads: readonly Workload[],
  options: HarnessOptions,
): Promise<WorkloadResult[]> {
  const { platform, settings, backend } = options;
  const results: WorkloadResult[] = [];
  for (const workload of workloads) {
    let peak = platform.processBytes();
    const checkpoint = () => {
      const bytes = platform.processBytes();
      if (bytes !== undefined && (peak === undefined || bytes > peak)) peak = bytes;
    };
    const ctx: WorkloadContext = {
      settings,
      backend,
      runtime: platform.runtime,
      archs: options.archs,
      ...(options.part === undefined ? {} : { part: options.part }),
      time: (fn, override) => timeCalls(fn, { ...settings, ...override }, checkpoint),
      checkpoint,
      step: async (label) => {
        checkpoint();
        await options.onProgress?.({ backend, workload: workload.name, label });
        await breathe();
      },
    };
    await breathe();
    const before = tensorMemory();
    const start = now();
    let output: Awaited<ReturnType<Workload['run']>> = { figures: [] };
    let error: string | undefined;
    try {
      output = await workload.run(ctx);
    } catch (e) {
      error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
    const wallS = now() - start;
    checkpoint();
    const after = tensorMemory();
    const memory: WorkloadMemory = {
      before,
      after,
      tensorsGrown: after.numTensors - before.numTensors,
      bytesGrown: after.numBytes - before.numBytes,
    };
    if (peak !== undefined) memory.peakProcessBytes = peak;
    const maxRss = platform.maxRssBytes?.();
    if (maxRss !== undefined) memory.maxRssBytes = maxRss;
    const heap = wasmHeapBytes();
    if (heap !== undefined) memory.wasmHeapBytes = heap;
    const gpu = gpuBytes();
    if (gpu !== undefined) memory.gpuBytes = gpu;
    results.push({
      name: workload.name,
      description: workload.description,
      wallS,
      figures: output.figures,
      memory,
      ...(output.details === undefined ? {} : { details: output.details }),
      ...(error === undefined ? {} : { error }),
    });
  }
  return results;
}
