// What the stand-in peer answers (`stand-in.ts` is the process): every figure follows from the
// request and one number, the seconds it claims per row, so a test can predict each of them.
import type { FlowPeerSpec, PeerArchSpec } from '../models.js';
import type { PeerRequest } from './protocol.js';

/** The stand-in's seconds per row unless told otherwise: 10^5 rows per second. */
export const STAND_IN_ROW_SECONDS = 1e-5;

/** The stand-in's held-out NLL for seed `seed`, and where its made-up training starts. */
export const standInNll = (seed: number): number => 3.6 + 0.01 * seed;
export const STAND_IN_FIRST_LOSS = 7.2;

const linear = (inputs: number, outputs: number) => inputs * outputs + outputs;

/** A residual net or a MADE (dense weights, masks apart): in, blocks of two hidden layers, out. */
const residualNet = (inputs: number, outputs: number, hidden: number, blocks: number) =>
  linear(inputs, hidden) + blocks * 2 * linear(hidden, hidden) + linear(hidden, outputs);

function flowParameters(spec: FlowPeerSpec): number {
  const { dim, numTransforms, hiddenFeatures: h, numBlocks } = spec;
  if (spec.type === 'realnvp') {
    const passed = Math.floor(dim / 2);
    return numTransforms * residualNet(passed, (dim - passed) * 2, h, numBlocks);
  }
  // Per dimension: an affine map's shift and scale, or a spline's widths, heights and inner slopes.
  const perDim = spec.type === 'maf' ? 2 : 3 * (spec.numBins ?? 8) - 1;
  return numTransforms * residualNet(dim, dim * perDim, h, numBlocks);
}

/**
 * The trainable parameters of the architecture `spec` describes, counted from the spec alone (as
 * PyTorch counts them: MADE weights dense), so the bench's same-architecture check has something to check.
 */
export function standInParameters(spec: PeerArchSpec): number {
  if (spec.type !== 'mixture') return flowParameters(spec);
  const sizes = [
    spec.dim,
    ...Array.from({ length: spec.posterior.numHiddenLayers }, () => spec.posterior.hiddenFeatures),
    spec.numComponents,
  ];
  const posterior = sizes.slice(1).reduce((sum, out, i) => sum + linear(sizes[i]!, out), 0);
  return spec.numComponents * flowParameters(spec.component) + posterior;
}

/** What the stand-in says for one request: its progress labels in order, then its result. */
export interface StandInAnswer {
  labels: string[];
  result: Record<string, unknown>;
}

/**
 * The stand-in's answer to `request`, with `rowSeconds` per row: a call over `n` rows takes
 * `n * rowSeconds`, the same in every timed sample; a training of `steps` batches of `b` rows
 * takes `steps * b * rowSeconds`. Throws on a workload it does not have, as the real peer answers.
 */
export function standInAnswer(request: PeerRequest, rowSeconds: number): StandInAnswer {
  const { settings, arch } = request;
  const parameters = standInParameters(arch.spec);
  const times = (rows: number, repeats: number) => Array.from({ length: repeats }, () => rows * rowSeconds);
  switch (request.workload) {
    case 'train-step':
      return {
        labels: settings.trainBatches.map((b) => `${arch.id} batch ${b}`),
        result: {
          parameters,
          cases: settings.trainBatches.map((batch) => ({ batch, seconds: times(batch, settings.repeats) })),
        },
      };
    case 'log-prob':
      return {
        labels: [arch.id],
        result: { parameters, seconds: times(settings.logProbPoints, settings.passes.repeats) },
      };
    case 'sample':
      return {
        labels: [arch.id],
        result: { parameters, seconds: times(settings.samplePoints, settings.passes.repeats) },
      };
    case 'high-dim':
      return {
        labels: [`${arch.id} train step`, `${arch.id} logProb`],
        result: {
          parameters,
          stepSeconds: times(settings.highDim.batchSize, settings.repeats),
          logProbSeconds: times(settings.highDim.points, settings.passes.repeats),
        },
      };
    case 'time-to-quality': {
      const t = settings.timeToQuality;
      const seeds = request.seeds ?? Array.from({ length: t.seeds }, (_, i) => i);
      const batch = Math.min(t.batchSize, t.trainPoints);
      return {
        labels: seeds.flatMap((seed) => [`seed ${seed}: training`, `seed ${seed}: held-out NLL`]),
        result: {
          parameters,
          trainings: seeds.map((seed) => ({
            seed,
            nll: standInNll(seed),
            standardError: 0.01,
            wallS: t.steps * batch * rowSeconds,
            steps: t.steps,
            firstTrainLoss: STAND_IN_FIRST_LOSS,
            finalTrainLoss: standInNll(seed),
          })),
        },
      };
    }
    default:
      throw new Error(`unknown workload '${request.workload}'`);
  }
}
