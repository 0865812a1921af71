import type { DataArrays } from '@diffeo/datasets';
import { DATA_SEEDS } from '../data.js';
import type { Arch } from '../models.js';
import type { Settings } from '../settings.js';
import type { Figure } from '../types.js';
import { highDimArchs, highDimFigures, highDimPlan } from '../workloads/high-dim.js';
import { logProbFigure } from '../workloads/log-prob.js';
import { sampleFigure } from '../workloads/sample.js';
import { timeToQualityArch, timeToQualityFigures, trainingSeeds } from '../workloads/time-to-quality.js';
import { trainStepFigures, trainStepPlan } from '../workloads/train-step.js';
import { type PeerRequest, type PeerResult, type PeerWorkloadName, parsePeerResult } from './protocol.js';

/** What the bench tells the peer to run for one of our workloads, and how it reads the answer. */
export interface PeerWorkload<W extends PeerWorkloadName = PeerWorkloadName> {
  name: W;
  /**
   * The architectures the peer measures for an item, one request each: the item's own, or what
   * the workload always measures (time-to-quality: the NSF preset; high-dim: its architectures, or
   * the one the item's part names).
   */
  archs(itemArch: Arch | undefined, part?: string): readonly Arch[];
  /** What else the request says for an item's part (time-to-quality: the seeds to train). */
  extra?(settings: Settings, part?: string): Pick<PeerRequest, 'seeds'>;
  /** The data the peer reads, by the name it looks it up under: the rows our workload draws. */
  data(arch: Arch, settings: Settings): Record<string, () => DataArrays>;
  /** The progress labels the peer announces, in order (for an item's part). */
  plan(arch: Arch, settings: Settings, part?: string): string[];
  /** The figures (same ids as ours) and details of a checked result. */
  read(
    arch: Arch,
    settings: Settings,
    result: PeerResult<W>,
  ): { figures: Figure[]; details: Record<string, unknown> };
}

const define = <W extends PeerWorkloadName>(w: PeerWorkload<W>) => w;

const same = (arch: Arch | undefined): Arch[] => {
  if (arch === undefined) throw new Error('the peer: this workload measures one architecture per item');
  return [arch];
};

/** The peer's workloads: the train step, logProb, sampling and time-to-quality. */
export const PEER_WORKLOADS: { [W in PeerWorkloadName]: PeerWorkload<W> } = {
  'train-step': define({
    name: 'train-step',
    archs: same,
    data: (arch, settings) =>
      Object.fromEntries(
        settings.trainBatches.map((b) => [`train-batch-${b}`, () => arch.data(b, DATA_SEEDS.trainBatch)]),
      ),
    plan: (arch, settings) => trainStepPlan(settings, arch),
    read: (arch, settings, r) => ({
      figures: r.cases.flatMap((c) => trainStepFigures(arch, c.batch, c.seconds)),
      details: { parameters: { [arch.id]: r.parameters }, batches: settings.trainBatches },
    }),
  }),
  'log-prob': define({
    name: 'log-prob',
    archs: same,
    data: (arch, settings) => ({ 'log-prob': () => arch.data(settings.logProbPoints, DATA_SEEDS.logProb) }),
    plan: (arch) => [arch.id],
    read: (arch, settings, r) => ({
      figures: [logProbFigure(arch, settings.logProbPoints, r.seconds)],
      details: {
        points: settings.logProbPoints,
        chunk: settings.chunk,
        parameters: { [arch.id]: r.parameters },
      },
    }),
  }),
  sample: define({
    name: 'sample',
    archs: same,
    data: () => ({}),
    plan: (arch) => [arch.id],
    read: (arch, settings, r) => ({
      figures: [sampleFigure(arch, settings.samplePoints, r.seconds)],
      details: {
        samples: settings.samplePoints,
        chunk: settings.chunk,
        parameters: { [arch.id]: r.parameters },
      },
    }),
  }),
  'time-to-quality': define({
    name: 'time-to-quality',
    archs: () => [timeToQualityArch()],
    extra: (settings, part) => ({ seeds: trainingSeeds(settings, part) }),
    data: (arch, settings) => ({
      'ttq-train': () => arch.data(settings.timeToQuality.trainPoints, DATA_SEEDS.ttqTrain),
      'ttq-test': () => arch.data(settings.timeToQuality.testPoints, DATA_SEEDS.ttqTest),
    }),
    plan: (_arch, settings, part) =>
      trainingSeeds(settings, part).flatMap((seed) => [
        `seed ${seed}: training`,
        `seed ${seed}: held-out NLL`,
      ]),
    read: (arch, settings, r) => ({
      figures: timeToQualityFigures(r.trainings),
      details: {
        ...settings.timeToQuality,
        stepsTaken: r.trainings[0]?.steps,
        parameters: { [arch.id]: r.parameters },
        trainings: r.trainings,
      },
    }),
  }),
  'high-dim': define({
    name: 'high-dim',
    archs: (_arch, part) => highDimArchs(part),
    data: (arch, settings) => ({
      'train-batch': () => arch.data(settings.highDim.batchSize, DATA_SEEDS.trainBatch),
      'log-prob': () => arch.data(settings.highDim.points, DATA_SEEDS.logProb),
    }),
    plan: (arch) => highDimPlan(arch),
    read: (arch, settings, r) => ({
      figures: highDimFigures(
        arch,
        settings.highDim.batchSize,
        r.stepSeconds,
        settings.highDim.points,
        r.logProbSeconds,
      ),
      details: { ...settings.highDim, parameters: { [arch.id]: r.parameters } },
    }),
  }),
};

/** Reads a raw result of `workload` into figures and details (checking it first). */
export function readPeerResult(
  workload: PeerWorkloadName,
  arch: Arch,
  settings: Settings,
  raw: unknown,
): { figures: Figure[]; details: Record<string, unknown> } {
  const w = PEER_WORKLOADS[workload] as PeerWorkload;
  return w.read(arch, settings, parsePeerResult(workload, raw) as never);
}
