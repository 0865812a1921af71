import type { Workload } from '../workload.js';
import { fitOverlapWorkload } from './fit-overlap.js';
import { highDimWorkload } from './high-dim.js';
import { kernelProfileWorkload } from './kernel-profile.js';
import { logProbWorkload } from './log-prob.js';
import { opOverheadWorkload } from './op-overhead.js';
import { sampleWorkload } from './sample.js';
import { timeToQualityWorkload } from './time-to-quality.js';
import { trainStepWorkload } from './train-step.js';

/**
 * Every workload, in the order they run. Memory (tensors and bytes before and after, peak process
 * memory) is measured by the harness around each one, so it is not a workload of its own.
 */
export const WORKLOADS: readonly Workload[] = [
  opOverheadWorkload,
  trainStepWorkload,
  kernelProfileWorkload,
  logProbWorkload,
  sampleWorkload,
  timeToQualityWorkload,
  highDimWorkload,
  fitOverlapWorkload,
];

/** The workloads of a run that names none: all but the opt-in ones. */
export const DEFAULT_WORKLOADS: readonly Workload[] = WORKLOADS.filter((w) => w.optIn !== true);

/** The workloads named in `names` (the default ones when undefined), failing on an unknown name. */
export function selectWorkloads(names?: readonly string[]): Workload[] {
  if (names === undefined) return [...DEFAULT_WORKLOADS];
  return names.map((name) => {
    const w = WORKLOADS.find((x) => x.name === name);
    if (w === undefined) {
      throw new Error(
        `--workloads: expected some of ${WORKLOADS.map((x) => x.name).join(', ')}, got '${name}'`,
      );
    }
    return w;
  });
}
