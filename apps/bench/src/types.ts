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
  /**
   * The processor beyond its marketing name (Linux only): vendor, family, model and the vector
   * extensions that set each side's arithmetic (`AuthenticAMD family 25 model 17: avx2 fma
   * avx512f`). Two machines of one `cpuModel` can differ here, and their ratios with them.
   */
  cpuId?: string;
  cores: number;
  totalMemoryBytes: number;
  platform: string;
  arch: string;
  node: string;
  chromium?: string;
  loadAverage: number[];
}

/** What one workload of the peer measured (the same figure ids as Diffeo's). */
export interface PeerWorkloadResult {
  name: string;
  /** Wall time of the whole workload on the peer's side, seconds. */
  wallS: number;
  figures: Figure[];
  details?: Record<string, unknown>;
  /** Set when the peer failed on (part of) this workload. */
  error?: string;
}

/** One run of a peer at one thread count, interleaved with Diffeo's. */
export type PeerRun = (
  | {
      /** Plain PyTorch (`peers/pytorch/`). */
      peer: 'pytorch';
      /** What ran it: PyTorch's and Python's versions, the BLAS library it loaded. */
      version: {
        torch: string;
        python: string;
        blas: string[];
        /** glibc keeping freed memory (`keep`) or its own settings (`default`); absent in runs before the option. */
        allocator?: 'keep' | 'default';
      };
    }
  | {
      /** The stand-in (`src/peer/stand-in.ts`): figures made up from each request, for the bench's tests. */
      peer: 'stand-in';
      /** The Node that ran it, and the seconds it claims per row of a request. */
      version: { node: string; rowSeconds: number };
    }
) & {
  /** The threads it ran with (`torch.set_num_threads`). */
  threads: number;
  workloads: PeerWorkloadResult[];
  /** Set when the peer process failed as a whole (the workloads after it are missing). */
  error?: string;
};

/** The JSON file written by `--json`. */
export interface BenchReport {
  /**
   * Format version of this file: 2 since the goals are ratios to a peer measured in the same run
   * (`peers`); format 1 held fixed PyTorch figures in the goal rows.
   */
  format: 1 | 2;
  date: string;
  quick: boolean;
  command: string;
  machine: MachineInfo;
  backends: BackendResult[];
  /** The peer's runs (one per thread count), interleaved with the backends' (`--peer`); empty without. */
  peers: PeerRun[];
  /** Per backend: Diffeo's figures held against the goals, and against the peer when it ran. */
  goals: GoalRow[];
  /** Figures derived from several workloads: the non-arithmetic share per architecture. */
  analysis: AnalysisRow[];
  /**
   * Per backend and profiled case: the matrix-product arithmetic of a training step or a logProb
   * chunk against the product kernel's measured rate (absent in files written before it).
   */
  arithmetic?: ArithmeticRow[];
  /** Per high-dim architecture: its arithmetic and the rate each side ran it at (absent before it). */
  highDimArithmetic?: HighDimArithmeticRow[];
  /** Backends whose runner failed as a whole (their figures are missing). */
  failures: { backend: BenchBackend; message: string }[];
}

/** The peer's figure for a goal at one thread count. */
export interface PeerFigure {
  threads: number;
  value: number;
}

/**
 * A goal of issue #16 for one backend: Diffeo's figure and, when the peer ran, the peer's and how
 * the two compare.
 */
export interface GoalRow {
  backend: BenchBackend;
  what: string;
  unit: string;
  better: Better;
  /**
   * How Diffeo is held against the peer: `ratio`, Diffeo's speed over the peer's (above 1 is
   * faster: value / peer, or peer / value for a time), at least `target`; `difference`, Diffeo's
   * value minus the peer's in `unit`, at most `target`.
   */
  kind: 'ratio' | 'difference';
  target: number;
  diffeo: number | null;
  /** The peer at Diffeo's thread count on this backend (the comparison that is judged). */
  peer: PeerFigure | null;
  /** The peer at its best thread count for this figure. */
  peerBest: PeerFigure | null;
  /** The ratio or difference (see `kind`) against `peer`. */
  versus: number | null;
  /** The ratio or difference against `peerBest`. */
  versusBest: number | null;
  /**
   * The products-only ratio against the peer at Diffeo's thread count: the peer's time for one
   * profiled call (`kernel-profile`) over Diffeo's time inside its product kernels in it, the ratio
   * Diffeo would reach if nothing else took time (null for goals without a profiled call, without
   * that peer or without the profile).
   */
  productsOnly: number | null;
  /** Judged only on a full run with a peer at Diffeo's thread count. */
  met: boolean | null;
  /** Why nothing is judged (a quick run, no peer in this run, no peer at this thread count). */
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

/**
 * The matrix-product arithmetic of one profiled call (a training step, a logProb chunk) against the
 * rate the product kernel reaches alone (`op-overhead`'s matmul): how far the call is from the
 * limit its arithmetic sets.
 */
export interface ArithmeticRow {
  backend: BenchBackend;
  arch: string;
  /** `b128`, `b1024` (training steps) or `log-prob` (one chunk of logProb). */
  call: string;
  /** Matrix-product FLOPs of the call (2mnk per product), GFLOP. */
  gflop: number;
  /** Its wall time unprofiled, ms. */
  wallMs: number;
  /** Time inside the product kernels, ms (null without a kernel timer). */
  productMs: number | null;
  /** GFLOP / wall time. */
  wallGflops: number;
  /** GFLOP / product-kernel time (null without a kernel timer). */
  productGflops: number | null;
  /** The product kernel's rate alone, GFLOP/s (null when op-overhead did not run on this backend). */
  limitGflops: number | null;
  /** wallGflops / limitGflops: the share of the limit the whole call reaches. */
  wallShare: number | null;
  /** productGflops / limitGflops: the share the product kernels reach inside the call. */
  productShare: number | null;
}

/**
 * The arithmetic of a high-dim call (a training step or a logProb pass) and the rate it ran at on
 * a backend and on the peer: the same dense products (masks multiplied in, as PyTorch runs them)
 * over each side's time.
 */
export interface HighDimArithmeticRow {
  backend: BenchBackend;
  arch: string;
  /** `train` (one Adam step) or `log-prob` (the pass over the high-dim points). */
  call: 'train' | 'log-prob';
  /** Matrix-product FLOPs of the call counted dense, GFLOP. */
  gflop: number;
  /** gflop over Diffeo's median time, GFLOP/s. */
  diffeoGflops: number;
  /** gflop over the peer's median time at Diffeo's thread count (null without that peer). */
  peerGflops: number | null;
  /** The product kernel's rate alone on this backend (op-overhead's matmul; null when it did not run). */
  limitGflops: number | null;
  /** Diffeo's time inside its product kernels in one call, ms (profiled). */
  productMs: number;
  /**
   * The peer's time for the call over Diffeo's product time: the speed ratio Diffeo would reach if
   * everything but its product kernels took no time (null without that peer).
   */
  productsOnlyRatio: number | null;
}
