import type { Arch } from './models.js';
import type { Settings } from './settings.js';
import type { BenchBackend, Figure, Runtime } from './types.js';

/** A workload's figures and details. */
export interface WorkloadOutput {
  figures: Figure[];
  details?: Record<string, unknown>;
}

/** Everything a workload gets from the harness. The same object exists in Node and in Chromium. */
export interface WorkloadContext {
  settings: Settings;
  backend: BenchBackend;
  runtime: Runtime;
  /** The architectures selected for this run. */
  archs: readonly Arch[];
  /** When set, run only this one of the workload's `parts` (a side-by-side run's item). */
  part?: string;
  /**
   * Times `fn` after `settings.warmup` untimed calls, and more until the warm-up has lasted
   * `settings.warmupS`: `settings.repeats` samples, each of enough calls to last
   * `settings.minSampleS`. Returns seconds per call, one value per sample. `fn` must finish its
   * work before it resolves (read back a result), or queued GPU work is missed. `override`
   * replaces any of the warm-up count, the warm-up time and the repeat count (long passes need
   * fewer).
   */
  time(
    fn: () => Promise<void> | void,
    override?: Partial<Pick<Settings, 'warmup' | 'warmupS' | 'repeats'>>,
  ): Promise<number[]>;
  /** Marks the start of the next item of the workload's plan (drives the progress bar). */
  step(label: string): Promise<void>;
  /** Samples process memory for the peak; the harness also calls it between timed samples. */
  checkpoint(): void;
}

/**
 * One benchmark. A workload builds what it needs, measures, and disposes everything it made: the
 * harness checks `tf.memory()` before and after. Add a workload by writing one module and listing
 * it in `workloads/index.ts`.
 */
export interface Workload {
  name: string;
  description: string;
  /**
   * Whether it measures each selected architecture in turn (a run can then take one architecture
   * at a time), or does the same whatever the selection.
   */
  perArch: boolean;
  /** Runs only when named in `--workloads`, not in a default run. */
  optIn?: boolean;
  /**
   * Pieces it can run one at a time (`ctx.part`), so that a side-by-side run interleaves finer than
   * the whole workload: high-dim's architectures, time-to-quality's seeds.
   */
  parts?(settings: Settings): string[];
  /**
   * The output of several parts together, from each part's (in the order they ran), when that is
   * not their figures side by side and their details merged (time-to-quality: the mean over the
   * seeds of all the parts). The peer's parts are combined with it too.
   */
  combine?(a: WorkloadOutput, b: WorkloadOutput): WorkloadOutput;
  /**
   * The labels of the items `run` will announce with `ctx.step`, in order (for the progress bar);
   * those of `part` alone when given.
   */
  plan(settings: Settings, archs: readonly Arch[], part?: string): string[];
  run(ctx: WorkloadContext): Promise<WorkloadOutput>;
}
