import type { BackendResult, Better, GoalRow } from '../types.js';

/** A reference figure of PyTorch 1.13 + nflows on this machine class (issue #5) and Diffeo's target. */
export interface Goal {
  /** The Diffeo figure it is held against. */
  figureId: string;
  what: string;
  unit: string;
  better: Better;
  /** PyTorch + nflows, best thread setting. */
  reference: number;
  /** What Diffeo must reach (at least when higher is better, at most when lower is). */
  target: number;
}

/**
 * The goals of issue #5 for the flows-for-flows NSF preset (289,464 parameters in nflows): faster
 * than PyTorch at batch 128 (50-60 steps/s: the target is the top of that range), at least 0.8x at
 * batch 1024, logProb and sampling at least as fast, the same held-out NLL (within 0.01 nats) in
 * less training wall time. The targets are for wasm in Node.
 */
export const GOALS: readonly Goal[] = [
  {
    figureId: 'train-step/nsf/b128/steps-per-s',
    what: 'NSF train step, batch 128',
    unit: 'steps/s',
    better: 'higher',
    reference: 55,
    target: 60,
  },
  {
    figureId: 'train-step/nsf/b1024/steps-per-s',
    what: 'NSF train step, batch 1024',
    unit: 'steps/s',
    better: 'higher',
    reference: 21,
    target: 0.8 * 21,
  },
  {
    figureId: 'log-prob/nsf/points-per-s',
    what: 'NSF logProb',
    unit: 'points/s',
    better: 'higher',
    reference: 75_000,
    target: 75_000,
  },
  {
    figureId: 'sample/nsf/samples-per-s',
    what: 'NSF sampling',
    unit: 'samples/s',
    better: 'higher',
    reference: 35_000,
    target: 35_000,
  },
  {
    figureId: 'time-to-quality/nsf/nll',
    what: 'NSF held-out NLL after 3000 steps',
    unit: 'nats',
    better: 'lower',
    reference: 3.52,
    target: 3.53,
  },
  {
    figureId: 'time-to-quality/nsf/train-wall-s',
    what: 'NSF training wall time, 3000 steps',
    unit: 's',
    better: 'lower',
    reference: 55,
    target: 55,
  },
];

/** Diffeo's figures beside the goals, for every backend of the run. */
export function goalRows(backends: readonly BackendResult[], quick: boolean): GoalRow[] {
  const rows: GoalRow[] = [];
  for (const b of backends) {
    const figures = new Map(b.workloads.flatMap((w) => w.figures).map((f) => [f.id, f]));
    for (const goal of GOALS) {
      const f = figures.get(goal.figureId);
      const diffeo = f === undefined ? null : f.value;
      const ratio =
        diffeo === null ? null : goal.better === 'lower' ? goal.reference / diffeo : diffeo / goal.reference;
      const met =
        diffeo === null || quick
          ? null
          : goal.better === 'lower'
            ? diffeo <= goal.target
            : diffeo >= goal.target;
      rows.push({
        backend: b.backend,
        what: goal.what,
        unit: goal.unit,
        better: goal.better,
        reference: goal.reference,
        target: goal.target,
        diffeo,
        ratio,
        met,
        ...(quick ? { note: 'quick run: smaller sizes, not comparable' } : {}),
      });
    }
  }
  return rows;
}
