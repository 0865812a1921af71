/**
 * How big every workload is, in full and in quick mode. Full mode follows issue #5 (batches 128
 * and 1024, 10^5 points, 3000 training steps); quick mode shrinks everything so a whole backend
 * takes well under two minutes, keeping the 8x ratio between the two training batches so the
 * fixed-cost analysis still works. Quick figures are for checking that everything runs, not for
 * comparing with full ones.
 */
export interface Settings {
  quick: boolean;
  /** The small and the large training batch (the large one is 8x the small one). */
  trainBatches: readonly [number, number];
  /** Untimed calls before timing starts (compiles shaders, grows the wasm heap, fills caches). */
  warmup: number;
  /**
   * After those, untimed calls go on until the warm-up has lasted this long, seconds: a fresh Node
   * process runs its first hundred or so training steps slower while V8 tiers up. The peer warms up
   * the same way, so both sides are timed in their steady state.
   */
  warmupS: number;
  /** Timed samples; the median and the spread are over these. */
  repeats: number;
  /** Each timed sample repeats the call until it lasts at least this long, seconds. */
  minSampleS: number;
  /** At most this many calls per timed sample. */
  maxCallsPerSample: number;
  /** Profiled training steps per case in kernel-profile (the median one is reported). */
  profiles: number;
  /** Warm-up and repeats of the long passes over `logProbPoints` / `samplePoints`. */
  passes: { warmup: number; repeats: number };
  /** Points for the logProb throughput. */
  logProbPoints: number;
  /** Samples for the sampling throughput. */
  samplePoints: number;
  /** logProb and sample go through the data in chunks of this many rows (bounds memory). */
  chunk: number;
  timeToQuality: {
    steps: number;
    batchSize: number;
    learningRate: number;
    trainPoints: number;
    testPoints: number;
    /**
     * Trainings with seeds 0, 1, ... (the model's initialisation and the batches' order): the NLL
     * is their mean. One seed's NLL moves from seed to seed by about as much as the goal's NLL
     * margin (the README has the figures), so one run cannot tell the two apart.
     */
    seeds: number;
  };
  /** The `high-dim` workload: the training batch and the points of the logProb pass (one chunk). */
  highDim: { batchSize: number; points: number };
  /** Tiny ops chained for the per-op cost. */
  tinyOps: number;
  /** Tiny ops each read back for the round-trip cost. */
  readbackOps: number;
}

/** The sizes of a run. `repeats` overrides the number of timed samples. */
export function settingsFor(
  quick: boolean,
  overrides: { repeats?: number; ttqSteps?: number; ttqSeeds?: number } = {},
): Settings {
  const base: Settings = quick
    ? {
        quick,
        trainBatches: [8, 64],
        warmup: 1,
        warmupS: 0,
        repeats: 2,
        minSampleS: 0,
        maxCallsPerSample: 1,
        profiles: 1,
        passes: { warmup: 1, repeats: 2 },
        logProbPoints: 256,
        samplePoints: 256,
        chunk: 256,
        timeToQuality: {
          steps: 10,
          batchSize: 64,
          learningRate: 1e-3,
          trainPoints: 1_000,
          testPoints: 512,
          seeds: 1,
        },
        highDim: { batchSize: 8, points: 32 },
        tinyOps: 200,
        readbackOps: 20,
      }
    : {
        quick,
        trainBatches: [128, 1024],
        warmup: 3,
        warmupS: 2,
        repeats: 7,
        minSampleS: 0.3,
        maxCallsPerSample: 20,
        profiles: 3,
        passes: { warmup: 1, repeats: 3 },
        logProbPoints: 100_000,
        samplePoints: 100_000,
        chunk: 10_000,
        timeToQuality: {
          steps: 3000,
          batchSize: 128,
          learningRate: 1e-3,
          trainPoints: 100_000,
          testPoints: 20_000,
          seeds: 3,
        },
        highDim: { batchSize: 100, points: 1_000 },
        tinyOps: 2_000,
        readbackOps: 200,
      };
  return {
    ...base,
    ...(overrides.repeats === undefined
      ? {}
      : { repeats: overrides.repeats, passes: { ...base.passes, repeats: overrides.repeats } }),
    timeToQuality: {
      ...base.timeToQuality,
      ...(overrides.ttqSteps === undefined ? {} : { steps: overrides.ttqSteps }),
      ...(overrides.ttqSeeds === undefined ? {} : { seeds: overrides.ttqSeeds }),
    },
  };
}
