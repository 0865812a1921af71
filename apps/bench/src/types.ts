/**
 * The shapes every part of the bench shares: what a workload returns, what one backend's run
 * returns, and the JSON file a run writes. The JSON is the contract with `--compare` and with
 * later runs: add fields, never rename them.
 */

/** Where a backend runs. */
export type Runtime = 'node' | 'chromium';

/** The backends the bench knows: two in Node, two in headless Chromium. */
export type BenchBackend = 'cpu' | 'wasm' | 'webgl' | 'browser-wasm';

export const ALL_BACKENDS: readonly BenchBackend[] = ['cpu', 'wasm', 'webgl', 'browser-wasm'];

/** Whether a larger value of a figure is better, smaller is better, or neither (a count, a share). */
export type Better = 'higher' | 'lower' | 'none';

/** Median and spread of repeated measurements of one quantity. */
export interface Spread {
  /** Number of repeats the median is over. */
  n: number;
  min: number;
  max: number;
  /** (max - min) / median: the relative width of what was seen, 0 for a single repeat. */
  relSpread: number;
}

/** One measured number. `id` is stable across runs and is how `--compare` matches figures. */
export interface Figure {
  /** e.g. `train-step/nsf/b128/steps-per-s`. */
  id: string;
  /** What it is, for the table, e.g. `NSF preset train step, batch 128`. */
  label: string;
  value: number;
  unit: string;
  better: Better;
  spread?: Spread;
}

/** Engine memory as tf.memory() reports it. */
export interface TensorMemory {
  numTensors: number;
  numBytes: number;
  numDataBuffers: number;
}

/** Memory measured around one workload. */
export interface WorkloadMemory {
  before: TensorMemory;
  after: TensorMemory;
  /** after - before; both must be <= 0 (a workload frees everything it made). */
  tensorsGrown: number;
  bytesGrown: number;
  /**
   * Highest process memory seen at the checkpoints inside the workload (Node: resident set
   * size; Chromium: used JS heap from performance.memory), bytes; absent when the runtime has no
   * such figure.
   */
  peakProcessBytes?: number;
  /** Node only: the process's resident-set high-water mark after the workload (monotonic), bytes. */
  maxRssBytes?: number;
  /** wasm only: size of the backend's WebAssembly heap after the workload (it never shrinks), bytes. */
  wasmHeapBytes?: number;
  /** webgl only: bytes held in GPU textures after the workload. */
  gpuBytes?: number;
}

/** What a workload reports, plus what the harness measured around it. */
export interface WorkloadResult {
  name: string;
  description: string;
  /** Wall time of the whole workload (set-up, warm-up, repeats), seconds. */
  wallS: number;
  figures: Figure[];
  memory: WorkloadMemory;
  /** Free-form facts a workload wants in the JSON (parameter counts, kernel tables, settings). */
  details?: Record<string, unknown>;
  /** Set when the workload threw: the run goes on with the next workload. */
  error?: string;
}

/** What the backend reported when it was selected, plus tfjs flags that change speed. */
export interface BackendReport {
  /** tfjs's backend name. */
  name: string;
  wasm?: { simd: boolean; threads: boolean; threadsCount: number };
  webgl?: { version: number; float32RenderTargets: boolean; renderer?: string };
  /** tfjs `PROD` flag: off means extra debug checks run. */
  prod: boolean;
}

/** The machine and runtime one backend ran in. */
export interface RuntimeInfo {
  runtime: Runtime;
  /** Node version or the browser's user agent. */
  version: string;
  /** Logical cores the runtime sees. */
  cores: number;
  cpuModel?: string;
  totalMemoryBytes?: number;
  crossOriginIsolated?: boolean;
}

/** One backend's whole run. */
export interface BackendResult {
  backend: BenchBackend;
  runtime: RuntimeInfo;
  reported: BackendReport;
  workloads: WorkloadResult[];
  wallS: number;
}

/** The machine the bench was started on. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  totalMemoryBytes: number;
  platform: string;
  arch: string;
  node: string;
  chromium?: string;
  loadAverage: number[];
}

/** The JSON file written by `--json`. */
export interface BenchReport {
  /** Format version of this file. */
  format: 1;
  date: string;
  quick: boolean;
  command: string;
  machine: MachineInfo;
  backends: BackendResult[];
  /** Per backend: the goal figures side by side with Diffeo's. */
  goals: GoalRow[];
  /** Figures derived from several workloads: the non-arithmetic share per architecture. */
  analysis: AnalysisRow[];
  /** Backends whose runner failed as a whole (their figures are missing). */
  failures: { backend: BenchBackend; message: string }[];
}

/** A PyTorch + nflows reference figure beside Diffeo's. */
export interface GoalRow {
  backend: BenchBackend;
  what: string;
  unit: string;
  better: Better;
  reference: number;
  /** The target for Diffeo, in the same unit (e.g. 0.8 x the reference at batch 1024). */
  target: number;
  diffeo: number | null;
  /** diffeo / reference, or reference / diffeo when lower is better: above 1 is better than PyTorch. */
  ratio: number | null;
  met: boolean | null;
  /** Diffeo's figure was measured in quick mode or with a different size: not comparable. */
  note?: string;
}

/** Per-sample cost at a small and an 8x larger batch, and what follows from it. */
export interface AnalysisRow {
  backend: BenchBackend;
  arch: string;
  smallBatch: number;
  largeBatch: number;
  msPerStepSmall: number;
  msPerStepLarge: number;
  /** Per-sample cost at the small batch over that at the large one (1 = pure arithmetic). */
  perSampleRatio: number;
  /** Fixed cost per step from t(b) = fixed + b * perSample, ms. */
  fixedMs: number;
  /** Share of the small-batch step that is the fixed cost (not proportional to the data). */
  fixedShareSmall: number;
  fixedShareLarge: number;
}
