import type { BackendResult, Better, GoalRow, PeerFigure, PeerRun, WorkloadResult } from '../types.js';

/**
 * A goal of issue #16: Diffeo's figure held against the same figure of the PyTorch peer measured
 * in the same run, as a ratio of speeds (above 1 is faster than PyTorch) or a difference.
 */
export interface Goal {
  /** The figure id, the same on both sides. */
  figureId: string;
  what: string;
  unit: string;
  better: Better;
  kind: GoalRow['kind'];
  /** At least this ratio, or at most this difference. */
  target: number;
  /**
   * The `kernel-profile` call that is one call of the figure (`nsf/b128`: one step; `nsf/log-prob`:
   * a chunk of `logProbPoints` points, with `points`), for the products-only ratio.
   */
  profiled?: { key: string; points?: true };
}

/**
 * The goals for the flows-for-flows NSF preset on wasm in Node, one thread on both sides: the
 * training step at batch 128 at least 1.5x PyTorch's speed and at batch 1024 at least 0.8x, logProb
 * at least 1.2x, sampling at least 2x, and time-to-quality: a held-out NLL within 0.01 nats of
 * PyTorch's in at most 0.7x its wall time (a speed ratio of at least 1 / 0.7).
 */
export const GOALS: readonly Goal[] = [
  {
    figureId: 'train-step/nsf/b128/steps-per-s',
    what: 'NSF train step, batch 128',
    unit: 'steps/s',
    better: 'higher',
    kind: 'ratio',
    target: 1.5,
    profiled: { key: 'nsf/b128' },
  },
  {
    figureId: 'train-step/nsf/b1024/steps-per-s',
    what: 'NSF train step, batch 1024',
    unit: 'steps/s',
    better: 'higher',
    kind: 'ratio',
    target: 0.8,
    profiled: { key: 'nsf/b1024' },
  },
  {
    figureId: 'log-prob/nsf/points-per-s',
    what: 'NSF logProb',
    unit: 'points/s',
    better: 'higher',
    kind: 'ratio',
    target: 1.2,
    profiled: { key: 'nsf/log-prob', points: true },
  },
  {
    figureId: 'sample/nsf/samples-per-s',
    what: 'NSF sampling',
    unit: 'samples/s',
    better: 'higher',
    kind: 'ratio',
    target: 2,
  },
  {
    figureId: 'time-to-quality/nsf/nll',
    what: 'NSF held-out NLL after training',
    unit: 'nats',
    better: 'lower',
    kind: 'difference',
    target: 0.01,
  },
  {
    figureId: 'time-to-quality/nsf/train-wall-s',
    what: 'NSF training wall time',
    unit: 's',
    better: 'lower',
    kind: 'ratio',
    target: 1 / 0.7,
  },
];

/** The threads Diffeo ran with on a backend: XNNPACK's on wasm, one elsewhere. */
export function threadsOf(backend: BackendResult): number {
  return backend.reported.wasm?.threadsCount ?? 1;
}

/** A figure of one `kernel-profile` call (`nsf/b128`, `nsf/log-prob`, ...) in that workload's result. */
export function profiledFigure(
  profile: WorkloadResult | undefined,
  key: string,
  name: string,
): number | undefined {
  return profile?.figures.find((f) => f.id === `kernel-profile/${key}/${name}`)?.value;
}

/**
 * The time one `kernel-profile` call spent inside the product kernels, ms: its kernel time times
 * the products' share (null without that profile or a kernel timer).
 */
export function profiledProductMs(profile: WorkloadResult | undefined, key: string): number | null {
  const [kernelMs, share] = [
    profiledFigure(profile, key, 'kernel-ms'),
    profiledFigure(profile, key, 'matmul-share'),
  ];
  return kernelMs === undefined || share === undefined ? null : kernelMs * share;
}

/**
 * The peer's time for one profiled call over Diffeo's time inside its product kernels in that call:
 * the speed ratio Diffeo would reach if nothing but its products took time.
 */
function productsOnlyRatio(goal: Goal, backend: BackendResult, peerRate: number): number | null {
  if (goal.profiled === undefined) return null;
  const profile = backend.workloads.find((w) => w.name === 'kernel-profile');
  const productMs = profiledProductMs(profile, goal.profiled.key);
  const perCall = goal.profiled.points === true ? profile?.details?.logProbPoints : 1;
  if (productMs === null || productMs <= 0 || typeof perCall !== 'number') return null;
  return (1000 * perCall) / peerRate / productMs;
}

/** Diffeo's value against the peer's, as the goal's kind says. */
export function versus(goal: Pick<Goal, 'kind' | 'better'>, diffeo: number, peer: number): number {
  if (goal.kind === 'difference') return diffeo - peer;
  return goal.better === 'lower' ? peer / diffeo : diffeo / peer;
}

/** The peer's figure `id` at every thread count it ran with. */
function peerFigures(peers: readonly PeerRun[], id: string): PeerFigure[] {
  return peers.flatMap((run) => {
    const f = run.workloads.flatMap((w) => w.figures).find((x) => x.id === id);
    return f === undefined || !Number.isFinite(f.value) ? [] : [{ threads: run.threads, value: f.value }];
  });
}

function best(goal: Goal, figures: readonly PeerFigure[]): PeerFigure | null {
  if (figures.length === 0) return null;
  return figures.reduce((a, b) =>
    (goal.better === 'lower' ? b.value < a.value : b.value > a.value) ? b : a,
  );
}

/**
 * Diffeo's figures held against the goals, for every backend of the run. Without a peer run there
 * is no ratio and nothing is judged; with one, the judged comparison is against the peer at
 * Diffeo's thread count on that backend, and the peer's best thread count is shown beside it.
 * Quick runs are never judged.
 */
export function goalRows(
  backends: readonly BackendResult[],
  peers: readonly PeerRun[],
  quick: boolean,
): GoalRow[] {
  const rows: GoalRow[] = [];
  for (const b of backends) {
    const figures = new Map(b.workloads.flatMap((w) => w.figures).map((f) => [f.id, f]));
    for (const goal of GOALS) {
      const f = figures.get(goal.figureId);
      const diffeo = f === undefined || !Number.isFinite(f.value) ? null : f.value;
      const all = peerFigures(peers, goal.figureId);
      const peer = all.find((p) => p.threads === threadsOf(b)) ?? null;
      const peerBest = best(goal, all);
      const vs = (p: PeerFigure | null) =>
        diffeo === null || p === null ? null : versus(goal, diffeo, p.value);
      const versusPeer = vs(peer);
      const met =
        quick || versusPeer === null
          ? null
          : goal.kind === 'difference'
            ? versusPeer <= goal.target
            : versusPeer >= goal.target;
      const note = quick
        ? 'quick run: smaller sizes, not comparable'
        : peers.length === 0
          ? 'no peer in this run (--peer pytorch)'
          : peer === null
            ? `no peer run with ${threadsOf(b)} thread(s)`
            : undefined;
      rows.push({
        backend: b.backend,
        what: goal.what,
        unit: goal.unit,
        better: goal.better,
        kind: goal.kind,
        target: goal.target,
        diffeo,
        peer,
        peerBest,
        versus: versusPeer,
        versusBest: vs(peerBest),
        productsOnly: peer === null ? null : productsOnlyRatio(goal, b, peer.value),
        met,
        ...(note === undefined ? {} : { note }),
      });
    }
  }
  return rows;
}
