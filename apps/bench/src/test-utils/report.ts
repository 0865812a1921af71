import type { BackendResult, BenchReport, Figure, PeerRun, WorkloadResult } from '../types.js';

const memory = {
  before: { numTensors: 3, numBytes: 12, numDataBuffers: 3 },
  after: { numTensors: 3, numBytes: 12, numDataBuffers: 3 },
  tensorsGrown: 0,
  bytesGrown: 0,
  peakProcessBytes: 100 * 2 ** 20,
};

/** A workload result with the given figures. */
export function workload(name: string, figures: Figure[], details?: Record<string, unknown>): WorkloadResult {
  return {
    name,
    description: `${name} workload`,
    wallS: 1,
    figures,
    memory,
    ...(details ? { details } : {}),
  };
}

/** A figure with a spread of +-10%. */
export function figure(
  id: string,
  value: number,
  better: Figure['better'] = 'higher',
  unit = 'steps/s',
): Figure {
  return {
    id,
    label: id,
    value,
    unit,
    better,
    spread: { n: 3, min: value * 0.9, max: value * 1.1, relSpread: 0.2 },
  };
}

/** A Node wasm backend result with training steps at batches 128 and 1024. */
export function wasmResult(stepsPerS: { b128: number; b1024: number }): BackendResult {
  return {
    backend: 'wasm',
    runtime: { runtime: 'node', version: 'v20', cores: 2 },
    reported: { name: 'wasm', wasm: { simd: true, threads: false, threadsCount: 1 }, prod: false },
    wallS: 3,
    workloads: [
      workload(
        'train-step',
        [
          figure('train-step/nsf/b128/steps-per-s', stepsPerS.b128),
          figure('train-step/nsf/b1024/steps-per-s', stepsPerS.b1024),
        ],
        { batches: [128, 1024] },
      ),
      workload('time-to-quality', [
        figure('time-to-quality/nsf/nll', 3.6, 'lower', 'nats'),
        figure('time-to-quality/nsf/train-wall-s', 50, 'lower', 's'),
      ]),
    ],
  };
}

/** A report around backend results. */
export function report(backends: BackendResult[], quick = false): BenchReport {
  return {
    format: 2,
    date: '2026-01-01T00:00:00.000Z',
    quick,
    command: 'bench',
    machine: {
      cpuModel: 'Test CPU',
      cores: 2,
      totalMemoryBytes: 2 ** 30,
      platform: 'linux',
      arch: 'x64',
      node: 'v20',
      loadAverage: [0],
    },
    backends,
    peers: [],
    goals: [],
    analysis: [],
    failures: [],
  };
}

/** A PyTorch peer run at `threads` threads with the given figures (workloads named by their ids). */
export function peerRun(threads: number, figures: Figure[]): PeerRun {
  const names = [...new Set(figures.map((f) => f.id.split('/')[0]!))];
  return {
    peer: 'pytorch',
    threads,
    version: { torch: '1.13.0', python: '3.11.2', blas: ['/usr/lib/libopenblas.so.0'] },
    workloads: names.map((name) => ({
      name,
      wallS: 2,
      figures: figures.filter((f) => f.id.startsWith(`${name}/`)),
    })),
  };
}
